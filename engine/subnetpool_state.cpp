#include "engine/subnetpool_state.hpp"

#include <utility>

#include "engine/ipam.hpp"

namespace cumulo {
namespace {

domain_error not_found(const subnetpool_state& s) {
  return make_neutron_error(errc::not_found, "SubnetPoolNotFound",
                            "Subnet pool " + s.id + " could not be found.");
}

domain_error invalid_input(std::string message) {
  return make_neutron_error(errc::bad_request, "InvalidInput", std::move(message));
}

std::optional<domain_error> check_length(const char* field,
                                         const std::optional<std::string>& value) {
  if (!value || value->size() <= 255) return std::nullopt;
  return invalid_input(std::string("Invalid input for ") + field + ". Reason: '" + *value +
                       "' exceeds maximum length of 255.");
}

template <class Number>
std::optional<domain_error> check_non_negative(const char* field,
                                               const std::optional<Number>& value) {
  if (!value || *value >= 0) return std::nullopt;
  return invalid_input(std::string("Invalid input for ") + field + ". Reason: '" +
                       std::to_string(*value) + "' should be non-negative.");
}

domain_error illegal_bounds(const char* type, int length, const char* base_type, int base) {
  return make_neutron_error(errc::bad_request, "IllegalSubnetPoolPrefixBounds",
                            std::string("Illegal prefix bounds: ") + type + "=" +
                                std::to_string(length) + ", " + base_type + "=" +
                                std::to_string(base) + ".");
}

domain_error illegal_prefix_update(const std::string& why) {
  return make_neutron_error(errc::bad_request, "IllegalSubnetPoolPrefixUpdate",
                            "Illegal update to prefixes: " + why + ".");
}

struct bounds {
  int min_prefixlen;
  int max_prefixlen;
  int default_prefixlen;
};

// Neutron's order: the minimum against the maximum, the maximum against
// the family, the default between the two.
std::optional<domain_error> check_bounds(const bounds& b, int ip_version) {
  if (b.min_prefixlen > b.max_prefixlen)
    return illegal_bounds("min_prefixlen", b.min_prefixlen, "max_prefixlen", b.max_prefixlen);
  const int bits = ipam::max_prefix(ip_version);
  if (b.max_prefixlen > bits)
    return illegal_bounds("max_prefixlen", b.max_prefixlen, "ip_version_max", bits);
  if (b.default_prefixlen < b.min_prefixlen)
    return illegal_bounds("default_prefixlen", b.default_prefixlen, "min_prefixlen",
                          b.min_prefixlen);
  if (b.default_prefixlen > b.max_prefixlen)
    return illegal_bounds("default_prefixlen", b.default_prefixlen, "max_prefixlen",
                          b.max_prefixlen);
  return std::nullopt;
}

std::optional<domain_error> check_numbers(const std::optional<int>& min_prefixlen,
                                          const std::optional<int>& max_prefixlen,
                                          const std::optional<int>& default_prefixlen,
                                          const std::optional<std::int64_t>& default_quota) {
  if (auto e = check_non_negative("min_prefixlen", min_prefixlen)) return e;
  if (auto e = check_non_negative("max_prefixlen", max_prefixlen)) return e;
  if (auto e = check_non_negative("default_prefixlen", default_prefixlen)) return e;
  return check_non_negative("default_quota", default_quota);
}

struct decider {
  const subnetpool_state& s;
  using result = decision<subnetpool_event>;

  result operator()(const subnetpool::create& c) const {
    if (s.version > 0)
      return make_neutron_error(errc::conflict, "Conflict",
                                "Subnet pool " + s.id + " already exists.");
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    if (auto e =
            check_numbers(c.min_prefixlen, c.max_prefixlen, c.default_prefixlen, c.default_quota))
      return *e;
    auto prefixes = subnet_alloc::parse_prefixes(c.prefixes);
    if (!prefixes) return prefixes.error();
    const int ip_version = prefixes.value().front().network.version;
    bounds b{c.min_prefixlen.value_or(ip_version == 6 ? 64 : 8),
             c.max_prefixlen.value_or(ipam::max_prefix(ip_version)), 0};
    b.default_prefixlen = c.default_prefixlen.value_or(b.min_prefixlen);
    if (auto e = check_bounds(b, ip_version)) return *e;
    return std::vector<subnetpool_event>{subnetpool_created{
        c.name, c.project_id, ip_version, subnet_alloc::to_strings(prefixes.value()),
        b.min_prefixlen, b.max_prefixlen, b.default_prefixlen, c.default_quota, c.address_scope_id,
        c.is_default, c.shared, c.description}};
  }

  result operator()(const subnetpool::update& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    if (auto e =
            check_numbers(c.min_prefixlen, c.max_prefixlen, c.default_prefixlen, c.default_quota))
      return *e;
    subnetpool_updated e{
        c.name,          std::nullopt,       c.min_prefixlen, c.max_prefixlen, c.default_prefixlen,
        c.default_quota, c.address_scope_id, c.is_default,    c.description};
    if (c.prefixes) {
      auto grown = grown_prefixes(*c.prefixes);
      if (!grown) return grown.error();
      e.prefixes = grown.value();
    }
    const bounds b{c.min_prefixlen.value_or(s.min_prefixlen),
                   c.max_prefixlen.value_or(s.max_prefixlen),
                   c.default_prefixlen.value_or(s.default_prefixlen)};
    if (auto err = check_bounds(b, s.ip_version)) return *err;
    return std::vector<subnetpool_event>{e};
  }

  result operator()(const subnetpool::add_prefixes& c) const {
    if (!s.exists()) return not_found(s);
    if (c.prefixes.empty()) return std::vector<subnetpool_event>{};
    auto added = subnet_alloc::parse_prefixes(c.prefixes);
    if (!added) return added.error();
    std::vector<std::string> all = s.prefixes;
    for (const auto& p : subnet_alloc::to_strings(added.value())) all.push_back(p);
    auto grown = grown_prefixes(all);
    if (!grown) return grown.error();
    subnetpool_updated e;
    e.prefixes = grown.value();
    return std::vector<subnetpool_event>{e};
  }

  result operator()(const subnetpool::remove_prefixes& c) const {
    if (!s.exists()) return not_found(s);
    if (c.prefixes.empty()) return std::vector<subnetpool_event>{};
    auto removed = subnet_alloc::parse_prefixes(c.prefixes);
    if (!removed) return removed.error();
    const auto mine = subnet_alloc::read_prefixes(s.prefixes);
    if (!subnet_alloc::intersects(mine, removed.value())) return std::vector<subnetpool_event>{};
    if (subnet_alloc::intersects(subnet_alloc::read_prefixes(c.in_use), removed.value()))
      return illegal_prefix_update("One or more the prefixes to be removed is in use by a subnet");
    subnetpool_updated e;
    e.prefixes = subnet_alloc::to_strings(subnet_alloc::difference(mine, removed.value()));
    return std::vector<subnetpool_event>{e};
  }

  result operator()(const subnetpool::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<subnetpool_event>{subnetpool_deleted{}};
  }

  // The pool's prefixes after an update to `texts`: they must cover the
  // present ones (and be of the pool's family).
  outcome<std::vector<std::string>> grown_prefixes(const std::vector<std::string>& texts) const {
    auto parsed = subnet_alloc::parse_prefixes(texts);
    if (!parsed) return parsed.error();
    if (!subnet_alloc::covers(parsed.value(), subnet_alloc::read_prefixes(s.prefixes)))
      return illegal_prefix_update("Existing prefixes must be a subset of the new prefixes");
    if (parsed.value().front().network.version != s.ip_version)
      return make_neutron_error(errc::bad_request, "PrefixVersionMismatch",
                                "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
    return subnet_alloc::to_strings(parsed.value());
  }
};

// decide() and the door parse a pool's prefixes back: text they cannot
// read, or of another family, must not get in.
void check_prefixes(const char* type, const std::vector<std::string>& prefixes, int ip_version) {
  for (const auto& p : prefixes) {
    auto c = ipam::parse_cidr(p);
    if (!c || c->network.version != ip_version)
      throw invalid_event(std::string(type) + " with bad prefix " + p);
  }
}

struct applier {
  subnetpool_state& s;

  void require(const char* type) const {
    if (!s.exists())
      throw invalid_event(std::string(type) + " on a subnet pool that does not exist");
  }

  void operator()(const subnetpool_created& e) {
    if (s.version > 0) throw invalid_event("subnetpool.created on a pool that exists");
    if (e.ip_version != 4 && e.ip_version != 6)
      throw invalid_event("subnetpool.created with ip_version " + std::to_string(e.ip_version));
    check_prefixes(e.type_name, e.prefixes, e.ip_version);
    s.name = e.name;
    s.project_id = e.project_id;
    s.ip_version = e.ip_version;
    s.prefixes = e.prefixes;
    s.min_prefixlen = e.min_prefixlen;
    s.max_prefixlen = e.max_prefixlen;
    s.default_prefixlen = e.default_prefixlen;
    s.default_quota = e.default_quota;
    s.address_scope_id = e.address_scope_id;
    s.is_default = e.is_default;
    s.shared = e.shared;
    s.description = e.description;
  }
  void operator()(const subnetpool_updated& e) {
    require(e.type_name);
    if (e.prefixes) {
      check_prefixes(e.type_name, *e.prefixes, s.ip_version);
      s.prefixes = *e.prefixes;
    }
    if (e.name) s.name = *e.name;
    if (e.min_prefixlen) s.min_prefixlen = *e.min_prefixlen;
    if (e.max_prefixlen) s.max_prefixlen = *e.max_prefixlen;
    if (e.default_prefixlen) s.default_prefixlen = *e.default_prefixlen;
    if (e.default_quota) s.default_quota = *e.default_quota;
    if (e.address_scope_id) s.address_scope_id = *e.address_scope_id;
    if (e.is_default) s.is_default = *e.is_default;
    if (e.description) s.description = *e.description;
  }
  void operator()(const subnetpool_deleted& e) {
    require(e.type_name);
    s.deleted = true;
  }
};

}  // namespace

decision<subnetpool_event> subnetpool_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

subnetpool_state subnetpool_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

subnet_alloc::pool allocation_pool(const subnetpool_state& s) {
  return subnet_alloc::pool{s.ip_version,        subnet_alloc::read_prefixes(s.prefixes),
                            s.min_prefixlen,     s.max_prefixlen,
                            s.default_prefixlen, s.default_quota};
}

void to_json(nlohmann::json& j, const subnetpool_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["project_id"] = s.project_id;
  j["ip_version"] = s.ip_version;
  j["prefixes"] = s.prefixes;
  j["min_prefixlen"] = s.min_prefixlen;
  j["max_prefixlen"] = s.max_prefixlen;
  j["default_prefixlen"] = s.default_prefixlen;
  j["default_quota"] = s.default_quota ? nlohmann::json(*s.default_quota) : nlohmann::json(nullptr);
  j["address_scope_id"] =
      s.address_scope_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.address_scope_id);
  j["is_default"] = s.is_default;
  j["shared"] = s.shared;
  j["description"] = s.description;
}

}  // namespace cumulo
