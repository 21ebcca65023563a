// The project's usage against its quotas: compute from Nova's limits,
// networking from Neutron's quota and the project's own resources.
import * as api from "./api.js";
import { h, bar, section, errorBox } from "./dom.js";

export async function overview(main, _params, page) {
  const s = api.session();
  main.append(h("h1", {}, "Overview: ", h("span", { class: "project-name" }, s.project.name)));
  const compute = section("Compute", h("p", { class: "muted" }, "Loading..."));
  const network = section("Network", h("p", { class: "muted" }, "Loading..."));
  main.append(h("div", { class: "grid" }, compute, network));

  const [limits, quota, counts] = await Promise.allSettled([
    api.get(`${api.paths.compute}/limits`),
    api.get(`${api.paths.network}/quotas/${encodeURIComponent(s.project.id)}`),
    networkUsage(s.project.id),
  ]);
  if (!page.alive) return;
  compute.lastChild.remove();
  if (limits.status === "fulfilled") {
    const a = limits.value.limits.absolute;
    compute.append(
      bar("Instances", a.totalInstancesUsed, a.maxTotalInstances),
      bar("vCPUs", a.totalCoresUsed, a.maxTotalCores),
      bar("RAM", a.totalRAMUsed, a.maxTotalRAMSize, " MiB")
    );
  } else compute.append(errorBox(limits.reason));

  network.lastChild.remove();
  if (quota.status === "rejected") network.append(errorBox(quota.reason));
  else if (counts.status === "rejected") network.append(errorBox(counts.reason));
  else {
    const q = quota.value.quota;
    const c = counts.value;
    network.append(
      bar("Networks", c.networks, q.network),
      bar("Ports", c.ports, q.port),
      bar("Security groups", c.security_groups, q.security_group),
      bar("Floating IPs", c.floatingips, q.floatingip),
      bar("Routers", c.routers, q.router)
    );
  }
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
