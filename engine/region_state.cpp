#include "engine/region_state.hpp"

namespace cumulo {
namespace {

domain_error not_found(const region_state& s) {
  return make_domain_error(errc::not_found, "Could not find region: " + s.id + ".");
}

std::optional<domain_error> check_parent(const region_state& s, const std::string& parent) {
  if (parent == s.id)
    return make_domain_error(errc::bad_request, "The specified parent region " + parent +
                                                    " would create a circular region hierarchy.");
  return std::nullopt;
}

struct decider {
  const region_state& s;

  decision<region_event> operator()(const region::create& c) const {
    if (s.version > 0)
      return make_domain_error(
          errc::conflict,
          "Conflict occurred attempting to store region - Duplicate ID, " + s.id + ".");
    if (auto e = check_parent(s, c.parent_region_id)) return *e;
    return std::vector<region_event>{region_created{c.description, c.parent_region_id}};
  }

  decision<region_event> operator()(const region::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.parent_region_id)
      if (auto e = check_parent(s, *c.parent_region_id)) return *e;
    return std::vector<region_event>{region_updated{c.description, c.parent_region_id}};
  }

  decision<region_event> operator()(const region::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<region_event>{region_deleted{}};
  }
};

struct applier {
  region_state& s;

  void operator()(const region_created& e) {
    if (s.version > 0) throw invalid_event("region.created on a region that exists");
    s.description = e.description;
    s.parent_region_id = e.parent_region_id;
  }
  void operator()(const region_updated& e) {
    if (!s.exists()) throw invalid_event("region.updated on a region that does not exist");
    if (e.description) s.description = *e.description;
    if (e.parent_region_id) s.parent_region_id = *e.parent_region_id;
  }
  void operator()(const region_deleted&) {
    if (!s.exists()) throw invalid_event("region.deleted on a region that does not exist");
    s.deleted = true;
  }
};

}  // namespace

decision<region_event> region_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

region_state region_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const region_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["description"] = s.description;
  j["parent_region_id"] =
      s.parent_region_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.parent_region_id);
}

}  // namespace cumulo
