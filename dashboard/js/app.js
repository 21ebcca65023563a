// The shell: login page, header (project switcher, logout), menu and a
// router over #fragments, so every page has a URL and the server needs
// only to serve index.html.
import * as api from "./api.js";
import { h, clear, fill, errorBox, notice, field } from "./dom.js";
import { overview } from "./overview.js";
import { instances, instanceDetail, keypairs, serverGroups } from "./instances.js";
import { images, imageDetail } from "./images.js";
import { volumes } from "./volumes.js";
import { networks, securityGroups, routersAndIps } from "./networks.js";
import { identity } from "./identity.js";
import { hypervisors, allInstances } from "./admin.js";

const root = document.getElementById("app");

const menu = [
  ["#/overview", "Overview", false],
  ["#/instances", "Instances", false],
  ["#/keypairs", "Key pairs", false],
  ["#/server-groups", "Server groups", false],
  ["#/images", "Images", false],
  ["#/volumes", "Volumes", false],
  ["#/networks", "Networks", false],
  ["#/security-groups", "Security groups", false],
  ["#/routers", "Routers & floating IPs", false],
  ["#/identity", "Identity", true],
  ["#/admin/hypervisors", "Hypervisors", true],
  ["#/admin/instances", "All instances", true],
];

const routes = [
  [/^#\/overview$/, overview],
  [/^#\/instances$/, instances],
  [/^#\/instances\/([^/]+)$/, instanceDetail],
  [/^#\/keypairs$/, keypairs],
  [/^#\/server-groups$/, serverGroups],
  [/^#\/images$/, images],
  [/^#\/images\/([^/]+)$/, imageDetail],
  [/^#\/volumes$/, volumes],
  [/^#\/networks$/, networks],
  [/^#\/security-groups$/, securityGroups],
  [/^#\/routers$/, routersAndIps],
  // Admin pages are in the menu for admins only; a member who types the
  // URL gets the page, and the API's own 403 in it.
  [/^#\/identity$/, identity],
  [/^#\/admin\/hypervisors$/, hypervisors],
  [/^#\/admin\/instances$/, allInstances],
];

// What the current page started (polling timers, a console's socket):
// stopped when it is left.
let current = { cleanups: [], alive: false };

function leavePage() {
  current.alive = false;
  for (const fn of current.cleanups) fn();
  current = { cleanups: [], alive: true };
  return current;
}

// The context a view gets: polling that stops with the page, and whether
// the page is still the one shown (a late answer must not draw over the next).
function pageContext(page) {
  return {
    get alive() {
      return page.alive;
    },
    poll(fn, ms) {
      const timer = setInterval(() => {
        if (page.alive && !document.hidden) fn();
      }, ms);
      page.cleanups.push(() => clearInterval(timer));
    },
    // What else the page holds open (a console's WebSocket): let go of
    // when the page is left.
    onLeave(fn) {
      page.cleanups.push(fn);
    },
    navigate(hash) {
      location.hash = hash;
    },
    rerender() {
      render();
    },
  };
}

let loginMessage = "";
api.setExpiredHandler((message) => {
  if (message) loginMessage = message;
  if (location.hash !== "#/login") location.hash = "#/login";
  else render();
});

function loginPage() {
  leavePage();
  const user = h("input", { name: "username", autocomplete: "username", required: true, value: "admin" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const project = h("input", { name: "project", required: true, value: "admin" });
  const status = h("div", { class: "status-slot" }, loginMessage ? notice(loginMessage) : null);
  const button = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h(
    "form",
    {
      class: "login card",
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        try {
          await api.login(user.value.trim(), password.value, project.value.trim());
          loginMessage = "";
          location.hash = "#/overview";
        } catch (err) {
          fill(status, errorBox(err));
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h1", {}, "cumulo"),
    h("p", { class: "muted" }, "Log in to the cloud (domain Default)."),
    status,
    field("User name", user),
    field("Password", password),
    field("Project", project),
    button
  );
  fill(root, h("main", { class: "login-page" }, form));
  password.focus();
}

async function projectSwitcher(s) {
  const sel = h("select", { name: "project", "aria-label": "Project" }, h("option", { value: s.project.id }, s.project.name));
  const slot = h("span", { class: "switch-error" });
  try {
    const { projects } = await api.get(`${api.paths.identity}/auth/projects`);
    clear(sel);
    for (const p of projects.sort((a, b) => a.name.localeCompare(b.name)))
      sel.append(h("option", { value: p.id, selected: p.id === s.project.id }, p.name));
  } catch (err) {
    slot.append(errorBox(err));
  }
  sel.addEventListener("change", async () => {
    try {
      await api.switchProject(sel.value);
      render();
    } catch (err) {
      fill(slot, errorBox(err));
    }
  });
  return h("span", { class: "project-switch" }, sel, slot);
}

function shell(s) {
  const admin = api.isAdmin();
  const nav = h(
    "nav",
    { class: "menu", "aria-label": "Main" },
    menu
      .filter(([, , adminOnly]) => admin || !adminOnly)
      .map(([href, text, adminOnly]) =>
        h("a", { href, class: (location.hash.startsWith(href) ? "active" : "") + (adminOnly ? " admin-link" : "") }, text)
      )
  );
  const switcher = h("span", {});
  projectSwitcher(s).then((el) => switcher.append(el));
  const header = h(
    "header",
    { class: "top" },
    h("a", { class: "brand", href: "#/overview" }, "cumulo"),
    h("button", { class: "menu-toggle", type: "button", "aria-label": "Menu", onclick: () => nav.classList.toggle("open") }, "☰"),
    switcher,
    h("span", { class: "who" }, "Logged in as ", h("strong", { class: "user-name" }, s.user.name), admin ? " (admin)" : ""),
    h(
      "button",
      {
        type: "button",
        class: "logout",
        onclick: async () => {
          await api.logout();
          loginMessage = "You have logged out.";
          location.hash = "#/login";
        },
      },
      "Log out"
    )
  );
  const main = h("main", { class: "content", id: "main" });
  fill(root, header, h("div", { class: "layout" }, nav, main));
  return main;
}

async function render() {
  const s = api.session();
  if (!s || location.hash === "#/login") {
    if (s && location.hash === "#/login") {
      location.hash = "#/overview";
      return;
    }
    loginPage();
    return;
  }
  if (Date.parse(s.expires) <= Date.now()) {
    sessionStorage.clear();
    loginMessage = "Your session has expired: please log in again.";
    loginPage();
    return;
  }
  const hash = location.hash || "#/overview";
  const page = leavePage();
  const main = shell(s);
  for (const [pattern, view] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    try {
      await view(main, m.slice(1).map(decodeURIComponent), pageContext(page));
    } catch (err) {
      if (page.alive) main.append(errorBox(err));
    }
    return;
  }
  main.append(errorBox({ message: `No page at ${hash}.` }));
}

window.addEventListener("hashchange", render);
render();
