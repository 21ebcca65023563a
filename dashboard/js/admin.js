// Admin: hypervisors with their vCPU, RAM and disk usage and the instances
// on each; every project's instances. Members reach these pages only by
// typing the URL, and then see the API's 403.
import * as api from "./api.js";
import { h, clear, fill, table, errorBox, bar, section } from "./dom.js";
import { catalogNames, serverColumns } from "./instances.js";

const C = api.paths.compute;

async function projectNames() {
  try {
    const { projects } = await api.get(`${api.paths.identity}/projects`);
    return new Map(projects.map((p) => [p.id, p]));
  } catch {
    return new Map();  // the table falls back to ids; the servers' error is what matters
  }
}

export async function hypervisors(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  main.append(h("h1", {}, "Hypervisors"), slot, listSlot);
  let names = null;
  let projects = null;
  const refresh = async () => {
    try {
      const { hypervisors: list } = await api.get(`${C}/os-hypervisors/detail`);
      const { servers } = await api.get(`${C}/servers/detail?all_tenants=1`);
      names = names || (await catalogNames());
      projects = projects || (await projectNames());
      if (!page.alive) return;
      fill(listSlot, 
        list.length
          ? list.map((hv) => {
              const on = servers.filter((s) => s["OS-EXT-SRV-ATTR:hypervisor_hostname"] === hv.hypervisor_hostname || s["OS-EXT-SRV-ATTR:host"] === hv.service?.host);
              return section(
                `Hypervisor ${hv.hypervisor_hostname}`,
                h("p", { class: "muted" }, `${hv.hypervisor_type || ""} · state ${hv.state} · status ${hv.status} · ${hv.running_vms} running`),
                h(
                  "div",
                  { class: "bars" },
                  bar("vCPUs", hv.vcpus_used, hv.vcpus),
                  bar("RAM", hv.memory_mb_used, hv.memory_mb, " MiB"),
                  bar("Disk", hv.local_gb_used, hv.local_gb, " GB")
                ),
                h("h3", {}, "Instances"),
                table(serverColumns(names, slot, refresh, { admin: true, project: true, projects }), on, "No instances on this hypervisor.")
              );
            })
          : h("p", { class: "empty" }, "No hypervisors.")
      );
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  await refresh();
  page.poll(refresh, 3000);
}

export async function allInstances(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  main.append(h("h1", {}, "All instances"), slot, listSlot);
  let names = null;
  let projects = null;
  const refresh = async () => {
    try {
      const { servers } = await api.get(`${C}/servers/detail?all_tenants=1`);
      names = names || (await catalogNames());
      projects = projects || (await projectNames());
      if (!page.alive) return;
      servers.sort((a, b) => a.name.localeCompare(b.name));
      fill(listSlot, table(serverColumns(names, slot, refresh, { admin: true, project: true, projects }), servers, "No instances."));
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  await refresh();
  page.poll(refresh, 3000);
}
