#include "engine/security_group_state.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "engine/ipam.hpp"

namespace cumulo {
namespace {

using security_group::rule;

domain_error not_found(const security_group_state& s) {
  return make_neutron_error(errc::not_found, "SecurityGroupNotFound",
                            "Security group " + s.id + " does not exist");
}
domain_error rule_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "SecurityGroupRuleNotFound",
                            "Security group rule " + id + " does not exist");
}
domain_error invalid_input(std::string message) {
  return make_neutron_error(errc::bad_request, "InvalidInput", std::move(message));
}

std::string lower(std::string text) {
  for (auto& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

// Neutron limits names and descriptions to 255 characters.
std::optional<domain_error> check_length(const char* field, const std::string& value) {
  if (value.size() <= 255) return std::nullopt;
  return invalid_input(std::string("Invalid input for ") + field + ". Reason: '" + value +
                       "' exceeds maximum length of 255.");
}
std::optional<domain_error> check_length(const char* field,
                                         const std::optional<std::string>& value) {
  return value ? check_length(field, *value) : std::nullopt;
}

// neutron_lib's IP_PROTOCOL_MAP, in its order (names Neutron accepts).
const std::vector<std::pair<std::string, int>>& protocol_names() {
  static const std::vector<std::pair<std::string, int>> names{
      {"ah", 51},         {"dccp", 33},       {"egp", 8},         {"esp", 50},
      {"gre", 47},        {"hopopt", 0},      {"icmp", 1},        {"igmp", 2},
      {"ipip", 4},        {"ipv6-encap", 41}, {"ipv6-frag", 44},  {"ipv6-icmp", 58},
      {"ipv6-nonxt", 59}, {"ipv6-opts", 60},  {"ipv6-route", 43}, {"ospf", 89},
      {"pgm", 113},       {"rsvp", 46},       {"sctp", 132},      {"tcp", 6},
      {"udp", 17},        {"udplite", 136},   {"vrrp", 112}};
  return names;
}

// The protocol's number; -1 for any. Assumes a canonical protocol.
int protocol_number(const std::string& protocol) {
  if (protocol.empty()) return -1;
  for (const auto& [name, number] : protocol_names())
    if (name == protocol) return number;
  return std::stoi(protocol);
}

// "TCP" -> "tcp", "006" -> "6", "any" -> "", "icmpv6" -> "ipv6-icmp"; nullopt
// for anything else.
std::optional<std::string> canonical_protocol(const std::string& text) {
  std::string p = lower(text);
  if (p.empty() || p == "any") return std::string();
  if (p == "icmpv6") return std::string("ipv6-icmp");  // Neutron's alias
  for (const auto& [name, number] : protocol_names())
    if (name == p) return p;
  if (p.size() > 3 || !std::all_of(p.begin(), p.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch)) != 0;
      }))
    return std::nullopt;
  const int number = std::stoi(p);
  if (number > 255) return std::nullopt;
  return std::to_string(number);
}

domain_error invalid_protocol(const std::string& protocol) {
  std::string values = "[None";
  for (const auto& [name, number] : protocol_names()) values += ", '" + name + "'";
  values += "]";
  return make_neutron_error(errc::bad_request, "SecurityGroupRuleInvalidProtocol",
                            "Security group rule protocol " + protocol +
                                " not supported. Only protocol values " + values +
                                " and integer representations [0 to 255] are supported.");
}

// Neutron's _validate_port_range, for a canonical protocol.
std::optional<domain_error> check_ports(const std::string& protocol, const std::optional<int>& min,
                                        const std::optional<int>& max) {
  for (const auto& port : {min, max})
    if (port && (*port < 0 || *port > 65535))
      return make_neutron_error(errc::bad_request, "SecurityGroupInvalidPortValue",
                                "Invalid value for port " + std::to_string(*port) + ".");
  if (!min && !max) return std::nullopt;
  if (protocol.empty())
    return make_neutron_error(errc::bad_request, "SecurityGroupProtocolRequiredWithPorts",
                              "Must also specify protocol if port range is given.");
  const int number = protocol_number(protocol);
  // SG_PORT_PROTO_NUMS: tcp, udp, dccp, sctp, udplite.
  if (number == 6 || number == 17 || number == 33 || number == 132 || number == 136) {
    if ((min && *min == 0) || (max && *max == 0))
      return make_neutron_error(errc::bad_request, "SecurityGroupInvalidPortValue",
                                "Invalid value for port 0.");
    if (min && max && *min <= *max) return std::nullopt;
    return make_neutron_error(errc::bad_request, "SecurityGroupInvalidPortRange",
                              "For TCP/UDP protocols, port_range_min must be <= port_range_max");
  }
  if (number == 1 || number == 58) {
    auto icmp_value = [](const std::optional<int>& value, const char* field,
                         const char* attr) -> std::optional<domain_error> {
      if (!value || *value <= 255) return std::nullopt;
      return make_neutron_error(errc::bad_request, "SecurityGroupInvalidIcmpValue",
                                std::string("Invalid value for ICMP ") + field + " (" + attr +
                                    ") " + std::to_string(*value) + ". It must be 0 to 255.");
    };
    if (auto e = icmp_value(min, "type", "port_range_min")) return e;
    if (auto e = icmp_value(max, "code", "port_range_max")) return e;
    if (!min && max)
      return make_neutron_error(errc::bad_request, "SecurityGroupMissingIcmpType",
                                "ICMP code (port-range-max) " + std::to_string(*max) +
                                    " is provided but ICMP type (port-range-min) is missing.");
    return std::nullopt;
  }
  return make_neutron_error(errc::bad_request, "SecurityGroupInvalidProtocolForPort",
                            "Invalid protocol (" + std::to_string(number) +
                                ") for port range, only supported for TCP, UDP, DCCP, SCTP, "
                                "UDPLITE protocols.");
}

// Two rules are the same rule when they match the same traffic.
bool same_rule(const rule& a, const rule& b) {
  return a.direction == b.direction && a.ethertype == b.ethertype &&
         protocol_number(a.protocol) == protocol_number(b.protocol) &&
         a.port_range_min == b.port_range_min && a.port_range_max == b.port_range_max &&
         a.remote_ip_prefix == b.remote_ip_prefix && a.remote_group_id == b.remote_group_id;
}

security_group_rule_added rule_event(const rule& r) {
  return security_group_rule_added{r.id,
                                   r.direction,
                                   r.ethertype,
                                   r.protocol,
                                   r.port_range_min,
                                   r.port_range_max,
                                   r.remote_ip_prefix,
                                   r.remote_group_id,
                                   r.description,
                                   r.project_id};
}

// Checks and canonicalises a rule to be added.
outcome<rule> plan_rule(const security_group::add_rule& c) {
  rule r;
  r.id = c.rule_id;
  if (c.rule_id.empty()) return invalid_input("A security group rule needs an id.");
  if (c.direction != "ingress" && c.direction != "egress")
    return invalid_input("Invalid input for direction. Reason: '" + c.direction +
                         "' is not in ['ingress', 'egress'].");
  r.direction = c.direction;
  const std::string ethertype = lower(c.ethertype);
  if (ethertype != "ipv4" && ethertype != "ipv6")
    return invalid_input("Invalid input for ethertype. Reason: '" + c.ethertype +
                         "' is not in ['IPv4', 'IPv6'].");
  r.ethertype = ethertype == "ipv4" ? "IPv4" : "IPv6";
  const int version = r.ethertype == "IPv4" ? 4 : 6;

  auto protocol = canonical_protocol(c.protocol);
  if (!protocol) return invalid_protocol(c.protocol);
  r.protocol = *protocol;
  if (version == 6 && r.protocol == "icmp") r.protocol = "ipv6-icmp";  // as Neutron does
  if (version == 4 && r.protocol == "ipv6-icmp")
    return make_neutron_error(
        errc::bad_request, "SecurityGroupEthertypeConflictWithProtocol",
        "Invalid ethertype " + r.ethertype + " for protocol " + r.protocol + ".");
  if (auto e = check_ports(r.protocol, c.port_range_min, c.port_range_max)) return *e;
  r.port_range_min = c.port_range_min;
  r.port_range_max = c.port_range_max;

  if (!c.remote_ip_prefix.empty() && !c.remote_group_id.empty())
    return make_neutron_error(errc::bad_request, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                              "Only remote_ip_prefix or remote_group_id may be provided.");
  if (!c.remote_ip_prefix.empty()) {
    std::optional<ipam::cidr> net = ipam::parse_cidr(c.remote_ip_prefix);
    if (!net && c.remote_ip_prefix.find('/') == std::string::npos)
      if (auto a = ipam::parse_address(c.remote_ip_prefix))
        net = ipam::cidr{*a, ipam::max_prefix(a->version)};
    if (!net)
      return make_neutron_error(errc::bad_request, "InvalidCIDR",
                                "Invalid CIDR " + c.remote_ip_prefix + " given as IP prefix.");
    if (net->network.version != version)
      return make_neutron_error(
          errc::bad_request, "SecurityGroupRuleParameterConflict",
          "Conflicting value ethertype " + r.ethertype + " for CIDR " + c.remote_ip_prefix);
    r.remote_ip_prefix = ipam::to_string(*net);
  }
  r.remote_group_id = c.remote_group_id;
  if (auto e = check_length("description", c.description)) return *e;
  r.description = c.description;
  r.project_id = c.project_id;
  return r;
}

struct decider {
  const security_group_state& s;

  decision<security_group_event> operator()(const security_group::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Security group " + s.id + " already exists.");
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    if (!c.is_default && lower(c.name) == "default")
      return make_neutron_error(errc::conflict, "SecurityGroupDefaultAlreadyExists",
                                "Default security group already exists.");
    if (c.is_default && c.default_rule_ids.size() < 4)
      return invalid_input("A default security group needs 4 rule ids, " +
                           std::to_string(c.default_rule_ids.size()) + " given.");
    auto tags = tagging::initial(c.tags, "security_groups");
    if (!tags) return tags.error();
    std::vector<security_group_event> events{
        security_group_created{c.name, c.description, c.project_id, c.is_default}};
    const std::size_t count = c.is_default ? 4 : c.default_rule_ids.size() >= 2 ? 2 : 0;
    for (std::size_t i = 0; i < count; ++i) {
      rule r;
      r.id = c.default_rule_ids[i];
      r.direction = i < 2 ? "egress" : "ingress";
      r.ethertype = i % 2 == 0 ? "IPv4" : "IPv6";
      if (i >= 2) r.remote_group_id = s.id;
      r.project_id = c.project_id;
      events.push_back(rule_event(r));
    }
    if (!tags.value().empty()) events.push_back(security_group_tags_set{tags.value()});
    return events;
  }

  decision<security_group_event> operator()(const security_group::update& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    if (c.name && *c.name != s.name) {
      if (s.is_default)
        return make_neutron_error(errc::conflict, "SecurityGroupCannotUpdateDefault",
                                  "Updating default security group not allowed.");
      if (lower(*c.name) == "default")
        return make_neutron_error(errc::conflict, "SecurityGroupDefaultAlreadyExists",
                                  "Default security group already exists.");
    }
    return std::vector<security_group_event>{security_group_updated{c.name, c.description}};
  }

  decision<security_group_event> operator()(const security_group::add_rule& c) const {
    if (!s.exists()) return not_found(s);
    auto planned = plan_rule(c);
    if (!planned) return planned.error();
    const rule& r = planned.value();
    for (const auto& existing : s.rules)
      if (same_rule(existing, r))
        return make_neutron_error(
            errc::conflict, "SecurityGroupRuleExists",
            "Security group rule already exists. Rule id is " + existing.id + ".");
    if (s.find_rule(r.id))
      return make_domain_error(errc::conflict, "Security group rule " + r.id + " already exists.");
    return std::vector<security_group_event>{rule_event(r)};
  }

  decision<security_group_event> operator()(const security_group::remove_rule& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.find_rule(c.rule_id)) return rule_not_found(c.rule_id);
    return std::vector<security_group_event>{security_group_rule_removed{c.rule_id}};
  }

  decision<security_group_event> operator()(const security_group::remove& c) const {
    if (!s.exists()) return not_found(s);
    if (s.is_default && !c.force)
      return make_neutron_error(errc::conflict, "SecurityGroupCannotRemoveDefault",
                                "Insufficient rights for removing default security group.");
    return std::vector<security_group_event>{security_group_deleted{}};
  }

  decision<security_group_event> operator()(const security_group::set_tags& c) const {
    if (!s.exists()) return not_found(s);
    auto tags = tagging::after(s.tags, c.change, "security_groups");
    if (!tags) return tags.error();
    if (tags.value() == s.tags) return std::vector<security_group_event>{};
    return std::vector<security_group_event>{security_group_tags_set{tags.value()}};
  }
};

struct applier {
  security_group_state& s;

  void operator()(const security_group_created& e) {
    if (s.version > 0) throw invalid_event("security_group.created on a group that exists");
    s.name = e.name;
    s.description = e.description;
    s.project_id = e.project_id;
    s.is_default = e.is_default;
  }
  void operator()(const security_group_updated& e) {
    if (!s.exists()) throw invalid_event("security_group.updated on a group that does not exist");
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
  }
  void operator()(const security_group_rule_added& e) {
    if (!s.exists())
      throw invalid_event("security_group.rule_added on a group that does not exist");
    if (s.find_rule(e.rule_id))
      throw invalid_event("security_group.rule_added: rule " + e.rule_id + " exists");
    s.rules.push_back(rule{e.rule_id, e.direction, e.ethertype, e.protocol, e.port_range_min,
                           e.port_range_max, e.remote_ip_prefix, e.remote_group_id, e.description,
                           e.project_id});
  }
  void operator()(const security_group_rule_removed& e) {
    if (!s.exists())
      throw invalid_event("security_group.rule_removed on a group that does not exist");
    auto it = std::find_if(s.rules.begin(), s.rules.end(),
                           [&](const rule& r) { return r.id == e.rule_id; });
    if (it == s.rules.end())
      throw invalid_event("security_group.rule_removed: no rule " + e.rule_id);
    s.rules.erase(it);
  }
  void operator()(const security_group_deleted&) {
    if (!s.exists()) throw invalid_event("security_group.deleted on a group that does not exist");
    s.deleted = true;
  }
  void operator()(const security_group_tags_set& e) {
    if (!s.exists()) throw invalid_event("security_group.tags_set on a group that does not exist");
    s.tags = e.tags;
  }
};

nlohmann::json null_if_empty(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}
nlohmann::json null_if_unset(const std::optional<int>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

const security_group::rule* security_group_state::find_rule(const std::string& rule_id) const {
  for (const auto& r : rules)
    if (r.id == rule_id) return &r;
  return nullptr;
}

decision<security_group_event> security_group_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

security_group_state security_group_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

namespace security_group {

nlohmann::json rule_json(const rule& r, const std::string& security_group_id) {
  nlohmann::json j = nlohmann::json::object();
  j["id"] = r.id;
  j["security_group_id"] = security_group_id;
  j["direction"] = r.direction;
  j["ethertype"] = r.ethertype;
  j["protocol"] = null_if_empty(r.protocol);
  j["port_range_min"] = null_if_unset(r.port_range_min);
  j["port_range_max"] = null_if_unset(r.port_range_max);
  j["remote_ip_prefix"] = null_if_empty(r.remote_ip_prefix);
  j["remote_group_id"] = null_if_empty(r.remote_group_id);
  j["description"] = r.description;
  j["project_id"] = r.project_id;
  j["tenant_id"] = r.project_id;
  return j;
}

}  // namespace security_group

void to_json(nlohmann::json& j, const security_group_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["description"] = s.description;
  j["project_id"] = s.project_id;
  j["tenant_id"] = s.project_id;
  j["is_default"] = s.is_default;
  j["security_group_rules"] = nlohmann::json::array();
  for (const auto& r : s.rules)
    j["security_group_rules"].push_back(security_group::rule_json(r, s.id));
  j["tags"] = s.tags;
}

}  // namespace cumulo
