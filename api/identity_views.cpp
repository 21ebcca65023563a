#include "api/identity_views.hpp"

#include "engine/clock.hpp"
#include "engine/project_hierarchy.hpp"

#include <mutex>
#include <unordered_map>

namespace cumulo::api {
namespace {

nlohmann::json self_link(const std::string& url) {
  return {{"self", url}};
}

nlohmann::json domain_ref(const std::string& id, const std::string& name) {
  return {{"id", id}, {"name", name}};
}

// The network endpoint has no version suffix (the SDK adds /v2.0), image
// neither (the SDK discovers its versions); compute is /v2.1 and block
// storage /volume/v3, both without a project id, as Nova's and Cinder's
// catalog entries are today.

}  // namespace

nlohmann::json project_json(const project_state& p, const std::string& base_url) {
  return {{"id", p.id},
          {"name", p.name},
          {"domain_id", p.domain_id},
          {"description", p.description},
          {"enabled", p.enabled},
          {"parent_id", parent_of(p)},
          {"is_domain", false},
          {"tags", p.tags},
          {"options", nlohmann::json::object()},
          {"links", self_link(base_url + "/v3/projects/" + p.id)}};
}

nlohmann::json user_json(const user_state& u, const std::string& base_url) {
  // Extra attributes first: Keystone's own always win over a name clash.
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, text] : u.extra) {
    auto value = nlohmann::json::parse(text, nullptr, false);
    j[name] = value.is_discarded() ? nlohmann::json(nullptr) : std::move(value);
  }
  j.update(nlohmann::json{{"id", u.id},
                          {"name", u.name},
                          {"domain_id", u.domain_id},
                          {"enabled", u.enabled},
                          {"password_expires_at", nullptr},
                          {"options", nlohmann::json::object()},
                          {"links", self_link(base_url + "/v3/users/" + u.id)}});
  // Keystone shows the optional attributes only when they are set.
  if (!u.default_project_id.empty()) j["default_project_id"] = u.default_project_id;
  if (!u.description.empty()) j["description"] = u.description;
  if (!u.email.empty()) j["email"] = u.email;
  return j;
}

nlohmann::json role_json(const role_state& r, const std::string& base_url) {
  return {
      {"id", r.id},
      {"name", r.name},
      {"domain_id", r.domain_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.domain_id)},
      {"description",
       r.description.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.description)},
      {"options", nlohmann::json::object()},
      {"links", self_link(base_url + "/v3/roles/" + r.id)}};
}

nlohmann::json domain_json(const domain_state& d, const std::string& base_url) {
  return {{"id", d.id},
          {"name", d.name},
          {"description", d.description},
          {"enabled", d.enabled},
          {"tags", nlohmann::json::array()},
          {"options", nlohmann::json::object()},
          {"links", self_link(base_url + "/v3/domains/" + d.id)}};
}

nlohmann::json group_json(const group_state& g, const std::string& base_url) {
  return {{"id", g.id},
          {"name", g.name},
          {"domain_id", g.domain_id},
          {"description", g.description},
          {"links", self_link(base_url + "/v3/groups/" + g.id)}};
}

nlohmann::json collection_json(const std::string& key, nlohmann::json items,
                               const std::string& self_url) {
  return {{key, std::move(items)},
          {"links", {{"self", self_url}, {"previous", nullptr}, {"next", nullptr}}}};
}

namespace {

nlohmann::json catalog_entry(const service_state& s, const std::string& base_url) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& [id, e] : s.endpoints) {
    if (!e.enabled) continue;
    endpoints.push_back(
        {{"id", id},
         {"interface", e.interface},
         {"region", e.region_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.region_id)},
         {"region_id", e.region_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.region_id)},
         {"url", endpoint_url(e.url, base_url)}});
  }
  return {{"id", s.id}, {"type", s.type}, {"name", s.name}, {"endpoints", std::move(endpoints)}};
}

}  // namespace

nlohmann::json catalog_json(const std::string& base_url, const std::vector<service_state>* stored) {
  nlohmann::json catalog = nlohmann::json::array();
  for (const auto& s : builtin_services()) catalog.push_back(catalog_entry(s, base_url));
  if (stored)
    for (const auto& s : *stored)
      if (s.enabled) catalog.push_back(catalog_entry(s, base_url));
  return catalog;
}

nlohmann::json region_json(const region_state& r, const std::string& base_url) {
  return {{"id", r.id},
          {"description", r.description},
          {"parent_region_id", r.parent_region_id.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(r.parent_region_id)},
          {"links", self_link(base_url + "/v3/regions/" + r.id)}};
}

nlohmann::json service_json(const service_state& s, const std::string& base_url) {
  nlohmann::json j{{"id", s.id},
                   {"type", s.type},
                   {"name", s.name},
                   {"enabled", s.enabled},
                   {"links", self_link(base_url + "/v3/services/" + s.id)}};
  if (!s.description.empty()) j["description"] = s.description;
  return j;
}

nlohmann::json endpoint_json(const catalog_endpoint& c, const std::string& base_url) {
  const auto& e = c.ep;
  const auto region = e.region_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.region_id);
  return {{"id", e.id},
          {"interface", e.interface},
          {"region", region},
          {"region_id", region},
          {"service_id", c.service_id},
          {"url", endpoint_url(e.url, base_url)},
          {"enabled", e.enabled},
          {"links", self_link(base_url + "/v3/endpoints/" + e.id)}};
}

nlohmann::json token_json(const token_info& t, const std::string& base_url, bool with_catalog) {
  const auto& p = t.payload;
  nlohmann::json token{{"methods", p.methods},
                       {"expires_at", format_iso8601_us(p.expires_at_us)},
                       {"issued_at", format_iso8601_us(p.issued_at_us)},
                       {"audit_ids", {p.audit_id}},
                       {"user",
                        {{"id", t.user.id},
                         {"name", t.user.name},
                         {"domain", domain_ref(t.user.domain_id, t.user_domain_name)},
                         {"password_expires_at", nullptr}}}};
  if (t.project) {
    token["project"] = {{"id", t.project->id},
                        {"name", t.project->name},
                        {"domain", domain_ref(t.project->domain_id, t.project_domain_name)}};
    token["is_domain"] = false;
    nlohmann::json roles = nlohmann::json::array();
    for (const auto& r : t.roles) roles.push_back({{"id", r.id}, {"name", r.name}});
    token["roles"] = roles;
    if (with_catalog) token["catalog"] = catalog_json(base_url, t.catalog.get());
  }
  if (t.via_application_credential)
    token["application_credential"] = {{"id", t.via_application_credential->id},
                                       {"name", t.via_application_credential->name},
                                       {"restricted", !t.via_application_credential->unrestricted}};
  return {{"token", token}};
}

namespace {
std::string without_zone(std::string t) {
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  return t;
}
}  // namespace

nlohmann::json application_credential_json(const application_credential_view& v,
                                           const std::string& base_url) {
  const auto& a = v.credential;
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& r : v.roles)
    roles.push_back({{"id", r.id}, {"name", r.name}, {"domain_id", nullptr}});
  return {{"id", a.id},
          {"name", a.name},
          {"description",
           a.description.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.description)},
          // Keystone's form has no zone letter (gophercloud parses it so).
          {"expires_at", a.expires_at_us
                             ? nlohmann::json(without_zone(format_iso8601_us(a.expires_at_us)))
                             : nlohmann::json(nullptr)},
          {"unrestricted", a.unrestricted},
          {"project_id", a.project_id},
          {"user_id", v.user_id},
          {"system", nullptr},
          {"roles", std::move(roles)},
          {"access_rules", nlohmann::json::array()},
          {"links",
           {{"self", base_url + "/v3/users/" + v.user_id + "/application_credentials/" + a.id}}}};
}

namespace {

// The serialized catalog of a base URL. A few base URLs at most reach one
// server (the Host headers its clients use); past a bound, no caching.
std::string catalog_text(const std::string& base_url) {
  static std::mutex m;
  static std::unordered_map<std::string, std::string> texts;
  constexpr std::size_t max_entries = 64;
  std::lock_guard lock(m);
  auto it = texts.find(base_url);
  if (it != texts.end()) return it->second;
  std::string text = catalog_json(base_url).dump();
  if (texts.size() < max_entries) texts.emplace(base_url, text);
  return text;
}

}  // namespace

std::string token_text(const token_info& t, const std::string& base_url, bool with_catalog) {
  std::string text = token_json(t, base_url, false).dump();
  if (!with_catalog || !t.project) return text;
  // {"token":{...}} -> {"token":{...,"catalog":[...]}}; the built-in
  // catalog's text is kept per base URL, one with added services is made.
  const bool added = t.catalog && !t.catalog->empty();
  text.insert(text.size() - 2,
              ",\"catalog\":" + (added ? catalog_json(base_url, t.catalog.get()).dump()
                                       : catalog_text(base_url)));
  return text;
}

}  // namespace cumulo::api
