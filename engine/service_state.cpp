#include "engine/service_state.hpp"

namespace cumulo {
namespace {

domain_error not_found(const service_state& s) {
  return make_domain_error(errc::not_found, "Could not find service: " + s.id + ".");
}

domain_error endpoint_not_found(const std::string& id) {
  return make_domain_error(errc::not_found, "Could not find endpoint: " + id + ".");
}

std::optional<domain_error> check_type(const std::string& type) {
  if (type.empty() || type.size() > 255)
    return make_domain_error(errc::bad_request,
                             "Invalid input for field 'type': 1 to 255 characters.");
  return std::nullopt;
}

std::optional<domain_error> check_interface(const std::string& interface) {
  if (interface != "public" && interface != "internal" && interface != "admin")
    return make_domain_error(errc::bad_request,
                             "Invalid input for field 'interface': '" + interface.substr(0, 64) +
                                 "' is not one of ['public', 'internal', 'admin'].");
  return std::nullopt;
}

std::optional<domain_error> check_url(const std::string& url) {
  if (url.empty() || url.size() > 1024)
    return make_domain_error(errc::bad_request,
                             "Invalid input for field 'url': 1 to 1024 characters.");
  return std::nullopt;
}

struct decider {
  const service_state& s;

  decision<service_event> operator()(const service::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Service " + s.id + " already exists.");
    if (auto e = check_type(c.type)) return *e;
    return std::vector<service_event>{service_created{c.type, c.name, c.description, c.enabled}};
  }

  decision<service_event> operator()(const service::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.type)
      if (auto e = check_type(*c.type)) return *e;
    return std::vector<service_event>{service_updated{c.type, c.name, c.description, c.enabled}};
  }

  decision<service_event> operator()(const service::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<service_event>{service_deleted{}};
  }

  decision<service_event> operator()(const service::create_endpoint& c) const {
    if (!s.exists()) return not_found(s);
    if (c.endpoint_id.empty() || s.endpoints.count(c.endpoint_id))
      return make_domain_error(errc::conflict, "Endpoint " + c.endpoint_id + " already exists.");
    if (auto e = check_interface(c.interface)) return *e;
    if (auto e = check_url(c.url)) return *e;
    if (s.endpoints.size() >= service::max_endpoints)
      return make_domain_error(
          errc::forbidden,
          "A service has at most " + std::to_string(service::max_endpoints) + " endpoints.");
    return std::vector<service_event>{
        service_endpoint_created{c.endpoint_id, c.interface, c.region_id, c.url, c.enabled}};
  }

  decision<service_event> operator()(const service::update_endpoint& c) const {
    if (!s.exists() || !s.endpoints.count(c.endpoint_id)) return endpoint_not_found(c.endpoint_id);
    if (c.interface)
      if (auto e = check_interface(*c.interface)) return *e;
    if (c.url)
      if (auto e = check_url(*c.url)) return *e;
    return std::vector<service_event>{
        service_endpoint_updated{c.endpoint_id, c.interface, c.region_id, c.url, c.enabled}};
  }

  decision<service_event> operator()(const service::delete_endpoint& c) const {
    if (!s.exists() || !s.endpoints.count(c.endpoint_id)) return endpoint_not_found(c.endpoint_id);
    return std::vector<service_event>{service_endpoint_deleted{c.endpoint_id}};
  }
};

struct applier {
  service_state& s;

  void require(const char* what) const {
    if (!s.exists()) throw invalid_event(std::string(what) + " on a service that does not exist");
  }
  endpoint& existing(const std::string& id, const char* what) {
    auto it = s.endpoints.find(id);
    if (it == s.endpoints.end())
      throw invalid_event(std::string(what) + " of an endpoint that does not exist");
    return it->second;
  }

  void operator()(const service_created& e) {
    if (s.version > 0) throw invalid_event("service.created on a service that exists");
    s.type = e.type;
    s.name = e.name;
    s.description = e.description;
    s.enabled = e.enabled;
  }
  void operator()(const service_updated& e) {
    require("service.updated");
    if (e.type) s.type = *e.type;
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
    if (e.enabled) s.enabled = *e.enabled;
  }
  void operator()(const service_deleted&) {
    require("service.deleted");
    s.deleted = true;
  }
  void operator()(const service_endpoint_created& e) {
    require("service.endpoint_created");
    s.endpoints[e.endpoint_id] =
        endpoint{e.endpoint_id, e.interface, e.region_id, e.url, e.enabled};
  }
  void operator()(const service_endpoint_updated& e) {
    require("service.endpoint_updated");
    auto& ep = existing(e.endpoint_id, "service.endpoint_updated");
    if (e.interface) ep.interface = *e.interface;
    if (e.region_id) ep.region_id = *e.region_id;
    if (e.url) ep.url = *e.url;
    if (e.enabled) ep.enabled = *e.enabled;
  }
  void operator()(const service_endpoint_deleted& e) {
    require("service.endpoint_deleted");
    existing(e.endpoint_id, "service.endpoint_deleted");
    s.endpoints.erase(e.endpoint_id);
  }
};

}  // namespace

decision<service_event> service_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

service_state service_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const service_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["type"] = s.type;
  j["name"] = s.name;
  j["description"] = s.description;
  j["enabled"] = s.enabled;
  auto endpoints = nlohmann::json::array();
  for (const auto& [id, e] : s.endpoints)
    endpoints.push_back({{"id", id},
                         {"interface", e.interface},
                         {"region_id", e.region_id},
                         {"url", e.url},
                         {"enabled", e.enabled}});
  j["endpoints"] = std::move(endpoints);
}

}  // namespace cumulo
