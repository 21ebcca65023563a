// A security group (Neutron) with its rules: its events, commands and the
// pure state machine. Rule ids come in the commands so that decide stays pure.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"
#include "engine/tagging.hpp"

namespace cumulo {

// --- events (schema in schemas/events/security_group.json) ---
struct security_group_created {
  static constexpr const char* type_name = "security_group.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string description;
  std::string project_id;
  bool is_default = false;  // the project's "default" group
  MSGPACK_DEFINE_MAP(name, description, project_id, is_default)
};

struct security_group_updated {
  static constexpr const char* type_name = "security_group.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, description)
};

// Values are canonical: direction "ingress"|"egress", ethertype
// "IPv4"|"IPv6", protocol "" (any), a lower-case name or a number "0".."255",
// remote_ip_prefix "" or a CIDR with its host bits cleared, remote_group_id "".
struct security_group_rule_added {
  static constexpr const char* type_name = "security_group.rule_added";
  static constexpr int schema_version = 1;
  std::string rule_id;
  std::string direction;
  std::string ethertype;
  std::string protocol;
  std::optional<int> port_range_min;
  std::optional<int> port_range_max;
  std::string remote_ip_prefix;
  std::string remote_group_id;
  std::string description;
  std::string project_id;
  MSGPACK_DEFINE_MAP(rule_id, direction, ethertype, protocol, port_range_min, port_range_max,
                     remote_ip_prefix, remote_group_id, description, project_id)
};

struct security_group_rule_removed {
  static constexpr const char* type_name = "security_group.rule_removed";
  static constexpr int schema_version = 1;
  std::string rule_id;
  MSGPACK_DEFINE_MAP(rule_id)
};

struct security_group_deleted {
  static constexpr const char* type_name = "security_group.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// The group's tags after a change (standard-attr-tag), sorted.
struct security_group_tags_set {
  static constexpr const char* type_name = "security_group.tags_set";
  static constexpr int schema_version = 1;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(tags)
};

using security_group_event =
    std::variant<security_group_created, security_group_updated, security_group_rule_added,
                 security_group_rule_removed, security_group_deleted, security_group_tags_set>;

// --- state ---
namespace security_group {
struct rule {
  std::string id;
  std::string direction;
  std::string ethertype;
  std::string protocol;  // "" = any
  std::optional<int> port_range_min;
  std::optional<int> port_range_max;
  std::string remote_ip_prefix;  // "" = none
  std::string remote_group_id;   // "" = none
  std::string description;
  std::string project_id;
};
// Neutron's view of a rule of group `security_group_id` ("" and unset
// values are null).
nlohmann::json rule_json(const rule& r, const std::string& security_group_id);
}  // namespace security_group

struct security_group_state : resource_meta {
  std::string name;
  std::string description;
  std::string project_id;
  bool is_default = false;
  std::vector<security_group::rule> rules;  // in the order they were added
  std::vector<std::string> tags;            // sorted

  const security_group::rule* find_rule(const std::string& rule_id) const;
};

// Neutron's fields plus the meta fields and is_default; security_group_rules
// in their order.
void to_json(nlohmann::json& j, const security_group_state& s);

// --- commands ---
namespace security_group {
// A default group (is_default) gets Neutron's four default rules, with ids
// default_rule_ids[0..3] in this order: egress IPv4 any, egress IPv6 any,
// ingress IPv4 from the group itself, ingress IPv6 from the group itself
// (fewer than 4 ids: 400). Any other group gets, as in Neutron, the two
// egress rules when at least 2 ids are given, and no rule when none is.
struct create {
  std::string name;
  std::string description;
  std::string project_id;
  bool is_default = false;
  std::vector<std::string> default_rule_ids;
  std::vector<std::string> tags;  // recorded after the group and its rules
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
};
// The caller gives the protocol as the user did: case does not matter for
// names, "" or "any" means any. ethertype is case-insensitive too. A bare
// address as remote_ip_prefix is a /32 (/128).
struct add_rule {
  std::string rule_id;  // chosen by the caller (a new uuid)
  std::string direction;
  std::string ethertype = "IPv4";
  std::string protocol;
  std::optional<int> port_range_min;
  std::optional<int> port_range_max;
  std::string remote_ip_prefix;
  std::string remote_group_id;
  std::string description;
  std::string project_id;
};
struct remove_rule {
  std::string rule_id;
};
// force: also a default group (when its project is deleted).
struct remove {
  bool force = false;
};
struct set_tags {
  tagging::change change;
};
using command = std::variant<create, update, add_rule, remove_rule, remove, set_tags>;
}  // namespace security_group

struct security_group_machine {
  static constexpr const char* kind = "security_group";
  using state = security_group_state;
  using event = security_group_event;
  using command = security_group::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
