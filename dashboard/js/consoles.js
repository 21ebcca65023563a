// A server's remote consoles (Nova's POST /servers/{id}/remote-consoles,
// 2.6+): the serial console in a terminal on the server's page, over the
// WebSocket whose URL the API answers; the graphical one (noVNC) in a tab of
// its own (dashboard/console/vnc.html).
import * as api from "./api.js";
import { h, clear, fill, errorBox, section } from "./dom.js";

const C = api.paths.compute;
const CONSOLES_VERSION = { "OpenStack-API-Version": "compute 2.6" };
const XTERM_SRC = "/dashboard/vendor/xterm/xterm.js";

function askConsole(serverId, protocol, type) {
  return api.call(
    "POST",
    `${C}/servers/${encodeURIComponent(serverId)}/remote-consoles`,
    { remote_console: { protocol, type } },
    CONSOLES_VERSION
  );
}

// xterm.js is a classic script (UMD) defining window.Terminal: loaded the
// first time a console is opened, not with every page of the dashboard.
let xtermLoading = null;
function loadXterm() {
  if (window.Terminal) return Promise.resolve(window.Terminal);
  if (!xtermLoading)
    xtermLoading = new Promise((resolve, reject) => {
      const script = h("script", { src: XTERM_SRC });
      script.addEventListener("load", () =>
        window.Terminal ? resolve(window.Terminal) : reject(new Error(`${XTERM_SRC} defined no Terminal.`))
      );
      script.addEventListener("error", () => {
        xtermLoading = null;
        script.remove();
        reject(new Error(`The terminal (${XTERM_SRC}) could not be loaded.`));
      });
      document.head.append(script);
    });
  return xtermLoading;
}

// xterm 5.5's DOM renderer writes the cells' sizes and the theme's colours
// into <style> elements of its own, which the dashboard's
// Content-Security-Policy (no 'unsafe-inline') keeps the browser from
// applying. Their text is kept in a constructed stylesheet too, which the
// policy does not govern, as xterm rewrites them (a resize, a new font).
function adoptXtermStyles(termElement) {
  const sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const watched = new Set();
  const observer = new MutationObserver(() => sync());
  function sync() {
    const styles = [...termElement.querySelectorAll("style")];
    for (const s of styles)
      if (!watched.has(s)) {
        watched.add(s);
        observer.observe(s, { childList: true, characterData: true, subtree: true });
      }
    sheet.replaceSync(styles.map((s) => s.textContent).join("\n"));
  }
  // New <style> elements go beside the rows, in .xterm-screen: watched
  // without its subtree, so the rows' own changes wake nothing here.
  observer.observe(termElement.querySelector(".xterm-screen") || termElement, { childList: true });
  sync();
  return () => {
    observer.disconnect();
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  };
}

function closeText(event) {
  const reason = event.reason ? `: ${event.reason}` : "";
  return `closed${reason} (code ${event.code})`;
}

// The "Console" card of a server's page. `page` is the view's context: the
// socket is closed when the page is left.
export function consoleCard(serverId, page) {
  const slot = h("div", { class: "status-slot" });
  const state = h("span", { class: "console-state", role: "status", "aria-label": "Console status", "data-state": "idle" }, "not open");
  const host = h("div", { class: "terminal-host", "aria-label": "Serial console", hidden: true });
  const open = h("button", { type: "button", class: "small primary", onclick: () => openSerial() }, "Open console");
  const close = h("button", { type: "button", class: "small", disabled: true, onclick: () => closeSerial() }, "Close console");
  const vnc = h("button", { type: "button", class: "small", onclick: () => openGraphical() }, "Graphical console (VNC)");

  let term = null;
  let untieStyles = null;
  let socket = null;
  let ended = null;  // ends the current connection's display (its text)

  const show = (name, text) => {
    state.dataset.state = name;
    state.textContent = text;
  };

  async function terminal() {
    if (term) {
      term.reset();
      return term;
    }
    const Terminal = await loadXterm();
    host.hidden = false;
    // convertEol: a console log's bare "\n" starts its next line at the
    // left (a guest's serial console sends "\r\n" anyway).
    term = new Terminal({ convertEol: true, cols: 80, rows: 24, scrollback: 2000, fontSize: 14 });
    term.open(host);
    untieStyles = adoptXtermStyles(term.element);
    const encoder = new TextEncoder();
    const send = (bytes) => {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(bytes);
    };
    // What the user types goes as binary frames of its UTF-8 bytes; a
    // mouse report xterm makes as bytes (onBinary) goes as those bytes.
    term.onData((text) => send(encoder.encode(text)));
    term.onBinary((text) => send(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)));
    return term;
  }

  async function openSerial() {
    if (socket) return;
    open.disabled = true;
    clear(slot);
    show("connecting", "connecting");
    let url;
    let t;
    try {
      url = (await askConsole(serverId, "serial", "serial")).remote_console.url;
      if (!page.alive) return;
      t = await terminal();
    } catch (err) {
      if (!page.alive) return;
      fill(slot, errorBox(err));
      show("idle", "not open");
      open.disabled = false;
      return;
    }
    if (!page.alive) return;
    let ws;
    try {
      ws = new WebSocket(url, ["binary"]);
    } catch (err) {
      fill(slot, errorBox(err));
      show("closed", `closed: ${err.message}`);
      open.disabled = false;
      return;
    }
    socket = ws;
    ws.binaryType = "arraybuffer";
    // One decoder a connection, streaming: a character whose bytes come in
    // two messages is shown once whole.
    const decoder = new TextDecoder("utf-8");
    close.disabled = false;
    ws.addEventListener("open", () => {
      if (socket !== ws) return;
      show("connected", "connected");
      t.focus();
    });
    ws.addEventListener("message", (e) => {
      if (socket !== ws) return;
      t.write(typeof e.data === "string" ? e.data : decoder.decode(new Uint8Array(e.data), { stream: true }));
    });
    const end = (text) => {
      const rest = decoder.decode();
      if (socket !== ws) return;
      if (rest) t.write(rest);
      socket = null;
      ended = null;
      show("closed", text);
      open.disabled = false;
      close.disabled = true;
    };
    ended = end;
    ws.addEventListener("close", (e) => end(closeText(e)));
    // A connection the page's Content-Security-Policy refuses gets an
    // "error" and no "close" (Chromium): ended all the same.
    ws.addEventListener("error", () =>
      setTimeout(() => end("closed: the connection failed (see the browser's console)"), 1000)
    );
  }

  function closeSerial() {
    if (!socket) return;
    close.disabled = true;
    show("closing", "closing");
    socket.close(1000, "by the user");
    // The server answers a close at once; one that does not is not waited
    // for (the browser lets the socket go in its own time).
    const end = ended;
    setTimeout(() => end && end("closed: by the user (the server did not answer)"), 3000);
  }

  async function openGraphical() {
    vnc.disabled = true;
    clear(slot);
    try {
      const { remote_console: rc } = await askConsole(serverId, "vnc", "novnc");
      if (page.alive) window.open(rc.url, "_blank", "noopener");
    } catch (err) {
      if (page.alive) fill(slot, errorBox(err));
    } finally {
      vnc.disabled = false;
    }
  }

  page.onLeave(() => {
    if (socket) {
      const ws = socket;
      socket = null;
      ws.close(1000, "page left");
    }
    if (term) {
      term.dispose();
      term = null;
    }
    if (untieStyles) untieStyles();
  });

  return section(
    "Console",
    h("p", { class: "muted" }, "The server's serial console, as a terminal; the graphical console (VNC) opens in a new tab where the server has one."),
    h("div", { class: "console-bar" }, open, close, vnc, h("span", { class: "console-state-label" }, "Status: ", state)),
    slot,
    host
  );
}
