#include "api/compute_block_devices.hpp"

#include <cctype>
#include <cstdint>

namespace cumulo::api {
namespace {

using nlohmann::json;

// Nova's integers in a mapping may come as JSON numbers or as strings of
// digits (novaclient sends "0"); at most 9 digits, so no overflow.
std::optional<std::int64_t> integer_of(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  std::size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() - i > 9) return std::nullopt;
  for (std::size_t k = i; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
  const std::int64_t n = std::stoll(s.substr(i));
  return i ? -n : n;
}

// oslo's strict booleans, as Nova reads delete_on_termination.
std::optional<bool> boolean_of(const json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "true" || s == "1" || s == "yes" || s == "y" || s == "on" || s == "t") return true;
  if (s == "false" || s == "0" || s == "no" || s == "n" || s == "off" || s == "f") return false;
  return std::nullopt;
}

std::string text_of(const json& entry, const char* key) {
  auto it = entry.find(key);
  return it == entry.end() || !it->is_string() ? std::string() : it->get<std::string>();
}

boot_volume_parse refused(std::string message) {
  boot_volume_parse p;
  p.error = std::move(message);
  return p;
}

}  // namespace

boot_volume_parse parse_boot_volume(const json& server, int minor) {
  boot_volume_parse out;
  auto it = server.find("block_device_mapping_v2");
  if (it == server.end() || !it->is_array()) return out;
  bool have_boot = false;
  for (const auto& entry : *it) {
    if (!entry.is_object()) return refused("Block Device Mapping is Invalid: not an object.");
    std::optional<std::int64_t> boot_index = -1;
    if (auto b = entry.find("boot_index"); b != entry.end() && !b->is_null()) {
      boot_index = integer_of(*b);
      if (!boot_index)
        return refused("Invalid input for field/attribute boot_index. Value: " + b->dump() +
                       ". It is not an integer.");
    }
    const std::string source = text_of(entry, "source_type");
    const std::string destination = text_of(entry, "destination_type");
    // The image's own disk named as a mapping (source image, local, boot
    // index 0): the plain image boot.
    if (source == "image" && (destination.empty() || destination == "local")) {
      if (*boot_index == 0) continue;
    }
    if (*boot_index != 0 || destination != "volume")
      return refused(
          "Block Device Mapping is Invalid: cumulo boots from one volume (boot_index 0, "
          "destination_type volume); other block devices (" +
          (source.empty() ? std::string("no source_type") : "source_type " + source) +
          ") are not supported.");
    if (have_boot)
      return refused(
          "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device "
          "mapping combination is not valid.");
    have_boot = true;
    if (source != "image" && source != "volume")
      return refused(
          "Block Device Mapping is Invalid: a boot volume is made from an image or is "
          "an existing volume (source_type " +
          (source.empty() ? std::string("missing") : source) + ").");
    auto& b = out.boot;
    b.source_type = source;
    b.uuid = text_of(entry, "uuid");
    if (b.uuid.empty())
      return refused("Block Device Mapping is Invalid: missing uuid for source_type " + source +
                     ".");
    if (auto size = entry.find("volume_size"); size != entry.end() && !size->is_null()) {
      auto n = integer_of(*size);
      if (!n || *n < 0)
        return refused("Invalid input for field/attribute volume_size. Value: " + size->dump() +
                       ". It is not a non-negative integer.");
      b.volume_size = *n;
    }
    if (source == "image" && b.volume_size <= 0)
      return refused(
          "Images with destination_type 'volume' need to have a non-zero size "
          "specified");
    if (auto d = entry.find("delete_on_termination"); d != entry.end() && !d->is_null()) {
      auto v = boolean_of(*d);
      if (!v)
        return refused("Invalid input for field/attribute delete_on_termination. Value: " +
                       d->dump() + ". It is not a boolean.");
      b.delete_on_termination = *v;
    }
    if (auto t = entry.find("volume_type"); t != entry.end() && !t->is_null()) {
      if (minor < 67)
        return refused(
            "Invalid input for field/attribute block_device_mapping_v2. Additional "
            "properties are not allowed ('volume_type' was unexpected)");
      b.volume_type = t->get<std::string>();
    }
  }
  return out;
}

}  // namespace cumulo::api
