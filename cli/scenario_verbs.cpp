// The verbs that make resources and act on servers, each one REST call (or
// two) through the public API, as a user's client would make it.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli/scenario_session.hpp"

namespace cumulo::cli {
namespace {

std::string str(const json& p, const std::string& key, const std::string& fallback = "") {
  if (!p.contains(key) || p[key].is_null()) return fallback;
  return text_of(p[key]);
}

// Makes the call the step describes. When the step expects a failure
// (`http: 4xx`, optionally `error: part of the message`), checks it and
// answers nullopt; otherwise the successful reply.
std::optional<http_reply> rest(session& s, const json& p, const std::string& method,
                               const std::string& path, const json& body,
                               const std::map<std::string, std::string>& headers = {}) {
  const int want = p.value("http", 0);
  auto r = s.call(method, path, body, want, headers);
  if (want && (want < 200 || want >= 300)) {
    const std::string part = str(p, "error");
    if (!part.empty() && r.error_message().find(part) == std::string::npos)
      throw step_failure("expected an error containing \"" + part + "\", got \"" +
                         r.error_message() + "\"");
    return std::nullopt;
  }
  return r;
}

std::string expected_failure(const json& p) {
  return "HTTP " + std::to_string(p.value("http", 0)) + " as expected";
}

// POST a body, keep what came back as a reference (`ref`, else `name`).
std::string create(session& s, const json& p, const std::string& kind, const json& body) {
  const auto& k = kind_of(kind);
  auto r = rest(s, p, "POST", k.collection, body);
  if (!r) return expected_failure(p);
  json made = r->json();
  if (!k.one.empty() && made.contains(k.one)) made = made[k.one];
  const std::string ref = str(p, "ref", str(p, "name"));
  if (!ref.empty()) s.put_ref(ref, kind, made);
  return ref + " " + text_of(made.value("id", json("")));
}

json optional_fields(const json& p, const std::map<std::string, std::string>& names) {
  json o = json::object();
  for (const auto& [from, to] : names)
    if (p.contains(from) && !p[from].is_null()) o[to] = p[from];
  return o;
}

std::string create_project(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"description", "description"}});
  b["domain_id"] = "default";
  return create(s, p, "project", {{"project", b}});
}

std::string create_user(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"password", "password"}});
  b["domain_id"] = "default";
  if (p.contains("project")) b["default_project_id"] = s.resolve("project", str(p, "project"));
  s.remember_password(str(p, "name"), str(p, "password"));
  return create(s, p, "user", {{"user", b}});
}

std::string grant_role(session& s, const scenario_step&, const json& p, const variables&) {
  const std::string role = str(p, "role", "member");
  auto roles = s.call("GET", "/v3/roles?name=" + role).json()["roles"];
  if (!roles.is_array() || roles.empty()) throw step_failure("no role named " + role);
  const std::string path = "/v3/projects/" + s.resolve("project", str(p, "project")) + "/users/" +
                           s.resolve("user", str(p, "user")) + "/roles/" + text_of(roles[0]["id"]);
  if (!rest(s, p, "PUT", path, nullptr)) return expected_failure(p);
  return role + " to " + str(p, "user") + " on " + str(p, "project");
}

std::string create_network(session& s, const scenario_step&, const json& p, const variables&) {
  json b =
      optional_fields(p, {{"name", "name"}, {"external", "router:external"}, {"shared", "shared"}});
  return create(s, p, "network", {{"network", b}});
}

std::string create_subnet(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"cidr", "cidr"}, {"gateway", "gateway_ip"}});
  b["network_id"] = s.resolve("network", str(p, "network"));
  b["ip_version"] = p.value("ip_version", 4);
  return create(s, p, "subnet", {{"subnet", b}});
}

std::string create_port(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}});
  b["network_id"] = s.resolve("network", str(p, "network"));
  if (p.contains("fixed_ip")) b["fixed_ips"] = json::array({{{"ip_address", p["fixed_ip"]}}});
  return create(s, p, "port", {{"port", b}});
}

std::string create_router(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}});
  if (p.contains("external_gateway"))
    b["external_gateway_info"] = {{"network_id", s.resolve("network", str(p, "external_gateway"))}};
  return create(s, p, "router", {{"router", b}});
}

std::string add_router_interface(session& s, const scenario_step&, const json& p,
                                 const variables&) {
  const std::string path = kind_of("router").collection + "/" +
                           s.resolve("router", str(p, "router")) + "/add_router_interface";
  if (!rest(s, p, "PUT", path, {{"subnet_id", s.resolve("subnet", str(p, "subnet"))}}))
    return expected_failure(p);
  return str(p, "subnet") + " on " + str(p, "router");
}

std::string create_floating_ip(session& s, const scenario_step&, const json& p, const variables&) {
  json b{{"floating_network_id", s.resolve("network", str(p, "network"))}};
  if (p.contains("port")) b["port_id"] = s.resolve("port", str(p, "port"));
  return create(s, p, "floating_ip", {{"floatingip", b}});
}

std::string create_security_group(session& s, const scenario_step&, const json& p,
                                  const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"description", "description"}});
  return create(s, p, "security_group", {{"security_group", b}});
}

std::string create_security_group_rule(session& s, const scenario_step&, const json& p,
                                       const variables&) {
  json b = optional_fields(p, {{"protocol", "protocol"}, {"remote_ip", "remote_ip_prefix"}});
  b["security_group_id"] = s.resolve("security_group", str(p, "group"));
  b["direction"] = str(p, "direction", "ingress");
  b["ethertype"] = str(p, "ethertype", "IPv4");
  if (p.contains("port")) b["port_range_min"] = b["port_range_max"] = p["port"];
  auto r =
      rest(s, p, "POST", "/networking/v2.0/security-group-rules", {{"security_group_rule", b}});
  if (!r) return expected_failure(p);
  if (p.contains("ref"))
    s.put_ref(str(p, "ref"), "security_group_rule", r->json()["security_group_rule"]);
  return str(p, "group") + " " + b["direction"].get<std::string>();
}

// "16M", "1G", "512K" or a number of bytes.
std::size_t bytes_of(const json& v) {
  if (v.is_number()) return v.get<std::size_t>();
  std::string t = text_of(v);
  std::size_t unit = 1;
  if (!t.empty() && (t.back() == 'K' || t.back() == 'M' || t.back() == 'G')) {
    unit = t.back() == 'K' ? 1024 : t.back() == 'M' ? 1024 * 1024 : 1024 * 1024 * 1024;
    t.pop_back();
  }
  try {
    return static_cast<std::size_t>(std::stoull(t)) * unit;
  } catch (const std::exception&) {
    throw step_failure("size '" + text_of(v) + "' is not a size (bytes, or 16K, 16M, 1G)");
  }
}

std::string upload_image(session& s, const scenario_step& step, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"visibility", "visibility"}});
  b["disk_format"] = str(p, "disk_format", "qcow2");
  b["container_format"] = str(p, "container_format", "bare");
  auto made = s.call("POST", "/image/v2/images", b).json();
  const std::string id = text_of(made["id"]);
  const std::string ref = str(p, "ref", str(p, "name"));
  s.put_ref(ref, "image", made);
  std::string data;
  if (p.contains("file")) {
    const auto file = std::filesystem::path(step.file).parent_path() / str(p, "file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw step_failure("cannot read " + file.string());
    std::stringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  } else {
    // Generated bytes, different per image so checksums differ.
    data.resize(bytes_of(p.contains("size") ? p["size"] : json(1024)));
    std::uint32_t x = static_cast<std::uint32_t>(std::hash<std::string>{}(id));
    for (auto& c : data) {
      x = x * 1664525u + 1013904223u;
      c = static_cast<char>(x >> 24);
    }
  }
  const int want = p.value("http", 0);
  auto r = s.raw("PUT", "/image/v2/images/" + id + "/file", data,
                 {{"Content-Type", "application/octet-stream"}});
  const bool ok = want ? r.status == want : r.status == 204;
  if (!ok)
    throw step_failure("upload of " + std::to_string(data.size()) + " bytes: expected HTTP " +
                       (want ? std::to_string(want) : std::string("204")) + ", got " +
                       std::to_string(r.status) + " " + r.error_message());
  if (want && want >= 300) {
    const std::string part = str(p, "error");
    if (!part.empty() && r.error_message().find(part) == std::string::npos)
      throw step_failure("expected an error containing \"" + part + "\", got \"" +
                         r.error_message() + "\"");
  }
  s.put_ref(ref, "image", s.call("GET", "/image/v2/images/" + id).json());
  return ref + " " + id + " (" + std::to_string(data.size()) + " bytes" +
         (want >= 300 ? ", refused as expected)" : ")");
}

std::string create_flavor(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"id", "id"}});
  b["ram"] = p.value("ram", 512);
  b["vcpus"] = p.value("vcpus", 1);
  b["disk"] = p.value("disk", 1);
  return create(s, p, "flavor", {{"flavor", b}});
}

std::string create_keypair(session& s, const scenario_step&, const json& p, const variables&) {
  json b = optional_fields(p, {{"name", "name"}, {"public_key", "public_key"}});
  auto r = rest(s, p, "POST", "/compute/v2.1/os-keypairs", {{"keypair", b}});
  if (!r) return expected_failure(p);
  json k = r->json()["keypair"];
  k["id"] = k["name"];  // a key pair is known by its name
  s.put_ref(str(p, "ref", str(p, "name")), "keypair", k);
  return str(p, "name");
}

json get_server(session& s, const std::string& id) {
  return s.call("GET", "/compute/v2.1/servers/" + id).json()["server"];
}

// Waits for one server to reach `status` (DELETED: gone); ERROR while
// waiting for anything else ends the wait with the fault.
void wait_server(session& s, const std::string& id, const std::string& status, double within) {
  std::string last = "?";
  json fault;
  const bool reached = poll_until(std::chrono::duration<double>(within), [&] {
    auto r = s.raw("GET", "/compute/v2.1/servers/" + id, "", {});
    if (r.status == 404) {
      last = "DELETED";
    } else if (r.status == 200) {
      const auto server = r.json()["server"];
      last = server.value("status", "?");
      fault = server.value("fault", json());
    } else {
      last = "HTTP " + std::to_string(r.status);
    }
    if (last == status) return true;
    if (last == "ERROR")
      throw step_failure("server " + id + ": expected " + status +
                         ", got ERROR (fault: " + text_of(fault.value("message", json(""))) + ")");
    return false;
  });
  if (!reached)
    throw step_failure("server " + id + ": expected " + status + " within " +
                       std::to_string(within) + " s, got " + last);
}

// Servers made by one launch with count: Nova names them name-1..name-N.
std::vector<json> servers_named(session& s, const std::string& prefix) {
  auto list =
      s.call("GET", "/compute/v2.1/servers?limit=1000&name=%5E" + prefix + "-%5B0-9%5D%2B%24")
          .json()["servers"];
  std::vector<json> out;
  for (const auto& x : list) out.push_back(x);
  return out;
}

std::string launch(session& s, const scenario_step&, const json& p, const variables&) {
  json b{{"name", p["name"]},
         {"imageRef", s.resolve("image", str(p, "image"))},
         {"flavorRef", s.resolve("flavor", str(p, "flavor"))}};
  json nets = json::array();
  if (p.contains("network")) nets.push_back({{"uuid", s.resolve("network", str(p, "network"))}});
  if (p.contains("networks"))
    for (const auto& n : p["networks"])
      nets.push_back({{"uuid", s.resolve("network", text_of(n))}});
  if (p.contains("port")) nets.push_back({{"port", s.resolve("port", str(p, "port"))}});
  if (!nets.empty()) b["networks"] = nets;
  if (p.contains("key_name")) b["key_name"] = p["key_name"];
  const int count = p.value("count", 1);
  if (count > 1) b["min_count"] = b["max_count"] = count;
  json body{{"server", b}};
  // A server group to join (its id: `${grp.id}` of a request's ref).
  if (p.contains("group")) body["os:scheduler_hints"] = {{"group", str(p, "group")}};
  auto r = rest(s, p, "POST", "/compute/v2.1/servers", body);
  if (!r) return expected_failure(p);
  const std::string name = str(p, "name");
  const std::string ref = str(p, "ref", name);
  const double within = p.value("within", 60.0);
  if (count == 1) {
    const std::string id = text_of(r->json()["server"]["id"]);
    if (p.contains("wait")) wait_server(s, id, str(p, "wait"), within);
    s.put_ref(ref, "server", get_server(s, id));
    return ref + " " + id;
  }
  const auto made = servers_named(s, name);
  for (const auto& x : made) s.put_ref(text_of(x["name"]), "server", x);
  if (p.contains("wait"))
    for (const auto& x : made) wait_server(s, text_of(x["id"]), str(p, "wait"), within);
  return std::to_string(made.size()) + " servers " + name + "-1.." + name + "-" +
         std::to_string(count);
}

// stop, start, reboot, terminate: the action, then the status (`wait:`).
verb_fn server_action(const std::string& verb) {
  return [verb](session& s, const scenario_step&, const json& p, const variables&) {
    const std::string id = s.resolve("server", str(p, "server"));
    std::optional<http_reply> r;
    std::string settled = "ACTIVE";
    if (verb == "terminate") {
      r = rest(s, p, "DELETE", "/compute/v2.1/servers/" + id, nullptr);
      settled = "DELETED";
    } else {
      json action;
      if (verb == "stop") action = {{"os-stop", nullptr}}, settled = "SHUTOFF";
      if (verb == "start") action = {{"os-start", nullptr}};
      if (verb == "reboot")
        action = {{"reboot", {{"type", p.value("hard", false) ? "HARD" : "SOFT"}}}};
      r = rest(s, p, "POST", "/compute/v2.1/servers/" + id + "/action", action);
    }
    if (!r) return expected_failure(p);
    const std::string want = p.contains("wait") ? str(p, "wait") : settled;
    wait_server(s, id, want, p.value("within", 60.0));
    return str(p, "server") + " " + want;
  };
}

// delete: {<kind>: ref}
std::string delete_resource(session& s, const scenario_step&, const json& p, const variables&) {
  for (const auto& kind : kind_names()) {
    if (!p.contains(kind)) continue;
    const std::string id = s.resolve(kind, str(p, kind));
    if (!rest(s, p, "DELETE", kind_of(kind).collection + "/" + id, nullptr))
      return expected_failure(p);
    return kind + " " + str(p, kind);
  }
  throw step_failure("delete: name the resource (server: vm1, network: private, ...)");
}

}  // namespace

void wait_for_server(session& s, const std::string& id, const std::string& status, double within) {
  wait_server(s, id, status, within);
}

const std::map<std::string, verb_fn>& resource_verbs() {
  static const std::map<std::string, verb_fn> verbs{
      {"create_project", create_project},
      {"create_user", create_user},
      {"grant_role", grant_role},
      {"create_network", create_network},
      {"create_subnet", create_subnet},
      {"create_port", create_port},
      {"create_router", create_router},
      {"add_router_interface", add_router_interface},
      {"create_floating_ip", create_floating_ip},
      {"create_security_group", create_security_group},
      {"create_security_group_rule", create_security_group_rule},
      {"upload_image", upload_image},
      {"create_flavor", create_flavor},
      {"create_keypair", create_keypair},
      {"launch", launch},
      {"stop", server_action("stop")},
      {"start", server_action("start")},
      {"reboot", server_action("reboot")},
      {"terminate", server_action("terminate")},
      {"delete", delete_resource},
  };
  return verbs;
}

}  // namespace cumulo::cli
