#include "virt/config_drive.hpp"

#include <sodium.h>

#include <fstream>
#include <stdexcept>

#include "virt/host_command.hpp"

namespace cumulo {
namespace {

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

bool at_least(const std::vector<std::string>& all, const std::string& v, const char* required) {
  if (v == "latest") return true;
  for (const auto& x : all) {
    if (x == required) return true;
    if (x == v) return false;
  }
  return false;
}

}  // namespace

std::map<std::string, std::string> config_drive_files(const instance_metadata& md) {
  std::map<std::string, std::string> files;
  // EC2's: Nova's config_drive_skip_versions leaves out all but the last.
  for (const auto& v : {ec2_metadata_versions().back(), std::string("latest")}) {
    files["ec2/" + v + "/meta-data.json"] = ec2_meta_data_json(md, v);
    if (md.user_data) files["ec2/" + v + "/user-data"] = *md.user_data;
  }
  auto versions = openstack_metadata_versions();
  versions.emplace_back("latest");
  for (const auto& v : versions) {
    const std::string dir = "openstack/" + v + "/";
    files[dir + "meta_data.json"] = meta_data_json(md, v);
    if (md.user_data) files[dir + "user_data"] = *md.user_data;
    const auto& all = openstack_metadata_versions();
    if (at_least(all, v, "2013-10-17")) files[dir + "vendor_data.json"] = vendor_data_json();
    if (at_least(all, v, "2015-10-15")) files[dir + "network_data.json"] = network_data_json(md);
    if (at_least(all, v, "2016-10-06")) files[dir + "vendor_data2.json"] = vendor_data2_json();
  }
  return files;
}

std::string random_seed() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  unsigned char bytes[512];
  randombytes_buf(bytes, sizeof bytes);
  std::string out(sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, sizeof bytes, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

void write_config_drive(const std::filesystem::path& iso, instance_metadata md) {
  const std::string tool = find_program({"genisoimage", "xorriso", "mkisofs"});
  if (tool.empty())
    throw std::runtime_error(
        "no ISO tool (genisoimage or xorriso) to build the config drive: run "
        "./scripts/install-deps --guests");
  if (md.random_seed.empty()) md.random_seed = random_seed();
  const auto staging = iso.parent_path() / "config-drive";
  std::filesystem::remove_all(staging);
  for (const auto& [path, bytes] : config_drive_files(md)) write_file(staging / path, bytes);
  std::vector<std::string> argv{tool};
  if (tool.find("xorriso") != std::string::npos) argv.insert(argv.end(), {"-as", "mkisofs"});
  argv.insert(argv.end(),
              {"-quiet", "-o", iso.string(), "-V", "config-2", "-r", "-J", staging.string()});
  const auto r = run_program(argv);
  std::filesystem::remove_all(staging);
  if (r.exit_code != 0) throw std::runtime_error("cannot build the config drive: " + r.output);
}

}  // namespace cumulo
