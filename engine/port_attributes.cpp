#include "engine/port_attributes.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "engine/ipam.hpp"

namespace cumulo::network {
namespace {

// Neutron answers what its attribute validators refuse with a plain 400.
domain_error bad(std::string message) {
  return make_neutron_error(errc::bad_request, "", std::move(message));
}
domain_error bad_dhcp_option(const std::string& data) {
  return make_neutron_error(errc::bad_request, "ExtraDhcpOptBadData",
                            "Invalid data format for extra-dhcp-opt: " + data);
}

// "10.0.0.5" or "10.0.0.0/24" in canonical text (the address part as
// inet_ntop writes it, host bits kept as given); nullopt when neither.
std::optional<std::string> canonical_pair_address(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    auto a = ipam::parse_address(text);
    return a ? std::optional<std::string>(ipam::to_string(*a)) : std::nullopt;
  }
  auto net = ipam::parse_cidr(text);
  auto a = ipam::parse_address(text.substr(0, slash));
  if (!net || !a) return std::nullopt;
  return ipam::to_string(*a) + "/" + std::to_string(net->prefix);
}

// Options Neutron lets carry an empty value (to send no router, no routes).
bool may_be_blank(const std::string& name) {
  return name == "router" || name == "classless-static-route";
}

std::optional<domain_error> check_dhcp_option(const dhcp_option_request& o) {
  if (o.opt_name.empty()) return bad_dhcp_option("'' Blank strings are not permitted");
  if (o.opt_name.size() > 64)
    return bad_dhcp_option("'" + o.opt_name + "' exceeds maximum length of 64");
  if (o.ip_version != 4 && o.ip_version != 6)
    return bad_dhcp_option("'" + std::to_string(o.ip_version) + "' is not in [4, 6]");
  if (!o.opt_value) return std::nullopt;
  if (o.opt_value->empty() && !may_be_blank(o.opt_name))
    return bad_dhcp_option("'' Blank strings are not permitted");
  if (o.opt_value->size() > 255)
    return bad_dhcp_option("'" + *o.opt_value + "' exceeds maximum length of 255");
  return std::nullopt;
}

// Each name and IP version once per request: which of two would win is no
// answer a client can rely on.
std::optional<domain_error> check_dhcp_options(const std::vector<dhcp_option_request>& requested) {
  std::set<std::pair<std::string, int>> seen;
  for (const auto& o : requested) {
    if (auto e = check_dhcp_option(o)) return e;
    if (!seen.insert({o.opt_name, o.ip_version}).second)
      return bad_dhcp_option("duplicate option '" + o.opt_name + "' for IPv" +
                             std::to_string(o.ip_version));
  }
  return std::nullopt;
}

domain_error pairs_need_port_security() {
  return make_neutron_error(
      errc::conflict, "AddressPairAndPortSecurityRequired",
      "Port Security must be enabled in order to have allowed address pairs on a port.");
}
domain_error groups_need_port_security() {
  return make_neutron_error(errc::bad_request, "PortSecurityAndIPRequiredForSecurityGroups",
                            "Port security must be enabled and port must have an IP address in "
                            "order to use security groups.");
}

}  // namespace

std::optional<std::string> normalise_mac(const std::string& mac) {
  if (mac.size() != 17) return std::nullopt;
  std::string out = mac;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool colon = i % 3 == 2;
    if (colon != (out[i] == ':')) return std::nullopt;
    if (!colon && !std::isxdigit(static_cast<unsigned char>(out[i]))) return std::nullopt;
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  }
  if (out == "00:00:00:00:00:00" || out == "ff:ff:ff:ff:ff:ff") return std::nullopt;
  return out;
}

outcome<std::vector<address_pair>> settle_address_pairs(std::vector<address_pair> pairs,
                                                        const std::string& port_mac) {
  if (pairs.size() > max_address_pairs)
    return make_neutron_error(errc::bad_request, "AllowedAddressPairExhausted",
                              "The number of allowed address pair exceeds the maximum " +
                                  std::to_string(max_address_pairs) + ".");
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& pair : pairs) {
    if (pair.mac_address.empty()) {
      pair.mac_address = port_mac;
    } else if (auto mac = normalise_mac(pair.mac_address)) {
      pair.mac_address = *mac;
    } else {
      return bad("'" + pair.mac_address + "' is not a valid MAC address");
    }
    auto ip = canonical_pair_address(pair.ip_address);
    if (!ip)
      return bad("'" + pair.ip_address + "' is not a valid IP " +
                 (pair.ip_address.find('/') == std::string::npos ? "address" : "subnet"));
    pair.ip_address = *ip;
    if (!seen.insert({pair.mac_address, pair.ip_address}).second)
      return make_neutron_error(errc::bad_request, "DuplicateAddressPairInRequest",
                                "Request contains duplicate address pair: mac_address " +
                                    pair.mac_address + " ip_address " + pair.ip_address + ".");
  }
  return pairs;
}

outcome<std::vector<dhcp_option>> created_dhcp_options(
    const std::vector<dhcp_option_request>& requested) {
  if (auto e = check_dhcp_options(requested)) return *e;
  std::vector<dhcp_option> out;
  for (const auto& o : requested)
    if (o.opt_value) out.push_back({o.opt_name, *o.opt_value, o.ip_version});
  return out;
}

outcome<std::vector<dhcp_option>> updated_dhcp_options(
    const std::vector<dhcp_option>& current, const std::vector<dhcp_option_request>& requested) {
  if (auto e = check_dhcp_options(requested)) return *e;
  std::vector<dhcp_option> out = current;
  for (const auto& o : requested) {
    auto it = std::find_if(out.begin(), out.end(), [&](const dhcp_option& have) {
      return have.opt_name == o.opt_name && have.ip_version == o.ip_version;
    });
    if (!o.opt_value) {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      it->opt_value = *o.opt_value;
    } else {
      out.push_back({o.opt_name, *o.opt_value, o.ip_version});
    }
  }
  return out;
}

std::optional<domain_error> check_port_security(bool enabled,
                                                const std::vector<address_pair>& pairs,
                                                const std::vector<std::string>& groups) {
  if (enabled) return std::nullopt;
  if (!pairs.empty()) return pairs_need_port_security();
  if (!groups.empty()) return groups_need_port_security();
  return std::nullopt;
}

std::optional<domain_error> check_port_security(bool enabled, const port& p, const update_port& u) {
  if (enabled) return std::nullopt;
  // Pairs asked for, or the port's kept (the request does not clear them).
  if (u.allowed_address_pairs ? !u.allowed_address_pairs->empty()
                              : !p.allowed_address_pairs.empty())
    return pairs_need_port_security();
  if (u.security_groups && !u.security_groups->empty()) return groups_need_port_security();
  if (!u.security_groups && !p.security_groups.empty())
    return make_neutron_error(errc::conflict, "PortSecurityPortHasSecurityGroup",
                              "Port has security group associated. Cannot disable port security "
                              "or IP address until security group is removed.");
  return std::nullopt;
}

}  // namespace cumulo::network
