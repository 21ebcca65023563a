#include "engine/server_group_state.hpp"

#include <algorithm>

namespace cumulo {
namespace {

using events = std::vector<server_group_event>;

domain_error group_not_found(const server_group_state& s) {
  return make_domain_error(errc::not_found, "Instance group " + s.id + " could not be found.");
}

bool has_member(const server_group_state& s, const std::string& id) {
  return std::find(s.members.begin(), s.members.end(), id) != s.members.end();
}

struct decider {
  const server_group_state& s;

  decision<server_group_event> operator()(const server_group::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Instance group " + s.id + " already exists.");
    if (c.name.empty() || c.name.size() > 255)
      return make_domain_error(errc::bad_request,
                               "Invalid input for field/attribute name. A name is 1 to 255 "
                               "characters long");
    if (!known_server_group_policy(c.policy))
      return make_domain_error(errc::bad_request,
                               "Invalid input for field/attribute policy. Value: " + c.policy +
                                   ". '" + c.policy +
                                   "' is not one of ['anti-affinity', 'affinity', "
                                   "'soft-anti-affinity', 'soft-affinity']");
    if (c.max_server_per_host < 0)
      return make_domain_error(errc::bad_request,
                               "Invalid input for field/attribute max_server_per_host. Value: " +
                                   std::to_string(c.max_server_per_host) +
                                   ". It is less than the minimum of 1");
    // Nova: the rule belongs to anti-affinity only.
    if (c.max_server_per_host > 0 && c.policy != "anti-affinity")
      return make_domain_error(errc::bad_request,
                               "Only anti-affinity policy supports the max_server_per_host rule");
    return events{
        server_group_created{c.name, c.project_id, c.user_id, c.policy, c.max_server_per_host}};
  }
  decision<server_group_event> operator()(const server_group::add_member& c) const {
    if (!s.exists()) return group_not_found(s);
    if (has_member(s, c.instance_id)) return events{};
    if (c.max_members >= 0 && static_cast<std::int64_t>(s.members.size()) + 1 > c.max_members)
      return make_domain_error(errc::forbidden, "Quota exceeded, too many servers in group");
    return events{server_group_member_added{c.instance_id}};
  }
  decision<server_group_event> operator()(const server_group::remove_member& c) const {
    if (!s.exists() || !has_member(s, c.instance_id)) return events{};
    return events{server_group_member_removed{c.instance_id}};
  }
  decision<server_group_event> operator()(const server_group::remove&) const {
    if (!s.exists()) return group_not_found(s);
    return events{server_group_deleted{}};
  }
};

struct applier {
  server_group_state& s;

  void live(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a group that does not exist");
  }
  void operator()(const server_group_created& e) {
    if (s.version > 0) throw invalid_event("server_group.created on a group that exists");
    s.name = e.name;
    s.project_id = e.project_id;
    s.user_id = e.user_id;
    s.policy = e.policy;
    s.max_server_per_host = e.max_server_per_host;
  }
  void operator()(const server_group_member_added& e) {
    live(e.type_name);
    if (has_member(s, e.instance_id)) throw invalid_event("server_group.member_added twice");
    s.members.push_back(e.instance_id);
  }
  void operator()(const server_group_member_removed& e) {
    live(e.type_name);
    auto it = std::find(s.members.begin(), s.members.end(), e.instance_id);
    if (it == s.members.end()) throw invalid_event("server_group.member_removed of no member");
    s.members.erase(it);
  }
  void operator()(const server_group_deleted& e) {
    live(e.type_name);
    s.deleted = true;
  }
};

}  // namespace

bool known_server_group_policy(const std::string& policy) {
  return policy == "affinity" || policy == "anti-affinity" || policy == "soft-affinity" ||
         policy == "soft-anti-affinity";
}

std::int64_t members_per_host(const server_group_state& s) {
  return s.max_server_per_host > 0 ? s.max_server_per_host : 1;
}

void to_json(nlohmann::json& j, const server_group_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["project_id"] = s.project_id;
  j["user_id"] = s.user_id;
  j["policy"] = s.policy;
  j["max_server_per_host"] = s.max_server_per_host;
  j["members"] = s.members;
}

decision<server_group_event> server_group_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

server_group_state server_group_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

}  // namespace cumulo
