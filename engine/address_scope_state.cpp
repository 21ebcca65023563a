#include "engine/address_scope_state.hpp"

namespace cumulo {
namespace {

domain_error not_found(const address_scope_state& s) {
  return make_neutron_error(errc::not_found, "AddressScopeNotFound",
                            "Address scope " + s.id + " could not be found.");
}

domain_error invalid_input(std::string message) {
  return make_neutron_error(errc::bad_request, "InvalidInput", std::move(message));
}

std::optional<domain_error> check_name(const std::optional<std::string>& name) {
  if (!name || name->size() <= 255) return std::nullopt;
  return invalid_input("Invalid input for name. Reason: '" + *name +
                       "' exceeds maximum length of 255.");
}

struct decider {
  const address_scope_state& s;

  decision<address_scope_event> operator()(const address_scope::create& c) const {
    if (s.version > 0)
      return make_neutron_error(errc::conflict, "Conflict",
                                "Address scope " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    if (c.ip_version != 4 && c.ip_version != 6)
      return invalid_input("Invalid input for ip_version. Reason: '" +
                           std::to_string(c.ip_version) + "' is not in [4, 6].");
    return std::vector<address_scope_event>{
        address_scope_created{c.name, c.project_id, c.ip_version, c.shared}};
  }

  decision<address_scope_event> operator()(const address_scope::update& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_name(c.name)) return *e;
    if (s.shared && c.shared && !*c.shared)
      return make_neutron_error(
          errc::bad_request, "AddressScopeUpdateError",
          "Unable to update address scope " + s.id + " : Shared address scope can't be unshared.");
    return std::vector<address_scope_event>{address_scope_updated{c.name, c.shared}};
  }

  decision<address_scope_event> operator()(const address_scope::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<address_scope_event>{address_scope_deleted{}};
  }
};

struct applier {
  address_scope_state& s;

  void require(const char* type) const {
    if (!s.exists())
      throw invalid_event(std::string(type) + " on an address scope that does not exist");
  }

  void operator()(const address_scope_created& e) {
    if (s.version > 0) throw invalid_event("address_scope.created on a scope that exists");
    if (e.ip_version != 4 && e.ip_version != 6)
      throw invalid_event("address_scope.created with ip_version " + std::to_string(e.ip_version));
    s.name = e.name;
    s.project_id = e.project_id;
    s.ip_version = e.ip_version;
    s.shared = e.shared;
  }
  void operator()(const address_scope_updated& e) {
    require(e.type_name);
    if (e.name) s.name = *e.name;
    if (e.shared) s.shared = *e.shared;
  }
  void operator()(const address_scope_deleted& e) {
    require(e.type_name);
    s.deleted = true;
  }
};

}  // namespace

decision<address_scope_event> address_scope_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

address_scope_state address_scope_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const address_scope_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["project_id"] = s.project_id;
  j["ip_version"] = s.ip_version;
  j["shared"] = s.shared;
}

}  // namespace cumulo
