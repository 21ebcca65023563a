#!/usr/bin/python3
"""openstacksdk (Debian python3-openstacksdk 0.101) against a real `cumulo
serve`: its block_storage proxy (Cinder v3, found in the catalog as
block-storage) makes a volume and waits for it, extends it, snapshots it,
makes a volume of the snapshot, reads types and the quota set; its compute
proxy attaches the volume to a server (os-volume_attachments: in-use, the
attachment listed on both sides) and detaches it; then everything is
deleted.

Usage: volumes_sdk.py CUMULO_BINARY. Exit 0 on success, 1 with the reason.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openstack  # noqa: E402

from servers_sdk import PASSWORD, check, seed_image, serve, stop  # noqa: E402


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
            bs = conn.block_storage
            wait = dict(failures=["error"], interval=0.2, wait=60)

            types = [t.name for t in bs.types()]
            check("__DEFAULT__" in types, "types(): %r" % types)
            quota = bs.get_quota_set(conn.current_project_id)
            check(quota.volumes == 10 and quota.gigabytes == 1000, "quota set %r" % quota)

            vol = bs.create_volume(size=1, name="sdk-vol")
            vol = bs.wait_for_status(vol, status="available", **wait)
            check(vol.size == 1 and vol.volume_type == "__DEFAULT__", "volume %r" % vol)
            bs.extend_volume(vol, 2)
            vol = bs.wait_for_status(bs.get_volume(vol), status="available", **wait)
            check(vol.size == 2, "extended volume %r" % vol)
            snap = bs.create_snapshot(volume_id=vol.id, name="sdk-snap")
            snap = bs.wait_for_status(snap, status="available", **wait)
            copy = bs.create_volume(snapshot_id=snap.id, name="sdk-copy")
            copy = bs.wait_for_status(copy, status="available", **wait)
            check(copy.snapshot_id == snap.id and copy.size == 2, "copy %r" % copy)
            names = sorted(v.name for v in bs.volumes())
            check(names == ["sdk-copy", "sdk-vol"], "volumes(): %r" % names)

            net = conn.network.create_network(name="sdk-net")
            conn.network.create_subnet(network_id=net.id, cidr="10.6.0.0/24", ip_version=4)
            server = conn.compute.create_server(
                name="sdk-vm", image_id="cirros", flavor_id="1", networks=[{"uuid": net.id}])
            server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=60)

            conn.compute.create_volume_attachment(server, volumeId=copy.id)
            copy = bs.wait_for_status(bs.get_volume(copy), status="in-use", **wait)
            check([a["server_id"] for a in copy.attachments] == [server.id],
                  "attachments %r" % copy.attachments)
            on_server = list(conn.compute.volume_attachments(server))
            check([a.volume_id for a in on_server] == [copy.id],
                  "volume_attachments(): %r" % on_server)
            server = conn.compute.get_server(server)
            check([v["id"] for v in server.attached_volumes] == [copy.id],
                  "attached_volumes %r" % server.attached_volumes)

            conn.compute.delete_volume_attachment(copy.id, server)
            copy = bs.wait_for_status(bs.get_volume(copy), status="available", **wait)
            check(copy.attachments == [], "still attached: %r" % copy.attachments)

            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, interval=0.2, wait=60)
            bs.delete_volume(copy)
            bs.wait_for_delete(copy, interval=0.2, wait=60)
            bs.delete_snapshot(snap)
            bs.wait_for_delete(snap, interval=0.2, wait=60)
            bs.delete_volume(vol)
            bs.wait_for_delete(vol, interval=0.2, wait=60)
            check(list(bs.volumes()) == [], "volumes left: %r" % list(bs.volumes()))
            print("openstacksdk %s: volumes, snapshots, attachments: ok"
                  % openstack.version.__version__)
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
