// The project's usage against its quotas: compute from Nova's limits,
// networking from Neutron's quota and the project's own resources; and, as
// Horizon's overview, this month's usage (os-simple-tenant-usage).
import * as api from "./api.js";
import { h, fill, bar, section, table, errorBox } from "./dom.js";

export async function overview(main, _params, page) {
  const s = api.session();
  main.append(h("h1", {}, "Overview: ", h("span", { class: "project-name" }, s.project.name)));
  const computeBody = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const networkBody = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const compute = section("Compute", computeBody);
  const network = section("Network", networkBody);
  const usageBody = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  main.append(h("div", { class: "grid" }, compute, network), section("Usage summary", usageBody));

  const load = async () => {
    const period = thisMonth();
    const [limits, quota, counts, usage] = await Promise.allSettled([
      api.get(`${api.paths.compute}/limits`),
      api.get(`${api.paths.network}/quotas/${encodeURIComponent(s.project.id)}`),
      networkUsage(s.project.id),
      api.get(
        `${api.paths.compute}/os-simple-tenant-usage/${encodeURIComponent(s.project.id)}` +
          `?start=${encodeURIComponent(period.start)}&end=${encodeURIComponent(period.end)}`
      ),
    ]);
    if (!page.alive) return;
    if (limits.status === "fulfilled") {
      const a = limits.value.limits.absolute;
      fill(
        computeBody,
        bar("Instances", a.totalInstancesUsed, a.maxTotalInstances),
        bar("vCPUs", a.totalCoresUsed, a.maxTotalCores),
        bar("RAM", a.totalRAMUsed, a.maxTotalRAMSize, " MiB")
      );
    } else fill(computeBody, errorBox(limits.reason));

    if (quota.status === "rejected") fill(networkBody, errorBox(quota.reason));
    else if (counts.status === "rejected") fill(networkBody, errorBox(counts.reason));
    else {
      const q = quota.value.quota;
      const c = counts.value;
      fill(
        networkBody,
        bar("Networks", c.networks, q.network),
        bar("Ports", c.ports, q.port),
        bar("Security groups", c.security_groups, q.security_group),
        bar("Floating IPs", c.floatingips, q.floatingip),
        bar("Routers", c.routers, q.router)
      );
    }

    if (usage.status === "fulfilled") fill(usageBody, usageSummary(usage.value.tenant_usage, period.from));
    else fill(usageBody, errorBox(usage.reason));
  };
  await load();
  page.poll(load, 10000);
}

// Neutron counts a project's own resources against its quota.
async function networkUsage(projectId) {
  const q = `?project_id=${encodeURIComponent(projectId)}`;
  const [networks, ports, groups, ips, routers] = await Promise.all([
    api.get(`${api.paths.network}/networks${q}`),
    api.get(`${api.paths.network}/ports${q}`),
    api.get(`${api.paths.network}/security-groups${q}`),
    api.get(`${api.paths.network}/floatingips${q}`),
    api.get(`${api.paths.network}/routers${q}`),
  ]);
  return {
    networks: networks.networks.length,
    ports: ports.ports.length,
    security_groups: groups.security_groups.length,
    floatingips: ips.floatingips.length,
    routers: routers.routers.length,
  };
}

// Horizon's usage window: from the start of this month (the browser's
// month) to now. Nova takes naive times in UTC: the "Z" is dropped. The
// milliseconds stay: cut to the second, the end would miss a server
// launched in the last second.
function thisMonth(now = new Date()) {
  const from = new Date(now.getFullYear(), now.getMonth(), 1);
  const naive = (d) => d.toISOString().slice(0, -1);
  return { from, start: naive(from), end: naive(now) };
}

// "3 hours, 5 minutes": the largest unit and the next one, as Horizon's
// "Time since created" (Django's timesince) reads.
function duration(seconds) {
  const units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const left = Math.max(0, Math.floor(seconds || 0));
  const i = units.findIndex(([, size]) => left >= size);
  if (i < 0) return "0 seconds";
  const say = (n, name) => `${n} ${name}${n === 1 ? "" : "s"}`;
  const [name, size] = units[i];
  const next = units[i + 1];
  const rest = next ? Math.floor((left % size) / next[1]) : 0;
  const first = say(Math.floor(left / size), name);
  return rest ? `${first}, ${say(rest, next[0])}` : first;
}

// The summary and the servers' table. The totals count every server of the
// window, deleted ones too; the table and the "active" figures only the
// servers still there (ended_at null), as Horizon shows them. An empty
// tenant_usage ({}) is a month in which nothing ran.
function usageSummary(u, from) {
  const running = (u.server_usages || []).filter((x) => !x.ended_at);
  const hours = (n) => (n || 0).toFixed(2);
  const rows = [
    ["Active instances", String(running.length)],
    ["Active RAM", `${running.reduce((sum, x) => sum + x.memory_mb, 0)} MiB`],
    ["This period's vCPU-hours", hours(u.total_vcpus_usage)],
    ["This period's GB-hours", hours(u.total_local_gb_usage)],
    ["This period's RAM MB-hours", hours(u.total_memory_mb_usage)],
  ];
  return [
    h("p", { class: "muted" }, `From ${from.toLocaleDateString()} to now.`),
    h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    table(
      [
        ["Instance name", (x) => x.name],
        ["vCPUs", (x) => String(x.vcpus)],
        ["Disk", (x) => `${x.local_gb} GB`],
        ["RAM", (x) => `${x.memory_mb} MiB`],
        ["Time since created", (x) => duration(x.uptime)],
      ],
      running,
      "No instances ran this month."
    ),
  ];
}
