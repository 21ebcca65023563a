// The dashboard in headless Chromium (Debian's chromium, driven by
// playwright-core): the Horizon walkthrough against a real `cumulo serve`
// of its own (127.0.0.1, port 0, a temporary data dir), as a user would
// click it. Screenshots of each page go to the folder given as argument.
//
// usage: node dashboard_test.mjs CUMULO_BINARY SCREENSHOT_DIR
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [binary, shots] = process.argv.slice(2);
if (!binary || !shots) {
  console.error("usage: node dashboard_test.mjs CUMULO_BINARY SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(path.join(tmpdir(), "cumulo-dashboard-test-"));
const ADMIN_PASSWORD = "admin-secret";
const XSS_NAME = 'net<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const SNAPSHOT_NAME = "snap<img src=x onerror=window.__xss=3>";
const started = Date.now();
let server;
let browser;

function log(step) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${step}`);
}

function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(
      binary,
      ["serve", "--listen", "127.0.0.1:0", "--data-dir", path.join(work, "data"), "--password-cost", "min", "--admin-password", ADMIN_PASSWORD],
      { stdio: ["ignore", "pipe", "pipe"] }
    );
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`cumulo serve did not start in 30 s: ${err}`)), 30000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = /cumulo serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    server.stderr.on("data", (d) => {
      err += d;
      if (err.length > 200000) err = err.slice(-100000);
    });
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`cumulo serve exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 15000);
  await exited;
  clearTimeout(timer);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function login(page, base, user, password, project, screenshot) {
  await page.goto(`${base}/dashboard/#/login`);
  if (screenshot) await shot(page, screenshot);
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", password);
  await page.fill("input[name=project]", project);
  await page.click("button:has-text('Log in')");
  await page.waitForSelector("h1:has-text('Overview')");
}

// Logging out revokes the token: it no longer opens anything.
async function logout(page) {
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("cumulo.session")).token);
  await page.click("button.logout");
  await page.waitForSelector("form.login");
  check((await page.evaluate(() => sessionStorage.getItem("cumulo.session"))) === null, "the session is gone");
  const status = await page.evaluate(
    async (t) => (await fetch("/compute/v2.1/servers", { headers: { "X-Auth-Token": t } })).status,
    token
  );
  check(status === 401, `a logged-out token is refused (${status})`);
}

// Every window.confirm() of the dashboard is accepted (a prompt with its
// default answer), and its text kept.
function acceptDialogs(page) {
  const seen = [];
  page.on("dialog", (d) => {
    seen.push(d.message());
    d.accept(d.type() === "prompt" ? d.defaultValue() : undefined);
  });
  return seen;
}

async function scenario(base) {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const dialogs = acceptDialogs(page);
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // Printed as they happen: a page that never renders (seen once under load)
  // then says which of its files did not arrive.
  page.on("requestfailed", (r) => log(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("pageerror", (e) => log(`page error: ${e}`));

  log("admin logs in");
  await login(page, base, "admin", ADMIN_PASSWORD, "admin", "00-login");
  await page.waitForSelector(".bar[aria-label=Instances]");
  await page.waitForSelector(".bar[aria-label=Networks]");
  check(await page.isVisible("nav.menu a:has-text('Hypervisors')"), "an admin sees the admin menu");
  await shot(page, "01-overview-admin");

  log("admin: a wrong password is refused with Keystone's message");
  {
    const p2 = await context.newPage();
    await p2.goto(`${base}/dashboard/#/login`);
    await p2.fill("input[name=username]", "admin");
    await p2.fill("input[name=password]", "wrong");
    await p2.click("button:has-text('Log in')");
    const text = await p2.textContent(".error");
    check(text.includes("(HTTP 401)"), `a wrong password shows the 401: ${text}`);
    await p2.close();
  }

  log("admin creates a project and a member user");
  await page.goto(`${base}/dashboard/#/identity`);
  await page.fill("input[name=project-name]", "demo");
  await page.fill("input[name=project-description]", "the dashboard test's project");
  await page.click("button:has-text('Create project')");
  await page.waitForSelector(".notice:has-text('Project \"demo\" created.')");
  await page.waitForSelector("select[name=user-project] option:has-text('demo')", { state: "attached" });
  await page.fill("input[name=user-name]", "alice");
  await page.fill("input[name=user-password]", "alice-secret");
  await page.selectOption("select[name=user-project]", { label: "demo" });
  await page.selectOption("select[name=user-role]", { label: "member" });
  await page.click("button:has-text('Create user')");
  await page.waitForSelector(".notice:has-text('User \"alice\" created.')");
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "alice"));
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => /alice.*member.*demo/.test(tr.textContent))
  );
  await shot(page, "02-identity");

  log("admin gets a role on demo and switches to it");
  await page.selectOption("select[name=grant-user]", { label: "admin" });
  await page.selectOption("select[name=grant-project]", { label: "demo" });
  await page.selectOption("select[name=grant-role]", { label: "member" });
  await page.click("button:has-text('Grant')");
  await page.waitForSelector(".notice:has-text('Role granted.')");
  await page.goto(`${base}/dashboard/#/overview`);
  await page.waitForSelector("header select[name=project] option:has-text('demo')", { state: "attached" });
  await page.selectOption("header select[name=project]", { label: "demo" });
  await page.waitForFunction(() => document.querySelector(".project-name")?.textContent === "demo");
  check((await page.locator("nav.menu a.admin-link").count()) === 0, "a member's token on demo has no admin menu");
  await page.waitForSelector("header select[name=project] option:has-text('admin')", { state: "attached" });
  await page.selectOption("header select[name=project]", { label: "admin" });
  await page.waitForFunction(() => document.querySelector(".project-name")?.textContent === "admin");
  await page.waitForSelector("nav.menu a.admin-link");

  log("admin makes an external network for floating IPs");
  await page.goto(`${base}/dashboard/#/networks`);
  await page.fill("input[name=network-name]", "public");
  await page.fill("input[name=cidr]", "172.24.4.0/24");
  await page.check("input[name=external]");
  await page.click("button:has-text('Create network')");
  await page.waitForSelector(".notice:has-text('created with subnet 172.24.4.0/24')");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => tr.textContent.startsWith("public") && tr.textContent.includes("yes"))
  );
  await logout(page);

  log("alice (member of demo) logs in");
  await login(page, base, "alice", "alice-secret", "demo");
  check((await page.textContent(".project-name")) === "demo", "the overview is demo's");
  check((await page.locator("nav.menu a.admin-link").count()) === 0, "a member sees no admin menu");
  check(!(await page.isVisible("nav.menu a:has-text('Hypervisors')")), "no Hypervisors link for a member");
  await shot(page, "03-overview-member");

  log("alice forces the admin URL and gets the API's 403");
  await page.goto(`${base}/dashboard/#/admin/hypervisors`);
  await page.waitForSelector(".error");
  {
    const text = await page.textContent(".error");
    check(
      text.includes("Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed.") && text.includes("(HTTP 403)"),
      `the member sees Nova's 403: ${text}`
    );
  }
  await shot(page, "04-member-forbidden");
  await page.goto(`${base}/dashboard/#/admin/instances`);
  await page.waitForSelector(".error");
  {
    const text = await page.textContent(".error");
    check(text.includes("os_compute_api:servers:detail:get_all_tenants") && text.includes("(HTTP 403)"), `all projects' instances: ${text}`);
  }
  await page.goto(`${base}/dashboard/#/identity`);
  await page.waitForSelector(".error");
  check((await page.textContent(".error")).includes("(HTTP 403)"), "Keystone's 403 on the identity page");

  log("alice creates a network and subnet (a bad CIDR is refused first)");
  await page.goto(`${base}/dashboard/#/networks`);
  await page.fill("input[name=network-name]", XSS_NAME);
  await page.fill("input[name=cidr]", "10.0.0.1/24");
  await page.click("button:has-text('Create network')");
  await page.waitForSelector(".error:has-text('host bits')");
  {
    const { networks } = await api(page, "GET", "/networking/v2.0/networks");
    check(!networks.some((n) => n.name === XSS_NAME), "a bad CIDR sends nothing");
  }
  await page.fill("input[name=cidr]", "10.0.0.0/24");
  await page.click("button:has-text('Create network')");
  await page.waitForSelector(".notice:has-text('created with subnet 10.0.0.0/24')");
  await page.waitForFunction((name) => [...document.querySelectorAll("td")].some((td) => td.textContent === name), XSS_NAME);
  check((await page.evaluate(() => window.__xss)) === undefined, "the <script> in a name did not run");
  check((await page.locator("main script, main img").count()) === 0, "a name's markup is not markup");
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "10.0.0.0/24"));
  await shot(page, "05-networks");

  log("alice opens ssh in the default security group");
  await page.goto(`${base}/dashboard/#/security-groups`);
  const group = page.locator("section.card:has(h2:has-text('Security group default'))");
  await group.waitFor();
  await group.locator("select[name=protocol]").selectOption("tcp");
  await group.locator("input[name=port-min]").fill("22");
  await group.locator("input[name=remote-ip]").fill("0.0.0.0/0");
  await group.locator("button:has-text('Add rule')").click();
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "22-22"));
  await shot(page, "05b-security-groups");

  log("alice makes a router and attaches the subnet");
  await page.goto(`${base}/dashboard/#/routers`);
  await page.fill("input[name=router-name]", "demo-router");
  await page.selectOption("select[name=router-external]", { label: "public" });
  await page.click("button:has-text('Create router')");
  await page.waitForSelector(".notice:has-text('Router \"demo-router\" created.')");
  await page.waitForSelector("select[name=interface-router] option:has-text('demo-router')", { state: "attached" });
  await page.selectOption("select[name=interface-router]", { label: "demo-router" });
  await page.selectOption("select[name=interface-subnet]", { label: `${XSS_NAME}-subnet (10.0.0.0/24)` });
  await page.click("button:has-text('Add interface')");
  await page.waitForSelector(".notice:has-text('Interface added.')");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => tr.textContent.includes("demo-router") && tr.textContent.includes("10.0.0.1"))
  );
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => tr.textContent.includes("demo-router") && tr.textContent.includes("public"))
  );
  await page.selectOption("select[name=fip-network]", { label: "public" });
  await page.click("button:has-text('Allocate')");
  await page.waitForSelector(".notice:has-text('Floating IP 172.24.4.')");
  await shot(page, "05c-routers");

  log("alice uploads an image and sees it active");
  await page.goto(`${base}/dashboard/#/images`);
  const data = Buffer.alloc(3 * 1024 * 1024, 7);
  await page.setInputFiles("input[name=image-file]", { name: "tiny.img", mimeType: "application/octet-stream", buffer: data });
  await page.fill("input[name=image-name]", "tiny");
  await page.click("button:has-text('Upload')");
  await page.waitForSelector(".notice:has-text('Image \"tiny\" uploaded.')", { timeout: 60000 });
  check((await page.getAttribute("progress.upload-progress", "value")) === "100", "the progress bar reached 100 %");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => tr.textContent.includes("tiny") && tr.textContent.includes("ACTIVE"))
  );
  await shot(page, "06-images");
  await page.click("a:has-text('tiny')");
  await page.waitForSelector("dd:has-text('3.0 MiB')");
  check((await page.textContent(".facts")).includes("3145728 bytes"), "the details show the size");
  await shot(page, "06b-image-detail");

  log("alice makes a key pair");
  await page.goto(`${base}/dashboard/#/keypairs`);
  await page.fill("input[name=keypair-name]", "alice-key");
  await page.click("button:has-text('Create key pair')");
  await page.waitForSelector(".notice:has-text('Key pair \"alice-key\" created.')");
  check((await page.textContent("pre.console")).includes("PRIVATE KEY"), "the made private key is shown once");
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "alice-key"));
  await shot(page, "06c-keypairs");

  log("alice launches an instance (the API refuses a bad one with its own message)");
  await page.goto(`${base}/dashboard/#/instances`);
  const marker = await page.evaluate(() => (window.__noReload = Math.random()));
  await page.click("button:has-text('Launch instance')");
  await page.waitForSelector("form.wizard input[name=name]");
  await page.fill("form.wizard input[name=name]", "vm-1");
  await page.selectOption("select[name=flavor]", "1");
  await page.click("form.wizard button:has-text('Launch')");
  await page.waitForSelector("form.wizard .error");
  {
    const text = await page.textContent("form.wizard .error");
    check(text.includes("(HTTP 400)"), `a launch without an image is the API's 400: ${text}`);
  }
  await page.selectOption("select[name=image]", { label: "tiny" });
  await page.selectOption("select[name=network]", { label: XSS_NAME });
  await page.selectOption("select[name=keypair]", "alice-key");
  await page.click("form.wizard button:has-text('Launch')");
  await page.waitForSelector(".notice:has-text('Launching \"vm-1\".')");
  await page.waitForFunction(
    () => [...document.querySelectorAll("tr")].some((tr) => tr.textContent.includes("vm-1") && tr.textContent.includes("ACTIVE")),
    null,
    { timeout: 60000 }
  );
  check((await page.evaluate(() => window.__noReload)) === marker, "ACTIVE was seen without a reload");
  check((await page.textContent("tbody")).includes("10.0.0."), "the instance shows its fixed IP");
  await shot(page, "07-instances");

  log("admin sees the instance on its hypervisor (a second session)");
  {
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const ap = await adminContext.newPage();
    await login(ap, base, "admin", ADMIN_PASSWORD, "admin");
    await ap.goto(`${base}/dashboard/#/admin/hypervisors`);
    await ap.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "vm-1"));
    check(await ap.isVisible(".bar[aria-label=vCPUs]"), "hypervisor bars");
    await shot(ap, "08-admin-hypervisors");
    await ap.goto(`${base}/dashboard/#/admin/instances`);
    await ap.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "demo"));
    await shot(ap, "09-admin-all-instances");
    await adminContext.close();
  }

  log("alice's overview counts the instance against the quota");
  await page.goto(`${base}/dashboard/#/overview`);
  await page.waitForSelector(".bar[aria-label=Instances]:has-text('1 of 10')");
  await page.waitForSelector(".bar[aria-label=vCPUs]:has-text('1 of 20')");
  await page.waitForSelector(".bar[aria-label=Ports]:has-text('2 of')");
  await shot(page, "07b-overview-in-use");

  log("alice gives the instance the floating IP");
  await page.goto(`${base}/dashboard/#/routers`);
  await page.waitForSelector("select[name=fip-port] option:has-text('10.0.0.')", { state: "attached" });
  await page.click("button:has-text('Associate')");
  await page.waitForSelector(".notice:has-text('associated.')");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => /172\.24\.4\.\d+.*10\.0\.0\.\d+/.test(tr.textContent))
  );
  await shot(page, "07c-floating-ip");

  log("alice opens its console and history, then deletes it");
  await page.goto(`${base}/dashboard/#/instances`);
  await page.click("a:has-text('vm-1')");
  await page.waitForFunction(() => {
    const pre = document.querySelector("pre.console");
    return pre && pre.textContent !== "Loading...";
  });
  check((await page.locator("pre.console .error").count()) === 0, `the console output loads: ${await page.textContent("pre.console")}`);
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "create"));
  check((await page.textContent("ul.events")).includes("Success"), "the create action's event succeeded");
  check((await page.textContent(".facts")).includes("alice-key"), "the instance has the key pair");
  await shot(page, "10-instance-detail");
  log("alice opens its serial console (the test hypervisor's streams its console log), then closes it");
  await page.click("button:has-text('Open console')");
  await page.waitForSelector("[aria-label='Console status'][data-state=connected]", { timeout: 30000 });
  // xterm's DOM renderer draws the visible rows as elements of .xterm-rows
  // (a line longer than the terminal goes on in the next row, so the
  // rows' text reads it whole).
  await page
    .locator(".xterm-rows")
    .filter({ hasText: "login prompt (the test hypervisor runs no guest)" })
    .waitFor({ timeout: 30000 });
  await shot(page, "10a-serial-console");
  await page.click("button:has-text('Close console')");
  await page.waitForSelector("[aria-label='Console status'][data-state=closed]", { timeout: 15000 });
  check((await page.textContent("[aria-label='Console status']")).startsWith("closed"), "the console says it is closed");
  check(await page.isEnabled("button:has-text('Open console')"), "a closed console can be opened again");
  log("its graphical console is refused: the test hypervisor has no VNC");
  await page.click("button:has-text('Graphical console (VNC)')");
  await page.waitForSelector(".error:has-text('Unavailable console type novnc.')", { timeout: 15000 });
  {
    const text = await page.locator(".error:has-text('Unavailable console type novnc.')").textContent();
    check(text.includes("(HTTP 400)"), `the novnc console is Nova's 400: ${text}`);
  }
  await shot(page, "10a-console-closed");
  await vncPage(context, base);
  log("alice stops and starts it from its page, which follows by itself");
  await page.click("button[data-action=stop]");
  await page.waitForSelector(".facts .badge:has-text('SHUTOFF')", { timeout: 30000 });
  await page.click("button[data-action=start]");
  await page.waitForSelector(".facts .badge:has-text('ACTIVE')", { timeout: 30000 });
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "start"));
  check(dialogs.some((d) => d.includes('Stop instance "vm-1"?')), "the stop was confirmed first");
  log("alice snapshots it (the image appears), locks and unlocks it");
  await page.click("button[data-action=snapshot]");
  await page.waitForSelector(".notice:has-text('Snapshot requested')");
  check(dialogs.some((d) => d.includes('Snapshot of instance "vm-1"')), "the snapshot asked for a name");
  await page.click("button[data-action=lock]");
  await page.waitForSelector(".notice:has-text('Lock requested')");
  await page.click("button[data-action=unlock]");
  await page.waitForSelector(".notice:has-text('Unlock requested')");
  log("alice resizes it and confirms, shelves and unshelves it, rescues and unrescues it");
  await page.click("button[data-action=resize]");
  await page.waitForSelector(".notice:has-text('Resize requested')");
  check(dialogs.some((d) => d.includes('Resize instance "vm-1" to the flavor')), "the resize asked for a flavor");
  await page.waitForSelector(".facts .badge:has-text('VERIFY_RESIZE')", { timeout: 30000 });
  await page.click("button[data-action=confirm]");
  await page.waitForSelector(".facts .badge:has-text('ACTIVE')", { timeout: 30000 });
  await page.click("button[data-action=shelve]");
  await page.waitForSelector(".facts .badge:has-text('SHELVED_OFFLOADED')", { timeout: 30000 });
  await page.click("button[data-action=unshelve]");
  await page.waitForSelector(".facts .badge:has-text('ACTIVE')", { timeout: 30000 });
  await page.click("button[data-action=rescue]");
  await page.waitForSelector(".facts .badge:has-text('RESCUE')", { timeout: 30000 });
  await page.click("button[data-action=unrescue]");
  await page.waitForSelector(".facts .badge:has-text('ACTIVE')", { timeout: 30000 });
  await page.goto(`${base}/dashboard/#/images`);
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent.includes("vm-1-snapshot")), null, { timeout: 30000 });
  await page.goto(`${base}/dashboard/#/instances`);
  await page.click("a:has-text('vm-1')");
  await page.waitForSelector("button[data-action=delete]");
  await page.click("button[data-action=delete]");
  await page.waitForSelector(".notice:has-text('Delete requested')");
  check(dialogs.some((d) => d.includes('Delete instance "vm-1"?')), "the delete was confirmed first");
  await page.goto(`${base}/dashboard/#/instances`);
  await page.waitForSelector("p.empty:has-text('No instances')", { timeout: 60000 });

  log("alice makes server groups (anti-affinity, and a soft policy that needs 2.15+)");
  await page.goto(`${base}/dashboard/#/server-groups`);
  await page.waitForSelector("p.empty:has-text('No server groups.')");
  await page.fill("input[name=server-group-name]", "spread");
  await page.selectOption("select[name=server-group-policy]", "anti-affinity");
  await page.click("button:has-text('Create server group')");
  await page.waitForSelector(".notice:has-text('Server group \"spread\" created.')");
  await page.fill("input[name=server-group-name]", "spare");
  await page.selectOption("select[name=server-group-policy]", "soft-affinity");
  await page.click("button:has-text('Create server group')");
  await page.waitForSelector(".notice:has-text('Server group \"spare\" created.')");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => tr.textContent.startsWith("spread") && tr.textContent.includes("anti-affinity"))
  );
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "soft-affinity"));
  await shot(page, "10b-server-groups");

  log("alice launches an instance into the anti-affinity group");
  await page.goto(`${base}/dashboard/#/instances`);
  await page.click("button:has-text('Launch instance')");
  await page.waitForSelector("form.wizard input[name=name]");
  await page.fill("form.wizard input[name=name]", "vm-2");
  await page.selectOption("select[name=image]", { label: "tiny" });
  await page.selectOption("select[name=flavor]", "1");
  await page.selectOption("select[name=network]", { label: XSS_NAME });
  await page.selectOption("select[name=server-group]", { label: "spread (anti-affinity)" });
  await page.click("form.wizard button:has-text('Launch')");
  await page.waitForSelector(".notice:has-text('Launching \"vm-2\".')");
  await page.waitForFunction(
    () => [...document.querySelectorAll("tr")].some((tr) => tr.textContent.includes("vm-2") && tr.textContent.includes("ACTIVE")),
    null,
    { timeout: 60000 }
  );

  log("the group lists its member; alice deletes the other group");
  await page.goto(`${base}/dashboard/#/server-groups`);
  await page.waitForFunction(() =>
    [...document.querySelectorAll("tr")].some((tr) => tr.textContent.startsWith("spread") && tr.textContent.includes("1 (vm-2)"))
  );
  {
    const { server_groups: groups } = await api(page, "GET", "/compute/v2.1/os-server-groups");
    const { servers } = await api(page, "GET", "/compute/v2.1/servers");
    const spread = groups.find((g) => g.name === "spread");
    const vm2 = servers.find((x) => x.name === "vm-2");
    check(spread && vm2 && spread.members.includes(vm2.id), `the group holds vm-2: ${JSON.stringify(groups)}`);
    check(JSON.stringify(spread.policies) === '["anti-affinity"]', `the group is anti-affinity: ${JSON.stringify(spread)}`);
  }
  await page.locator("tr:has(td:text-is('spare')) button:has-text('Delete')").click();
  await page.waitForSelector(".notice:has-text('Server group \"spare\" deleted.')");
  check(dialogs.some((d) => d.includes('Delete server group "spare"?')), "the group's delete was confirmed first");
  await page.waitForFunction(() => ![...document.querySelectorAll("td")].some((td) => td.textContent === "spare"));
  await shot(page, "10c-server-group-member");

  log("alice's overview shows this month's usage, with the running instance");
  await page.goto(`${base}/dashboard/#/overview`);
  const usage = page.locator("section.card:has(h2:has-text('Usage summary'))");
  await usage.locator("td:text-is('vm-2')").waitFor();
  {
    const facts = await usage.evaluate((el) =>
      Object.fromEntries([...el.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]))
    );
    check(facts["Active instances"] === "1", `one active instance: ${JSON.stringify(facts)}`);
    for (const name of ["This period's vCPU-hours", "This period's GB-hours", "This period's RAM MB-hours"])
      check(/^\d+\.\d\d$/.test(facts[name] || ""), `${name} is a number: ${JSON.stringify(facts)}`);
    check((await usage.locator("td:text-is('vm-1')").count()) === 0, "a deleted instance counts in the totals, not in the table");
    const row = await usage.locator("tr:has(td:text-is('vm-2'))").textContent();
    check(/MiB.*(second|minute)/.test(row), `the instance's RAM and time since created: ${row}`);
  }
  await shot(page, "10d-overview-usage");

  log("a narrow window is usable: the menu folds behind a button");
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${base}/dashboard/#/networks`);
  await page.waitForFunction(() => [...document.querySelectorAll("td")].some((td) => td.textContent === "10.0.0.0/24"));
  check(!(await page.isVisible("nav.menu a:has-text('Images')")), "the menu is folded");
  await page.click("button.menu-toggle");
  check(await page.isVisible("nav.menu a:has-text('Images')"), "the menu opens");
  await shot(page, "11-narrow-networks");
  await page.setViewportSize({ width: 1280, height: 800 });

  await volumes(page, base, dialogs);

  log("an expired token returns to the login page with a message");
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("cumulo.session"));
    s.expires = new Date(Date.now() - 1000).toISOString();
    sessionStorage.setItem("cumulo.session", JSON.stringify(s));
  });
  await page.goto(`${base}/dashboard/#/images`);
  await page.waitForSelector("form.login .notice:has-text('Your session has expired')");
  await login(page, base, "alice", "alice-secret", "demo");

  log("a revoked token returns to the login page with a message");
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("cumulo.session"));
    s.token = "not-a-token";
    sessionStorage.setItem("cumulo.session", JSON.stringify(s));
  });
  await page.goto(`${base}/dashboard/#/instances`);
  await page.waitForSelector("form.login .notice:has-text('please log in again')");
  await shot(page, "12-session-expired");

  check(consoleErrors.length === 0, `no uncaught page errors: ${consoleErrors.join("; ")}`);
  await browser.close();
  browser = null;
}

// Block storage as a member uses it: a volume's life on the Volumes page
// (create, extend, snapshot, a volume from the snapshot, Cinder's refusal
// to delete a volume with a snapshot, attach to vm-2 and detach, deletes),
// the server's page listing the attached volume, and an instance booted
// from a new volume made from the image, its volume deleted with it.
async function volumes(page, base, dialogs) {
  const volumesCard = page.locator("section.card:has(h2:text-is('Volumes'))");
  const snapshotsCard = page.locator("section.card:has(h2:text-is('Volume snapshots'))");
  const volumeRow = (name) => volumesCard.locator(`tr:has(td[data-label=Name]:text-is("${name}"))`);
  const cell = (row, column) => row.locator(`td[data-label='${column}']`);
  const waitStatus = (row, status, timeout = 30000) =>
    cell(row, "Status").locator(`.badge:text-is("${status}")`).waitFor({ timeout });
  // The page's one form for an action (attach, extend, snapshot) is sent.
  const submitPanel = () => page.click("form.action-panel button[type=submit]");
  const createVolume = () => page.click("button[type=submit]:text-is('Create volume')");

  log("alice creates a volume of the default type and sees it become available");
  await page.goto(`${base}/dashboard/#/volumes`);
  await page.waitForSelector("p.empty:has-text('No volumes in this project.')");
  await page.waitForSelector("p.empty:has-text('No volume snapshots in this project.')");
  const marker = await page.evaluate(() => (window.__noReload = Math.random()));
  await page.waitForSelector("select[name=volume-type] option[value=__DEFAULT__]", { state: "attached" });
  await page.fill("input[name=volume-name]", "data-1");
  await page.fill("input[name=volume-size]", "1");
  await page.selectOption("select[name=volume-type]", "__DEFAULT__");
  await createVolume();
  await page.waitForSelector(`.notice:has-text('Volume "data-1" is being created.')`);
  await waitStatus(volumeRow("data-1"), "AVAILABLE");
  check((await page.evaluate(() => window.__noReload)) === marker, "available was seen without a reload");
  {
    const row = volumeRow("data-1");
    check((await cell(row, "Size").textContent()) === "1 GiB", "the volume is 1 GiB");
    check((await cell(row, "Type").textContent()) === "__DEFAULT__", "the volume is of the default type");
    check((await cell(row, "Attached to").textContent()) === "-", "the volume is attached to nothing");
    check((await cell(row, "Bootable").textContent()) === "no", "an empty volume is not bootable");
  }
  await shot(page, "13-volumes");

  log("alice extends it to 2 GiB");
  await volumeRow("data-1").locator("button[data-action=extend]").click();
  check((await page.inputValue("input[name=new-size]")) === "2", "the new size is one more GiB by default");
  await page.fill("input[name=new-size]", "2");
  await submitPanel();
  await page.waitForSelector(`.notice:has-text('Extending volume "data-1" to 2 GiB.')`);
  await cell(volumeRow("data-1"), "Size").filter({ hasText: /^2 GiB$/ }).waitFor({ timeout: 30000 });
  await waitStatus(volumeRow("data-1"), "AVAILABLE");

  log("alice snapshots it (the snapshot's name, markup, is shown as text)");
  await volumeRow("data-1").locator("button[data-action=snapshot]").click();
  await page.fill("input[name=snapshot-name]", SNAPSHOT_NAME);
  await submitPanel();
  await page.waitForSelector(`.notice:has-text('of volume "data-1" is being created.')`);
  const snapshotRow = snapshotsCard.locator(`tr:has(td[data-label=Name]:text-is("${SNAPSHOT_NAME}"))`);
  await waitStatus(snapshotRow, "AVAILABLE");
  check((await cell(snapshotRow, "Volume").textContent()) === "data-1", "the snapshot names its volume");
  check((await cell(snapshotRow, "Size").textContent()) === "2 GiB", "the snapshot has the extended size");
  check((await page.evaluate(() => window.__xss)) === undefined, "the markup of a snapshot's name did not run");
  check((await page.locator("main img").count()) === 0, "a snapshot's name is not markup");

  log("Cinder refuses to delete a volume that has a snapshot: its message is shown");
  await volumeRow("data-1").locator("button[data-action=delete]").click();
  await page.waitForSelector(".status-slot .error:has-text('have snapshots')");
  {
    const text = await page.textContent(".status-slot .error:has-text('have snapshots')");
    check(text.includes("Invalid volume:") && text.includes("(HTTP 400)"), `Cinder's 400 is shown: ${text}`);
  }
  check(dialogs.some((d) => d.includes('Delete volume "data-1"?')), "the delete was confirmed first");
  check((await volumeRow("data-1").count()) === 1, "the volume is still there");

  log("alice creates a volume from the snapshot");
  await snapshotRow.locator("button[data-action=volume-from-snapshot]").click();
  check((await page.inputValue("input[name=volume-size]")) === "2", "the form takes the snapshot's size");
  const { snapshots } = await api(page, "GET", "/volume/v3/snapshots");
  const snapshot = snapshots.find((x) => x.name === SNAPSHOT_NAME);
  check(snapshot && (await page.inputValue("select[name=volume-source]")) === snapshot.id, "the form's source is the snapshot");
  await page.fill("input[name=volume-name]", "data-2");
  await createVolume();
  await page.waitForSelector(`.notice:has-text('Volume "data-2" is being created.')`);
  await waitStatus(volumeRow("data-2"), "AVAILABLE");
  {
    const { volumes: list } = await api(page, "GET", "/volume/v3/volumes/detail");
    const made = list.find((v) => v.name === "data-2");
    check(made && made.snapshot_id === snapshot.id && made.size === 2, `data-2 is the snapshot's copy: ${JSON.stringify(made)}`);
  }

  log("alice attaches it to vm-2: in use, attached to vm-2 by name");
  const { servers } = await api(page, "GET", "/compute/v2.1/servers");
  const vm2 = servers.find((x) => x.name === "vm-2");
  await volumeRow("data-2").locator("button[data-action=attach]").click();
  await page.waitForSelector("select[name=attach-server] option:text-is('vm-2')", { state: "attached" });
  await page.selectOption("select[name=attach-server]", { label: "vm-2" });
  await submitPanel();
  await page.waitForSelector(`.notice:has-text('Attaching volume "data-2" to "vm-2".')`);
  await waitStatus(volumeRow("data-2"), "IN-USE", 60000);
  const attachedTo = cell(volumeRow("data-2"), "Attached to").locator("a");
  await attachedTo.filter({ hasText: /^vm-2$/ }).waitFor({ timeout: 15000 });
  check((await attachedTo.getAttribute("href")) === `#/instances/${vm2.id}`, "the server's name links to its page");
  check((await page.evaluate(() => window.__noReload)) === marker, "in-use was seen without a reload");
  await shot(page, "13b-volume-attached");

  log("vm-2's page lists the volume");
  await attachedTo.click();
  await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Instance vm-2");
  {
    const attached = page.locator("section.card:has(h2:text-is('Volumes')) tr:has(td[data-label=Name] a:text-is('data-2'))");
    await attached.waitFor({ timeout: 15000 });
    const device = await cell(attached, "Device").textContent();
    check(/^\/dev\/\w+$/.test(device), `the volume's device on the server: ${device}`);
    const { volumeAttachments } = await api(page, "GET", `/compute/v2.1/servers/${vm2.id}/os-volume_attachments`);
    const { volumes: list } = await api(page, "GET", "/volume/v3/volumes/detail");
    const data2 = list.find((v) => v.name === "data-2");
    check(
      volumeAttachments.some((a) => a.volumeId === data2.id && a.serverId === vm2.id),
      `Nova lists the attachment: ${JSON.stringify(volumeAttachments)}`
    );
  }
  await shot(page, "13c-server-volumes");

  log("alice detaches it: available again");
  await page.goto(`${base}/dashboard/#/volumes`);
  await volumeRow("data-2").locator("button[data-action=detach]").click();
  await page.waitForSelector(`.notice:has-text('Detaching volume "data-2" from "vm-2".')`);
  check(dialogs.some((d) => d.includes('Detach volume "data-2" from instance "vm-2"?')), "the detach was confirmed first");
  await waitStatus(volumeRow("data-2"), "AVAILABLE", 60000);
  await cell(volumeRow("data-2"), "Attached to").filter({ hasText: /^-$/ }).waitFor({ timeout: 15000 });

  log("alice deletes the volumes and the snapshot");
  await volumeRow("data-2").locator("button[data-action=delete]").click();
  await page.waitForSelector(`.notice:has-text('Delete requested for volume "data-2".')`);
  await volumeRow("data-2").waitFor({ state: "detached", timeout: 30000 });
  await snapshotRow.locator("button[data-action=delete-snapshot]").click();
  await page.waitForSelector(".notice:has-text('Delete requested for snapshot')");
  check(dialogs.some((d) => d.includes(`Delete snapshot "${SNAPSHOT_NAME}"?`)), "the snapshot's delete was confirmed first");
  await page.waitForSelector("p.empty:has-text('No volume snapshots in this project.')", { timeout: 30000 });
  await volumeRow("data-1").locator("button[data-action=delete]").click();
  await page.waitForSelector(`.notice:has-text('Delete requested for volume "data-1".')`);
  await page.waitForSelector("p.empty:has-text('No volumes in this project.')", { timeout: 30000 });

  log("alice launches an instance booting from a new volume made from the image");
  await page.goto(`${base}/dashboard/#/instances`);
  await page.click("button:has-text('Launch instance')");
  await page.waitForSelector("form.wizard input[name=name]");
  check(!(await page.isVisible("input[name=boot-volume-size]")), "booting from the image asks no volume size");
  await page.fill("form.wizard input[name=name]", "vm-3");
  await page.selectOption("select[name=boot-source]", "new-volume");
  check(await page.isVisible("input[name=boot-volume-size]"), "a new volume asks its size");
  check(await page.isChecked("input[name=delete-on-termination]"), "the new volume goes with the instance by default");
  await page.selectOption("select[name=image]", { label: "tiny" });
  await page.fill("input[name=boot-volume-size]", "1");
  await page.selectOption("select[name=flavor]", "1");
  await page.selectOption("select[name=network]", { label: XSS_NAME });
  await shot(page, "13d-launch-from-volume");
  const sent = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/compute/v2.1/servers");
  await page.click("form.wizard button:has-text('Launch')");
  {
    const { server } = JSON.parse((await sent).postData());
    const { images } = await api(page, "GET", "/image/v2/images");
    const tiny = images.find((i) => i.name === "tiny");
    const disk = (server.block_device_mapping_v2 || [])[0] || {};
    check(
      server.imageRef === "" && (server.block_device_mapping_v2 || []).length === 1 && disk.boot_index === 0 && disk.uuid === tiny.id &&
        disk.source_type === "image" && disk.destination_type === "volume" && disk.volume_size === 1 && disk.delete_on_termination === true,
      `the launch asks for a new boot volume from the image: ${JSON.stringify(server)}`
    );
  }
  await page.waitForSelector(`.notice:has-text('Launching "vm-3".')`);
  const vm3 = page.locator("tr:has(a:text-is('vm-3'))");
  await vm3.locator(".badge:text-is('ACTIVE')").waitFor({ timeout: 90000 });
  check((await cell(vm3, "Image").textContent()) === "(volume)", "the instance has no image of its own");

  log("its volume is in use by it and bootable; deleting the instance deletes the volume");
  await page.goto(`${base}/dashboard/#/volumes`);
  const bootRow = volumesCard.locator("tr:has(td[data-label='Attached to'] a:text-is('vm-3'))");
  await waitStatus(bootRow, "IN-USE");
  check((await cell(bootRow, "Bootable").textContent()) === "yes", "a volume made from an image is bootable");
  check((await cell(bootRow, "Size").textContent()) === "1 GiB", "the boot volume has the size asked");
  check((await cell(bootRow, "Attached to").textContent()).startsWith("vm-3"), "the boot volume names its server");
  await shot(page, "13e-boot-volume");
  await page.goto(`${base}/dashboard/#/instances`);
  await vm3.locator("button[data-action=delete]").click();
  await page.waitForSelector(`.notice:has-text('Delete requested for "vm-3".')`);
  await vm3.waitFor({ state: "detached", timeout: 60000 });
  await page.goto(`${base}/dashboard/#/volumes`);
  await page.waitForSelector("p.empty:has-text('No volumes in this project.')", { timeout: 60000 });
}

// The noVNC viewer page loads its modules (noVNC's core and the pako it
// imports, 7 folders deep) and says it is disconnected when its console
// cannot be reached (port 1: refused by the browser or by the page's
// Content-Security-Policy).
async function vncPage(context, base) {
  log("the graphical console's page loads noVNC and reports a console it cannot reach");
  const vnc = await context.newPage();
  const broken = [];
  const ours = (url) => url.startsWith(`${base}/dashboard/`);
  vnc.on("console", (m) => {
    if (m.type() === "error" && (/Failed to load module script/.test(m.text()) || (/Failed to load/.test(m.text()) && ours(m.location().url || ""))))
      broken.push(`console: ${m.text()} (${m.location().url})`);
  });
  vnc.on("response", (r) => {
    if (ours(r.url()) && r.status() >= 400) broken.push(`${r.status()} ${r.url()}`);
  });
  vnc.on("requestfailed", (r) => {
    if (ours(r.url())) broken.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  vnc.on("pageerror", (e) => broken.push(`page error: ${e}`));
  await vnc.goto(`${base}/dashboard/console/vnc.html?host=127.0.0.1&port=1&path=%3Ftoken%3Dx`);
  const status = "[aria-label='VNC status']";
  try {
    await vnc.waitForSelector(`${status}[data-state=disconnected]`, { timeout: 20000 });
  } catch (err) {
    const now = await vnc.textContent(status).catch(() => "?");
    throw new Error(`the VNC page did not report a disconnect (status "${now}"; ${broken.join("; ") || "no failed load"}): ${err.message}`);
  }
  check(broken.length === 0, `the VNC page's files all load: ${broken.join("; ")}`);
  check(await vnc.isDisabled("button:has-text('Send Ctrl-Alt-Del')"), "no Ctrl-Alt-Del without a connection");
  await shot(vnc, "10a-vnc-page");
  await vnc.close();
}

// A call with the page's own session, to check what the API holds.
function api(page, method, url) {
  return page.evaluate(
    async ([m, u]) => {
      const s = JSON.parse(sessionStorage.getItem("cumulo.session"));
      const r = await fetch(u, { method: m, headers: { "X-Auth-Token": s.token } });
      return r.json();
    },
    [method, url]
  );
}

// Stopped from outside (ctest's timeout, ^C): the server goes too.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, () => {
    if (server && server.exitCode === null) server.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  });

let failed = false;
try {
  const base = await startServer();
  log(`cumulo serving on ${base}`);
  await scenario(base);
  log("dashboard scenario passed");
} catch (err) {
  failed = true;
  console.error(err.stack || String(err));
  try {
    if (browser) {
      for (const ctx of browser.contexts())
        for (const [i, p] of ctx.pages().entries()) await p.screenshot({ path: path.join(shots, `failure-${i}.png`), fullPage: true });
    }
  } catch {
    // the failure itself is what matters
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopServer();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
