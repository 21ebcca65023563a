// Instances: the project's servers, refreshed live by polling; the launch
// wizard; power actions and delete; a server's details with its consoles
// (an interactive one, see consoles.js, and its console output) and its
// history (os-instance-actions) and its volumes; key pairs and server
// groups, which the launch wizard offers.
import * as api from "./api.js";
import { h, clear, fill, table, errorBox, notice, field, select, section, statusBadge, link } from "./dom.js";
import { consoleCard } from "./consoles.js";
import { serverVolumes, volumeName } from "./volumes.js";

const C = api.paths.compute;
const POLL_MS = 2000;
// Server groups at 2.64: a group has one `policy` (and its `rules`), where
// 2.1 answers a list `policies` and refuses the soft policies (2.15).
const GROUPS_VERSION = { "X-OpenStack-Nova-API-Version": "2.64" };
const POLICIES = ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"];

function listServerGroups() {
  return api.call("GET", `${C}/os-server-groups`, undefined, GROUPS_VERSION);
}

export function addressesOf(server) {
  const out = [];
  for (const [net, addrs] of Object.entries(server.addresses || {}))
    for (const a of addrs) out.push(`${a.addr} (${net})`);
  return out.join(", ");
}

// Names of flavors and images by id: a server names them by id only.
export async function catalogNames() {
  const [flavors, images] = await Promise.allSettled([
    api.get(`${C}/flavors/detail`),
    api.get(`${api.paths.image}/images?limit=1000`),
  ]);
  const names = { flavors: new Map(), images: new Map() };
  if (flavors.status === "fulfilled") for (const f of flavors.value.flavors) names.flavors.set(f.id, f);
  if (images.status === "fulfilled") for (const i of images.value.images) names.images.set(i.id, i);
  return names;
}

export function flavorName(server, names) {
  const f = names.flavors.get(server.flavor && server.flavor.id);
  return f ? f.name : server.flavor ? server.flavor.original_name || server.flavor.id : "";
}
export function imageName(server, names) {
  const id = server.image && server.image.id;
  if (!id) return "(volume)";
  const i = names.images.get(id);
  return i ? i.name || id : id;
}

function statusCell(s) {
  const task = s["OS-EXT-STS:task_state"];
  return h("span", {}, statusBadge(s.status), task ? h("small", { class: "task" }, ` ${task}`) : null);
}

async function serverAction(server, action, slot, after) {
  const words = {
    stop: "Stop", start: "Start", reboot: "Reboot", delete: "Delete", lock: "Lock", unlock: "Unlock", snapshot: "Snapshot",
    resize: "Resize", confirm: "Confirm resize", revert: "Revert resize", shelve: "Shelve", unshelve: "Unshelve",
    rescue: "Rescue", unrescue: "Unrescue",
  };
  // A snapshot asks for its image's name (Horizon's "Create Snapshot"), a
  // resize for its new flavor (a name or an id).
  let snapshotName = null;
  let flavorRef = null;
  if (action === "snapshot") {
    snapshotName = window.prompt(`Snapshot of instance "${server.name}": the image's name`, `${server.name}-snapshot`);
    if (!snapshotName) return;
  } else if (action === "resize") {
    const current = server.flavor && (server.flavor.id || server.flavor.original_name);
    const wanted = window.prompt(`Resize instance "${server.name}" to the flavor`, current === "2" || current === "m1.small" ? "m1.medium" : "m1.small");
    if (!wanted) return;
    const { flavors } = await api.get(`${C}/flavors`);
    const f = flavors.find((x) => x.name === wanted || x.id === wanted);
    flavorRef = f ? f.id : wanted;
  } else if (!window.confirm(`${words[action]} instance "${server.name}"?`)) return;
  const act = (body) => api.post(`${C}/servers/${server.id}/action`, body);
  try {
    if (action === "delete") await api.del(`${C}/servers/${server.id}`);
    else if (action === "stop") await act({ "os-stop": null });
    else if (action === "start") await act({ "os-start": null });
    else if (action === "lock") await act({ lock: null });
    else if (action === "unlock") await act({ unlock: null });
    else if (action === "snapshot") await act({ createImage: { name: snapshotName } });
    else if (action === "resize") await act({ resize: { flavorRef } });
    else if (action === "confirm") await act({ confirmResize: null });
    else if (action === "revert") await act({ revertResize: null });
    else if (["shelve", "unshelve", "rescue", "unrescue"].includes(action)) await act({ [action]: null });
    else await act({ reboot: { type: "SOFT" } });
    fill(slot, notice(`${words[action]} requested for "${server.name}".`));
    after();
  } catch (err) {
    fill(slot, errorBox(err));
  }
}

export function actionButtons(server, slot, after) {
  const b = (action, text, cls = "") =>
    h("button", { type: "button", class: `small ${cls}`, "data-action": action, onclick: () => serverAction(server, action, slot, after) }, text);
  const st = server.status;
  const off = st === "SHUTOFF";
  const when = (states, ...buttons) => (states.includes(st) ? buttons : []);
  // Horizon's instance menu: each move where Nova allows it.
  return h(
    "span",
    { class: "actions" },
    off ? b("start", "Start") : b("stop", "Stop"),
    b("reboot", "Reboot"),
    b("snapshot", "Snapshot"),
    ...when(["ACTIVE", "SHUTOFF"], b("resize", "Resize")),
    ...when(["VERIFY_RESIZE"], b("confirm", "Confirm resize"), b("revert", "Revert resize")),
    ...when(["ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED"], b("shelve", "Shelve")),
    ...when(["SHELVED", "SHELVED_OFFLOADED"], b("unshelve", "Unshelve")),
    ...when(["ACTIVE", "SHUTOFF", "ERROR"], b("rescue", "Rescue")),
    ...when(["RESCUE"], b("unrescue", "Unrescue")),
    b("lock", "Lock"),
    b("unlock", "Unlock"),
    b("delete", "Delete", "danger")
  );
}

export function serverColumns(names, slot, refresh, { admin = false, project = false, projects = new Map() } = {}) {
  const cols = [
    ["Name", (s) => link(`#/instances/${encodeURIComponent(s.id)}`, s.name)],
    ["Status", statusCell],
    ["IP addresses", addressesOf],
    ["Flavor", (s) => flavorName(s, names)],
    ["Image", (s) => imageName(s, names)],
  ];
  if (project) cols.splice(1, 0, ["Project", (s) => (projects.get(s.tenant_id) || { name: s.tenant_id }).name]);
  if (admin) cols.push(["Host", (s) => s["OS-EXT-SRV-ATTR:host"] || "-"]);
  cols.push(["Actions", (s) => actionButtons(s, slot, refresh)]);
  return cols;
}

export async function instances(main, _params, page) {
  const admin = api.isAdmin();
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const wizardSlot = h("div", {});
  const launch = h("button", { type: "button", class: "primary", onclick: () => openWizard() }, "Launch instance");
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Instances"), launch), slot, wizardSlot, listSlot);

  let names = await catalogNames();
  const refresh = async () => {
    try {
      const { servers } = await api.get(`${C}/servers/detail`);
      if (!page.alive) return;
      // A server of an image or flavor made since the page opened.
      if (servers.some((s) => s.image && s.image.id && !names.images.has(s.image.id)) ||
          servers.some((s) => s.flavor && !names.flavors.has(s.flavor.id)))
        names = await catalogNames();
      servers.sort((a, b) => a.name.localeCompare(b.name));
      fill(listSlot, table(serverColumns(names, slot, refresh, { admin }), servers, "No instances in this project."));
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  await refresh();
  page.poll(refresh, POLL_MS);

  async function openWizard() {
    fill(wizardSlot, await launchWizard(() => clear(wizardSlot), (msg) => {
      fill(slot, notice(msg));
      clear(wizardSlot);
      refresh();
    }));
  }
}

// The launch form. Its choices come from the APIs; what it sends is checked
// by the API alone, whose message is shown as it is.
async function launchWizard(close, launched) {
  const s = api.session();
  const [images, flavors, networks, keypairs, groups, serverGroups, cinder] = await Promise.all([
    api.get(`${api.paths.image}/images?limit=1000`),
    api.get(`${C}/flavors/detail`),
    api.get(`${api.paths.network}/networks`),
    api.get(`${C}/os-keypairs`),
    api.get(`${api.paths.network}/security-groups?project_id=${encodeURIComponent(s.project.id)}`),
    listServerGroups(),
    // Only an existing volume as the boot source needs Cinder: if it does
    // not answer, that choice says why and the others still work.
    api.get(`${api.paths.volume}/volumes/detail`).then(
      (r) => ({ volumes: r.volumes, error: null }),
      (err) => ({ volumes: [], error: err })
    ),
  ]);
  const { volumes, error: volumesError } = cinder;
  const error = h("div", { class: "status-slot" });
  const name = h("input", { name: "name", required: true });
  // Horizon's boot sources: the image itself (an ephemeral disk), a new
  // volume made from the image, or a bootable volume of the project.
  const bootSource = select("boot-source", [
    ["image", "Image"],
    ["new-volume", "Image, on a new volume"],
    ["volume", "Existing bootable volume"],
  ]);
  const image = select(
    "image",
    [["", "Choose an image"], ...images.images.filter((i) => i.status === "active").map((i) => [i.id, i.name || i.id])]
  );
  const volumeSize = h("input", { name: "boot-volume-size", type: "number", min: "1", value: "1" });
  const deleteOnTermination = h("input", { type: "checkbox", name: "delete-on-termination", checked: true });
  const bootable = volumes.filter((v) => v.bootable === "true" && v.status === "available");
  const bootVolume = select(
    "boot-volume",
    bootable.length
      ? bootable.map((v) => [v.id, `${volumeName(v)} (${v.size} GiB)`])
      : [["", volumesError ? "The volumes could not be read" : "No bootable volume available"]]
  );
  const imageField = field("Image", image);
  const sizeField = field("Volume size (GiB)", volumeSize);
  const deleteField = h("label", { class: "check" }, deleteOnTermination, "Delete the volume with the instance");
  const volumeField = field("Volume", bootVolume, volumesError ? errorBox(volumesError) : null);
  const showBootSource = () => {
    const source = bootSource.value;
    imageField.hidden = source === "volume";
    sizeField.hidden = source !== "new-volume";
    deleteField.hidden = source !== "new-volume";
    volumeField.hidden = source !== "volume";
  };
  bootSource.addEventListener("change", showBootSource);
  showBootSource();
  const flavor = select(
    "flavor",
    [["", "Choose a flavor"], ...flavors.flavors.map((f) => [f.id, `${f.name} (${f.vcpus} vCPU, ${f.ram} MiB, ${f.disk} GB)`])]
  );
  const network = select(
    "network",
    [["", "No network"], ...networks.networks.map((n) => [n.id, n.name || n.id])]
  );
  const keypair = select("keypair", [["", "No key pair"], ...keypairs.keypairs.map((k) => [k.keypair.name, k.keypair.name])]);
  const serverGroup = select(
    "server-group",
    [["", "No server group"], ...serverGroups.server_groups.map((g) => [g.id, `${g.name} (${g.policy})`])]
  );
  const groupBoxes = groups.security_groups.map((g) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "security_group", value: g.name, checked: g.name === "default" }), g.name)
  );
  const count = h("input", { name: "count", type: "number", min: "1", value: "1" });
  const submit = h("button", { type: "submit", class: "primary" }, "Launch");
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        const server = { name: name.value, imageRef: image.value, flavorRef: flavor.value };
        // From a volume, Nova takes no image of its own: the disk is the
        // block device mapping's (boot_index 0).
        if (bootSource.value === "new-volume") {
          server.imageRef = "";
          const disk = { boot_index: 0, uuid: image.value, source_type: "image", destination_type: "volume" };
          if (volumeSize.value !== "") disk.volume_size = Number(volumeSize.value);
          disk.delete_on_termination = deleteOnTermination.checked;
          server.block_device_mapping_v2 = [disk];
        } else if (bootSource.value === "volume") {
          server.imageRef = "";
          server.block_device_mapping_v2 = [
            { boot_index: 0, uuid: bootVolume.value, source_type: "volume", destination_type: "volume", delete_on_termination: false },
          ];
        }
        if (network.value) server.networks = [{ uuid: network.value }];
        else server.networks = "none";
        if (keypair.value) server.key_name = keypair.value;
        const chosen = groupBoxes.map((l) => l.firstChild).filter((c) => c.checked).map((c) => ({ name: c.value }));
        if (chosen.length) server.security_groups = chosen;
        const n = Number(count.value);
        server.min_count = n;
        server.max_count = n;
        // The group is a scheduler hint, beside "server" (Nova's
        // os:scheduler_hints), not a field of the server.
        const body = { server };
        if (serverGroup.value) body["os:scheduler_hints"] = { group: serverGroup.value };
        submit.disabled = true;
        try {
          // networks "none" is Nova's from 2.37: asked at that version
          // (the rest of this body means the same there).
          if (server.networks === "none")
            await api.call("POST", `${C}/servers`, body, { "OpenStack-API-Version": "compute 2.37" });
          else await api.post(`${C}/servers`, body);
          launched(n > 1 ? `Launching ${n} instances named "${name.value}".` : `Launching "${name.value}".`);
        } catch (err) {
          fill(error, errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    error,
    h(
      "div",
      { class: "form-grid" },
      field("Instance name", name),
      field("Boot source", bootSource),
      imageField,
      sizeField,
      deleteField,
      volumeField,
      field("Flavor", flavor),
      field("Network", network),
      field("Key pair", keypair),
      field("Server group", serverGroup),
      field("Count", count)
    ),
    h("fieldset", {}, h("legend", {}, "Security groups"), groupBoxes.length ? groupBoxes : h("p", { class: "muted" }, "None")),
    h("div", { class: "buttons" }, submit, h("button", { type: "button", onclick: close }, "Cancel"))
  );
  return section("Launch instance", form);
}

export async function instanceDetail(main, [id], page) {
  const admin = api.isAdmin();
  const slot = h("div", { class: "status-slot" });
  const facts = h("div", {});
  const consoleOut = h("pre", { class: "console", "aria-label": "Console output" }, "Loading...");
  const history = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const volumes = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const title = h("span", {});
  const buttons = h("span", {});
  main.append(
    h("p", {}, link("#/instances", "← Instances")),
    h("div", { class: "page-head" }, h("h1", {}, "Instance ", title), buttons),
    slot,
    section("Details", facts),
    section("Volumes", volumes),
    consoleCard(id, page),
    section(
      "Console output",
      h("button", { type: "button", class: "small", onclick: () => loadConsole() }, "Refresh console"),
      consoleOut
    ),
    section("Action history", history)
  );
  const names = await catalogNames();

  const loadServer = async () => {
    try {
      const { server: s } = await api.get(`${C}/servers/${encodeURIComponent(id)}`);
      if (!page.alive) return;
      title.textContent = s.name;
      fill(buttons, actionButtons(s, slot, loadServer));
      const rows = [
        ["ID", s.id],
        ["Status", statusCell(s)],
        ["Power state", String(s["OS-EXT-STS:power_state"])],
        ["IP addresses", addressesOf(s) || "-"],
        ["Flavor", flavorName(s, names)],
        ["Image", imageName(s, names)],
        ["Key pair", s.key_name || "-"],
        ["Security groups", (s.security_groups || []).map((g) => g.name).join(", ") || "-"],
        ["Created", s.created],
        ["Updated", s.updated],
      ];
      if (admin) rows.push(["Host", s["OS-EXT-SRV-ATTR:host"] || "-"], ["Hypervisor", s["OS-EXT-SRV-ATTR:hypervisor_hostname"] || "-"]);
      if (s.fault) rows.push(["Fault", `${s.fault.message} (${s.fault.code})`]);
      fill(facts, h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
      const attached = await serverVolumes(s, slot, loadServer);
      if (page.alive) fill(volumes, attached);
    } catch (err) {
      if (page.alive) fill(facts, errorBox(err));
    }
  };

  const loadConsole = async () => {
    try {
      const r = await api.post(`${C}/servers/${encodeURIComponent(id)}/action`, { "os-getConsoleOutput": { length: 200 } });
      if (page.alive) consoleOut.textContent = r.output || "(no output yet)";
    } catch (err) {
      if (page.alive) {
        consoleOut.textContent = "";
        consoleOut.append(errorBox(err));
      }
    }
  };

  const loadHistory = async () => {
    try {
      const base = `${C}/servers/${encodeURIComponent(id)}/os-instance-actions`;
      // 2.51: from it on, an action's events are shown to its project too
      // (below it, to admins only).
      const v = { "X-OpenStack-Nova-API-Version": "2.51" };
      const { instanceActions } = await api.call("GET", base, undefined, v);
      const detailed = await Promise.all(
        instanceActions.map((a) =>
          api.call("GET", `${base}/${encodeURIComponent(a.request_id)}`, undefined, v).then((d) => d.instanceAction)
        )
      );
      if (!page.alive) return;
      fill(history, 
        table(
          [
            ["Action", (a) => a.action],
            ["Request", (a) => a.request_id],
            ["Started", (a) => a.start_time],
            ["Message", (a) => a.message || ""],
            [
              "Events",
              (a) =>
                h(
                  "ul",
                  { class: "events" },
                  (a.events || []).map((e) =>
                    h("li", {}, `${e.event}: ${e.result || "running"}`, h("small", {}, ` ${e.start_time}${e.finish_time ? " → " + e.finish_time : ""}`))
                  )
                ),
            ],
          ],
          detailed,
          "No actions recorded."
        )
      );
    } catch (err) {
      if (page.alive) fill(history, errorBox(err));
    }
  };

  await Promise.all([loadServer(), loadConsole(), loadHistory()]);
  page.poll(() => {
    loadServer();
    loadHistory();
  }, POLL_MS * 1.5);
}

// Key pairs, for the launch form: import a public key or have Nova make
// one (its private key is shown once, as `openstack keypair create` prints it).
export async function keypairs(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {});
  const refresh = async () => {
    try {
      const { keypairs: list } = await api.get(`${C}/os-keypairs`);
      if (!page.alive) return;
      fill(
        listSlot,
        table(
          [
            ["Name", (k) => k.keypair.name],
            ["Fingerprint", (k) => k.keypair.fingerprint],
            [
              "Actions",
              (k) =>
                h(
                  "button",
                  {
                    type: "button",
                    class: "small danger",
                    onclick: async () => {
                      if (!window.confirm(`Delete key pair "${k.keypair.name}"?`)) return;
                      try {
                        await api.del(`${C}/os-keypairs/${encodeURIComponent(k.keypair.name)}`);
                        refresh();
                      } catch (err) {
                        fill(slot, errorBox(err));
                      }
                    },
                  },
                  "Delete"
                ),
            ],
          ],
          list,
          "No key pairs."
        )
      );
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  const name = h("input", { name: "keypair-name", required: true });
  const publicKey = h("textarea", { name: "public-key", rows: "3", placeholder: "ssh-ed25519 AAAA... (empty: Nova makes a key pair)" });
  const error = h("div", { class: "status-slot" });
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        const keypair = { name: name.value };
        if (publicKey.value.trim()) keypair.public_key = publicKey.value.trim();
        try {
          const { keypair: made } = await api.post(`${C}/os-keypairs`, { keypair });
          fill(
            slot,
            notice(`Key pair "${made.name}" created.`),
            made.private_key ? [h("p", {}, "Its private key, shown only now:"), h("pre", { class: "console" }, made.private_key)] : null
          );
          form.reset();
          refresh();
        } catch (err) {
          fill(error, errorBox(err));
        }
      },
    },
    error,
    h("div", { class: "form-grid" }, field("Name", name), field("Public key", publicKey)),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Create key pair"))
  );
  main.append(h("h1", {}, "Key pairs"), slot, section("Create or import a key pair", form), section("Key pairs", listSlot));
  await refresh();
}

async function deleteServerGroup(g, slot, after) {
  if (!window.confirm(`Delete server group "${g.name}"?`)) return;
  try {
    await api.del(`${C}/os-server-groups/${encodeURIComponent(g.id)}`);
    fill(slot, notice(`Server group "${g.name}" deleted.`));
    after();
  } catch (err) {
    fill(slot, errorBox(err));
  }
}

// A group names its members by id only: named here from the project's
// servers (an id stays when the name is not known).
function membersCell(g, serverNames) {
  const members = g.members || [];
  if (!members.length) return "0";
  return `${members.length} (${members.map((id) => serverNames.get(id) || id).join(", ")})`;
}

// Server groups, for the launch form (Horizon's "Server Groups"): the
// scheduler keeps a group's policy for the servers launched into it.
export async function serverGroups(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const refresh = async () => {
    try {
      const [{ server_groups: list }, { servers }] = await Promise.all([listServerGroups(), api.get(`${C}/servers`)]);
      if (!page.alive) return;
      const serverNames = new Map(servers.map((s) => [s.id, s.name]));
      list.sort((a, b) => a.name.localeCompare(b.name));
      fill(
        listSlot,
        table(
          [
            ["Name", (g) => g.name],
            ["Policy", (g) => g.policy],
            ["Members", (g) => membersCell(g, serverNames)],
            ["Actions", (g) => h("button", { type: "button", class: "small danger", onclick: () => deleteServerGroup(g, slot, refresh) }, "Delete")],
          ],
          list,
          "No server groups."
        )
      );
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  const name = h("input", { name: "server-group-name", required: true });
  const policy = select("server-group-policy", POLICIES.map((p) => [p, p]));
  const error = h("div", { class: "status-slot" });
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        try {
          const server_group = { name: name.value, policy: policy.value };
          await api.call("POST", `${C}/os-server-groups`, { server_group }, GROUPS_VERSION);
          fill(slot, notice(`Server group "${name.value}" created.`));
          form.reset();
          refresh();
        } catch (err) {
          fill(error, errorBox(err));
        }
      },
    },
    error,
    h(
      "div",
      { class: "form-grid" },
      field("Name", name),
      field("Policy", policy, "affinity: the members on one host; anti-affinity: each on a host of its own; soft-: as far as the hosts allow, never refusing a launch")
    ),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Create server group"))
  );
  main.append(h("h1", {}, "Server groups"), slot, section("Create a server group", form), section("Server groups", listSlot));
  await refresh();
  // Members come and go as servers are launched into a group and deleted.
  page.poll(refresh, 5000);
}
