// A config drive as Nova makes one: an ISO 9660 image labeled "config-2"
// holding openstack/latest/meta_data.json (uuid, name, hostname, metadata)
// and openstack/latest/user_data. cloud-init (and our test image) find it
// by its label, so a guest gets its hostname and user_data with no
// metadata server.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace cumulo {

struct config_drive_content {
  std::string uuid;
  std::string name;
  std::string hostname;
  std::string availability_zone;
  std::string project_id;
  std::map<std::string, std::string> metadata;
  std::string user_data_base64;  // as the API received it; "" for none
  std::string admin_pass;        // meta_data.json's admin_pass, as Nova's; "" for none
};

// Nova's hostname of a server: its name in lower case, characters other
// than letters, digits, '-' and '.' become '-', at most 63 characters.
std::string hostname_of(const std::string& server_name);

// Writes the ISO (genisoimage, or xorriso -as mkisofs). Throws
// std::runtime_error with the tool's output when it fails or none is
// installed, or when user_data is not base64.
void write_config_drive(const std::filesystem::path& iso, const config_drive_content& c);

}  // namespace cumulo
