// The project's usage against its quotas: compute from Nova's limits,
// networking from Neutron's quota and the project's own resources.
import * as api from "./api.js";
import { h, fill, bar, section, errorBox } from "./dom.js";

export async function overview(main, _params, page) {
  const s = api.session();
  main.append(h("h1", {}, "Overview: ", h("span", { class: "project-name" }, s.project.name)));
  const computeBody = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const networkBody = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const compute = section("Compute", computeBody);
  const network = section("Network", networkBody);
  main.append(h("div", { class: "grid" }, compute, network));

  const load = async () => {
    const [limits, quota, counts] = await Promise.allSettled([
      api.get(`${api.paths.compute}/limits`),
      api.get(`${api.paths.network}/quotas/${encodeURIComponent(s.project.id)}`),
      networkUsage(s.project.id),
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
