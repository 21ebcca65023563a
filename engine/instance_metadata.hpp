// What Nova tells a guest about itself (nova/api/metadata/base.py's
// InstanceMetadata): the OpenStack format (meta_data.json,
// network_data.json, user_data, vendor data, password) and the EC2 format
// (meta-data/..., user-data), rendered from one value by pure functions.
// The metadata service (api/metadata_*.cpp) answers a guest's GET with
// render_metadata; the config drive (virt/config_drive.cpp) writes the same
// files. No I/O: the random seed comes in made.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/floatingip_state.hpp"
#include "engine/instance_state.hpp"
#include "engine/keypair_state.hpp"
#include "engine/network_state.hpp"

namespace cumulo {

namespace metadata {
// One fixed address of a port with what its subnet says (Nova's network
// info: the subnet's cidr, gateway, DNS servers and host routes).
struct fixed_address {
  std::string ip_address;
  int ip_version = 4;
  std::string cidr;        // "" when the subnet is not known
  std::string gateway_ip;  // "" for none
  std::vector<std::string> dns_nameservers;
  std::vector<network::host_route> host_routes;
  // The subnet's enable_dhcp, and whether a network:dhcp port serves it
  // (Nova's dhcp_server): either makes Nova say "ipv4_dhcp" instead of the
  // static address; a DHCP server also leaves the link's MTU to DHCP (null).
  bool enable_dhcp = false;
  bool dhcp_server = false;
};
// One port of the instance (a link of network_data.json).
struct port {
  std::string port_id;
  std::string mac_address;
  std::string network_id;
  int mtu = 0;  // 0: not known (null)
  std::vector<fixed_address> addresses;
};
}  // namespace metadata

struct instance_metadata {
  std::string uuid;
  std::string name;
  std::string hostname;  // hostname_of(name)
  std::string project_id;
  std::string availability_zone = "nova";
  std::map<std::string, std::string> meta;  // the server's metadata
  std::optional<std::string> user_data;     // decoded bytes; nullopt: none
  // The key pair named at the create (key_name "": none; a key pair deleted
  // since: the name without its key, as Nova's keypairs lazy-load finds none).
  std::string key_name;
  std::string key_type = "ssh";
  std::string public_key;  // "" when the key pair is not known
  int launch_index = 0;
  std::string reservation_id;
  std::string image_id;  // "" for a server booted from a volume
  std::string flavor_name;
  std::vector<std::string> security_groups;  // names
  std::vector<metadata::port> ports;         // in the instance's order
  std::vector<std::string> floating_ips;     // associated with its ports
  std::vector<std::string> volume_devices;   // attached volumes but the root ("/dev/vdb")
  // Made by the caller (512 random bytes, base64): Nova's random_seed.
  // "": left out.
  std::string random_seed;
  // The config drive only (Nova's extra_md): the password the create gave.
  // The metadata service never has it.
  std::string admin_pass;
};

// Nova's hostname of a server: its name in lower case, characters other
// than letters, digits, '-' and '.' become '-', at most 63 characters.
std::string hostname_of(const std::string& server_name);

// EC2's ids of a uuid, as Nova's "i-%08x" / "ami-%08x" of an integer id:
// ours is the uuid's last 32 bits (random in the time-ordered uuids cumulo
// makes, stable for the resource's life). prefix "i" or "ami".
std::string ec2_id(const std::string& prefix, const std::string& uuid);

// What an instance's metadata says, from its state, its key pair (null:
// none found), the networks of its ports and the floating IPs of the
// cloud (those on its ports count).
instance_metadata metadata_of(const instance_state& s, const keypair_state* key,
                              const std::vector<network_state>& networks,
                              const std::vector<floatingip_state>& floating_ips);

// Padded standard base64, line breaks and spaces allowed (what the API
// accepts as user_data); nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text);

// Nova's versions of each format, oldest first; "latest" is the newest.
const std::vector<std::string>& openstack_metadata_versions();
const std::vector<std::string>& ec2_metadata_versions();

// The files of the OpenStack format at `version` (a dated one or "latest"):
// meta_data.json, network_data.json, vendor_data.json, vendor_data2.json.
std::string meta_data_json(const instance_metadata& md, const std::string& version);
std::string network_data_json(const instance_metadata& md);
std::string vendor_data_json();
std::string vendor_data2_json();
// The EC2 format's meta-data at `version` as one JSON object (the config
// drive's ec2/<version>/meta-data.json).
std::string ec2_meta_data_json(const instance_metadata& md, const std::string& version);

// An answer of the metadata service.
struct metadata_response {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

// Nova's answer to a GET of `path` (percent-decoded, without its query):
// "/" and "/<ec2 version>/..." the EC2 format, "/openstack/..." the
// OpenStack one; "." and ".." segments and repeated or trailing slashes
// are normalised first, as Nova does. Anything not there: 404.
metadata_response render_metadata(const instance_metadata& md, std::string_view path);

}  // namespace cumulo
