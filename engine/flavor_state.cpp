#include "engine/flavor_state.hpp"

#include <cctype>

namespace cumulo {
namespace {

domain_error bad_request(std::string message) {
  return make_domain_error(errc::bad_request, std::move(message));
}

bool blank(const std::string& text) {
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

// Nova's limits of a flavor's fields (its JSON Schema and the flavor
// object's checks); the API's schema catches most of these first, the
// machine keeps any other caller honest.
std::optional<domain_error> invalid(const flavor::create& c) {
  if (c.name.empty() || c.name.size() > 255 || blank(c.name))
    return bad_request("Invalid input for field/attribute name. Value: " + c.name +
                       ". The name must be 1 to 255 characters, not only spaces.");
  // Nova's db.MAX_INT bounds every integer of a flavor (vcpus is an int:
  // the API refuses more before it gets here).
  constexpr std::int64_t max_int = 2147483647;
  if (c.vcpus < 1) return bad_request("Invalid input for field/attribute vcpus. Must be >= 1.");
  if (c.ram < 1) return bad_request("Invalid input for field/attribute ram. Must be >= 1.");
  if (c.ram > max_int)
    return bad_request("Invalid input for field/attribute ram. Must be <= 2147483647.");
  if (c.disk < 0) return bad_request("Invalid input for field/attribute disk. Must be >= 0.");
  if (c.disk > max_int)
    return bad_request("Invalid input for field/attribute disk. Must be <= 2147483647.");
  if (c.ephemeral < 0 || c.ephemeral > max_int)
    return bad_request(
        "Invalid input for field/attribute OS-FLV-EXT-DATA:ephemeral. Must be >= 0 and <= "
        "2147483647.");
  if (c.swap < 0 || c.swap > max_int)
    return bad_request(
        "Invalid input for field/attribute swap. Must be >= 0 and <= 2147483647.");
  if (!(c.rxtx_factor > 0))
    return bad_request("Invalid input for field/attribute rxtx_factor. Must be > 0.");
  if (c.description && c.description->size() > 65535)
    return bad_request("Invalid input for field/attribute description. Too long.");
  return std::nullopt;
}

struct decider {
  const flavor_state& s;

  decision<flavor_event> operator()(const flavor::create& c) const {
    // A deleted flavor's id stays taken: its stream holds its history.
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Flavor with ID " + s.id + " already exists.");
    if (auto e = invalid(c)) return *e;
    return std::vector<flavor_event>{flavor_created{c.name, c.vcpus, c.ram, c.disk, c.ephemeral,
                                                    c.swap, c.rxtx_factor, c.is_public,
                                                    c.description}};
  }

  decision<flavor_event> operator()(const flavor::set_extra_specs& c) const {
    if (!s.exists()) return flavor_not_found(s.id);
    if (c.extra_specs.empty()) return std::vector<flavor_event>{};
    for (const auto& [key, value] : c.extra_specs)
      if (key.empty() || key.size() > 255 || value.size() > 255)
        return bad_request(
            "Invalid input for field/attribute extra_specs. Keys and values are "
            "1 to 255 characters.");
    return std::vector<flavor_event>{flavor_extra_specs_set{c.extra_specs}};
  }

  decision<flavor_event> operator()(const flavor::delete_extra_spec& c) const {
    if (!s.exists()) return flavor_not_found(s.id);
    if (!s.extra_specs.count(c.key))
      return make_domain_error(errc::not_found,
                               "Flavor " + s.id + " has no extra specs with key " + c.key + ".");
    return std::vector<flavor_event>{flavor_extra_spec_deleted{c.key}};
  }

  decision<flavor_event> operator()(const flavor::update_description& c) const {
    if (!s.exists()) return flavor_not_found(s.id);
    if (c.description && c.description->size() > 65535)
      return bad_request("Invalid input for field/attribute description. Too long.");
    if (c.description == s.description) return std::vector<flavor_event>{};
    return std::vector<flavor_event>{flavor_description_updated{c.description}};
  }

  decision<flavor_event> operator()(const flavor::remove&) const {
    if (!s.exists()) return flavor_not_found(s.id);
    return std::vector<flavor_event>{flavor_deleted{}};
  }
};

struct applier {
  flavor_state& s;

  void require(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a flavor that does not exist");
  }

  void operator()(const flavor_created& e) {
    if (s.version > 0) throw invalid_event("flavor.created on a flavor that exists");
    s.name = e.name;
    s.vcpus = e.vcpus;
    s.ram = e.ram;
    s.disk = e.disk;
    s.ephemeral = e.ephemeral;
    s.swap = e.swap;
    s.rxtx_factor = e.rxtx_factor;
    s.is_public = e.is_public;
    s.description = e.description;
  }
  void operator()(const flavor_extra_specs_set& e) {
    require("flavor.extra_specs_set");
    for (const auto& [k, v] : e.extra_specs) s.extra_specs[k] = v;
  }
  void operator()(const flavor_extra_spec_deleted& e) {
    require("flavor.extra_spec_deleted");
    if (!s.extra_specs.erase(e.key))
      throw invalid_event("flavor.extra_spec_deleted of a key the flavor has not: " + e.key);
  }
  void operator()(const flavor_description_updated& e) {
    require("flavor.description_updated");
    s.description = e.description;
  }
  void operator()(const flavor_deleted&) {
    require("flavor.deleted");
    s.deleted = true;
  }
};

}  // namespace

domain_error flavor_not_found(const std::string& id) {
  return make_domain_error(errc::not_found, "Flavor " + id + " could not be found.");
}

decision<flavor_event> flavor_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

flavor_state flavor_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const flavor_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["vcpus"] = s.vcpus;
  j["ram"] = s.ram;
  j["disk"] = s.disk;
  j["ephemeral"] = s.ephemeral;
  j["swap"] = s.swap;
  j["rxtx_factor"] = s.rxtx_factor;
  j["is_public"] = s.is_public;
  j["description"] = s.description ? nlohmann::json(*s.description) : nlohmann::json(nullptr);
  j["extra_specs"] = s.extra_specs;
}

}  // namespace cumulo
