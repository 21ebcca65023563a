// The JSON bodies of Nova's flavors, keypairs, quota sets, limits,
// hypervisors and services, per microversion.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/compute.hpp"
#include "engine/compute_quota_state.hpp"
#include "engine/flavor_state.hpp"
#include "engine/host_state.hpp"
#include "engine/keypair_state.hpp"

namespace cumulo::api {

// `base` is "http://host:port". detail: the full object (GET /flavors/{id},
// /flavors/detail, POST); else the summary of GET /flavors.
nlohmann::json flavor_json(const flavor_state& f, microversion v, const std::string& base,
                           bool detail);

// In a list (name, public_key, fingerprint, type) or alone (also user_id,
// created_at, id, deleted...).
nlohmann::json keypair_json(const keypair_state& k, microversion v, bool alone);

// {"id": project, "<resource>": limit, ...} as the microversion shows it.
nlohmann::json quota_set_json(const compute_quota_set& q, const std::string& id, microversion v);

// Nova's hypervisor and service ids: a UUID derived from the hostname at
// 2.53 and above (stable across restarts and never reused by another
// host), else the host's 1-based position in the order hosts registered.
std::string hypervisor_uuid(const std::string& hostname);
std::string service_uuid(const std::string& binary, const std::string& host);
// The hosts in registration order (their integer ids below 2.53).
std::vector<host_state> hosts_in_order(std::vector<host_state> hosts);
nlohmann::json hypervisor_id(const std::vector<host_state>& ordered, const host_state& h,
                             microversion v);
// Domains per host as libvirt counts them (running_vms); a host missing
// from it shows the claims the log holds.
using domain_counts = std::map<std::string, int>;
nlohmann::json hypervisor_json(const std::vector<host_state>& ordered, const host_state& h,
                               microversion v, bool detail, const domain_counts& domains = {});

}  // namespace cumulo::api
