#!/usr/bin/env python3
"""Real guests (qemu:///system) timed end to end (stdlib only; needs root,
./scripts/install-deps --guests and a built ./build/cumulo).

  sudo bench/guest_bench.py [N=10] [HELD=4]

Starts `cumulo serve --hypervisor qemu:///system` on a fresh data dir,
uploads the test image (scripts/build-test-image), then
  1. N launches one at a time, each: POST /servers -> ACTIVE (GET polled
     every 20 ms) -> the console's CUMULO-GUEST-UP line (polled every
     100 ms) -> DELETE -> 404 (teardown); medians and spread. The driver's
     own log line per spawn splits the launch into the wait for the
     network's bridge, overlay (qemu-img), config drive (genisoimage),
     define and virDomainCreate: the engine's overhead is launch -> ACTIVE
     less the whole spawn.
  2. HELD guests running at once: cumulo's RSS before and with them, per
     guest.
"""
import datetime
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
HELD = int(sys.argv[2]) if len(sys.argv) > 2 else 4
PASSWORD = "bench-admin-password"


class Api:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = ""

    def call(self, method, path, body=None, raw=None, ctype="application/json"):
        headers = {"Content-Type": ctype, "Accept": "application/json"}
        if self.token:
            headers["X-Auth-Token"] = self.token
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        self.c.request(method, path, body=data, headers=headers)
        r = self.c.getresponse()
        text = r.read()
        return r.status, dict(r.getheaders()), (json.loads(text) if text and text[:1] in b"{[" else text)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def iso_us(text):
    """Microseconds of an ISO 8601 UTC time as `cumulo replay` prints it."""
    stamp = datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
    return int(stamp.replace(tzinfo=datetime.timezone.utc).timestamp() * 1_000_000)


def pct(values):
    values = sorted(values)
    return (statistics.median(values), values[0], values[-1])


def main():
    subprocess.run([f"{ROOT}/scripts/start-libvirt"], check=True)
    images = f"{ROOT}/build/test-image"
    subprocess.run([f"{ROOT}/scripts/build-test-image", images], check=True)
    work = tempfile.mkdtemp(prefix="cumulo-guest-bench-")
    os.chmod(work, 0o755)
    out = open(f"{work}/serve.out", "w+")
    serve = subprocess.Popen(
        [f"{ROOT}/build/cumulo", "serve", "--listen", "127.0.0.1:0", "--data-dir", f"{work}/data",
         "--hypervisor", "qemu:///system", "--password-cost", "min", "--admin-password", PASSWORD,
         "--shutdown-timeout", "5"],
        stdout=out, stderr=subprocess.STDOUT)
    port = None
    for _ in range(300):
        m = re.search(r"cumulo serving on http://127\.0\.0\.1:(\d+)", open(f"{work}/serve.out").read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.1)
    if not port:
        sys.exit("cumulo did not start: " + open(f"{work}/serve.out").read())
    api = Api(port)
    try:
        run(api, serve, work, images)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)


def run(api, serve, work, images):
    st, h, _ = api.call("POST", "/v3/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    api.token = h.get("X-Subject-Token") or h.get("x-subject-token")

    def upload(name, path, fmt, extra=None):
        body = {"name": name, "disk_format": fmt,
                "container_format": "bare" if fmt == "qcow2" else fmt, "visibility": "public"}
        body.update(extra or {})
        st, _, img = api.call("POST", "/image/v2/images", body)
        assert st == 201, img
        with open(path, "rb") as f:
            st, _, b = api.call("PUT", f"/image/v2/images/{img['id']}/file", raw=f.read(),
                                ctype="application/octet-stream")
        assert st == 204, b
        return img["id"]

    kernel = upload("k", f"{images}/vmlinuz", "aki")
    ramdisk = upload("r", f"{images}/initrd.img", "ari")
    disk = upload("guest", f"{images}/disk.qcow2", "qcow2",
                  {"kernel_id": kernel, "ramdisk_id": ramdisk, "os_command_line": "console=ttyS0 quiet"})
    st, _, f = api.call("POST", "/compute/v2.1/flavors",
                        {"flavor": {"name": "bench", "ram": 128, "vcpus": 1, "disk": 1}})
    flavor = f["flavor"]["id"]
    st, _, n = api.call("POST", "/networking/v2.0/networks", {"network": {"name": "bench"}})
    net = n["network"]["id"]
    api.call("POST", "/networking/v2.0/subnets",
             {"subnet": {"network_id": net, "cidr": "10.78.0.0/24", "ip_version": 4}})

    def launch(name):
        st, _, s = api.call("POST", "/compute/v2.1/servers", {"server": {
            "name": name, "imageRef": disk, "flavorRef": flavor, "networks": [{"uuid": net}]}})
        assert st == 202, s
        return s["server"]["id"]

    def wait_active(sid):
        while True:
            _, _, s = api.call("GET", f"/compute/v2.1/servers/{sid}")
            if s["server"]["status"] in ("ACTIVE", "ERROR"):
                assert s["server"]["status"] == "ACTIVE", s
                return
            time.sleep(0.02)

    def wait_console(sid, deadline=180):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            _, _, c = api.call("POST", f"/compute/v2.1/servers/{sid}/action",
                               {"os-getConsoleOutput": {"length": 50}})
            if "CUMULO-GUEST-UP" in c.get("output", ""):
                return
            time.sleep(0.1)
        raise RuntimeError(f"no console line from {sid}")

    def delete(sid):
        api.call("DELETE", f"/compute/v2.1/servers/{sid}")
        while api.call("GET", f"/compute/v2.1/servers/{sid}")[0] != 404:
            time.sleep(0.02)

    active, console, teardown, ids = [], [], [], []
    print(f"load before: {os.getloadavg()}")
    for i in range(N):
        t0 = time.perf_counter()
        sid = launch(f"bench-{i}")
        wait_active(sid)
        t1 = time.perf_counter()
        wait_console(sid)
        t2 = time.perf_counter()
        delete(sid)
        t3 = time.perf_counter()
        active.append((t1 - t0) * 1000)
        console.append((t2 - t0) * 1000)
        teardown.append((t3 - t2) * 1000)
        ids.append(sid)
        print(f"launch {i}: ACTIVE {active[-1]:.0f} ms, console line {console[-1]:.0f} ms, "
              f"teardown {teardown[-1]:.0f} ms", flush=True)
    print(f"load after: {os.getloadavg()}")
    # The driver's breakdown of each spawn (its log line).
    log = open(f"{work}/serve.out").read()
    keys = ("total", "overlay", "config_drive", "define", "start", "network_wait")
    parts = {k: [] for k in keys}
    for sid in ids:
        m = re.search(rf"instance {sid} spawned in (\d+\.\d+) ms: overlay (\d+\.\d+) ms, config drive "
                      rf"(\d+\.\d+) ms, define (\d+\.\d+) ms, start (\d+\.\d+) ms, network wait "
                      rf"(\d+\.\d+) ms", log)
        if m:
            for k, v in zip(keys, m.groups()):
                parts[k].append(float(v))
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    overhead = [a - t for a, t in zip(active, parts["total"])]
    # The same from the log's own clock, free of the client's poll: the
    # instance's events from instance.requested to instance.active (read by
    # `cumulo replay`, read-only on the live data dir), less the driver's spawn.
    logged = []
    for sid, total in zip(ids, parts["total"]):
        r = subprocess.run([f"{ROOT}/build/cumulo", "replay", "--data-dir", f"{work}/data",
                            "--stream", f"instance/{sid}", "--json"], capture_output=True, text=True)
        events = json.loads(r.stdout) if r.returncode == 0 else []
        times = {e["type"]: e["time"] for e in events if isinstance(e, dict)}
        if "instance.requested" in times and "instance.active" in times:
            span = (iso_us(times["instance.active"]) - iso_us(times["instance.requested"])) / 1000
            logged.append(span - total)
    print("result launch_to_active_ms median=%.0f min=%.0f max=%.0f" % pct(active))
    print("result launch_to_console_ms median=%.0f min=%.0f max=%.0f" % pct(console))
    print("result teardown_ms median=%.0f min=%.0f max=%.0f" % pct(teardown))
    print("result spawn_ms median: total=%.1f overlay=%.1f config_drive=%.1f define=%.1f start=%.1f "
          "network_wait=%.1f" % tuple(med(parts[k]) for k in keys))
    if overhead:
        print("result engine_overhead_ms (launch->ACTIVE less the driver's spawn) median=%.1f min=%.1f max=%.1f"
              % pct(overhead))
    if logged:
        print("result engine_overhead_logged_ms (instance.requested->instance.active in the log, less the "
              "driver's spawn) median=%.1f min=%.1f max=%.1f" % pct(logged))

    before = rss_kib(serve.pid)
    held = [launch(f"held-{i}") for i in range(HELD)]
    for sid in held:
        wait_active(sid)
    for sid in held:
        wait_console(sid)
    with_guests = rss_kib(serve.pid)
    print(f"result rss_kib before={before} with_{HELD}_guests={with_guests} "
          f"per_guest_kib={(with_guests - before) / HELD:.0f}")
    qemu = subprocess.run(["ps", "-C", "qemu-system-x86_64", "-o", "rss="], capture_output=True,
                          text=True).stdout.split()
    if qemu:
        print(f"result qemu_rss_kib per_guest={statistics.median(int(x) for x in qemu):.0f} (not cumulo's)")
    for sid in held:
        delete(sid)
    # The network's bridge lives in libvirt, not in the temp data dir.
    api.call("DELETE", f"/networking/v2.0/networks/{net}")
    time.sleep(0.5)


if __name__ == "__main__":
    main()
