#include "engine/image_state.hpp"

#include "engine/clock.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>

namespace cumulo {
namespace {

constexpr std::array<std::string_view, 11> disk_formats{
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"};
constexpr std::array<std::string_view, 8> container_formats{"ami", "ari", "aki",    "bare",
                                                            "ovf", "ova", "docker", "compressed"};
constexpr std::array<std::string_view, 4> visibilities{"public", "private", "shared", "community"};
// Image attributes of Glance itself: never user properties.
constexpr std::array<std::string_view, 24> reserved_keys{
    "id",           "name",         "status",        "visibility",  "protected",
    "checksum",     "os_hash_algo", "os_hash_value", "owner",       "size",
    "virtual_size", "min_ram",      "min_disk",      "disk_format", "container_format",
    "created_at",   "updated_at",   "tags",          "self",        "file",
    "schema",       "locations",    "direct_url",    "stores"};
// Glance's own namespace of properties (an import's progress lives there).
constexpr std::string_view reserved_prefix = "os_glance";

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

template <std::size_t N>
std::string list(const std::array<std::string_view, N>& values) {
  std::string out = "[";
  for (const auto& v : values) out += (out.size() > 1 ? ", '" : "'") + std::string(v) + "'";
  return out + "]";
}

// Glance answers bad input with its JSON-schema validation message.
domain_error schema_error(const std::string& what) {
  return make_domain_error(errc::bad_request,
                           "Provided object does not match schema 'image': " + what);
}

domain_error member_schema_error(const std::string& what) {
  return make_domain_error(errc::bad_request,
                           "Provided object does not match schema 'member': " + what);
}

domain_error member_not_found(const std::string& member_id) {
  return make_domain_error(errc::not_found,
                           "The specified member " + member_id + " could not be found");
}

domain_error not_found(const image_state& s) {
  return make_domain_error(errc::not_found, "No image found with ID " + s.id);
}

domain_error transition(const image_state& s, const std::string& to) {
  return make_domain_error(
      errc::conflict, "Image status transition from " + s.status + " to " + to + " is not allowed");
}

template <std::size_t N>
std::optional<domain_error> check_enum(const std::array<std::string_view, N>& values,
                                       const std::optional<std::string>& v) {
  if (!v || one_of(values, *v)) return std::nullopt;
  return schema_error("'" + *v + "' is not one of " + list(values));
}

std::optional<domain_error> check_length(const std::optional<std::string>& v) {
  if (!v || v->size() <= 255) return std::nullopt;
  return schema_error("'" + *v + "' is too long");
}

std::optional<domain_error> check_minimum(const std::optional<std::int64_t>& v) {
  if (!v || *v >= 0) return std::nullopt;
  return schema_error(std::to_string(*v) + " is less than the minimum of 0");
}

std::optional<domain_error> check_tags(const std::optional<std::vector<std::string>>& tags) {
  if (!tags) return std::nullopt;
  for (const auto& t : *tags)
    if (auto e = check_length(t)) return e;
  return std::nullopt;
}

// Glance keeps tags as a set: duplicates collapse, the first order stays.
std::vector<std::string> unique(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& t : tags)
    if (seen.insert(t).second) out.push_back(t);
  return out;
}

std::optional<domain_error> check_property_key(const std::string& key) {
  if (key.empty() || key.size() > 255)
    return schema_error("'" + key + "' is not a valid property name");
  if (one_of(reserved_keys, key) || key.rfind(reserved_prefix, 0) == 0)
    return make_domain_error(errc::forbidden, "Attribute '" + key + "' is reserved.");
  return std::nullopt;
}

std::optional<domain_error> check_properties(const std::map<std::string, std::string>& props) {
  for (const auto& [k, v] : props)
    if (auto e = check_property_key(k)) return e;
  return std::nullopt;
}

// Glance's image_property_quota and image_tag_quota (128 each by default).
constexpr std::size_t property_quota = 128;
constexpr std::size_t tag_quota = 128;

std::optional<domain_error> check_property_count(std::size_t attempted) {
  if (attempted <= property_quota) return std::nullopt;
  return make_domain_error(errc::too_large,
                           "The limit has been exceeded on the number of allowed image "
                           "properties. Attempted: " +
                               std::to_string(attempted) +
                               ", Maximum: " + std::to_string(property_quota));
}

std::optional<domain_error> check_tag_count(std::size_t attempted) {
  if (attempted <= tag_quota) return std::nullopt;
  return make_domain_error(errc::too_large,
                           "The limit has been exceeded on the number of allowed image tags. "
                           "Attempted: " +
                               std::to_string(attempted) +
                               ", Maximum: " + std::to_string(tag_quota));
}

bool hex(const std::string& s, std::size_t size) {
  return (size == 0 ? !s.empty() : s.size() == size) &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

// Formats may change only while no data is attached (Glance).
std::optional<domain_error> check_format_change(const image_state& s, const char* field,
                                                const std::string& current,
                                                const std::optional<std::string>& next) {
  if (!next || *next == current || s.status == "queued") return std::nullopt;
  return make_domain_error(errc::conflict, std::string("Attribute ") + field +
                                               " can be only replaced for a queued image.");
}

// What a finish of an upload, a staging or an import records: the data's
// size and digests, computed by cumulo while the bytes streamed in.
std::optional<domain_error> check_digests(std::int64_t size, const std::string& checksum,
                                          const std::string& algo, const std::string& value,
                                          const std::optional<std::int64_t>& virtual_size) {
  if (size < 0) return make_domain_error(errc::bad_request, "Image size must not be negative.");
  if (virtual_size && *virtual_size < 0)
    return make_domain_error(errc::bad_request, "Image virtual_size must not be negative.");
  if (!hex(checksum, 32))
    return make_domain_error(errc::bad_request, "Image checksum must be an md5 in hex.");
  if (algo.empty() || !hex(value, 0))
    return make_domain_error(errc::bad_request, "Image os_hash_value must be a hex digest.");
  return std::nullopt;
}

std::vector<std::string> split_stores(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Glance's merge of a store list property: the union (or the difference),
// sorted, comma-separated, "" when empty.
void merge_stores(std::map<std::string, std::string>& props, const std::string& key,
                  const std::vector<std::string>& stores, bool subtract) {
  std::set<std::string> merged;
  if (auto it = props.find(key); it != props.end())
    for (auto& s : split_stores(it->second)) merged.insert(s);
  for (const auto& s : stores) {
    if (s.empty()) continue;
    if (subtract)
      merged.erase(s);
    else
      merged.insert(s);
  }
  std::string joined;
  for (const auto& s : merged) joined += (joined.empty() ? "" : ",") + s;
  props[key] = joined;
}

// The stores an import asks for, each one known (Glance's 409 otherwise,
// in glance_store's words).
outcome<std::vector<std::string>> import_stores(const image::start_import& c) {
  if (c.all_stores || c.stores.empty()) return std::vector<std::string>{image::store_id};
  for (const auto& s : c.stores)
    if (s != image::store_id)
      return make_domain_error(errc::conflict, "Unknown scheme '" + s + "' found in URI");
  // A store named twice is one store.
  return std::vector<std::string>{image::store_id};
}

struct decider {
  const image_state& s;
  using result = decision<image_event>;

  result operator()(const image::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict,
                               "Image with identifier " + s.id + " already exists!");
    if (auto e = check_length(c.name)) return *e;
    if (!c.disk_format.empty())
      if (auto e = check_enum(disk_formats, c.disk_format)) return *e;
    if (!c.container_format.empty())
      if (auto e = check_enum(container_formats, c.container_format)) return *e;
    if (auto e = check_enum(visibilities, c.visibility)) return *e;
    if (auto e = check_minimum(c.min_disk)) return *e;
    if (auto e = check_minimum(c.min_ram)) return *e;
    if (auto e = check_tags(c.tags)) return *e;
    if (auto e = check_properties(c.properties)) return *e;
    if (auto e = check_property_count(c.properties.size())) return *e;
    if (auto e = check_tag_count(unique(c.tags).size())) return *e;
    return std::vector<image_event>{
        image_created{c.name, c.owner, c.disk_format, c.container_format, c.visibility, c.min_disk,
                      c.min_ram, c.is_protected, unique(c.tags), c.properties}};
  }

  result operator()(const image::update& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_length(c.name)) return *e;
    if (auto e = check_enum(visibilities, c.visibility)) return *e;
    if (auto e = check_minimum(c.min_disk)) return *e;
    if (auto e = check_minimum(c.min_ram)) return *e;
    if (auto e = check_tags(c.tags)) return *e;
    if (auto e = check_enum(disk_formats, c.disk_format)) return *e;
    if (auto e = check_enum(container_formats, c.container_format)) return *e;
    if (auto e = check_format_change(s, "disk_format", s.disk_format, c.disk_format)) return *e;
    if (auto e = check_format_change(s, "container_format", s.container_format, c.container_format))
      return *e;
    if (auto e = check_properties(c.properties_set)) return *e;
    for (const auto& k : c.properties_removed) {
      if (auto e = check_property_key(k)) return *e;
      if (!s.properties.count(k) && !c.properties_set.count(k))
        return make_domain_error(errc::conflict, "Property " + k + " does not exist.");
    }
    auto after = s.properties;
    for (const auto& [k, v] : c.properties_set) after[k] = v;
    for (const auto& k : c.properties_removed) after.erase(k);
    if (after.size() > s.properties.size())
      if (auto e = check_property_count(after.size())) return *e;
    if (c.tags && c.tags->size() > s.tags.size())
      if (auto e = check_tag_count(unique(*c.tags).size())) return *e;
    if (c.owner && (c.owner->empty() || c.owner->size() > 255))
      return schema_error("'" + *c.owner + "' is not a valid owner");
    image_updated e{c.name,           c.visibility,        c.min_disk,    c.min_ram,
                    c.is_protected,   std::nullopt,        c.disk_format, c.container_format,
                    c.properties_set, c.properties_removed};
    if (c.tags) e.tags = unique(*c.tags);
    std::vector<image_event> events{e};
    if (c.owner && *c.owner != s.owner) events.push_back(image_owner_changed{*c.owner});
    return events;
  }

  result operator()(const image::start_upload&) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "queued") return transition(s, "saving");
    if (s.disk_format.empty() || s.container_format.empty())
      return make_domain_error(errc::bad_request,
                               "Properties disk_format, container_format must be set prior to "
                               "saving data.");
    return std::vector<image_event>{image_upload_started{}};
  }

  result operator()(const image::finish_upload& c) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "saving") return transition(s, "active");
    if (auto e = check_digests(c.size, c.checksum, c.os_hash_algo, c.os_hash_value, c.virtual_size))
      return *e;
    return std::vector<image_event>{
        image_uploaded{c.size, c.checksum, c.os_hash_algo, c.os_hash_value, c.virtual_size}};
  }

  result operator()(const image::fail_upload& c) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "queued" && s.status != "saving") return transition(s, "killed");
    return std::vector<image_event>{image_upload_failed{c.reason}};
  }

  result operator()(const image::reset_upload& c) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "saving") return transition(s, "queued");
    return std::vector<image_event>{image_upload_reset{c.reason}};
  }

  result operator()(const image::deactivate&) const {
    if (!s.exists()) return not_found(s);
    if (s.status == "deactivated") return std::vector<image_event>{};  // Glance: a no-op
    if (s.status != "active")
      return make_domain_error(errc::forbidden,
                               "Not allowed to deactivate image in status '" + s.status + "'");
    return std::vector<image_event>{image_deactivated{}};
  }

  result operator()(const image::reactivate&) const {
    if (!s.exists()) return not_found(s);
    if (s.status == "active") return std::vector<image_event>{};  // Glance: a no-op
    if (s.status != "deactivated")
      return make_domain_error(errc::forbidden,
                               "Not allowed to reactivate image in status '" + s.status + "'");
    return std::vector<image_event>{image_reactivated{}};
  }

  result operator()(const image::remove&) const {
    if (!s.exists()) return not_found(s);
    if (s.is_protected)
      return make_domain_error(errc::forbidden,
                               "Image " + s.id + " is protected and cannot be deleted.");
    return std::vector<image_event>{image_deleted{}};
  }

  result operator()(const image::add_member& c) const {
    if (!s.exists()) return not_found(s);
    if (s.visibility != "shared")
      return make_domain_error(errc::forbidden, "Only shared images have members.");
    if (c.member_id.empty() || c.member_id.size() > 255)
      return member_schema_error("'" + c.member_id + "' is not a valid member");
    if (s.members.count(c.member_id))
      return make_domain_error(
          errc::conflict,
          "The target member " + c.member_id + " is already associated with image " + s.id + ".");
    if (s.members.size() + 1 > image::member_quota)
      return make_domain_error(
          errc::too_large,
          "The limit has been exceeded on the number of allowed image members for this image. "
          "Attempted: " +
              std::to_string(s.members.size() + 1) +
              ", Maximum: " + std::to_string(image::member_quota));
    return std::vector<image_event>{image_member_added{c.member_id, c.at_us}};
  }

  result operator()(const image::update_member& c) const {
    if (!s.exists()) return not_found(s);
    if (c.status != "pending" && c.status != "accepted" && c.status != "rejected")
      return member_schema_error("'" + c.status +
                                 "' is not one of ['pending', 'accepted', 'rejected']");
    auto it = s.members.find(c.member_id);
    if (it == s.members.end()) return member_not_found(c.member_id);
    if (it->second.status == c.status) return std::vector<image_event>{};
    return std::vector<image_event>{image_member_updated{c.member_id, c.status, c.at_us}};
  }

  result operator()(const image::remove_member& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.members.count(c.member_id)) return member_not_found(c.member_id);
    return std::vector<image_event>{image_member_removed{c.member_id}};
  }

  // Glance stages into a queued image only (its formats may come later,
  // before the import).
  result operator()(const image::start_stage&) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "queued") return transition(s, "uploading");
    return std::vector<image_event>{image_stage_started{}};
  }

  result operator()(const image::finish_stage& c) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "uploading") return transition(s, "uploading");
    if (s.staged)
      return make_domain_error(errc::conflict, "The image " + s.id + " has data on staging");
    if (auto e = check_digests(c.size, c.checksum, c.os_hash_algo, c.os_hash_value, std::nullopt))
      return *e;
    return std::vector<image_event>{
        image_staged{c.size, c.checksum, c.os_hash_algo, c.os_hash_value}};
  }

  result operator()(const image::reset_stage& c) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "uploading") return transition(s, "queued");
    return std::vector<image_event>{image_stage_reset{c.reason}};
  }

  // Glance's checks of an import, in its order: the method, the image's
  // status for that method, its formats, the stores; copy-image then has
  // nothing to do (every image is in the one store already).
  result operator()(const image::start_import& c) const {
    if (!s.exists()) return not_found(s);
    const auto& methods = image::import_methods();
    if (std::find(methods.begin(), methods.end(), c.method) == methods.end())
      return make_domain_error(errc::bad_request, "Unknown import method name '" + c.method + "'.");
    const bool copy = c.method == "copy-image";
    if (s.status == "active" && !copy)
      return make_domain_error(errc::conflict,
                               "Image with status active cannot be target for import");
    if (s.status != "active" && copy)
      return make_domain_error(errc::conflict,
                               "Only images with status active can be targeted for copying");
    if (!copy && (s.status != "uploading" || !s.staged))
      return make_domain_error(
          errc::conflict, "Image needs to be staged before '" + c.method + "' method can be used");
    if (s.container_format.empty())
      return make_domain_error(errc::conflict, "'container_format' needs to be set before import");
    if (s.disk_format.empty())
      return make_domain_error(errc::conflict, "'disk_format' needs to be set before import");
    auto stores = import_stores(c);
    if (!stores) return stores.error();
    if (copy) {
      // Glance leaves out the stores that have the image: with all_stores
      // none is left (nothing to do), a store named outright is a 400.
      if (c.all_stores) return std::vector<image_event>{};
      return make_domain_error(
          errc::bad_request, "Image is already present at store '" + stores.value().front() + "'");
    }
    return std::vector<image_event>{image_import_started{c.method, stores.value()}};
  }

  result operator()(const image::finish_import&) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "importing" || !s.staged) return transition(s, "active");
    const auto& d = *s.staged;
    return std::vector<image_event>{
        image_imported{d.size, d.checksum, d.os_hash_algo, d.os_hash_value, std::nullopt}};
  }

  result operator()(const image::fail_import& c) const {
    if (!s.exists()) return not_found(s);
    if (s.status != "importing") return transition(s, "queued");
    std::vector<std::string> stores;
    if (auto it = s.properties.find(image::importing_to_stores_key); it != s.properties.end())
      stores = split_stores(it->second);
    return std::vector<image_event>{image_import_failed{c.reason, stores}};
  }
};

struct applier {
  image_state& s;

  // The status an event needs: anything else is a log this code did not write.
  void require(const char* type, std::initializer_list<std::string_view> statuses) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on an image that does not exist");
    if (statuses.size() == 0) return;
    for (auto st : statuses)
      if (s.status == st) return;
    throw invalid_event(std::string(type) + " on an image in status " + s.status);
  }

  void operator()(const image_created& e) {
    if (s.version > 0) throw invalid_event("image.created on an image that exists");
    s.name = e.name;
    s.owner = e.owner;
    s.status = "queued";
    s.disk_format = e.disk_format;
    s.container_format = e.container_format;
    s.visibility = e.visibility;
    s.min_disk = e.min_disk;
    s.min_ram = e.min_ram;
    s.is_protected = e.is_protected;
    s.tags = e.tags;
    s.properties = e.properties;
  }
  void operator()(const image_updated& e) {
    require(e.type_name, {});
    if (e.name) s.name = *e.name;
    if (e.visibility) s.visibility = *e.visibility;
    if (e.min_disk) s.min_disk = *e.min_disk;
    if (e.min_ram) s.min_ram = *e.min_ram;
    if (e.is_protected) s.is_protected = *e.is_protected;
    if (e.tags) s.tags = *e.tags;
    if (e.disk_format) s.disk_format = *e.disk_format;
    if (e.container_format) s.container_format = *e.container_format;
    for (const auto& [k, v] : e.properties_set) s.properties[k] = v;
    for (const auto& k : e.properties_removed) s.properties.erase(k);
  }
  void operator()(const image_upload_started& e) {
    require(e.type_name, {"queued"});
    s.status = "saving";
  }
  // The image has its data: an upload's or an import's, with its digests.
  template <class Data>
  void activate(const Data& e) {
    s.status = "active";
    s.size = e.size;
    s.checksum = e.checksum;
    s.os_hash_algo = e.os_hash_algo;
    s.os_hash_value = e.os_hash_value;
    s.virtual_size = e.virtual_size;
  }
  void operator()(const image_uploaded& e) {
    require(e.type_name, {"saving"});
    activate(e);
  }
  void operator()(const image_upload_failed& e) {
    require(e.type_name, {"queued", "saving"});
    s.status = "killed";
  }
  void operator()(const image_upload_reset& e) {
    require(e.type_name, {"saving"});
    s.status = "queued";
  }
  void operator()(const image_deactivated& e) {
    require(e.type_name, {"active"});
    s.status = "deactivated";
  }
  void operator()(const image_reactivated& e) {
    require(e.type_name, {"deactivated"});
    s.status = "active";
  }
  void operator()(const image_owner_changed& e) {
    require(e.type_name, {});
    s.owner = e.owner;
  }
  void operator()(const image_member_added& e) {
    require(e.type_name, {});
    if (s.members.count(e.member_id))
      throw invalid_event("image.member_added for " + e.member_id + ", a member already");
    s.members[e.member_id] = image_member{"pending", e.at_us, e.at_us};
  }
  void operator()(const image_member_updated& e) {
    require(e.type_name, {});
    auto it = s.members.find(e.member_id);
    if (it == s.members.end())
      throw invalid_event("image.member_updated for " + e.member_id + ", not a member");
    it->second.status = e.status;
    it->second.updated_at_us = e.at_us;
  }
  void operator()(const image_member_removed& e) {
    require(e.type_name, {});
    if (!s.members.erase(e.member_id))
      throw invalid_event("image.member_removed for " + e.member_id + ", not a member");
  }
  void operator()(const image_deleted& e) {
    require(e.type_name, {});
    s.status = "deleted";
    s.deleted = true;
    s.staged.reset();
  }
  void operator()(const image_stage_started& e) {
    require(e.type_name, {"queued"});
    s.status = "uploading";
    s.staged.reset();
  }
  void operator()(const image_staged& e) {
    require(e.type_name, {"uploading"});
    if (s.staged) throw invalid_event("image.staged on an image already staged");
    s.staged = image_staging{e.size, e.checksum, e.os_hash_algo, e.os_hash_value};
    s.size = e.size;
  }
  void operator()(const image_stage_reset& e) {
    require(e.type_name, {"uploading"});
    s.status = "queued";
    s.staged.reset();
    s.size.reset();
  }
  void operator()(const image_import_started& e) {
    require(e.type_name, {"uploading"});
    if (!s.staged) throw invalid_event("image.import_started on an image with nothing staged");
    s.status = "importing";
    merge_stores(s.properties, image::importing_to_stores_key, e.stores, false);
    merge_stores(s.properties, image::failed_import_key, e.stores, true);
  }
  void operator()(const image_imported& e) {
    require(e.type_name, {"importing"});
    activate(e);
    s.staged.reset();
    // Every store was reached: none is left to import to.
    s.properties[image::importing_to_stores_key] = "";
  }
  void operator()(const image_import_failed& e) {
    require(e.type_name, {"importing"});
    s.status = "queued";
    s.staged.reset();
    s.size.reset();
    s.properties[image::importing_to_stores_key] = "";
    merge_stores(s.properties, image::failed_import_key, e.stores, false);
  }
};

}  // namespace

decision<image_event> image_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

std::optional<image::command> resolve_after_restart(const image_state& s,
                                                    const image::restart_facts& facts) {
  if (!s.exists()) return std::nullopt;
  if (s.status == "uploading" && !s.staged)
    return image::reset_stage{"the staging was interrupted by a restart"};
  if (s.status == "uploading" && facts.staged_size != s.staged->size)
    return image::reset_stage{"the staged data did not survive the restart"};
  if (s.status != "importing") return std::nullopt;
  const std::optional<std::int64_t> size = s.staged ? std::optional(s.staged->size) : std::nullopt;
  if (size && (facts.staged_size == size || facts.data_size == size)) return image::finish_import{};
  return image::fail_import{"the staged data did not survive the restart"};
}

image_state image_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const image_state& s) {
  using nlohmann::json;
  j = json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["owner"] = s.owner;
  j["status"] = s.status;
  j["visibility"] = s.visibility;
  j["disk_format"] = s.disk_format.empty() ? json(nullptr) : json(s.disk_format);
  j["container_format"] = s.container_format.empty() ? json(nullptr) : json(s.container_format);
  j["min_disk"] = s.min_disk;
  j["min_ram"] = s.min_ram;
  j["protected"] = s.is_protected;
  j["tags"] = s.tags;
  j["properties"] = s.properties;
  j["size"] = s.size ? json(*s.size) : json(nullptr);
  j["checksum"] = s.checksum.empty() ? json(nullptr) : json(s.checksum);
  j["os_hash_algo"] = s.os_hash_algo.empty() ? json(nullptr) : json(s.os_hash_algo);
  j["os_hash_value"] = s.os_hash_value.empty() ? json(nullptr) : json(s.os_hash_value);
  j["virtual_size"] = s.virtual_size ? json(*s.virtual_size) : json(nullptr);
  json members = json::object();
  for (const auto& [id, m] : s.members)
    members[id] = {{"status", m.status},
                   {"created_at", format_iso8601(m.created_at_us)},
                   {"updated_at", format_iso8601(m.updated_at_us)}};
  j["members"] = members;
  if (s.staged)
    j["staged"] = {{"size", s.staged->size},
                   {"checksum", s.staged->checksum},
                   {"os_hash_algo", s.staged->os_hash_algo},
                   {"os_hash_value", s.staged->os_hash_value}};
}

}  // namespace cumulo
