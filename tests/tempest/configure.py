#!/usr/bin/python3
"""Writes a tempest.conf for a running `cumulo serve` (called by scripts/tempest).

Usage: configure.py URL ADMIN_PASSWORD TEMPEST_CONF

Asks the cloud what it serves and turns that into tempest's feature flags, so
a test is skipped only because of a flag, and only as long as cumulo lacks
the feature: Neutron's api_extensions are exactly /v2.0/extensions; Keystone's
and Glance's optional APIs are probed route by route (a 404 from an unknown
route means "not there"). Creates what the network tests need: an external
network `public` with a subnet on 203.0.113.0/24 (TEST-NET-3, a documentation
range no packet leaves for). Prints each flag with where it came from.
Everything talks to 127.0.0.1 only.
"""
import configparser
import json
import sys
import urllib.error
import urllib.request

# Never a proxy: the cloud is on the loopback and nothing else is reached.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# The public network's range: TEST-NET-3 (RFC 5737), never routed anywhere.
PUBLIC_CIDR = "203.0.113.0/24"


class Cloud:
    def __init__(self, url, password):
        self.url = url.rstrip("/")
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": password}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        status, data, headers = self.call("POST", "/v3/auth/tokens", body, token=None)
        if status != 201:
            sys.exit("configure.py: admin token: %d %s" % (status, data))
        self.token = headers["X-Subject-Token"]
        self.user_id = data["token"]["user"]["id"]
        self.project_id = data["token"]["project"]["id"]

    def call(self, method, path, body=None, token=""):
        req = urllib.request.Request(self.url + path, method=method)
        if token is not None:
            req.add_header("X-Auth-Token", token or self.token)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            req.add_header("Content-Type", "application/json")
        try:
            with OPENER.open(req, data, timeout=30) as resp:
                text = resp.read()
                return resp.status, json.loads(text) if text else None, resp.headers
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = text.decode(errors="replace")
            return e.code, parsed, e.headers

    def serves(self, path):
        """True when GET path answers 200 (a route cumulo has)."""
        return self.call("GET", path)[0] == 200


def flag(conf, section, key, value, why):
    if not conf.has_section(section):
        conf.add_section(section)
    text = value if isinstance(value, str) else str(value).lower()
    conf.set(section, key, text)
    shown = "(not shown)" if key.endswith("password") else text
    print("  [%s] %s = %s  (%s)" % (section, key, shown, why))


def public_network(cloud):
    """The external network tempest's router and floating IP tests use."""
    status, data, _ = cloud.call("POST", "/networking/v2.0/networks", {"network": {
        "name": "public", "router:external": True, "shared": False}})
    if status != 201:
        sys.exit("configure.py: public network: %d %s" % (status, data))
    net = data["network"]["id"]
    status, data, _ = cloud.call("POST", "/networking/v2.0/subnets", {"subnet": {
        "name": "public-subnet", "network_id": net, "ip_version": 4, "cidr": PUBLIC_CIDR,
        "gateway_ip": "203.0.113.1", "enable_dhcp": False}})
    if status != 201:
        sys.exit("configure.py: public subnet: %d %s" % (status, data))
    return net


def glance_reserves_os_glance(cloud):
    """Glance refuses image properties in its os_glance namespace (403)."""
    status, data, _ = cloud.call("POST", "/image/v2/images", {
        "name": "tempest-probe", "os_glance_tempest_probe": "x"})
    if status == 201:
        cloud.call("DELETE", "/image/v2/images/" + data["id"])
    return status == 403


def ipv6_subnet_attributes(cloud):
    """A subnet keeps ipv6_ra_mode and ipv6_address_mode (and so addresses
    its ports by SLAAC): tried on a network made and deleted for it."""
    status, data, _ = cloud.call("POST", "/networking/v2.0/networks",
                                 {"network": {"name": "tempest-probe"}})
    if status != 201:
        sys.exit("configure.py: probe network: %d %s" % (status, data))
    net = data["network"]["id"]
    status, data, _ = cloud.call("POST", "/networking/v2.0/subnets", {"subnet": {
        "network_id": net, "ip_version": 6, "cidr": "2001:db8:ffff::/64",
        "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}})
    kept = status == 201 and data["subnet"].get("ipv6_ra_mode") == "slaac" and \
        data["subnet"].get("ipv6_address_mode") == "slaac"
    if status == 201:
        cloud.call("DELETE", "/networking/v2.0/subnets/" + data["subnet"]["id"])
    cloud.call("DELETE", "/networking/v2.0/networks/" + net)
    return kept


def main():
    url, password, path = sys.argv[1:4]
    cloud = Cloud(url, password)
    conf = configparser.ConfigParser(interpolation=None)
    conf.optionxform = str
    conf.read(path)
    uid, pid = cloud.user_id, cloud.project_id
    print("tempest.conf for %s:" % url)

    flag(conf, "auth", "use_dynamic_credentials", True, "a project and user per test class")
    flag(conf, "auth", "create_isolated_networks", False, "compute is not in scope")
    flag(conf, "auth", "admin_username", "admin", "bootstrap")
    flag(conf, "auth", "admin_password", password, "--admin-password")
    flag(conf, "auth", "admin_project_name", "admin", "bootstrap")
    flag(conf, "auth", "admin_domain_name", "Default", "bootstrap")
    flag(conf, "identity", "uri_v3", url + "/v3", "serve's port")
    flag(conf, "identity", "auth_version", "v3", "Keystone v3 only")
    flag(conf, "identity", "region", "RegionOne", "the built-in region")
    flag(conf, "identity", "v3_endpoint_type", "public", "the catalog's public endpoints")
    flag(conf, "identity", "default_domain_id", "default", "bootstrap")

    feat = "identity-feature-enabled"
    flag(conf, feat, "api_v2", False, "no Keystone v2")
    flag(conf, feat, "api_v2_admin", False, "no Keystone v2")
    flag(conf, feat, "api_v3", True, "Keystone v3")
    ext = []
    if cloud.serves("/v3/users/%s/credentials/OS-EC2" % uid):
        ext.append("OS-EC2")
    if cloud.serves("/v3/OS-INHERIT/domains/default/users/%s/roles/inherited_to_projects" % uid):
        ext.append("OS-INHERIT")
    flag(conf, feat, "api_extensions", ",".join(ext), "routes probed: OS-EC2, OS-INHERIT")
    flag(conf, feat, "trust", cloud.serves("/v3/OS-TRUST/trusts"), "GET /v3/OS-TRUST/trusts")
    flag(conf, feat, "project_tags", cloud.serves("/v3/projects/%s/tags" % pid),
         "GET /v3/projects/{id}/tags")
    flag(conf, feat, "application_credentials",
         cloud.serves("/v3/users/%s/application_credentials" % uid),
         "GET /v3/users/{id}/application_credentials")
    flag(conf, feat, "access_rules", cloud.serves("/v3/users/%s/access_rules" % uid),
         "GET /v3/users/{id}/access_rules")
    flag(conf, feat, "security_compliance", False, "no PCI-DSS lockout or password history")
    flag(conf, feat, "domain_specific_drivers", False, "one SQL-like identity backend")
    flag(conf, feat, "immutable_user_source", False, "users are writable")

    flag(conf, "image", "region", "RegionOne", "the built-in region")
    flag(conf, "image", "endpoint_type", "public", "the catalog's public endpoints")
    # Only the import tests download from it; import_image decides whether they
    # run, and even then nothing may leave the loopback.
    flag(conf, "image", "http_image", url + "/tempest-no-such-image", "loopback only")
    feat = "image-feature-enabled"
    flag(conf, feat, "api_v2", True, "Glance v2")
    flag(conf, feat, "api_v1", False, "no Glance v1")
    flag(conf, feat, "import_image", cloud.serves("/image/v2/info/import"),
         "GET /image/v2/info/import")
    flag(conf, feat, "os_glance_reserved", glance_reserves_os_glance(cloud),
         "an os_glance_* property is 403")
    flag(conf, feat, "manage_locations", False, "no image locations")

    status, data, _ = cloud.call("GET", "/networking/v2.0/extensions")
    if status != 200:
        sys.exit("configure.py: extensions: %d %s" % (status, data))
    aliases = sorted(e["alias"] for e in data["extensions"])
    net = public_network(cloud)
    flag(conf, "network", "region", "RegionOne", "the built-in region")
    flag(conf, "network", "endpoint_type", "public", "the catalog's public endpoints")
    flag(conf, "network", "public_network_id", net, "created for tempest")
    flag(conf, "network", "floating_network_name", "public", "created for tempest")
    flag(conf, "network", "project_networks_reachable", False, "no guests are reached")
    flag(conf, "network", "shared_physical_network", False, "no provider networks")
    feat = "network-feature-enabled"
    flag(conf, feat, "api_extensions", ",".join(aliases), "GET /v2.0/extensions")
    flag(conf, feat, "ipv6", True, "IPv6 subnets")
    flag(conf, feat, "ipv6_subnet_attributes", ipv6_subnet_attributes(cloud),
         "a slaac subnet keeps ipv6_ra_mode and ipv6_address_mode")
    flag(conf, feat, "port_admin_state_change", True, "admin_state_up updates")
    flag(conf, feat, "port_security", "port-security" in aliases, "extension port-security")
    flag(conf, feat, "floating_ips", "router" in aliases, "extension router")

    for service in ("nova", "glance", "neutron", "cinder"):
        flag(conf, "service_available", service, True, "served")
    flag(conf, "service_available", "swift", False, "no object storage")
    flag(conf, "validation", "run_validation", False, "no guests are reached over SSH")
    flag(conf, "service-clients", "http_timeout", "60", "a stuck request fails its test")

    with open(path, "w") as out:
        conf.write(out)


if __name__ == "__main__":
    main()
