#!/usr/bin/python3
"""Prints what the cloud holds, one "kind id name" line each, sorted: the
projects, users, networks, subnets, ports, security groups and images every
project can see as the admin. scripts/rally takes it before and after a task;
the lines only after are what Rally left behind.

Reads the admin's credentials from the OS_* environment (openstacksdk).
"""
import openstack


def main():
    conn = openstack.connect()
    seen = []
    for kind, items in (
            ("project", conn.identity.projects()),
            ("user", conn.identity.users()),
            ("network", conn.network.networks()),
            ("subnet", conn.network.subnets()),
            ("port", conn.network.ports()),
            ("security-group", conn.network.security_groups()),
            ("image", conn.image.images())):
        for item in items:
            seen.append("%s %s %s" % (kind, item.id, item.name or ""))
    print("\n".join(sorted(seen)))


if __name__ == "__main__":
    main()
