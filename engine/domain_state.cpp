#include "engine/domain_state.hpp"

namespace cumulo {
namespace {

// Keystone limits a domain name to 64 characters.
std::optional<domain_error> check_name(const std::string& name) {
  if (name.empty()) return make_domain_error(errc::bad_request, "Domain name must not be empty.");
  if (name.size() > 64)
    return make_domain_error(errc::bad_request, "Domain name is longer than 64 characters.");
  return std::nullopt;
}

domain_error not_found(const domain_state& s) {
  return make_domain_error(errc::not_found, "Could not find domain: " + s.id + ".");
}

struct decider {
  const domain_state& s;

  decision<domain_event> operator()(const domain::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Domain " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    return std::vector<domain_event>{domain_created{c.name, c.description, c.enabled}};
  }

  decision<domain_event> operator()(const domain::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.name)
      if (auto e = check_name(*c.name)) return *e;
    return std::vector<domain_event>{domain_updated{c.name, c.description, c.enabled}};
  }

  decision<domain_event> operator()(const domain::remove&) const {
    if (!s.exists()) return not_found(s);
    if (s.enabled)
      return make_domain_error(errc::forbidden,
                               "Cannot delete a domain that is enabled, please disable it first.");
    return std::vector<domain_event>{domain_deleted{}};
  }
};

struct applier {
  domain_state& s;

  void operator()(const domain_created& e) {
    if (s.version > 0) throw invalid_event("domain.created on a domain that exists");
    s.name = e.name;
    s.description = e.description;
    s.enabled = e.enabled;
  }
  void operator()(const domain_updated& e) {
    if (!s.exists()) throw invalid_event("domain.updated on a domain that does not exist");
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
    if (e.enabled) s.enabled = *e.enabled;
  }
  void operator()(const domain_deleted&) {
    if (!s.exists()) throw invalid_event("domain.deleted on a domain that does not exist");
    s.deleted = true;
  }
};

}  // namespace

decision<domain_event> domain_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

domain_state domain_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const domain_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["description"] = s.description;
  j["enabled"] = s.enabled;
}

}  // namespace cumulo
