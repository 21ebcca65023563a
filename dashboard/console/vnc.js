// The graphical console: noVNC's RFB client (vendor/novnc, as vendored by
// scripts/vendor-dashboard) on the WebSocket that Nova's novnc URL names:
//   /dashboard/console/vnc.html?host=HOST&port=PORT&path=%3Ftoken%3DTOKEN
// connects to ws://HOST:PORT/?token=TOKEN. The token is the only secret;
// the page needs no dashboard session.
import RFB from "../vendor/novnc/core/rfb.js";

const status = document.getElementById("status");
const screen = document.getElementById("screen");
const ctrlAltDel = document.getElementById("ctrl-alt-del");

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
  ctrlAltDel.disabled = state !== "connected";
}

// The WebSocket's URL from the page's query: `path` arrives decoded
// ("?token=..."), and goes after the one "/" that follows the port.
function consoleUrl(query) {
  let host = query.get("host") || location.hostname;
  const port = query.get("port");
  const path = (query.get("path") || "").replace(/^\/+/, "");
  if (!host || !port) return null;
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;  // IPv6
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${host}:${port}/${path}`;
}

function connect() {
  const url = consoleUrl(new URLSearchParams(location.search));
  if (!url) {
    show("disconnected", "disconnected: the page's address names no console (its port)");
    return;
  }
  let rfb = null;
  let failure = "";
  // A connection the page's Content-Security-Policy refuses gets no
  // "close" in Chromium, so noVNC would wait for ever: it is ended here.
  document.addEventListener("securitypolicyviolation", (e) => {
    if (e.effectiveDirective !== "connect-src" || failure) return;
    failure = `this page may not connect to ${e.blockedURI.split("?")[0]}`;
    show("disconnected", `disconnected: ${failure}`);
    if (rfb) rfb.disconnect();
  });
  try {
    rfb = new RFB(screen, url);
  } catch (err) {
    // The browser refused the address itself (a blocked port, a bad URL).
    show("disconnected", `disconnected: ${err.message}`);
    return;
  }
  if (failure) {
    rfb.disconnect();
    return;
  }
  rfb.scaleViewport = true;
  show("connecting", "connecting");
  rfb.addEventListener("connect", () => {
    show("connected", "connected");
    rfb.focus();
  });
  rfb.addEventListener("disconnect", (e) => {
    const why = failure || (e.detail.clean ? "" : "the connection failed or was lost");
    show("disconnected", why ? `disconnected: ${why}` : "disconnected");
  });
  rfb.addEventListener("securityfailure", (e) => {
    failure = e.detail.reason || `security negotiation failed (${e.detail.status})`;
  });
  rfb.addEventListener("credentialsrequired", () => {
    const password = window.prompt("The console's password");
    if (password === null) rfb.disconnect();
    else rfb.sendCredentials({ password });
  });
  rfb.addEventListener("desktopname", (e) => {
    if (e.detail.name) document.title = `${e.detail.name} - cumulo console`;
  });
  ctrlAltDel.addEventListener("click", () => {
    rfb.sendCtrlAltDel();
    rfb.focus();
  });
}

connect();
