#include "engine/quota_state.hpp"

namespace cumulo {
namespace {

struct decider {
  const quota_state& s;

  decision<quota_event> operator()(const quota::update& c) const {
    if (c.limits.empty())
      return make_neutron_error(errc::bad_request, "InvalidInput",
                                "Invalid input for operation: no quota to update.");
    quota_set check = s.limits;
    for (const auto& [resource, limit] : c.limits)
      if (auto e = check.set_limit(resource, limit)) return *e;
    return std::vector<quota_event>{quota_updated{c.limits}};
  }

  decision<quota_event> operator()(const quota::reset&) const {
    if (!s.exists()) return std::vector<quota_event>{};  // already the defaults
    return std::vector<quota_event>{quota_reset{}};
  }
};

struct applier {
  quota_state& s;

  void operator()(const quota_updated& e) {
    for (const auto& [resource, limit] : e.limits)
      if (s.limits.set_limit(resource, limit))
        throw invalid_event("quota.updated with an unknown resource or limit: " + resource);
  }
  void operator()(const quota_reset&) {
    if (!s.exists()) throw invalid_event("quota.reset on quotas that were never set");
    // The stream lives on (a reset is not a delete): the next update
    // appends to it.
    s.limits = quota_set{};
  }
};

}  // namespace

decision<quota_event> quota_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

quota_state quota_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const quota_state& s) {
  nlohmann::json limits = s.limits;
  j = limits["quota"];
  meta_to_json(j, s);
}

}  // namespace cumulo
