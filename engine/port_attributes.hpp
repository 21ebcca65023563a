// A port's allowed_address_pairs, extra_dhcp_opts and port_security_enabled,
// pure: Neutron's validation and its rules between them and the port's
// security groups. The network's machine (engine/network_state.cpp) decides
// with these; what guests' filters make of them is not decided here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network_state.hpp"

namespace cumulo::network {

// Neutron's max_allowed_address_pair.
inline constexpr std::size_t max_address_pairs = 10;

// "FA:16:3E:..." -> "fa:16:3e:..."; nullopt unless six hex pairs, and
// neither all zeros nor broadcast (Neutron refuses both).
std::optional<std::string> normalise_mac(const std::string& mac);

// Validates a port's pairs (at most 10, each an address or a CIDR, a MAC
// when named, none twice) and gives them canonical text, each with the
// port's MAC when it named none.
outcome<std::vector<address_pair>> settle_address_pairs(std::vector<address_pair> pairs,
                                                        const std::string& port_mac);

// The options a create asks for, validated; an entry with a null value is
// no option.
outcome<std::vector<dhcp_option>> created_dhcp_options(
    const std::vector<dhcp_option_request>& requested);
// An update's options merged into the port's, by name and IP version: a
// value replaces, null removes, a new name adds; an empty list changes nothing.
outcome<std::vector<dhcp_option>> updated_dhcp_options(
    const std::vector<dhcp_option>& current, const std::vector<dhcp_option_request>& requested);

// A new port without port security has no pairs (409) and no security
// groups (400): Neutron's AddressPairAndPortSecurityRequired and
// PortSecurityAndIPRequiredForSecurityGroups.
std::optional<domain_error> check_port_security(bool enabled,
                                                const std::vector<address_pair>& pairs,
                                                const std::vector<std::string>& groups);
// An update that leaves port p without port security: it may not add pairs
// or groups, nor keep those p has unless it clears them in the same request
// (409 PortSecurityPortHasSecurityGroup for groups kept).
std::optional<domain_error> check_port_security(bool enabled, const port& p, const update_port& u);

}  // namespace cumulo::network
