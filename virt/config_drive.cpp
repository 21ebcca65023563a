#include "virt/config_drive.hpp"

#include <sodium.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "virt/host_command.hpp"

namespace cumulo {
namespace {

std::string decoded(const std::string& b64) {
  std::string out(b64.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), " \r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    throw std::runtime_error("user_data is not base64");
  out.resize(len);
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

}  // namespace

std::string hostname_of(const std::string& server_name) {
  std::string h;
  for (char c : server_name) {
    const auto u = static_cast<unsigned char>(c);
    h += std::isalnum(u) || c == '-' || c == '.' ? static_cast<char>(std::tolower(u)) : '-';
  }
  while (!h.empty() && (h.front() == '-' || h.front() == '.')) h.erase(h.begin());
  if (h.size() > 63) h.resize(63);
  while (!h.empty() && (h.back() == '-' || h.back() == '.')) h.pop_back();
  return h.empty() ? "server" : h;
}

void write_config_drive(const std::filesystem::path& iso, const config_drive_content& c) {
  const std::string tool = find_program({"genisoimage", "xorriso", "mkisofs"});
  if (tool.empty())
    throw std::runtime_error(
        "no ISO tool (genisoimage or xorriso) to build the config drive: run "
        "./scripts/install-deps --guests");
  const auto staging = iso.parent_path() / "config-drive";
  std::filesystem::remove_all(staging);
  const auto latest = staging / "openstack" / "latest";
  std::filesystem::create_directories(latest);
  nlohmann::json meta = {{"uuid", c.uuid},
                         {"name", c.name},
                         {"hostname", c.hostname},
                         {"availability_zone", c.availability_zone},
                         {"project_id", c.project_id},
                         {"launch_index", 0},
                         {"meta", c.metadata}};
  if (!c.admin_pass.empty()) meta["admin_pass"] = c.admin_pass;
  write_file(latest / "meta_data.json", meta.dump());
  if (!c.user_data_base64.empty()) write_file(latest / "user_data", decoded(c.user_data_base64));
  std::vector<std::string> argv{tool};
  if (tool.find("xorriso") != std::string::npos) argv.insert(argv.end(), {"-as", "mkisofs"});
  argv.insert(argv.end(),
              {"-quiet", "-o", iso.string(), "-V", "config-2", "-r", "-J", staging.string()});
  const auto r = run_program(argv);
  std::filesystem::remove_all(staging);
  if (r.exit_code != 0) throw std::runtime_error("cannot build the config drive: " + r.output);
}

}  // namespace cumulo
