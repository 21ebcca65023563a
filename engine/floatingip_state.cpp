#include "engine/floatingip_state.hpp"

#include <utility>

#include "engine/ipam.hpp"

namespace cumulo {
namespace {

domain_error not_found(const floatingip_state& s) {
  return make_neutron_error(errc::not_found, "FloatingIPNotFound",
                            "Floating IP " + s.id + " could not be found");
}

domain_error invalid_input(std::string message) {
  return make_neutron_error(errc::bad_request, "InvalidInput", std::move(message));
}

// The canonical text of an IP address, or the refusal Neutron's validator gives.
outcome<std::string> canonical_address(const char* field, const std::string& text) {
  auto a = ipam::parse_address(text);
  if (!a)
    return invalid_input(std::string("Invalid input for ") + field + ". Reason: '" + text +
                         "' is not a valid IP address.");
  return ipam::to_string(*a);
}

struct decider {
  const floatingip_state& s;

  decision<floatingip_event> operator()(const floatingip::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Floating IP " + s.id + " already exists.");
    if (c.floating_network_id.empty())
      return invalid_input(
          "Invalid input for floating_network_id. Reason: '' is not a valid "
          "UUID.");
    auto address = canonical_address("floating_ip_address", c.floating_ip_address);
    if (!address) return address.error();
    if (c.description.size() > 255)
      return invalid_input("Invalid input for description. Reason: '" + c.description +
                           "' exceeds maximum length of 255.");
    auto tags = tagging::initial(c.tags, "floatingips");
    if (!tags) return tags.error();
    std::vector<floatingip_event> events{floatingip_created{
        c.floating_network_id, address.value(), c.floating_port_id, c.project_id, c.description}};
    if (!tags.value().empty()) events.push_back(floatingip_tags_set{tags.value()});
    return events;
  }

  decision<floatingip_event> operator()(const floatingip::associate& c) const {
    if (!s.exists()) return not_found(s);
    if (c.port_id.empty())
      return invalid_input("Invalid input for port_id. Reason: '' is not a valid UUID.");
    auto fixed = canonical_address("fixed_ip_address", c.fixed_ip_address);
    if (!fixed) return fixed.error();
    // Associated elsewhere: Neutron moves it (the door checked the new port).
    if (s.associated() && s.port_id == c.port_id && s.fixed_ip_address == fixed.value() &&
        s.router_id == c.router_id)
      return std::vector<floatingip_event>{};
    return std::vector<floatingip_event>{
        floatingip_associated{c.port_id, fixed.value(), c.router_id}};
  }

  decision<floatingip_event> operator()(const floatingip::disassociate&) const {
    if (!s.exists()) return not_found(s);
    if (!s.associated()) return std::vector<floatingip_event>{};
    return std::vector<floatingip_event>{floatingip_disassociated{}};
  }

  decision<floatingip_event> operator()(const floatingip::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<floatingip_event>{floatingip_deleted{}};
  }

  decision<floatingip_event> operator()(const floatingip::set_tags& c) const {
    if (!s.exists()) return not_found(s);
    auto tags = tagging::after(s.tags, c.change, "floatingips");
    if (!tags) return tags.error();
    if (tags.value() == s.tags) return std::vector<floatingip_event>{};
    return std::vector<floatingip_event>{floatingip_tags_set{tags.value()}};
  }
};

struct applier {
  floatingip_state& s;

  void require(const char* type) const {
    if (!s.exists())
      throw invalid_event(std::string(type) + " on a floating IP that does not exist");
  }

  void operator()(const floatingip_created& e) {
    if (s.version > 0) throw invalid_event("floatingip.created on a floating IP that exists");
    s.floating_network_id = e.floating_network_id;
    s.floating_ip_address = e.floating_ip_address;
    s.floating_port_id = e.floating_port_id;
    s.project_id = e.project_id;
    s.description = e.description;
  }
  void operator()(const floatingip_associated& e) {
    require("floatingip.associated");
    if (e.port_id.empty()) throw invalid_event("floatingip.associated without a port");
    s.port_id = e.port_id;
    s.fixed_ip_address = e.fixed_ip_address;
    s.router_id = e.router_id;
  }
  void operator()(const floatingip_disassociated&) {
    require("floatingip.disassociated");
    if (!s.associated())
      throw invalid_event("floatingip.disassociated on a floating IP that is not associated");
    s.port_id.clear();
    s.fixed_ip_address.clear();
    s.router_id.clear();
  }
  void operator()(const floatingip_deleted&) {
    require("floatingip.deleted");
    s.deleted = true;
  }
  void operator()(const floatingip_tags_set& e) {
    require("floatingip.tags_set");
    s.tags = e.tags;
  }
};

nlohmann::json null_if_empty(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

decision<floatingip_event> floatingip_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

floatingip_state floatingip_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const floatingip_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["floating_network_id"] = s.floating_network_id;
  j["floating_ip_address"] = s.floating_ip_address;
  j["floating_port_id"] = s.floating_port_id;
  j["project_id"] = s.project_id;
  j["tenant_id"] = s.project_id;
  j["description"] = s.description;
  j["status"] = s.status();
  j["port_id"] = null_if_empty(s.port_id);
  j["fixed_ip_address"] = null_if_empty(s.fixed_ip_address);
  j["router_id"] = null_if_empty(s.router_id);
  j["tags"] = s.tags;
}

}  // namespace cumulo
