#include "cli/scenario_session.hpp"

#include <regex>
#include <thread>

#include "cli/scenario_cloud.hpp"

namespace cumulo::cli {

const std::vector<std::string>& kind_names() {
  static const std::vector<std::string> names{
      "server",      "network",        "subnet",     "port",   "router",
      "floating_ip", "security_group", "image",      "flavor", "keypair",
      "project",     "user",           "hypervisor", "volume", "volume_snapshot"};
  return names;
}

const kind_info& kind_of(const std::string& kind) {
  static const std::map<std::string, kind_info> kinds{
      {"server",
       {"/compute/v2.1/servers", "/compute/v2.1/servers/detail", "server", "servers", "instance"}},
      {"network",
       {"/networking/v2.0/networks", "/networking/v2.0/networks", "network", "networks",
        "network"}},
      {"subnet", {"/networking/v2.0/subnets", "/networking/v2.0/subnets", "subnet", "subnets"}},
      {"port", {"/networking/v2.0/ports", "/networking/v2.0/ports", "port", "ports"}},
      {"router",
       {"/networking/v2.0/routers", "/networking/v2.0/routers", "router", "routers", "router"}},
      {"floating_ip",
       {"/networking/v2.0/floatingips", "/networking/v2.0/floatingips", "floatingip", "floatingips",
        "floatingip"}},
      {"security_group",
       {"/networking/v2.0/security-groups", "/networking/v2.0/security-groups", "security_group",
        "security_groups", "security_group"}},
      {"image", {"/image/v2/images", "/image/v2/images", "", "images", "image"}},
      // Cinder's URLs without the project id (its 3.67 form, served at any
      // microversion here).
      {"volume",
       {"/volume/v3/volumes", "/volume/v3/volumes/detail", "volume", "volumes", "volume"}},
      {"volume_snapshot",
       {"/volume/v3/snapshots", "/volume/v3/snapshots/detail", "snapshot", "snapshots",
        "volume_snapshot"}},
      {"flavor", {"/compute/v2.1/flavors", "/compute/v2.1/flavors/detail", "flavor", "flavors"}},
      {"keypair",
       {"/compute/v2.1/os-keypairs", "/compute/v2.1/os-keypairs", "keypair", "keypairs"}},
      {"project", {"/v3/projects", "/v3/projects", "project", "projects", "project"}},
      {"user", {"/v3/users", "/v3/users", "user", "users", "user"}},
      {"hypervisor",
       {"/compute/v2.1/os-hypervisors", "/compute/v2.1/os-hypervisors/detail", "hypervisor",
        "hypervisors"}},
  };
  auto it = kinds.find(kind);
  if (it == kinds.end()) throw step_failure("unknown kind '" + kind + "'");
  return it->second;
}

session::session(std::string url, credentials admin, child_cloud* cloud)
    : url_(std::move(url)), admin_(std::move(admin)), cloud_(cloud) {}

std::string session::url() const {
  return cloud_ ? cloud_->url() : url_;
}

void session::act_as(const credentials& c) {
  const auto t = token_for(c);
  std::lock_guard lock(m_);
  token_ = t;
}

http_reply session::as_admin(const std::string& method, const std::string& path, const json& body) {
  std::map<std::string, std::string> h{{"X-Auth-Token", token_for(admin_)}};
  if (!body.is_null()) h["Content-Type"] = "application/json";
  return raw(method, path, body.is_null() ? "" : body.dump(), h);
}

std::string session::token_for(const credentials& c) {
  const std::string key = c.username + "|" + c.project + "|" + c.domain;
  {
    std::lock_guard lock(m_);
    if (auto it = tokens_.find(key); it != tokens_.end()) return it->second;
  }
  json user{{"name", c.username}, {"domain", {{"name", c.domain}}}, {"password", c.password}};
  json auth{{"identity", {{"methods", {"password"}}, {"password", {{"user", user}}}}}};
  if (!c.project.empty())
    auth["scope"] = {{"project", {{"name", c.project}, {"domain", {{"name", c.domain}}}}}};
  auto r = raw("POST", "/v3/auth/tokens?nocatalog", json{{"auth", auth}}.dump(),
               {{"Content-Type", "application/json"}});
  if (r.status != 201)
    throw step_failure("cannot authenticate as " + c.username + " in project '" + c.project +
                       "': " + std::to_string(r.status) + " " + r.error_message());
  std::lock_guard lock(m_);
  return tokens_[key] = r.headers["x-subject-token"];
}

std::string session::token() {
  std::lock_guard lock(m_);
  return token_;
}

void session::remember_password(const std::string& user, const std::string& password) {
  std::lock_guard lock(m_);
  passwords_[user] = password;
}

std::string session::password_of(const std::string& user) {
  std::lock_guard lock(m_);
  auto it = passwords_.find(user);
  return it == passwords_.end() ? "" : it->second;
}

http_reply session::raw(const std::string& method, const std::string& path, const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  auto h = headers;
  const auto t = token();
  if (!t.empty() && !h.count("X-Auth-Token")) h["X-Auth-Token"] = t;
  return http_call(method, url() + path, body, h);
}

http_reply session::call(const std::string& method, const std::string& path, const json& body,
                         int expect_http, const std::map<std::string, std::string>& headers) {
  auto h = headers;
  if (!body.is_null() && !h.count("Content-Type")) h["Content-Type"] = "application/json";
  auto r = raw(method, path, body.is_null() ? "" : body.dump(), h);
  const bool ok = expect_http ? r.status == expect_http : r.status >= 200 && r.status < 300;
  if (!ok) {
    std::string expected = expect_http ? std::to_string(expect_http) : std::string("2xx");
    throw step_failure(method + " " + path + ": expected HTTP " + expected + ", got " +
                       (r.status ? std::to_string(r.status) : std::string("no answer")) + " " +
                       r.error_message());
  }
  return r;
}

void session::put_ref(const std::string& name, const std::string& kind, const json& body) {
  std::lock_guard lock(m_);
  refs_[name] = {kind, body};
}

bool session::has_ref(const std::string& name) {
  std::lock_guard lock(m_);
  return refs_.count(name) > 0;
}

reference session::get_ref(const std::string& name) {
  std::lock_guard lock(m_);
  auto it = refs_.find(name);
  if (it == refs_.end()) throw step_failure("no reference named '" + name + "'");
  return it->second;
}

std::string session::resolve(const std::string& kind, const std::string& text) {
  if (has_ref(text)) return text_of(get_ref(text).body["id"]);
  // Nova's default flavors and Glance images are found by name too.
  const auto& k = kind_of(kind);
  auto r = raw("GET", k.list + (k.list.find('?') == std::string::npos ? "?" : "&") + "name=" + text,
               "", {});
  if (r.status == 200) {
    const auto list = r.json()[k.many];
    if (list.is_array())
      for (const auto& item : list) {
        const auto& x = k.one == "keypair" && item.contains("keypair") ? item["keypair"] : item;
        if (x.value("name", "") == text && x.contains("id")) return text_of(x["id"]);
      }
  }
  return text;
}

json field_at(const json& body, const std::string& path) {
  const json* at = &body;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (at->is_object()) {
      auto it = at->find(part);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos) {
      const auto i = std::stoul(part);
      if (i >= at->size()) return nullptr;
      at = &(*at)[i];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *at;
}

std::string text_of(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string session::substitute(const std::string& text, const variables& vars) {
  static const std::regex ref(R"(\$\{([A-Za-z0-9_\-]+)((?:\.[A-Za-z0-9_:\-]+)*)\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), ref);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
    const std::string name = m[1];
    const std::string path = m[2].length() ? m[2].str().substr(1) : "";
    if (auto v = vars.find(name); v != vars.end() && path.empty()) {
      out += v->second;
    } else {
      const auto r = get_ref(name);
      const auto f = field_at(r.body, path.empty() ? "id" : path);
      if (f.is_null()) throw step_failure("${" + name + m[2].str() + "}: no such field");
      out += text_of(f);
    }
    last = static_cast<std::size_t>(m.position() + m.length());
  }
  return out + text.substr(last);
}

json session::value_of(const YAML::Node& node, const variables& vars) {
  if (!node || node.IsNull()) return nullptr;
  if (node.IsSequence()) {
    json a = json::array();
    for (const auto& n : node) a.push_back(value_of(n, vars));
    return a;
  }
  if (node.IsMap()) {
    json o = json::object();
    for (const auto& kv : node)
      o[substitute(kv.first.as<std::string>(), vars)] = value_of(kv.second, vars);
    return o;
  }
  const std::string text = substitute(node.Scalar(), vars);
  // A quoted scalar stays a string; a plain one is typed as YAML would.
  if (node.Tag() == "!") return text;
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  if (text == "null" || text == "~") return nullptr;
  static const std::regex integer(R"(-?\d+)"), real(R"(-?\d+\.\d*([eE][-+]?\d+)?)");
  if (std::regex_match(text, integer)) return std::stoll(text);
  if (std::regex_match(text, real)) return std::stod(text);
  return text;
}

bool poll_until(std::chrono::duration<double> within, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(within);
  auto pause = std::chrono::milliseconds(5);
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

std::string run_step(session& s, const scenario_step& step, const variables& vars) {
  // A body's steps are substituted when they run (their ${i} is theirs).
  json p;
  if (step.verb == "repeat" || step.verb == "parallel") {
    p = json::object();
    for (const char* key : {"times", "workers"})
      if (step.params[key]) p[key] = s.value_of(step.params[key], vars);
  } else {
    p = s.value_of(step.params, vars);
  }
  for (const auto* table : {&resource_verbs(), &check_verbs(), &flow_verbs()}) {
    auto it = table->find(step.verb);
    if (it != table->end()) return it->second(s, step, p, vars);
  }
  throw step_failure("verb '" + step.verb + "' is not implemented");
}

}  // namespace cumulo::cli
