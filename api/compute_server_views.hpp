// Nova's server bodies for a negotiated microversion: the summary of
// GET /servers, the detail of GET /servers/detail and /servers/{id}, and
// the small links and lookups the servers routes share.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "actors/identity.hpp"
#include "api/responder.hpp"
#include "engine/instance_state.hpp"

namespace cumulo::api {

// The floating IPs of servers' ports as networking has them now: port id
// -> addresses, oldest first. Nova lists each after its port's fixed
// address, of type "floating", with the port's MAC.
using floating_ips_by_port = std::map<std::string, std::vector<std::string>>;

struct server_view {
  int minor = 1;            // the microversion 2.<minor>
  bool admin = false;       // OS-EXT-SRV-ATTR:*, host_status, fault details
  std::string compute_url;  // "http://H/compute", links are built under it
  // null: the fixed addresses only.
  const floating_ips_by_port* floating = nullptr;
};

// {"rel": "self"|"bookmark", "href"} of a server.
nlohmann::json server_links(const std::string& id, const std::string& compute_url);
// {"id", "name", "links"}: an entry of GET /servers.
nlohmann::json server_summary(const instance_state& s, const std::string& compute_url);
// The full server body of GET /servers/{id} at v.minor.
nlohmann::json server_detail(const instance_state& s, const server_view& v);

// PUT /servers/{id}'s answer: the detail from 2.75, before it without the
// extensions' attributes (OS-EXT-*, OS-SRV-USG:*, key_name, security groups...).
nlohmann::json server_update_view(const instance_state& s, const server_view& v);
// "addresses" of a server: {network name: [{addr, version, OS-EXT-IPS...}]},
// each port's floating IPs after its fixed address (also GET /servers/{id}/ips).
nlohmann::json addresses_view(const instance_state& s,
                              const floating_ips_by_port* floating = nullptr);
// Nova's hostId: sha224 of project id and host, in hex; "" before a host.
std::string host_id(const std::string& project_id, const std::string& host);
// 404 in Nova's words for a server the caller may not see.
void respond_server_not_found(responder& r, const std::string& id);
// Whether the caller's project owns the server, or the caller is an admin.
bool server_visible(const instance_state& s, const token_info& t);

}  // namespace cumulo::api
