#include "engine/volume_type_state.hpp"

#include <algorithm>
#include <cctype>

namespace cumulo {
namespace {

using events = std::vector<volume_type_event>;

domain_error type_not_found(const volume_type_state& s) {
  return make_domain_error(errc::not_found, "Volume type " + s.id + " could not be found.");
}

bool blank(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isspace(c); });
}

domain_error empty_name() {
  return make_domain_error(errc::bad_request, "Volume type name can not be empty.");
}

// Cinder keeps the cache of a volume off for multiattach volumes: a type
// may not ask for both.
bool cacheable_with_multiattach(const std::map<std::string, std::string>& specs) {
  auto is_true = [&](const char* key) {
    auto it = specs.find(key);
    return it != specs.end() && it->second == "<is> True";
  };
  return is_true("multiattach") && is_true("cacheable");
}

struct decider {
  const volume_type_state& s;

  decision<volume_type_event> operator()(const volume_type::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Volume Type " + s.id + " already exists.");
    if (blank(c.name)) return empty_name();
    if (cacheable_with_multiattach(c.extra_specs))
      return make_domain_error(errc::bad_request, "cacheable cannot be set with multiattach.");
    return events{volume_type_created{c.name, c.description, c.is_public, c.extra_specs}};
  }
  decision<volume_type_event> operator()(const volume_type::update& c) const {
    if (!s.exists()) return type_not_found(s);
    if (!c.name && !c.description && !c.is_public)
      return make_domain_error(errc::bad_request,
                               "Specify volume type name, description, is_public or a "
                               "combination thereof.");
    if (c.name && blank(*c.name)) return empty_name();
    return events{volume_type_updated{c.name, c.description, c.is_public}};
  }
  decision<volume_type_event> operator()(const volume_type::set_extra_specs& c) const {
    if (!s.exists()) return type_not_found(s);
    auto after = s.extra_specs;
    for (const auto& [k, v] : c.extra_specs) after[k] = v;
    if (cacheable_with_multiattach(after))
      return make_domain_error(errc::bad_request, "cacheable cannot be set with multiattach.");
    if (c.extra_specs.empty()) return events{};
    return events{volume_type_extra_specs_set{c.extra_specs}};
  }
  decision<volume_type_event> operator()(const volume_type::unset_extra_spec& c) const {
    if (!s.exists()) return type_not_found(s);
    if (!s.extra_specs.count(c.key))
      return make_domain_error(
          errc::not_found, "Volume Type " + s.id + " has no extra specs with key " + c.key + ".");
    return events{volume_type_extra_spec_unset{c.key}};
  }
  decision<volume_type_event> operator()(const volume_type::remove&) const {
    if (!s.exists()) return type_not_found(s);
    // A volume created without a type gets the default one: it must stay.
    if (s.name == default_volume_type_name)
      return make_domain_error(errc::bad_request, "The volume type " + s.id +
                                                      " is a default volume type and cannot be "
                                                      "deleted.");
    return events{volume_type_deleted{}};
  }
};

struct applier {
  volume_type_state& s;

  void live(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a type that does not exist");
  }
  void operator()(const volume_type_created& e) {
    if (s.version > 0) throw invalid_event("volume_type.created on a type that exists");
    s.name = e.name;
    s.description = e.description;
    s.is_public = e.is_public;
    s.extra_specs = e.extra_specs;
  }
  void operator()(const volume_type_updated& e) {
    live(e.type_name);
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
    if (e.is_public) s.is_public = *e.is_public;
  }
  void operator()(const volume_type_extra_specs_set& e) {
    live(e.type_name);
    for (const auto& [k, v] : e.extra_specs) s.extra_specs[k] = v;
  }
  void operator()(const volume_type_extra_spec_unset& e) {
    live(e.type_name);
    if (!s.extra_specs.erase(e.key))
      throw invalid_event("volume_type.extra_spec_unset of " + e.key + ", not a spec");
  }
  void operator()(const volume_type_deleted& e) {
    live(e.type_name);
    s.deleted = true;
  }
};

}  // namespace

bool multiattach_type(const volume_type_state& s) {
  auto it = s.extra_specs.find("multiattach");
  return it != s.extra_specs.end() && it->second == "<is> True";
}

void to_json(nlohmann::json& j, const volume_type_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["description"] = s.description;
  j["is_public"] = s.is_public;
  j["extra_specs"] = s.extra_specs;
}

decision<volume_type_event> volume_type_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

volume_type_state volume_type_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

}  // namespace cumulo
