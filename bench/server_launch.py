#!/usr/bin/env python3
"""Launch timing for bench/server_bench.sh (stdlib only).

Each request goes over a kept-alive http.client connection (one per thread),
so the timings are the server's, not a process start per poll as with curl.

  server_launch.py seq N        N launches one at a time: POST /servers, then
                                GET /servers/{id} in a tight loop until ACTIVE
                                or ERROR; launch -> ACTIVE latency percentiles
  server_launch.py conc N C     the same with C launches in flight (C threads,
                                each with its own connection) until N are done;
                                launches/s and latency percentiles
  server_launch.py fill N B     POST /servers with min_count = max_count = B
                                (one connection) until the project has at least
                                N servers, then wait until none is in BUILD
  server_launch.py count        the project's servers by status (paging
                                GET /servers/detail?limit=1000 by servers_links)

Environment: BENCH_URL (http://127.0.0.1:PORT), BENCH_TOKEN, BENCH_FLAVOR,
BENCH_IMAGE; BENCH_NETWORKS (the server's "networks", default "none");
BENCH_POLL_MS (a pause between two GETs of one launch, default 0: none).
Output: human-readable lines, the last one "result key=value ..." for the
shell to parse.
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

URL = urllib.parse.urlsplit(os.environ["BENCH_URL"])
TOKEN = os.environ["BENCH_TOKEN"]
FLAVOR = os.environ.get("BENCH_FLAVOR", "")
IMAGE = os.environ.get("BENCH_IMAGE", "")
NETWORKS = os.environ.get("BENCH_NETWORKS", "none")
POLL_S = float(os.environ.get("BENCH_POLL_MS", "0")) / 1000  # pause between polls of a launch
COMPUTE = "/compute/v2.1"
HEADERS = {
    "X-Auth-Token": TOKEN,
    "Content-Type": "application/json",
    "Accept": "application/json",
    "OpenStack-API-Version": "compute 2.37",
}


class Conn:
    """One kept-alive connection; reconnects once if the server closed it."""

    def __init__(self):
        self.c = None

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=120)
            try:
                self.c.request(method, path, body=data, headers=HEADERS)
                r = self.c.getresponse()
                payload = r.read()
                return r.status, payload
            except (http.client.HTTPException, ConnectionError):
                self.c.close()
                self.c = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def server_body(name, count=1):
    networks = NETWORKS
    if networks not in ("none", "auto"):
        networks = [{"uuid": networks}]
    s = {"name": name, "flavorRef": FLAVOR, "imageRef": IMAGE, "networks": networks}
    if count > 1:
        s["min_count"] = count
        s["max_count"] = count
    return {"server": s}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = []  # seconds, launch -> ACTIVE
        self.polls = 0
        self.errors = 0  # status ERROR
        self.bad = {}  # unexpected HTTP statuses: count
        self.first_bad = None

    def http_bad(self, what, status, payload):
        with self.lock:
            self.bad[status] = self.bad.get(status, 0) + 1
            if self.first_bad is None:
                self.first_bad = f"{what} -> {status}: {payload[:300]!r}"


def launch_one(conn, stats, name):
    """POST a server, poll it until ACTIVE or ERROR; returns nothing."""
    t0 = time.perf_counter()
    status, payload = conn.request("POST", COMPUTE + "/servers", server_body(name))
    if status != 202:
        stats.http_bad("POST /servers", status, payload)
        return
    sid = json.loads(payload)["server"]["id"]
    polls = 0
    while True:
        status, payload = conn.request("GET", f"{COMPUTE}/servers/{sid}")
        polls += 1
        if status != 200:
            stats.http_bad("GET /servers/{id}", status, payload)
            return
        st = json.loads(payload)["server"]["status"]
        if st == "ACTIVE":
            t1 = time.perf_counter()
            with stats.lock:
                stats.lat.append(t1 - t0)
                stats.polls += polls
            return
        if st == "ERROR":
            with stats.lock:
                stats.errors += 1
                stats.polls += polls
            return
        if POLL_S:
            time.sleep(POLL_S)
        if time.perf_counter() - t0 > 60:
            stats.http_bad("launch still " + st + " after 60 s", 0, sid.encode())
            return


def pct(sorted_ms, p):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_ms:
        return float("nan")
    k = max(1, -(-len(sorted_ms) * p // 100))
    return sorted_ms[int(k) - 1]


def report(stats, n, wall):
    ms = sorted(x * 1000 for x in stats.lat)
    ok = len(ms)
    mean = sum(ms) / ok if ok else float("nan")
    bad = ",".join(f"{k}:{v}" for k, v in sorted(stats.bad.items())) or "none"
    print(
        f"{ok} of {n} ACTIVE in {wall:.2f} s ({ok / wall:.0f} launches/s); {stats.errors} ERROR; "
        f"unexpected HTTP answers: {bad}; {stats.polls / max(1, ok + stats.errors):.1f} GETs per launch"
    )
    if ok:
        print(
            f"launch -> ACTIVE: median {pct(ms, 50):.2f} ms, p90 {pct(ms, 90):.2f} ms, "
            f"p99 {pct(ms, 99):.2f} ms, mean {mean:.2f} ms, min {ms[0]:.2f} ms, max {ms[-1]:.2f} ms"
        )
        # drift: the first and the last tenth of the launches, in launch order
        tenth = max(1, ok // 10)
        first = sorted(x * 1000 for x in stats.lat[:tenth])
        last = sorted(x * 1000 for x in stats.lat[-tenth:])
        print(f"median of the first {tenth}: {pct(first, 50):.2f} ms, of the last {tenth}: {pct(last, 50):.2f} ms")
    if stats.first_bad:
        print("first unexpected answer: " + stats.first_bad)
    t = os.times()
    client = t.user + t.system
    print(f"this client's CPU: {client:.2f} s ({client / wall:.2f} cores; it shares the machine with the server)")
    print(
        f"result client_cpu={client:.2f} ok={ok} n={n} errors={stats.errors} bad={bad} wall={wall:.3f} rate={ok / wall:.1f} "
        f"p50={pct(ms, 50):.2f} p90={pct(ms, 90):.2f} p99={pct(ms, 99):.2f} max={ms[-1] if ms else float('nan'):.2f}"
    )


def cmd_seq(n):
    conn, stats = Conn(), Stats()
    t0 = time.perf_counter()
    for i in range(n):
        launch_one(conn, stats, f"seq-{i}")
    report(stats, n, time.perf_counter() - t0)


def cmd_conc(n, c):
    stats = Stats()
    next_i = [0]
    lock = threading.Lock()

    def worker():
        conn = Conn()
        while True:
            with lock:
                i = next_i[0]
                if i >= n:
                    return
                next_i[0] += 1
            launch_one(conn, stats, f"conc-{i}")

    threads = [threading.Thread(target=worker) for _ in range(c)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report(stats, n, time.perf_counter() - t0)


def count(conn):
    """(total, {status: count}, seconds of the listing) over all pages of the detail listing."""
    by = {}
    total = 0
    path = COMPUTE + "/servers/detail?limit=1000"
    t0 = time.perf_counter()
    while path:
        status, payload = conn.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {payload[:300]!r}")
        doc = json.loads(payload)
        for s in doc["servers"]:
            by[s["status"]] = by.get(s["status"], 0) + 1
        total += len(doc["servers"])
        path = None
        for link in doc.get("servers_links", []):
            if link.get("rel") == "next" and doc["servers"]:
                u = urllib.parse.urlsplit(link["href"])
                path = u.path + ("?" + u.query if u.query else "")
    return total, by, time.perf_counter() - t0


def fmt_by(by):
    return ", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "none"


def cmd_count():
    total, by, secs = count(Conn())
    print(f"result total={total} build={by.get('BUILD', 0)} active={by.get('ACTIVE', 0)} "
          f"error={by.get('ERROR', 0)} by={fmt_by(by).replace(' ', '_')} list_s={secs:.3f}")


def cmd_fill(n, b):
    conn = Conn()
    total, by, _ = count(conn)
    start = total
    posts, bad, first_bad, post_ms = 0, {}, None, []
    t0 = time.perf_counter()
    last_print = t0
    while total < n:
        k = min(b, n - total)
        p0 = time.perf_counter()
        status, payload = conn.request("POST", COMPUTE + "/servers", server_body(f"fill-{posts}", k))
        post_ms.append((time.perf_counter() - p0) * 1000)
        posts += 1
        if status != 202:
            bad[status] = bad.get(status, 0) + 1
            first_bad = first_bad or f"POST /servers -> {status}: {payload[:300]!r}"
            if sum(bad.values()) > 5:
                raise SystemExit("too many failed POSTs: " + first_bad)
            continue
        total += k
        now = time.perf_counter()
        if now - last_print > 10:
            print(f"  {total} servers asked for after {now - t0:.1f} s; last POST of {k}: {post_ms[-1]:.1f} ms",
                  flush=True)
            last_print = now
    t_posted = time.perf_counter()
    # wait for none in BUILD: one filtered GET every 0.5 s (a listing costs
    # the server time in proportion to all the project's servers, whatever
    # the page: polling the whole detail listing would slow the builds)
    polls = 0
    while True:
        status, payload = conn.request("GET", COMPUTE + "/servers?status=BUILD")
        polls += 1
        if status != 200:
            raise SystemExit(f"GET /servers?status=BUILD answered {status}: {payload[:300]!r}")
        building = len(json.loads(payload)["servers"])
        if building == 0:
            break
        if time.perf_counter() - t_posted > 600:
            print(f"still {building} in BUILD after 600 s")
            break
        time.sleep(0.5)
    t1 = time.perf_counter()
    total, by, secs = count(conn)
    made = total - start
    print(f"{posts} POSTs of up to {b} ({made} servers) in {t_posted - t0:.2f} s; "
          f"all out of BUILD {t1 - t_posted:.2f} s later ({polls} GET /servers?status=BUILD, 0.5 s apart): "
          f"{made / (t1 - t0):.0f} servers/s overall")
    if post_ms:
        s = sorted(post_ms)
        tenth = max(1, len(post_ms) // 10)
        print(f"POST of {b}: median {pct(s, 50):.1f} ms, p90 {pct(s, 90):.1f} ms, max {s[-1]:.1f} ms; "
              f"median of the first {tenth}: {pct(sorted(post_ms[:tenth]), 50):.1f} ms, "
              f"of the last {tenth}: {pct(sorted(post_ms[-tenth:]), 50):.1f} ms")
    print(f"servers now: {total} ({fmt_by(by)}); paging the whole detail listing took {secs * 1000:.0f} ms")
    if first_bad:
        print("first unexpected answer: " + first_bad)
    bads = ",".join(f"{k}:{v}" for k, v in sorted(bad.items())) or "none"
    print(f"result total={total} made={made} build={by.get('BUILD', 0)} active={by.get('ACTIVE', 0)} "
          f"error={by.get('ERROR', 0)} bad={bads} post_s={t_posted - t0:.2f} settle_s={t1 - t_posted:.2f} "
          f"rate={made / (t1 - t0):.0f}")


def main(argv):
    if len(argv) >= 2 and argv[1] == "seq":
        cmd_seq(int(argv[2]))
    elif len(argv) >= 2 and argv[1] == "conc":
        cmd_conc(int(argv[2]), int(argv[3]))
    elif len(argv) >= 2 and argv[1] == "fill":
        cmd_fill(int(argv[2]), int(argv[3]))
    elif len(argv) >= 2 and argv[1] == "count":
        cmd_count()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
