#include "api/network_port_attributes.hpp"

#include <charconv>
#include <cstdint>
#include <set>
#include <string>

namespace cumulo::api {
namespace {

domain_error bad(std::string type, std::string message) {
  return make_neutron_error(errc::bad_request, std::move(type), std::move(message));
}

domain_error bad_option(const std::string& data) {
  return bad("ExtraDhcpOptBadData", "Invalid data format for extra-dhcp-opt: " + data);
}

}  // namespace

std::string key_set(const nlohmann::json& object) {
  std::string out;
  for (auto it = object.begin(); it != object.end(); ++it)
    out += (out.empty() ? "'" : ", '") + it.key() + "'";
  return "{" + out + "}";
}

outcome<std::vector<network::address_pair>> address_pairs_of(const nlohmann::json& list) {
  std::vector<network::address_pair> out;
  if (!list.is_array()) return bad("", "Allowed address pairs must be a list.");
  for (const auto& pair : list) {
    if (!pair.is_object()) return bad("", "Allowed address pairs must be a list of objects.");
    for (auto it = pair.begin(); it != pair.end(); ++it)
      if (it.key() != "ip_address" && it.key() != "mac_address")
        return bad("", "Unrecognized attribute(s) '" + it.key() + "'");
    auto ip = pair.find("ip_address");
    if (ip == pair.end() || ip->is_null())
      return bad("AllowedAddressPairsMissingIP", "AllowedAddressPair must contain ip_address");
    if (!ip->is_string()) return bad("", "'" + ip->dump() + "' is not a valid IP address");
    network::address_pair p{ip->get<std::string>(), ""};
    if (auto mac = pair.find("mac_address"); mac != pair.end() && !mac->is_null()) {
      if (!mac->is_string()) return bad("", "'" + mac->dump() + "' is not a valid MAC address");
      p.mac_address = mac->get<std::string>();
      if (p.mac_address.empty()) return bad("", "'' is not a valid MAC address");
    }
    out.push_back(std::move(p));
  }
  return out;
}

outcome<std::vector<network::dhcp_option_request>> dhcp_options_of(const nlohmann::json& list) {
  std::vector<network::dhcp_option_request> out;
  if (!list.is_array()) return bad_option("'" + list.dump() + "' is not a list");
  for (const auto& o : list) {
    if (!o.is_object()) return bad_option("'" + o.dump() + "' is not a dictionary");
    const std::set<std::string> known{"opt_name", "opt_value", "ip_version", "id"};
    bool unknown = false;
    for (auto it = o.begin(); it != o.end(); ++it) unknown |= !known.count(it.key());
    if (!o.contains("opt_name") || !o.contains("opt_value") || unknown)
      return bad_option(
          "Validation of dictionary's keys failed. Expected keys: {'opt_name', 'opt_value'} "
          "Provided keys: " +
          key_set(o));
    if (!o["opt_name"].is_string())
      return bad_option("'" + o["opt_name"].dump() + "' is not a valid string");
    network::dhcp_option_request r;
    r.opt_name = o["opt_name"].get<std::string>();
    if (o["opt_value"].is_string())
      r.opt_value = o["opt_value"].get<std::string>();
    else if (!o["opt_value"].is_null())
      return bad_option("'" + o["opt_value"].dump() + "' is not a valid string");
    if (auto v = o.find("ip_version"); v != o.end() && !v->is_null()) {
      // Neutron converts "6" as well as 6.
      std::string text;
      if (v->is_number_integer())
        text = std::to_string(v->get<std::int64_t>());
      else if (v->is_string())
        text = v->get<std::string>();
      else
        return bad_option("'" + v->dump() + "' is not an integer");
      int n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return bad_option("'" + text + "' is not an integer");
      if (n != 4 && n != 6) return bad_option("'" + text + "' is not in [4, 6]");
      r.ip_version = n;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cumulo::api
