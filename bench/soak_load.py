#!/usr/bin/env python3
"""The soak's mixed load (bench/soak_bench.sh; stdlib only).

WORKERS threads (default 8), each on its own kept-alive http.client
connection, repeat for DURATION seconds a round that a cloud's users make:
issue a token, validate it, create a network with a subnet and a port, boot
a server (test hypervisor, no network), list servers and networks, create
an image and upload 64 KiB to it, show the image, then delete all of it
(server, port, network, image). Every answer's status is checked; a 5xx or
an unexpected status is an error. Requests completed are counted per
30-second window. The live resources stay bounded (each round deletes what
it made), so a falling rate means the server slows as it ages, not as it
fills.

  soak_load.py  (environment: BENCH_URL, BENCH_TOKEN, BENCH_AUTH_JSON (the
  admin's POST /v3/auth/tokens body), BENCH_FLAVOR, BENCH_IMAGE, DURATION,
  WORKERS)
Output: a line per window, then "result key=value ...".
"""
import http.client
import json
import os
import threading
import time
import urllib.parse

URL = urllib.parse.urlsplit(os.environ["BENCH_URL"])
TOKEN = os.environ["BENCH_TOKEN"]
AUTH = open(os.environ["BENCH_AUTH_JSON"]).read()
FLAVOR = os.environ["BENCH_FLAVOR"]
IMAGE = os.environ["BENCH_IMAGE"]
DURATION = float(os.environ.get("DURATION", "600"))
WORKERS = int(os.environ.get("WORKERS", "8"))
WINDOW = 30.0

lock = threading.Lock()
windows = {}  # window index -> requests completed
errors = []
start = time.monotonic()


class Conn:
    def __init__(self):
        self.c = None

    def call(self, method, path, body=None, expect=(200,), headers=None, raw=None):
        h = {"X-Auth-Token": TOKEN, "Accept": "application/json"}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
            try:
                self.c.request(method, path, body=data, headers=h)
                r = self.c.getresponse()
                text = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.c = None
                if attempt:
                    raise
        w = int((time.monotonic() - start) // WINDOW)
        with lock:
            windows[w] = windows.get(w, 0) + 1
            if r.status not in expect:
                errors.append(f"{method} {path} -> {r.status} {text[:200]!r}")
        return r, (json.loads(text) if text and r.getheader("Content-Type", "").startswith("application/json") else None)


def wait_status(c, path, key, wanted, gone=False):
    for _ in range(600):
        r, body = c.call("GET", path, expect=(200, 404))
        if gone and r.status == 404:
            return
        if not gone and body and body[key]["status"] in wanted:
            return body[key]["status"]
        time.sleep(0.01)
    with lock:
        errors.append(f"{path} never reached {wanted or 'deletion'}")


def round_trip(c, n):
    r, _ = c.call("POST", "/v3/auth/tokens", raw=AUTH.encode(), expect=(201,),
                  headers={"Content-Type": "application/json"})
    subject = r.getheader("X-Subject-Token", "")
    c.call("GET", "/v3/auth/tokens?nocatalog", headers={"X-Subject-Token": subject})
    _, net = c.call("POST", "/networking/v2.0/networks", {"network": {"name": f"soak-{n}"}}, expect=(201,))
    net_id = net["network"]["id"]
    c.call("POST", "/networking/v2.0/subnets",
           {"subnet": {"network_id": net_id, "cidr": "10.9.0.0/24", "ip_version": 4}}, expect=(201,))
    _, port = c.call("POST", "/networking/v2.0/ports", {"port": {"network_id": net_id}}, expect=(201,))
    _, srv = c.call("POST", "/compute/v2.1/servers",
                    {"server": {"name": f"soak-{n}", "imageRef": IMAGE, "flavorRef": FLAVOR,
                                "networks": "none"}},
                    expect=(202,), headers={"OpenStack-API-Version": "compute 2.37"})
    server = srv["server"]["id"]
    wait_status(c, f"/compute/v2.1/servers/{server}", "server", ("ACTIVE", "ERROR"))
    c.call("GET", "/compute/v2.1/servers/detail?limit=50")
    c.call("GET", "/networking/v2.0/networks")
    _, img = c.call("POST", "/image/v2/images",
                    {"name": f"soak-{n}", "disk_format": "raw", "container_format": "bare"}, expect=(201,))
    c.call("PUT", f"/image/v2/images/{img['id']}/file", raw=b"s" * 65536, expect=(204,),
           headers={"Content-Type": "application/octet-stream"})
    c.call("GET", f"/image/v2/images/{img['id']}")
    c.call("DELETE", f"/compute/v2.1/servers/{server}", expect=(204,))
    wait_status(c, f"/compute/v2.1/servers/{server}", "server", (), gone=True)
    c.call("DELETE", f"/networking/v2.0/ports/{port['port']['id']}", expect=(204,))
    c.call("DELETE", f"/networking/v2.0/networks/{net_id}", expect=(204,))
    c.call("DELETE", f"/image/v2/images/{img['id']}", expect=(204,))


def worker(i):
    c = Conn()
    n = 0
    while time.monotonic() - start < DURATION:
        try:
            round_trip(c, f"{i}-{n}")
        except Exception as e:  # a dropped connection, a body that is not JSON
            with lock:
                errors.append(f"worker {i}: {e!r}")
            c = Conn()
        n += 1


threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

full = [windows.get(w, 0) for w in range(int(DURATION // WINDOW))]
for w, count in enumerate(full):
    print(f"window {w}: {count} requests in {WINDOW:.0f} s")
per_minute = max(1, int(60 // WINDOW))
first = sum(full[:per_minute])
last = sum(full[-per_minute:])
for e in errors[:20]:
    print("error:", e)
print(f"result first_minute={first} last_minute={last} ratio={last / max(first, 1):.2f} "
      f"requests={sum(windows.values())} errors={len(errors)}")
