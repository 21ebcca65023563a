// Images: list, upload from a file with a progress bar (the image is made
// first, then its data is PUT streamed from the File), details, delete.
import * as api from "./api.js";
import { h, clear, fill, table, errorBox, notice, field, select, section, statusBadge, link, formatBytes } from "./dom.js";

const I = api.paths.image;

async function deleteImage(img, slot, after) {
  if (!window.confirm(`Delete image "${img.name || img.id}"?`)) return;
  try {
    await api.del(`${I}/images/${encodeURIComponent(img.id)}`);
    fill(slot, notice(`Image "${img.name || img.id}" deleted.`));
    after();
  } catch (err) {
    fill(slot, errorBox(err));
  }
}

export async function images(main, _params, page) {
  const slot = h("div", { class: "status-slot" });
  const listSlot = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const refresh = async () => {
    try {
      const { images: list } = await api.get(`${I}/images?limit=1000`);
      if (!page.alive) return;
      list.sort((a, b) => (a.name || "").localeCompare(b.name || ""));
      fill(listSlot, 
        table(
          [
            ["Name", (i) => link(`#/images/${encodeURIComponent(i.id)}`, i.name || i.id)],
            ["Status", (i) => statusBadge(i.status)],
            ["Visibility", (i) => i.visibility],
            ["Disk format", (i) => i.disk_format || "-"],
            ["Size", (i) => formatBytes(i.size)],
            ["Actions", (i) => h("button", { type: "button", class: "small danger", onclick: () => deleteImage(i, slot, refresh) }, "Delete")],
          ],
          list,
          "No images."
        )
      );
    } catch (err) {
      if (page.alive) fill(listSlot, errorBox(err));
    }
  };
  main.append(h("h1", {}, "Images"), slot, uploadForm(slot, refresh), section("Images", listSlot));
  await refresh();
  page.poll(refresh, 3000);
}

function uploadForm(slot, refresh) {
  const error = h("div", { class: "status-slot" });
  const name = h("input", { name: "image-name", required: true });
  const file = h("input", { name: "image-file", type: "file", required: true });
  const format = select("disk-format", [["raw", "raw"], ["qcow2", "qcow2"], ["iso", "iso"], ["vmdk", "vmdk"], ["vdi", "vdi"], ["ami", "ami"]]);
  const visibility = select("visibility", [["private", "private"], ["shared", "shared"], ["community", "community"], ["public", "public (admin)"]]);
  const progress = h("progress", { max: "100", value: "0", class: "upload-progress", hidden: true });
  const progressText = h("span", { class: "upload-text" });
  const submit = h("button", { type: "submit", class: "primary" }, "Upload");
  file.addEventListener("change", () => {
    if (!name.value && file.files[0]) name.value = file.files[0].name.replace(/\.[^.]*$/, "");
  });
  const form = h(
    "form",
    {
      class: "wizard",
      onsubmit: async (e) => {
        e.preventDefault();
        clear(error);
        const f = file.files[0];
        if (!f) return;
        submit.disabled = true;
        progress.hidden = false;
        progress.value = 0;
        try {
          const img = await api.post(`${I}/images`, {
            name: name.value,
            disk_format: format.value,
            container_format: "bare",
            visibility: visibility.value,
          });
          refresh();
          await api.uploadImageData(img.id, f, (loaded, total) => {
            progress.value = total ? Math.round((loaded / total) * 100) : 100;
            progressText.textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`;
          });
          fill(slot, notice(`Image "${name.value}" uploaded.`));
          form.reset();
          refresh();
        } catch (err) {
          fill(error, errorBox(err));
          refresh();
        } finally {
          submit.disabled = false;
        }
      },
    },
    error,
    h("div", { class: "form-grid" }, field("File", file), field("Name", name), field("Disk format", format), field("Visibility", visibility)),
    h("div", { class: "buttons" }, submit, progress, progressText)
  );
  return section("Upload an image", form);
}

export async function imageDetail(main, [id], page) {
  const slot = h("div", { class: "status-slot" });
  const facts = h("div", {}, h("p", { class: "muted" }, "Loading..."));
  const title = h("span", {});
  main.append(h("p", {}, link("#/images", "← Images")), h("h1", {}, "Image ", title), slot, section("Details", facts));
  const load = async () => {
    try {
      const img = await api.get(`${I}/images/${encodeURIComponent(id)}`);
      if (!page.alive) return;
      title.textContent = img.name || img.id;
      const rows = [
        ["ID", img.id],
        ["Status", statusBadge(img.status)],
        ["Size", img.size === null ? "-" : `${formatBytes(img.size)} (${img.size} bytes)`],
        ["Checksum (MD5)", img.checksum || "-"],
        [`Hash (${img.os_hash_algo || "-"})`, img.os_hash_value || "-"],
        ["Disk format", img.disk_format || "-"],
        ["Container format", img.container_format || "-"],
        ["Visibility", img.visibility],
        ["Protected", String(img.protected)],
        ["Owner", img.owner || "-"],
        ["Min disk / RAM", `${img.min_disk} GB / ${img.min_ram} MiB`],
        ["Created", img.created_at],
        ["Updated", img.updated_at],
      ];
      fill(facts, 
        h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
        h("button", { type: "button", class: "danger", onclick: () => deleteImage(img, slot, () => (location.hash = "#/images")) }, "Delete image")
      );
    } catch (err) {
      if (page.alive) fill(facts, errorBox(err));
    }
  };
  await load();
  page.poll(load, 3000);
}
