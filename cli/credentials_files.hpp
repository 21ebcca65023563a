// The admin's credentials, written into the data dir at every start of
// `cumulo serve` as packstack and the OpenStack SDK expect them:
// keystonerc_admin (`source` it, then `openstack token issue`) and
// clouds.yaml (`openstack --os-cloud cumulo ...`). Both are mode 0600.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace cumulo::cli {

struct credentials_paths {
  std::filesystem::path keystonerc;
  std::filesystem::path clouds_yaml;
};

// 16 random url-safe characters (libsodium's randombytes).
std::string generate_admin_password();

// Writes both files (atomically: a temporary file renamed over the old one);
// `auth_url` is the identity endpoint, e.g. http://127.0.0.1:5000/v3.
// Throws std::runtime_error when a file can't be written.
credentials_paths write_credentials_files(const std::filesystem::path& data_dir,
                                          const std::string& auth_url, const std::string& password);

// The password in a keystonerc_admin written by write_credentials_files;
// nullopt when the file is missing or has no OS_PASSWORD line.
std::optional<std::string> read_keystonerc_password(const std::filesystem::path& keystonerc);

std::filesystem::path keystonerc_path(const std::filesystem::path& data_dir);

}  // namespace cumulo::cli
