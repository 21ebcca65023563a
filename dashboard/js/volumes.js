// Volumes (Cinder v3): the project's volumes and snapshots; create (empty
// or from a snapshot), extend, snapshot and delete; attach to and detach
// from an instance, which is Nova's (os-volume_attachments, as `openstack
// server add volume` does it). A server's page lists its volumes with
// serverVolumes below.
import * as api from "./api.js";
import { h, clear, fill, table, errorBox, notice, field, select, section, statusBadge, link } from "./dom.js";

const V = api.paths.volume;
const C = api.paths.compute;
const POLL_MS = 2000;
// After an action of this page the lists are read every POLL_MS for this
// long even if nothing looks busy yet (an answer may come before the
// status moves); when nothing is busy, every IDLE_MS, for what changes
// elsewhere (a server deleted with its volume, another user's work).
const SETTLE_MS = 10000;
const IDLE_MS = 15000;

// Between two states: creating, attaching, detaching, extending, deleting,
// reserved (an attachment being made)... but not error_deleting, an end.
export function transitional(status) {
  const s = String(status || "");
  if (s.startsWith("error")) return false;
  return s.endsWith("ing") || s === "reserved" || s === "maintenance";
}

export const volumeName = (v) => v.name || v.id;
const snapshotName = (s) => s.name || s.id;
const gib = (n) => `${n} GiB`;
const byName = (a, b) => (a.name || "").localeCompare(b.name || "") || String(a.created_at).localeCompare(String(b.created_at));

// "vm-1 (/dev/vdb)", each server a link to its page.
function attachedCell(v, serverNames) {
  const attachments = v.attachments || [];
  if (!attachments.length) return "-";
  return h(
    "span",
    { class: "attached" },
    attachments.map((a, i) => [
      i ? ", " : null,
      link(`#/instances/${encodeURIComponent(a.server_id)}`, serverNames.get(a.server_id) || a.server_id),
      a.device ? ` (${a.device})` : null,
    ])
  );
}

// An <select>'s choices replaced, its choice kept while it is still there
// (the lists are redrawn by the polling while a form is being filled in).
function setOptions(sel, options) {
  const current = sel.value;
  fill(sel, options.map(([value, text]) => h("option", { value }, text)));
  if (options.some(([value]) => value === current)) sel.value = current;
}

export async function volumes(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const panelSlot = h("div", {});
  const listSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const snapshotSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  let settleUntil = 0;
  let lastRefresh = 0;
  let busy = false;
  let lastSeen = "";
  let latest = 0;
  let snapshots = [];

  const refresh = async () => {
    const mine = ++latest;
    const [vols, snaps, servers] = await Promise.allSettled([
      api.get(`${V}/volumes/detail`),
      api.get(`${V}/snapshots/detail`),
      api.get(`${C}/servers`),
    ]);
    // A slower answer to an earlier refresh must not draw over a later one.
    if (!page.alive || mine !== latest) return;
    lastRefresh = Date.now();
    busy =
      (vols.status === "fulfilled" && vols.value.volumes.some((v) => transitional(v.status))) ||
      (snaps.status === "fulfilled" && snaps.value.snapshots.some((s) => transitional(s.status)));
    // Redrawn only when something changed: a redraw would take a button
    // from under the pointer.
    const seen = JSON.stringify([vols, snaps, servers]);
    if (seen === lastSeen) return;
    lastSeen = seen;
    const serverNames = new Map(servers.status === "fulfilled" ? servers.value.servers.map((s) => [s.id, s.name]) : []);
    const volumeNames = new Map(vols.status === "fulfilled" ? vols.value.volumes.map((v) => [v.id, volumeName(v)]) : []);
    if (vols.status === "rejected") fill(listSlot, errorBox(vols.reason));
    else {
      const list = vols.value.volumes.sort(byName);
      fill(
        listSlot,
        servers.status === "rejected"
          ? errorBox({ ...servers.reason, message: `The instances' names could not be read: ${servers.reason.message}` })
          : null,
        table(
          [
            ["Name", volumeName],
            ["Size", (v) => gib(v.size)],
            ["Status", (v) => statusBadge(v.status)],
            ["Type", (v) => v.volume_type || "-"],
            ["Attached to", (v) => attachedCell(v, serverNames)],
            ["Bootable", (v) => (v.bootable === "true" || v.bootable === true ? "yes" : "no")],
            ["Actions", (v) => volumeButtons(v, serverNames)],
          ],
          list,
          "No volumes in this project."
        )
      );
    }
    if (snaps.status === "rejected") fill(snapshotSlot, errorBox(snaps.reason));
    else {
      snapshots = snaps.value.snapshots.sort(byName);
      setOptions(source, [
        ["", "None (an empty volume)"],
        ...snapshots.filter((s) => s.status === "available").map((s) => [s.id, `${snapshotName(s)} (${gib(s.size)})`]),
      ]);
      fill(
        snapshotSlot,
        table(
          [
            ["Name", snapshotName],
            ["Volume", (s) => volumeNames.get(s.volume_id) || s.volume_id],
            ["Size", (s) => gib(s.size)],
            ["Status", (s) => statusBadge(s.status)],
            ["Created", (s) => s.created_at || "-"],
            ["Actions", snapshotButtons],
          ],
          snapshots,
          "No volume snapshots in this project."
        )
      );
    }
  };

  // After an action: the lists now, then often until things settle.
  const changed = (message) => {
    if (message) fill(slot, notice(message));
    settleUntil = Date.now() + SETTLE_MS;
    return refresh();
  };
  const failed = (err) => fill(slot, errorBox(err));

  // --- actions on a volume ---------------------------------------------
  function volumeButtons(v, serverNames) {
    const b = (action, text, onclick, cls = "") => h("button", { type: "button", class: `small ${cls}`, "data-action": action, onclick }, text);
    const st = v.status;
    const out = [];
    if (st === "available" || (v.multiattach && st === "in-use")) out.push(b("attach", "Attach", () => attachPanel(v)));
    for (const a of v.attachments || []) {
      const server = serverNames.get(a.server_id) || a.server_id;
      out.push(b("detach", (v.attachments.length > 1 ? `Detach from ${server}` : "Detach"), () => detach(v, a.server_id, server)));
    }
    if (st === "available" || st === "in-use") {
      out.push(b("extend", "Extend", () => extendPanel(v)));
      out.push(b("snapshot", "Snapshot", () => snapshotPanel(v)));
    }
    if (st !== "deleting") out.push(b("delete", "Delete", () => deleteVolume(v), "danger"));
    return h("span", { class: "actions" }, out);
  }

  // A form for one action, above the list; its errors are shown in it.
  function openPanel(title, fields, label, run, { ready = true } = {}) {
    const error = h("div", { class: "status-slot" });
    const submit = h("button", { type: "submit", class: "primary", disabled: !ready }, label);
    const form = h(
      "form",
      {
        class: "wizard action-panel",
        onsubmit: async (e) => {
          e.preventDefault();
          clear(error);
          submit.disabled = true;
          try {
            const message = await run();
            clear(panelSlot);
            await changed(message);
          } catch (err) {
            fill(error, errorBox(err));
          } finally {
            submit.disabled = false;
          }
        },
      },
      error,
      h("div", { class: "form-grid" }, fields),
      h("div", { class: "buttons" }, submit, h("button", { type: "button", onclick: () => clear(panelSlot) }, "Cancel"))
    );
    fill(panelSlot, section(title, form));
    const first = form.querySelector("input, select");
    if (first) first.focus();
    panelSlot.scrollIntoView({ block: "nearest" });
  }

  async function attachPanel(v) {
    const title = `Attach volume "${volumeName(v)}" to an instance`;
    let servers;
    try {
      ({ servers } = await api.get(`${C}/servers/detail`));
    } catch (err) {
      openPanel(title, [errorBox(err)], "Attach", async () => {}, { ready: false });
      return;
    }
    servers.sort((a, b) => a.name.localeCompare(b.name));
    const choice = select("attach-server", servers.map((s) => [s.id, s.name]));
    const fields = servers.length
      ? [field("Instance", choice, "Nova attaches it as the instance's next disk.")]
      : [h("p", { class: "empty" }, "No instances in this project.")];
    openPanel(
      title,
      fields,
      "Attach",
      async () => {
        const server = servers.find((s) => s.id === choice.value);
        await api.post(`${C}/servers/${encodeURIComponent(choice.value)}/os-volume_attachments`, {
          volumeAttachment: { volumeId: v.id },
        });
        return `Attaching volume "${volumeName(v)}" to "${server ? server.name : choice.value}".`;
      },
      { ready: servers.length > 0 }
    );
  }

  async function detach(v, serverId, serverName) {
    if (!window.confirm(`Detach volume "${volumeName(v)}" from instance "${serverName}"?`)) return;
    try {
      await api.del(`${C}/servers/${encodeURIComponent(serverId)}/os-volume_attachments/${encodeURIComponent(v.id)}`);
      await changed(`Detaching volume "${volumeName(v)}" from "${serverName}".`);
    } catch (err) {
      failed(err);
    }
  }

  function extendPanel(v) {
    const size = h("input", { name: "new-size", type: "number", min: String(v.size + 1), value: String(v.size + 1), required: true });
    openPanel(`Extend volume "${volumeName(v)}" (now ${gib(v.size)})`, [field("New size (GiB)", size)], "Extend volume", async () => {
      await api.post(`${V}/volumes/${encodeURIComponent(v.id)}/action`, { "os-extend": { new_size: Number(size.value) } });
      return `Extending volume "${volumeName(v)}" to ${gib(size.value)}.`;
    });
  }

  function snapshotPanel(v) {
    const name = h("input", { name: "snapshot-name", value: `${volumeName(v)}-snapshot` });
    const description = h("input", { name: "snapshot-description" });
    openPanel(
      `Snapshot of volume "${volumeName(v)}"`,
      [field("Snapshot name", name), field("Description", description)],
      "Create snapshot",
      async () => {
        const snapshot = { volume_id: v.id, name: name.value, force: false };
        if (description.value) snapshot.description = description.value;
        await api.post(`${V}/snapshots`, { snapshot });
        return `Snapshot "${name.value}" of volume "${volumeName(v)}" is being created.`;
      }
    );
  }

  async function deleteVolume(v) {
    if (!window.confirm(`Delete volume "${volumeName(v)}"?`)) return;
    try {
      await api.del(`${V}/volumes/${encodeURIComponent(v.id)}`);
      await changed(`Delete requested for volume "${volumeName(v)}".`);
    } catch (err) {
      failed(err);
    }
  }

  // --- actions on a snapshot -------------------------------------------
  function snapshotButtons(s) {
    return h(
      "span",
      { class: "actions" },
      h(
        "button",
        { type: "button", class: "small", "data-action": "volume-from-snapshot", disabled: s.status !== "available", onclick: () => fromSnapshot(s) },
        "Create volume"
      ),
      h("button", { type: "button", class: "small danger", "data-action": "delete-snapshot", onclick: () => deleteSnapshot(s) }, "Delete")
    );
  }

  // The create form, its source this snapshot and its size the snapshot's.
  function fromSnapshot(s) {
    if (![...source.options].some((o) => o.value === s.id)) source.append(h("option", { value: s.id }, `${snapshotName(s)} (${gib(s.size)})`));
    source.value = s.id;
    size.value = String(s.size);
    fill(slot, notice(`Creating a volume from snapshot "${snapshotName(s)}": give it a name.`));
    createCard.scrollIntoView({ block: "nearest" });
    name.focus();
  }

  async function deleteSnapshot(s) {
    if (!window.confirm(`Delete snapshot "${snapshotName(s)}"?`)) return;
    try {
      await api.del(`${V}/snapshots/${encodeURIComponent(s.id)}`);
      await changed(`Delete requested for snapshot "${snapshotName(s)}".`);
    } catch (err) {
      failed(err);
    }
  }

  // --- the create form -------------------------------------------------
  const createError = h("div", { class: "status-slot" });
  const name = h("input", { name: "volume-name" });
  const description = h("input", { name: "volume-description" });
  const size = h("input", { name: "volume-size", type: "number", min: "1", value: "1" });
  size.defaultValue = "1"; // what form.reset() puts back
  const type = select("volume-type", [["", "Default type"]]);
  const source = select("volume-source", [["", "None (an empty volume)"]]);
  source.addEventListener("change", () => {
    const s = snapshots.find((x) => x.id === source.value);
    if (s && Number(size.value || 0) < s.size) size.value = String(s.size);
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Create volume");
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(createError);
        // What the form holds, as Cinder takes it; Cinder checks it (a
        // size smaller than the snapshot's, a type that is gone...).
        const volume = { name: name.value };
        if (size.value !== "") volume.size = Number(size.value);
        if (description.value) volume.description = description.value;
        if (type.value) volume.volume_type = type.value;
        if (source.value) volume.snapshot_id = source.value;
        submit.disabled = true;
        try {
          const { volume: made } = await api.post(`${V}/volumes`, { volume });
          form.reset();
          await changed(`Volume "${volumeName(made)}" is being created.`);
        } catch (err) {
          fill(createError, errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    createError,
    h(
      "div",
      { class: "form-grid" },
      field("Name", name),
      field("Size (GiB)", size),
      field("Type", type),
      field("Source snapshot", source, "Empty, or a copy of the snapshot (at least its size)."),
      field("Description", description)
    ),
    h("div", { class: "buttons" }, submit)
  );
  const createCard = section("Create a volume", form);

  main.append(
    h("h1", {}, "Volumes"),
    slot,
    createCard,
    panelSlot,
    section("Volumes", listSlot),
    section("Volume snapshots", snapshotSlot)
  );

  try {
    const { volume_types: types } = await api.get(`${V}/types`);
    if (page.alive) setOptions(type, [["", "Default type"], ...types.map((t) => [t.name, t.description ? `${t.name} (${t.description})` : t.name])]);
  } catch (err) {
    if (page.alive) fill(createError, errorBox(err));
  }
  await refresh();
  page.poll(() => {
    if (busy || Date.now() < settleUntil || Date.now() - lastRefresh >= IDLE_MS) refresh();
  }, POLL_MS);
}

// A server's volumes for its page: those Nova lists on the server
// (os-extended-volumes:volumes_attached) and those Cinder says are attached
// to it, with their device and a detach. Returns the element to show.
export async function serverVolumes(server, slot, after) {
  let list;
  try {
    ({ volumes: list } = await api.get(`${V}/volumes/detail`));
  } catch (err) {
    return errorBox(err);
  }
  const listed = new Set((server["os-extended-volumes:volumes_attached"] || []).map((a) => a.id));
  const attachmentOf = (v) => (v.attachments || []).find((a) => a.server_id === server.id);
  const shown = list.filter((v) => listed.has(v.id) || attachmentOf(v)).sort(byName);
  // One Nova names that Cinder does not show (yet): its id, as Nova has it.
  for (const id of listed) if (!shown.some((v) => v.id === id)) shown.push({ id, status: "", size: null, missing: true });
  const detach = async (v) => {
    if (!window.confirm(`Detach volume "${volumeName(v)}" from instance "${server.name}"?`)) return;
    try {
      await api.del(`${C}/servers/${encodeURIComponent(server.id)}/os-volume_attachments/${encodeURIComponent(v.id)}`);
      fill(slot, notice(`Detaching volume "${volumeName(v)}" from "${server.name}".`));
      after();
    } catch (err) {
      fill(slot, errorBox(err));
    }
  };
  return table(
    [
      ["Name", (v) => link("#/volumes", volumeName(v))],
      ["Size", (v) => (v.size === null ? "-" : gib(v.size))],
      ["Device", (v) => (attachmentOf(v) || {}).device || "-"],
      ["Status", (v) => (v.missing ? "-" : statusBadge(v.status))],
      [
        "Actions",
        (v) =>
          attachmentOf(v) || v.missing
            ? h("button", { type: "button", class: "small", "data-action": "detach-volume", onclick: () => detach(v) }, "Detach")
            : "",
      ],
    ],
    shown,
    "No volumes attached."
  );
}
