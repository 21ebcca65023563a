// Networks: networks with a subnet (CIDR checked before sending), subnets,
// ports; security groups and their rules; routers and floating IPs.
import * as api from "./api.js";
import { h, clear, fill, table, errorBox, notice, field, select, section, statusBadge } from "./dom.js";

const N = api.paths.network;

// "10.0.0.0/24" or "fd00::/64": the reason it is not a network CIDR, or "".
export function cidrProblem(text) {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return "A CIDR is an address and a prefix length, e.g. 10.0.0.0/24.";
  const [, addr, bits] = m;
  const prefix = Number(bits);
  if (addr.includes(":")) {
    try {
      new URL(`http://[${addr}]/`);
    } catch {
      return `${addr} is not an IPv6 address.`;
    }
    return prefix <= 128 ? "" : "An IPv6 prefix length is at most 128.";
  }
  const parts = addr.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    return `${addr} is not an IPv4 address.`;
  if (prefix > 32) return "An IPv4 prefix length is at most 32.";
  const value = parts.reduce((v, p) => v * 256 + Number(p), 0);
  const size = 2 ** (32 - prefix);
  if (value % size !== 0) {
    const base = value - (value % size);
    const dotted = [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".");
    return `${text.trim()} has host bits set: the network is ${dotted}/${prefix}.`;
  }
  return "";
}

async function confirmDelete(kind, name, path, slot, after) {
  if (!window.confirm(`Delete ${kind} "${name}"?`)) return;
  try {
    await api.del(path);
    fill(slot, notice(`The ${kind} "${name}" was deleted.`));
    after();
  } catch (err) {
    fill(slot, errorBox(err));
  }
}

const delButton = (kind, name, path, slot, after) =>
  h("button", { type: "button", class: "small danger", onclick: () => confirmDelete(kind, name, path, slot, after) }, "Delete");

export async function networks(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const netSlot = h("div", {});
  const subnetSlot = h("div", {});
  const portSlot = h("div", {});
  const refresh = async () => {
    const [nets, subnets, ports] = await Promise.allSettled([
      api.get(`${N}/networks`),
      api.get(`${N}/subnets`),
      api.get(`${N}/ports`),
    ]);
    if (!page.alive) return;
    const netName = new Map(nets.status === "fulfilled" ? nets.value.networks.map((n) => [n.id, n.name || n.id]) : []);
    const subnetName = new Map(subnets.status === "fulfilled" ? subnets.value.subnets.map((s) => [s.id, s.name || s.cidr]) : []);
    fill(netSlot, 
      nets.status === "rejected"
        ? errorBox(nets.reason)
        : table(
            [
              ["Name", (n) => n.name || n.id],
              ["Subnets", (n) => (n.subnets || []).map((id) => subnetName.get(id) || id).join(", ")],
              ["Shared", (n) => (n.shared ? "yes" : "no")],
              ["External", (n) => (n["router:external"] ? "yes" : "no")],
              ["Status", (n) => statusBadge(n.status)],
              ["Actions", (n) => delButton("network", n.name || n.id, `${N}/networks/${n.id}`, slot, refresh)],
            ],
            nets.value.networks,
            "No networks."
          )
    );
    fill(subnetSlot, 
      subnets.status === "rejected"
        ? errorBox(subnets.reason)
        : table(
            [
              ["Name", (s) => s.name || s.id],
              ["Network", (s) => netName.get(s.network_id) || s.network_id],
              ["CIDR", (s) => s.cidr],
              ["Gateway", (s) => s.gateway_ip || "-"],
              ["DHCP", (s) => (s.enable_dhcp ? "yes" : "no")],
              ["Actions", (s) => delButton("subnet", s.name || s.cidr, `${N}/subnets/${s.id}`, slot, refresh)],
            ],
            subnets.value.subnets,
            "No subnets."
          )
    );
    fill(portSlot, 
      ports.status === "rejected"
        ? errorBox(ports.reason)
        : table(
            [
              ["Name / ID", (p) => p.name || p.id],
              ["Network", (p) => netName.get(p.network_id) || p.network_id],
              ["Fixed IPs", (p) => (p.fixed_ips || []).map((f) => f.ip_address).join(", ")],
              ["MAC", (p) => p.mac_address],
              ["Device owner", (p) => p.device_owner || "-"],
              ["Status", (p) => statusBadge(p.status)],
            ],
            ports.value.ports,
            "No ports."
          )
    );
  };
  main.append(
    h("h1", {}, "Networks"),
    slot,
    createNetworkForm(slot, refresh),
    section("Networks", netSlot),
    section("Subnets", subnetSlot),
    section("Ports", portSlot)
  );
  await refresh();
  page.poll(refresh, 5000);
}

function createNetworkForm(slot, refresh) {
  const error = h("div", { class: "status-slot" });
  const name = h("input", { name: "network-name", required: true });
  const subnetName = h("input", { name: "subnet-name" });
  const cidr = h("input", { name: "cidr", placeholder: "10.0.0.0/24", required: true });
  const gateway = h("input", { name: "gateway", placeholder: "first address" });
  const dhcp = h("input", { type: "checkbox", name: "dhcp", checked: true });
  // Neutron lets only admins set these (a member who could would get its 403).
  const shared = h("input", { type: "checkbox", name: "shared" });
  const external = h("input", { type: "checkbox", name: "external" });
  const cidrHint = h("small", { class: "hint-error", "aria-live": "polite" });
  cidr.addEventListener("input", () => {
    cidrHint.textContent = cidr.value ? cidrProblem(cidr.value) : "";
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Create network");
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        const problem = cidrProblem(cidr.value);
        if (problem) {
          cidrHint.textContent = problem;
          error.append(errorBox({ message: problem }));
          return;
        }
        submit.disabled = true;
        try {
          const body = { name: name.value };
          if (shared.checked) body.shared = true;
          if (external.checked) body["router:external"] = true;
          const { network } = await api.post(`${N}/networks`, { network: body });
          const subnet = {
            network_id: network.id,
            name: subnetName.value || `${name.value}-subnet`,
            cidr: cidr.value.trim(),
            ip_version: cidr.value.includes(":") ? 6 : 4,
            enable_dhcp: dhcp.checked,
          };
          if (gateway.value.trim()) subnet.gateway_ip = gateway.value.trim();
          try {
            await api.post(`${N}/subnets`, { subnet });
          } catch (err) {
            err.message = `The network "${name.value}" was created, but not its subnet: ${err.message}`;
            throw err;
          }
          fill(slot, notice(`Network "${name.value}" created with subnet ${subnet.cidr}.`));
          form.reset();
        } catch (err) {
          error.append(errorBox(err));
        } finally {
          submit.disabled = false;
          refresh();
        }
      },
    },
    error,
    h(
      "div",
      { class: "form-grid" },
      field("Network name", name),
      field("Subnet name", subnetName),
      h("label", { class: "field" }, h("span", {}, "CIDR"), cidr, cidrHint),
      field("Gateway IP", gateway),
      h("label", { class: "check" }, dhcp, "DHCP"),
      api.isAdmin() ? h("label", { class: "check" }, shared, "Shared") : null,
      api.isAdmin() ? h("label", { class: "check" }, external, "External (floating IPs)") : null
    ),
    h("div", { class: "buttons" }, submit)
  );
  return section("Create a network with a subnet", form);
}

export async function securityGroups(main, _params, page) {
  const s = api.session();
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {});
  const refresh = async () => {
    try {
      const { security_groups: groups } = await api.get(`${N}/security-groups?project_id=${encodeURIComponent(s.project.id)}`);
      if (!page.alive) return;
      fill(listSlot, groups.length ? groups.map((g) => groupCard(g, slot, refresh)) : h("p", { class: "empty" }, "No security groups."));
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  const name = h("input", { name: "group-name", required: true });
  const description = h("input", { name: "group-description" });
  const error = h("div", { class: "status-slot" });
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        try {
          await api.post(`${N}/security-groups`, { security_group: { name: name.value, description: description.value } });
          fill(slot, notice(`Security group "${name.value}" created.`));
          form.reset();
          refresh();
        } catch (err) {
          error.append(errorBox(err));
        }
      },
    },
    error,
    h("div", { class: "form-grid" }, field("Name", name), field("Description", description)),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Create security group"))
  );
  main.append(h("h1", {}, "Security groups"), slot, section("Create a security group", form), listSlot);
  await refresh();
}

function groupCard(g, slot, refresh) {
  const error = h("div", { class: "status-slot" });
  const direction = select("direction", [["ingress", "ingress"], ["egress", "egress"]]);
  const ethertype = select("ethertype", [["IPv4", "IPv4"], ["IPv6", "IPv6"]]);
  const protocol = select("protocol", [["tcp", "tcp"], ["udp", "udp"], ["icmp", "icmp"], ["", "any"]]);
  const min = h("input", { name: "port-min", type: "number", min: "1", max: "65535", placeholder: "22" });
  const max = h("input", { name: "port-max", type: "number", min: "1", max: "65535", placeholder: "22" });
  const remote = h("input", { name: "remote-ip", placeholder: "0.0.0.0/0" });
  const ruleForm = h(
    "form",
    {
      class: "rule-form",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        const rule = { security_group_id: g.id, direction: direction.value, ethertype: ethertype.value };
        if (protocol.value) rule.protocol = protocol.value;
        if (min.value) rule.port_range_min = Number(min.value);
        if (max.value || min.value) rule.port_range_max = Number(max.value || min.value);
        if (remote.value.trim()) {
          const problem = cidrProblem(remote.value);
          if (problem) {
            error.append(errorBox({ message: problem }));
            return;
          }
          rule.remote_ip_prefix = remote.value.trim();
        }
        try {
          await api.post(`${N}/security-group-rules`, { security_group_rule: rule });
          refresh();
        } catch (err) {
          error.append(errorBox(err));
        }
      },
    },
    direction,
    ethertype,
    protocol,
    min,
    max,
    remote,
    h("button", { type: "submit", class: "small" }, "Add rule")
  );
  return section(
    `Security group ${g.name}`,
    g.description ? h("p", { class: "muted" }, g.description) : null,
    table(
      [
        ["Direction", (r) => r.direction],
        ["Ether type", (r) => r.ethertype],
        ["Protocol", (r) => r.protocol || "any"],
        ["Ports", (r) => (r.port_range_min === null || r.port_range_min === undefined ? "any" : `${r.port_range_min}-${r.port_range_max}`)],
        ["Remote", (r) => r.remote_ip_prefix || (r.remote_group_id ? `group ${r.remote_group_id}` : "any")],
        ["Actions", (r) => delButton("rule", `${r.direction} ${r.protocol || "any"}`, `${N}/security-group-rules/${r.id}`, slot, refresh)],
      ],
      g.security_group_rules || [],
      "No rules."
    ),
    error,
    ruleForm,
    g.name === "default" ? null : delButton("security group", g.name, `${N}/security-groups/${g.id}`, slot, refresh)
  );
}

export async function routersAndIps(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const routerSlot = h("div", {});
  const ipSlot = h("div", {});
  const formsSlot = h("div", { class: "grid" });
  // The forms' choices (routers, subnets) are rebuilt after a change made
  // here, not by the polling, which would wipe what is being typed.
  let rebuildForms = true;
  let lastSeen = "";
  const changed = () => {
    rebuildForms = true;
    return refresh();
  };
  const refresh = async () => {
    const [routers, ips, nets, subnets, ports, instancePorts] = await Promise.allSettled([
      api.get(`${N}/routers`),
      api.get(`${N}/floatingips`),
      api.get(`${N}/networks`),
      api.get(`${N}/subnets`),
      api.get(`${N}/ports?device_owner=network:router_interface`),
      api.get(`${N}/ports?device_owner=compute:nova`),
    ]);
    // A router's interfaces are its ports on the subnets it routes.
    const interfacesOf = (r) =>
      ports.status === "fulfilled"
        ? ports.value.ports
            .filter((p) => p.device_id === r.id)
            .flatMap((p) => (p.fixed_ips || []).map((f) => f.ip_address))
            .join(", ") || "-"
        : "?";
    if (!page.alive) return;
    // Redrawn only when something changed: a redraw would reset the port
    // being chosen for a floating IP.
    const seen = JSON.stringify([routers, ips, nets, subnets, ports, instancePorts]);
    if (seen === lastSeen && !rebuildForms) return;
    lastSeen = seen;
    const netName = new Map(nets.status === "fulfilled" ? nets.value.networks.map((n) => [n.id, n.name || n.id]) : []);
    fill(routerSlot, 
      routers.status === "rejected"
        ? errorBox(routers.reason)
        : table(
            [
              ["Name", (r) => r.name || r.id],
              ["Status", (r) => statusBadge(r.status)],
              ["Interfaces", interfacesOf],
              ["External network", (r) => (r.external_gateway_info ? netName.get(r.external_gateway_info.network_id) || r.external_gateway_info.network_id : "-")],
              ["Actions", (r) => delButton("router", r.name || r.id, `${N}/routers/${r.id}`, slot, refresh)],
            ],
            routers.value.routers,
            "No routers."
          )
    );
    fill(ipSlot, 
      ips.status === "rejected"
        ? errorBox(ips.reason)
        : table(
            [
              ["Floating IP", (f) => f.floating_ip_address],
              ["Network", (f) => netName.get(f.floating_network_id) || f.floating_network_id],
              ["Fixed IP", (f) => f.fixed_ip_address || "-"],
              ["Status", (f) => statusBadge(f.status)],
              [
                "Actions",
                (f) =>
                  h(
                    "span",
                    { class: "actions" },
                    associateControl(f, instancePorts.status === "fulfilled" ? instancePorts.value.ports : [], slot, refresh),
                    delButton("floating IP", f.floating_ip_address, `${N}/floatingips/${f.id}`, slot, refresh)
                  ),
              ],
            ],
            ips.value.floatingips,
            "No floating IPs."
          )
    );
    if (nets.status === "fulfilled" && subnets.status === "fulfilled" && routers.status === "fulfilled" && rebuildForms) {
      rebuildForms = false;
      fill(formsSlot, l3Forms(nets.value.networks, subnets.value.subnets, routers.value.routers, slot, changed));
    }
  };
  main.append(h("h1", {}, "Routers & floating IPs"), slot, formsSlot, section("Routers", routerSlot), section("Floating IPs", ipSlot));
  await refresh();
  page.poll(refresh, 5000);
}

function l3Forms(nets, subnets, routers, slot, refresh) {
  const external = nets.filter((n) => n["router:external"]);
  const mk = (title, fields, onsubmit, label) => {
    const error = h("div", { class: "status-slot" });
    const form = h(
      "form",
      {
        class: "wizard",
        onsubmit: async (e) => {
          e.preventDefault();
          clear(error);
          try {
            fill(slot, notice(await onsubmit()));
            refresh();
          } catch (err) {
            error.append(errorBox(err));
          }
        },
      },
      error,
      h("div", { class: "form-grid" }, fields),
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, label))
    );
    return section(title, form);
  };
  const rName = h("input", { name: "router-name", required: true });
  const rExt = select("router-external", [["", "No external gateway"], ...external.map((n) => [n.id, n.name || n.id])]);
  const iRouter = select("interface-router", routers.map((r) => [r.id, r.name || r.id]));
  // An external network is reached through a router's gateway, not an interface.
  const externalIds = new Set(external.map((n) => n.id));
  const iSubnet = select(
    "interface-subnet",
    subnets.filter((s) => !externalIds.has(s.network_id)).map((s) => [s.id, `${s.name || s.id} (${s.cidr})`])
  );
  const fNet = select(
    "fip-network",
    external.length ? external.map((n) => [n.id, n.name || n.id]) : [["", "No external network (an admin makes one)"]]
  );
  return [
    mk("Create a router", [field("Name", rName), field("External network", rExt)], async () => {
      const router = { name: rName.value };
      if (rExt.value) router.external_gateway_info = { network_id: rExt.value };
      await api.post(`${N}/routers`, { router });
      return `Router "${rName.value}" created.`;
    }, "Create router"),
    mk("Attach a subnet to a router", [field("Router", iRouter), field("Subnet", iSubnet)], async () => {
      await api.put(`${N}/routers/${iRouter.value}/add_router_interface`, { subnet_id: iSubnet.value });
      return "Interface added.";
    }, "Add interface"),
    mk("Allocate a floating IP", [field("External network", fNet)], async () => {
      const { floatingip } = await api.post(`${N}/floatingips`, { floatingip: { floating_network_id: fNet.value } });
      return `Floating IP ${floatingip.floating_ip_address} allocated.`;
    }, "Allocate"),
  ];
}

// A floating IP goes to an instance's port (PUT port_id), or comes back
// (port_id null).
function associateControl(f, ports, slot, refresh) {
  const put = async (portId, done) => {
    try {
      await api.put(`${N}/floatingips/${f.id}`, { floatingip: { port_id: portId } });
      fill(slot, notice(done));
      refresh();
    } catch (err) {
      fill(slot, errorBox(err));
    }
  };
  if (f.port_id)
    return h("button", { type: "button", class: "small", onclick: () => put(null, `${f.floating_ip_address} disassociated.`) }, "Disassociate");
  const choice = select(
    "fip-port",
    ports.map((p) => [p.id, (p.fixed_ips || []).map((x) => x.ip_address).join(", ") || p.id])
  );
  return h(
    "span",
    { class: "actions" },
    choice,
    h("button", { type: "button", class: "small", disabled: !ports.length, onclick: () => put(choice.value, `${f.floating_ip_address} associated.`) }, "Associate")
  );
}
