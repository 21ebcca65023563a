#!/usr/bin/python3
"""openstacksdk (Debian python3-openstacksdk) against a real `cumulo serve`:
launch a server on a network, wait for it, list servers (detail and summary),
delete it and wait for the 404.

Usage: servers_sdk.py CUMULO_BINARY. Exit 0 on success, 1 with the reason.

This branch has no image API yet (Glance is on main): the image is written
into the stopped cloud's event log as Glance's own events, the way
tests/cli/compute_servers_support.hpp does. Once the image API is merged,
replace seed_image() with conn.image.create_image(...).
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

os.environ["no_proxy"] = os.environ["NO_PROXY"] = "127.0.0.1"

import msgpack  # noqa: E402
import openstack  # noqa: E402

PASSWORD = "sdk-admin-pw"


def serve(binary, data, out_path):
    out = open(out_path, "w")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data,
         "--password-cost", "min", "--admin-password", PASSWORD],
        stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        m = re.search(r"cumulo serving on http://127\.0\.0\.1:(\d+)", open(out_path).read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("cumulo serve did not start:\n" + open(out_path).read())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    if proc.wait(timeout=30) != 0:
        sys.exit("cumulo serve exited with %d" % proc.returncode)


def seed_image(data, image_id):
    """A public, active image: image.created, image.upload_started, image.uploaded."""
    db = sqlite3.connect(os.path.join(data, "events.db"))
    now = int(time.time() * 1e6)
    created = {"name": image_id, "owner": "", "disk_format": "qcow2",
               "container_format": "bare", "visibility": "public", "min_disk": 0,
               "min_ram": 0, "protected": False, "tags": [], "properties": {}}
    uploaded = {"size": 16, "checksum": "a" * 32, "os_hash_algo": "sha512",
                "os_hash_value": "b" * 128, "virtual_size": 16}
    for version, (etype, payload) in enumerate(
            [("image.created", created), ("image.upload_started", {}),
             ("image.uploaded", uploaded)], start=1):
        db.execute("INSERT INTO events(stream, version, type, schema_version, time, request_id,"
                   " user_id, payload) VALUES (?, ?, ?, 1, ?, 'req-seed', 'test', ?)",
                   ("image/" + image_id, version, etype, now, msgpack.packb(payload)))
    db.commit()
    db.close()


def check(condition, message):
    if not condition:
        sys.exit("FAILED: " + message)


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        proc, _ = serve(binary, data, os.path.join(tmp, "serve.out"))
        stop(proc)
        seed_image(data, "cirros")
        proc, port = serve(binary, data, os.path.join(tmp, "serve.out"))
        try:
            conn = openstack.connect(
                auth_url="http://127.0.0.1:%d/v3" % port, username="admin", password=PASSWORD,
                project_name="admin", user_domain_name="Default",
                project_domain_name="Default", region_name="RegionOne")
            net = conn.network.create_network(name="sdk-net")
            conn.network.create_subnet(network_id=net.id, cidr="10.5.0.0/24", ip_version=4)
            server = conn.compute.create_server(
                name="sdk-vm", image_id="cirros", flavor_id="1", networks=[{"uuid": net.id}])
            server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=60)

            # The README's example: the hosts, then the instances.
            hypervisors = list(conn.compute.hypervisors(details=True))
            check([h.name for h in hypervisors] == ["compute-1"],
                  "hypervisors(): %r" % hypervisors)
            # The SDK negotiates 2.88, where Nova shows no usage figures any
            # more: the host's CPUs are in cpu_info.
            check(hypervisors[0].cpu_info["topology"]["cores"] == 8,
                  "hypervisor cpu_info %r" % hypervisors[0])
            check(hypervisors[0].state == "up" and hypervisors[0].status == "enabled",
                  "hypervisor state %r" % hypervisors[0])

            detail = list(conn.compute.servers())
            check([s.name for s in detail] == ["sdk-vm"], "servers(): %r" % detail)
            s = detail[0]
            check(s.status == "ACTIVE", "status %r" % s.status)
            check(s.image.id == "cirros", "image %r" % s.image)
            check(s.flavor.id == "1" or s.flavor.original_name == "m1.tiny",
                  "flavor %r" % s.flavor)
            addrs = s.addresses.get("sdk-net", [])
            check(len(addrs) == 1 and addrs[0]["addr"].startswith("10.5.0."),
                  "addresses %r" % s.addresses)
            check(s.vm_state == "active" and s.power_state == 1,
                  "OS-EXT-STS %r %r" % (s.vm_state, s.power_state))
            summary = list(conn.compute.servers(details=False))
            check([x.id for x in summary] == [s.id], "servers(details=False): %r" % summary)

            conn.compute.delete_server(s)
            conn.compute.wait_for_delete(s, interval=0.2, wait=60)
            check(list(conn.compute.servers()) == [], "still listed after delete")
            print("openstacksdk %s: hypervisors, create, wait, list, delete: ok" % openstack.version.__version__)
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
