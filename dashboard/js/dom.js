// Building the page. Everything a user or the API supplied goes in as a
// text node: nothing here parses HTML, so a name like "<script>" is shown,
// never run.

// h("button", {class: "danger", onclick: fn}, "Delete", child...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked" || key === "selected" || key === "disabled") {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A table: columns are [heading, row => cell content].
export function table(columns, rows, empty = "Nothing here yet.") {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", {}, title)))),
      h(
        "tbody",
        {},
        rows.map((row) => h("tr", {}, columns.map(([title, cell]) => h("td", { "data-label": title }, cell(row)))))
      )
    )
  );
}

// A usage bar: "vCPUs 3 of 20".
export function bar(label, used, limit, unit = "") {
  const unlimited = limit === undefined || limit === null || limit < 0;
  const fraction = unlimited ? 0 : limit === 0 ? (used > 0 ? 1 : 0) : Math.min(1, used / limit);
  const fill = h("div", { class: "bar-fill" + (fraction >= 0.9 ? " full" : "") });
  fill.style.width = `${Math.round(fraction * 100)}%`;
  const text = unlimited ? `${used}${unit} used (no limit)` : `${used}${unit} of ${limit}${unit}`;
  return h(
    "div",
    { class: "bar", role: "meter", "aria-label": label, "aria-valuenow": used, "aria-valuemax": unlimited ? "" : limit },
    h("div", { class: "bar-label" }, h("span", {}, label), h("span", {}, text)),
    h("div", { class: "bar-track" }, fill)
  );
}

// Where a view shows an API error: status, message and request id as sent.
export function errorBox(err) {
  const parts = [err.message || String(err)];
  if (err.status) parts.push(` (HTTP ${err.status})`);
  if (err.requestId) parts.push(` (Request-ID: ${err.requestId})`);
  return h("div", { class: "error", role: "alert" }, parts.join(""));
}

export function showError(slot, err) {
  clear(slot).append(errorBox(err));
}

export function notice(text) {
  return h("div", { class: "notice", role: "status" }, text);
}

// A labelled form field.
export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", {}, label), input, hint ? h("small", {}, hint) : null);
}

export function select(name, options, attrs = {}) {
  return h(
    "select",
    { name, ...attrs },
    options.map(([value, text]) => h("option", { value }, text))
  );
}

export function formatBytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

export function statusBadge(status) {
  const s = String(status || "").toUpperCase();
  const kind = /ERROR|FAIL|KILLED/.test(s)
    ? "bad"
    : /ACTIVE|AVAILABLE|IN-USE|UP|ENABLED/.test(s)
      ? "good"
      : /SHUTOFF|DOWN|DEACTIVATED|SUSPENDED|PAUSED/.test(s)
        ? "off"
        : "busy";
  return h("span", { class: `badge ${kind}` }, s || "-");
}

export function link(href, text) {
  return h("a", { href }, text);
}

// A card with a title and a body.
export function section(title, ...body) {
  return h("section", { class: "card" }, h("h2", {}, title), ...body);
}

// Replaces an element's children (arrays are flattened; text stays text).
export function fill(el, ...children) {
  return append(clear(el), children);
}
