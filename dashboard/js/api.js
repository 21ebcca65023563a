// The dashboard's only way to the cloud: cumulo's public REST APIs with the
// logged-in user's token, as the openstack CLI calls them. The session
// (token, user, project, roles) lives in sessionStorage: it ends with the tab.

const KEY = "cumulo.session";

export const paths = {
  identity: "/v3",
  compute: "/compute/v2.1",
  image: "/image/v2",
  network: "/networking/v2.0",
  // Cinder v3, as the catalog lists it (block-storage and volumev3): no
  // project id in the URL.
  volume: "/volume/v3",
};

// Cinder's microversion for every block storage call: 3.60 has everything
// the Volumes page reads (a volume's attachments, extending an in-use
// volume from 3.42), and still takes a snapshot's `force: false`, which
// 3.66 deprecates.
const VOLUME_VERSION = "volume 3.60";

export class ApiError extends Error {
  constructor(status, message, requestId) {
    super(message);
    this.status = status;
    this.requestId = requestId;
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export function isAdmin() {
  const s = session();
  return Boolean(s && s.roles.includes("admin"));
}

// Called when the token is refused or has run out: back to the login page,
// with the reason shown there.
let onExpired = () => {};
export function setExpiredHandler(fn) {
  onExpired = fn;
}

function expire(message) {
  sessionStorage.removeItem(KEY);
  onExpired(message);
}

// The message of an error body in any service's format: Keystone
// {"error": {...}}, Nova {"itemNotFound": {...}}, Neutron
// {"NeutronError": {...}}, Glance {"message": ...}.
function messageOf(body, fallback) {
  if (!body || typeof body !== "object") return fallback;
  if (typeof body.message === "string") return body.message;
  for (const value of Object.values(body))
    if (value && typeof value === "object" && typeof value.message === "string") return value.message;
  return fallback;
}

async function errorFrom(response) {
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return new ApiError(
    response.status,
    messageOf(body, text || response.statusText || "The request failed."),
    response.headers.get("X-OpenStack-Request-Id")
  );
}

// One API call: JSON in and out. A 401 ends the session; any other error is
// thrown as an ApiError with the service's own message.
export async function call(method, path, body, headers = {}) {
  const s = session();
  if (!s) {
    // Another call's 401 may have ended the session a moment ago: its
    // message is the one to show.
    expire(null);
    throw new ApiError(401, "Not logged in.");
  }
  if (Date.parse(s.expires) <= Date.now()) {
    expire("Your session has expired: please log in again.");
    throw new ApiError(401, "The token has expired.");
  }
  const init = { method, headers: { "X-Auth-Token": s.token, Accept: "application/json", ...headers } };
  // Nova's base microversion unless the caller needs a later one (in
  // either header: "OpenStack-API-Version: compute 2.X" is the newer).
  if (path.startsWith(paths.compute) && !init.headers["X-OpenStack-Nova-API-Version"] && !init.headers["OpenStack-API-Version"])
    init.headers["X-OpenStack-Nova-API-Version"] = "2.1";
  if (path.startsWith(paths.volume) && !init.headers["OpenStack-API-Version"])
    init.headers["OpenStack-API-Version"] = VOLUME_VERSION;
  if (body !== undefined) {
    init.headers["Content-Type"] = init.headers["Content-Type"] || "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    const err = await errorFrom(response);
    expire("Your session has expired or was revoked: please log in again.");
    throw err;
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
export const put = (path, body) => call("PUT", path, body);
export const del = (path) => call("DELETE", path);
export const patch = (path, body, contentType) => call("PATCH", path, body, { "Content-Type": contentType });

async function issueToken(identity, scope) {
  const response = await fetch(`${paths.identity}/auth/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ auth: { identity, scope } }),
  });
  if (!response.ok) throw await errorFrom(response);
  const { token } = await response.json();
  const s = {
    token: response.headers.get("X-Subject-Token"),
    expires: token.expires_at,
    user: token.user,
    project: token.project,
    roles: (token.roles || []).map((r) => r.name),
  };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export function login(user, password, project) {
  return issueToken(
    { methods: ["password"], password: { user: { name: user, domain: { name: "Default" }, password } } },
    { project: { name: project, domain: { name: "Default" } } }
  );
}

// A token for another of the user's projects, from the current one (as
// Keystone's token method rescopes); the old token is revoked.
export async function switchProject(projectId) {
  const old = session();
  const s = await issueToken({ methods: ["token"], token: { id: old.token } }, { project: { id: projectId } });
  revoke(old.token, s.token);
  return s;
}

function revoke(token, asToken) {
  return fetch(`${paths.identity}/auth/tokens`, {
    method: "DELETE",
    headers: { "X-Auth-Token": asToken, "X-Subject-Token": token },
  }).catch(() => {});
}

export async function logout() {
  const s = session();
  sessionStorage.removeItem(KEY);
  if (s) await revoke(s.token, s.token);
}

// An image's data, streamed from the File (the browser reads it as it
// sends: nothing is loaded into memory first), with upload progress.
export function uploadImageData(imageId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const s = session();
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `${paths.image}/images/${encodeURIComponent(imageId)}/file`);
    xhr.setRequestHeader("X-Auth-Token", s ? s.token : "");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 401) expire("Your session has expired or was revoked: please log in again.");
      reject(new ApiError(xhr.status, messageOf(body, xhr.responseText || "The upload failed."), xhr.getResponseHeader("X-OpenStack-Request-Id")));
    };
    xhr.onerror = () => reject(new ApiError(0, "The upload was interrupted (network error)."));
    xhr.send(file);
  });
}
