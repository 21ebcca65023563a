#include "engine/volume_state.hpp"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "engine/clock.hpp"

namespace cumulo {
namespace {

using events = std::vector<volume_event>;

domain_error volume_not_found(const volume_state& s) {
  return make_domain_error(errc::not_found, "Volume " + s.id + " could not be found.");
}

// Cinder's InvalidVolume: a 400 whose message says why.
domain_error invalid_volume(const std::string& reason) {
  return make_domain_error(errc::bad_request, "Invalid volume: " + reason);
}

// A step of the volume's own flow asked in the wrong status: its actor and
// the log disagree (a user never sends these).
domain_error wrong_status(const volume_state& s, const std::string& expected) {
  return make_domain_error(errc::conflict, "Volume " + s.id + " status must be " + expected +
                                               ", but current status is: " + s.status + ".");
}

domain_error attachment_not_found(const std::string& attachment_id) {
  return make_domain_error(errc::not_found,
                           "Volume attachment could not be found with filter: "
                           "attachment_id = " +
                               attachment_id + ".");
}

domain_error wrong_attachment_status(const volume_attachment& a, const std::string& expected) {
  return make_domain_error(errc::conflict, "Volume attachment " + a.id + " status must be " +
                                               expected +
                                               ", but current status is: " + a.attach_status + ".");
}

bool one_of(const std::string& v, std::initializer_list<std::string_view> values) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool has_snapshot(const volume_state& s, const std::string& id) {
  return std::find(s.snapshot_ids.begin(), s.snapshot_ids.end(), id) != s.snapshot_ids.end();
}

// Cinder's refusal of a delete names every reason at once. A forced delete
// has no status condition, and Cinder then leaves two spaces where it was.
std::string delete_refusal(bool force) {
  const std::string status = force ? ""
                                   : "status must be available or error or error_restoring or "
                                     "error_extending or error_managing and";
  return "Volume " + status +
         " must not be migrating, attached, belong to a group, have snapshots, awaiting a "
         "transfer, or be disassociated from snapshots after volume transfer.";
}

struct decider {
  const volume_state& s;
  using result = decision<volume_event>;

  result operator()(const volume::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Volume " + s.id + " already exists.");
    if (c.size <= 0)
      return make_domain_error(
          errc::bad_request,
          "Invalid input received: Invalid volume size provided for create request: " +
              std::to_string(c.size) +
              " (size argument must be an integer (or string representation of an integer) and "
              "greater than zero).");
    if (auto e = check_volume_metadata(c.metadata)) return *e;
    volume_created e;
    e.name = c.name;
    e.description = c.description;
    e.size = c.size;
    e.volume_type = c.volume_type;
    e.volume_type_id = c.volume_type_id;
    e.availability_zone = c.availability_zone;
    e.bootable = c.bootable;
    e.multiattach = c.multiattach;
    e.metadata = c.metadata;
    e.project_id = c.project_id;
    e.user_id = c.user_id;
    e.source_volid = c.source_volid;
    e.snapshot_id = c.snapshot_id;
    e.image_id = c.image_id;
    e.volume_image_metadata = c.volume_image_metadata;
    return events{e};
  }
  result operator()(const volume::finish_create&) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "creating") return wrong_status(s, "creating");
    return events{volume_create_finished{}};
  }
  result operator()(const volume::fail_create& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "creating") return wrong_status(s, "creating");
    return events{volume_create_failed{c.reason}};
  }

  result operator()(const volume::update& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (!c.name && !c.description) return events{};
    return events{volume_updated{c.name, c.description}};
  }
  result operator()(const volume::set_metadata& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (auto e = check_volume_metadata(c.metadata)) return *e;
    volume_metadata_changed e{c.metadata, {}};
    if (c.replace)
      for (const auto& [k, _] : s.metadata)
        if (!c.metadata.count(k)) e.removed.push_back(k);
    if (e.set.empty() && e.removed.empty()) return events{};
    return events{e};
  }
  result operator()(const volume::unset_metadata& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (!s.metadata.count(c.key))
      return make_domain_error(errc::not_found,
                               "Volume " + s.id + " has no metadata with key " + c.key + ".");
    return events{volume_metadata_changed{{}, {c.key}}};
  }
  result operator()(const volume::update_readonly_flag& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "available")
      return invalid_volume("Volume " + s.id +
                            " status must be available to update readonly flag, but current "
                            "status is: " +
                            s.status + ".");
    if (s.readonly == c.readonly) return events{};
    return events{volume_readonly_changed{c.readonly}};
  }
  result operator()(const volume::set_bootable& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.bootable == c.bootable) return events{};
    return events{volume_bootable_changed{c.bootable}};
  }

  result operator()(const volume::extend& c) const {
    if (!s.exists()) return volume_not_found(s);
    // Cinder checks the size before the status.
    if (c.new_size <= s.size)
      return make_domain_error(errc::bad_request,
                               "Invalid input received: New size for extend must be greater than "
                               "current size. (current: " +
                                   std::to_string(s.size) +
                                   ", extended: " + std::to_string(c.new_size) + ").");
    const std::string expected = c.allow_in_use && s.status == "in-use" ? "in-use" : "available";
    if (s.status != expected)
      // Cinder prints the condition it expected as a Python dict.
      return invalid_volume("Volume " + s.id + " status must be '{'status': '" + expected +
                            "'}' to extend, currently " + s.status + ".");
    return events{volume_extend_started{c.new_size}};
  }
  result operator()(const volume::finish_extend&) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "extending") return wrong_status(s, "extending");
    if (s.extending_to <= s.size)
      return make_domain_error(errc::conflict, "Volume " + s.id + " has no new size to extend to.");
    return events{volume_extended{s.extending_to}};
  }
  result operator()(const volume::fail_extend& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "extending") return wrong_status(s, "extending");
    return events{volume_extend_failed{c.reason}};
  }

  result operator()(const volume::reserve& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status.find("error") != std::string::npos)
      // Cinder's message ends with a space.
      return invalid_volume(
          "Volume attachments can not be created if the volume is in an error state. The "
          "Volume " +
          s.id + " currently has a status of: " + s.status + " ");
    // Cinder also takes a volume still downloading its image; here that is
    // `creating`, which no attachment waits for. Its message lists it.
    const bool fits = s.multiattach ? one_of(s.status, {"available", "in-use"})
                                    : s.status == "available" && s.attachments.empty();
    if (!fits)
      return invalid_volume(
          "Volume " + s.id + " status must be " +
          (s.multiattach ? "available or in-use or downloading" : "available or downloading") +
          " to reserve, but the current status is " + s.status + ".");
    if (s.attachment(c.attachment_id))
      return make_domain_error(errc::conflict,
                               "Volume attachment " + c.attachment_id + " already exists.");
    return events{volume_attachment_reserved{c.attachment_id, c.server_id}};
  }
  result operator()(const volume::start_attach& c) const {
    if (!s.exists()) return volume_not_found(s);
    const volume_attachment* a = s.attachment(c.attachment_id);
    if (!a) return attachment_not_found(c.attachment_id);
    if (a->attach_status != "reserved") return wrong_attachment_status(*a, "reserved");
    return events{
        volume_attach_started{c.attachment_id, c.host_name, c.device, s.readonly ? "ro" : "rw"}};
  }
  result operator()(const volume::complete_attach& c) const {
    if (!s.exists()) return volume_not_found(s);
    const volume_attachment* a = s.attachment(c.attachment_id);
    if (!a) return attachment_not_found(c.attachment_id);
    if (a->attach_status != "attaching") return wrong_attachment_status(*a, "attaching");
    return events{volume_attached{c.attachment_id, c.at_us}};
  }
  result operator()(const volume::fail_attach& c) const {
    if (!s.exists()) return volume_not_found(s);
    const volume_attachment* a = s.attachment(c.attachment_id);
    // Nova's unreserve of an attachment that is gone: nothing to do.
    if (!a) return events{};
    if (!one_of(a->attach_status, {"reserved", "attaching"}))
      return wrong_attachment_status(*a, "reserved or attaching");
    return events{volume_attach_failed{c.attachment_id, c.reason}};
  }
  result operator()(const volume::begin_detach& c) const {
    if (!s.exists()) return volume_not_found(s);
    const volume_attachment* a = s.attachment(c.attachment_id);
    if (!a) return attachment_not_found(c.attachment_id);
    if (s.status != "in-use" || a->attach_status != "attached")
      return invalid_volume(
          "Unable to detach volume. Volume status must be 'in-use' and attach_status must be "
          "'attached' to detach.");
    return events{volume_detach_started{c.attachment_id}};
  }
  result operator()(const volume::finish_detach& c) const {
    if (!s.exists()) return volume_not_found(s);
    const volume_attachment* a = s.attachment(c.attachment_id);
    if (!a) return attachment_not_found(c.attachment_id);
    if (a->attach_status != "detaching") return wrong_attachment_status(*a, "detaching");
    return events{volume_detached{c.attachment_id}};
  }
  result operator()(const volume::roll_detaching& c) const {
    if (!s.exists()) return volume_not_found(s);
    const volume_attachment* a = s.attachment(c.attachment_id);
    // Cinder's os-roll_detaching does nothing to a volume not detaching.
    if (!a || a->attach_status != "detaching") return events{};
    return events{volume_detach_rolled_back{c.attachment_id, c.reason}};
  }

  result operator()(const volume::upload_to_image& c) const {
    if (!s.exists()) return volume_not_found(s);
    // Cinder ignores `force` unless enable_force_upload is set (it is not
    // by default): only an available volume is uploaded.
    if (s.status != "available")
      return invalid_volume("Volume " + s.id + " status must be available");
    return events{volume_upload_started{c.image_id}};
  }
  result operator()(const volume::finish_upload&) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "uploading") return wrong_status(s, "uploading");
    return events{volume_upload_finished{s.uploading_image_id}};
  }
  result operator()(const volume::fail_upload& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "uploading") return wrong_status(s, "uploading");
    return events{volume_upload_failed{s.uploading_image_id, c.reason}};
  }

  result operator()(const volume::add_snapshot& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (has_snapshot(s, c.snapshot_id)) return events{};
    if (s.status == "error")
      return invalid_volume("The snapshot cannot be created when the volume is in error status.");
    const bool fits = s.status == "available" || (c.allow_in_use && s.status == "in-use");
    if (!fits)
      return invalid_volume("Volume " + s.id + " status must be " +
                            (c.allow_in_use ? "available, in-use" : "available") +
                            ", but current status is: " + s.status + ".");
    return events{volume_snapshot_added{c.snapshot_id}};
  }
  result operator()(const volume::remove_snapshot& c) const {
    if (!s.exists() || !has_snapshot(s, c.snapshot_id)) return events{};
    return events{volume_snapshot_removed{c.snapshot_id}};
  }

  result operator()(const volume::reset_status& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (!c.status && !c.attach_status)
      return make_domain_error(errc::bad_request,
                               "Must specify 'status', 'attach_status' or 'migration_status' for "
                               "update.");
    if (c.status) {
      const auto& all = volume_statuses();
      if (std::find(all.begin(), all.end(), *c.status) == all.end())
        return make_domain_error(errc::bad_request, "Volume status: " + *c.status +
                                                        " is invalid, valid statuses are: " +
                                                        cinder_status_list(all) + ".");
    }
    if (c.attach_status && !one_of(*c.attach_status, {"attached", "detached"}))
      return make_domain_error(errc::bad_request,
                               "Volume attach status: " + *c.attach_status +
                                   " is invalid, valid statuses are: ['attached', 'detached'].");
    // Statuses that promise work nobody is doing. Cinder means to refuse
    // these three (its list lacks a comma, so it refuses only deleting).
    if (c.status && one_of(*c.status, {"deleting", "error_deleting", "detaching"}))
      return make_domain_error(errc::bad_request, "Cannot reset-state to " + *c.status);
    if (c.status && *c.status == "in-use" && s.attachments.empty())
      return make_domain_error(errc::bad_request,
                               "Cannot reset-state to in-use because volume does not have any "
                               "attachments.");
    return events{volume_status_reset{c.status, c.attach_status}};
  }

  result operator()(const volume::remove& c) const {
    if (!s.exists()) return volume_not_found(s);
    const bool status_fits = c.force || one_of(s.status, {"available", "error", "error_restoring",
                                                          "error_extending", "error_managing"});
    if (!status_fits || !s.attachments.empty() || s.attach_status == "attached" ||
        !s.snapshot_ids.empty())
      return invalid_volume(delete_refusal(c.force));
    return events{volume_delete_started{}};
  }
  result operator()(const volume::fail_delete& c) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "deleting") return wrong_status(s, "deleting");
    return events{volume_delete_failed{c.reason}};
  }
  result operator()(const volume::finish_delete&) const {
    if (!s.exists()) return volume_not_found(s);
    if (s.status != "deleting") return wrong_status(s, "deleting");
    return events{volume_deleted{}};
  }
};

struct applier {
  volume_state& s;

  // The status an event needs: anything else is a log this code did not write.
  void require(const char* type, std::initializer_list<std::string_view> statuses) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a volume that does not exist");
    if (statuses.size() == 0) return;
    for (auto st : statuses)
      if (s.status == st) return;
    throw invalid_event(std::string(type) + " on a volume in status " + s.status);
  }
  volume_attachment& attachment(const char* type, const std::string& id,
                                std::initializer_list<std::string_view> statuses) const {
    require(type, {});
    auto it = std::find_if(s.attachments.begin(), s.attachments.end(),
                           [&](const volume_attachment& a) { return a.id == id; });
    if (it == s.attachments.end())
      throw invalid_event(std::string(type) + " of " + id + ", not an attachment");
    if (std::find(statuses.begin(), statuses.end(), it->attach_status) == statuses.end())
      throw invalid_event(std::string(type) + " of attachment " + id + " in status " +
                          it->attach_status);
    return *it;
  }
  void drop(const std::string& id) const {
    std::erase_if(s.attachments, [&](const volume_attachment& a) { return a.id == id; });
  }
  // The attachments changed: the volume shows what they give.
  void settle() const {
    s.status = derived_status(s);
    s.attach_status = derived_attach_status(s);
  }
  // An extend or an upload ends: back to where it began.
  void back() const {
    s.status = s.previous_status.empty() ? derived_status(s) : s.previous_status;
    s.previous_status.clear();
  }

  void operator()(const volume_created& e) {
    if (s.version > 0) throw invalid_event("volume.created on a volume that exists");
    s.name = e.name;
    s.description = e.description;
    s.size = e.size;
    s.volume_type = e.volume_type;
    s.volume_type_id = e.volume_type_id;
    s.availability_zone = e.availability_zone;
    s.bootable = e.bootable;
    s.multiattach = e.multiattach;
    s.metadata = e.metadata;
    s.project_id = e.project_id;
    s.user_id = e.user_id;
    s.source_volid = e.source_volid;
    s.snapshot_id = e.snapshot_id;
    s.image_id = e.image_id;
    s.volume_image_metadata = e.volume_image_metadata;
    s.status = "creating";
    s.attach_status = "detached";
  }
  void operator()(const volume_create_finished& e) {
    require(e.type_name, {"creating"});
    s.status = "available";
    // Cinder's enable_bootable_flag after an image's copy: a volume whose
    // bytes never came is not one to boot from.
    if (!s.image_id.empty()) s.bootable = true;
  }
  void operator()(const volume_create_failed& e) {
    require(e.type_name, {"creating"});
    s.status = "error";
    s.error_reason = e.reason;
  }
  void operator()(const volume_updated& e) {
    require(e.type_name, {});
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
  }
  void operator()(const volume_metadata_changed& e) {
    require(e.type_name, {});
    for (const auto& [k, v] : e.set) s.metadata[k] = v;
    for (const auto& k : e.removed) s.metadata.erase(k);
  }
  void operator()(const volume_readonly_changed& e) {
    require(e.type_name, {});
    s.readonly = e.readonly;
  }
  void operator()(const volume_bootable_changed& e) {
    require(e.type_name, {});
    s.bootable = e.bootable;
  }
  void operator()(const volume_extend_started& e) {
    require(e.type_name, {"available", "in-use"});
    if (e.new_size <= s.size) throw invalid_event("volume.extend_started that does not grow");
    s.previous_status = s.status;
    s.status = "extending";
    s.extending_to = e.new_size;
  }
  void operator()(const volume_extended& e) {
    require(e.type_name, {"extending"});
    if (e.size <= s.size) throw invalid_event("volume.extended that does not grow");
    s.size = e.size;
    s.extending_to = 0;
    back();
  }
  void operator()(const volume_extend_failed& e) {
    require(e.type_name, {"extending"});
    s.status = "error_extending";
    s.previous_status.clear();
    s.extending_to = 0;
    s.error_reason = e.reason;
  }
  void operator()(const volume_attachment_reserved& e) {
    require(e.type_name, {});
    if (s.attachment(e.attachment_id))
      throw invalid_event("volume.attachment_reserved of " + e.attachment_id + " twice");
    volume_attachment a;
    a.id = e.attachment_id;
    a.server_id = e.server_id;
    s.attachments.push_back(std::move(a));
    settle();
  }
  void operator()(const volume_attach_started& e) {
    auto& a = attachment(e.type_name, e.attachment_id, {"reserved"});
    a.attach_status = "attaching";
    a.host_name = e.host_name;
    a.device = e.device;
    a.attach_mode = e.attach_mode;
    settle();
  }
  void operator()(const volume_attached& e) {
    auto& a = attachment(e.type_name, e.attachment_id, {"attaching"});
    a.attach_status = "attached";
    a.attached_at_us = e.attached_at_us;
    settle();
  }
  void operator()(const volume_attach_failed& e) {
    attachment(e.type_name, e.attachment_id, {"reserved", "attaching"});
    drop(e.attachment_id);
    settle();
  }
  void operator()(const volume_detach_started& e) {
    attachment(e.type_name, e.attachment_id, {"attached"}).attach_status = "detaching";
    settle();
  }
  void operator()(const volume_detached& e) {
    attachment(e.type_name, e.attachment_id, {"detaching"});
    drop(e.attachment_id);
    settle();
  }
  void operator()(const volume_detach_rolled_back& e) {
    attachment(e.type_name, e.attachment_id, {"detaching"}).attach_status = "attached";
    settle();
  }
  void operator()(const volume_upload_started& e) {
    require(e.type_name, {"available", "in-use"});
    s.previous_status = s.status;
    s.status = "uploading";
    s.uploading_image_id = e.image_id;
  }
  void operator()(const volume_upload_finished& e) {
    require(e.type_name, {"uploading"});
    s.uploading_image_id.clear();
    back();
  }
  void operator()(const volume_upload_failed& e) {
    require(e.type_name, {"uploading"});
    s.uploading_image_id.clear();
    s.error_reason = e.reason;
    back();
  }
  void operator()(const volume_snapshot_added& e) {
    require(e.type_name, {});
    if (has_snapshot(s, e.snapshot_id))
      throw invalid_event("volume.snapshot_added of " + e.snapshot_id + " twice");
    s.snapshot_ids.push_back(e.snapshot_id);
  }
  void operator()(const volume_snapshot_removed& e) {
    require(e.type_name, {});
    if (!has_snapshot(s, e.snapshot_id))
      throw invalid_event("volume.snapshot_removed of " + e.snapshot_id + ", not a snapshot");
    std::erase(s.snapshot_ids, e.snapshot_id);
  }
  void operator()(const volume_status_reset& e) {
    require(e.type_name, {});
    if (e.attach_status) {
      s.attach_status = *e.attach_status;
      if (s.attach_status == "detached") s.attachments.clear();
    }
    if (e.status) {
      s.status = *e.status;
      // Whatever an extend or an upload would have gone back to is moot.
      s.previous_status.clear();
      s.extending_to = 0;
      s.uploading_image_id.clear();
    }
  }
  void operator()(const volume_delete_started& e) {
    require(e.type_name, {});
    s.status = "deleting";
  }
  void operator()(const volume_delete_failed& e) {
    require(e.type_name, {"deleting"});
    s.status = "error_deleting";
    s.error_reason = e.reason;
  }
  void operator()(const volume_deleted& e) {
    require(e.type_name, {"deleting"});
    s.status = "deleted";
    s.deleted = true;
  }
};

}  // namespace

const volume_attachment* volume_state::attachment(const std::string& attachment_id) const {
  for (const auto& a : attachments)
    if (a.id == attachment_id) return &a;
  return nullptr;
}

std::string derived_status(const volume_state& s) {
  auto any = [&](const char* st) {
    return std::any_of(s.attachments.begin(), s.attachments.end(),
                       [&](const volume_attachment& a) { return a.attach_status == st; });
  };
  if (any("detaching")) return "detaching";
  if (any("attaching")) return "attaching";
  if (any("reserved")) return "reserved";
  if (any("attached")) return "in-use";
  return "available";
}

std::string derived_attach_status(const volume_state& s) {
  auto any = [&](const char* st) {
    return std::any_of(s.attachments.begin(), s.attachments.end(),
                       [&](const volume_attachment& a) { return a.attach_status == st; });
  };
  if (any("detaching")) return "detaching";
  if (any("attached")) return "attached";
  if (any("attaching")) return "attaching";
  return "detached";
}

const std::vector<std::string>& volume_statuses() {
  static const std::vector<std::string> all{
      "creating",       "available",        "deleting",        "error",       "error_deleting",
      "error_managing", "managing",         "attaching",       "in-use",      "detaching",
      "maintenance",    "restoring-backup", "error_restoring", "reserved",    "awaiting-transfer",
      "backing-up",     "error_backing-up", "error_extending", "downloading", "uploading",
      "retyping",       "extending"};
  return all;
}

std::optional<domain_error> check_volume_metadata(const std::map<std::string, std::string>& m) {
  for (const auto& [k, v] : m) {
    if (k.empty())
      return make_domain_error(errc::bad_request,
                               "Invalid metadata: Metadata key:  has a minimum character "
                               "requirement of 1.");
    if (k.size() > 255)
      return make_domain_error(errc::bad_request, "Invalid metadata size: Metadata property key " +
                                                      k + " greater than 255 characters.");
    if (v.size() > 255)
      return make_domain_error(errc::bad_request, "Invalid metadata size: Metadata property key " +
                                                      k + " value greater than 255 characters.");
  }
  return std::nullopt;
}

std::string cinder_status_list(const std::vector<std::string>& values) {
  std::string out = "(";
  for (const auto& v : values) {
    if (out.size() > 1) out += ", ";
    out += "'" + v + "'";
  }
  return out + ")";
}

std::vector<volume::command> resolve_after_restart(const volume_state& s,
                                                   const volume::restart_facts& facts) {
  std::vector<volume::command> out;
  if (!s.exists()) return out;
  const std::string why = " was interrupted by a restart of the cloud.";
  if (s.status == "creating") {
    if (facts.backing_file_complete)
      out.push_back(volume::finish_create{});
    else
      out.push_back(volume::fail_create{"The volume's create" + why});
    return out;
  }
  if (s.status == "extending") {
    if (facts.backing_file_extended && s.extending_to > s.size)
      out.push_back(volume::finish_extend{});
    else
      out.push_back(volume::fail_extend{"The extend" + why});
    return out;
  }
  if (s.status == "uploading") {
    if (facts.upload_image_active)
      out.push_back(volume::finish_upload{});
    else
      out.push_back(volume::fail_upload{"The upload to an image" + why});
    return out;
  }
  // The user was answered 202: the delete is finished.
  if (s.status == "deleting") {
    out.push_back(volume::finish_delete{});
    return out;
  }
  for (const auto& a : s.attachments) {
    const bool on_server = facts.on_servers.count(a.id) > 0;
    if (a.attach_status == "attaching" && on_server)
      out.push_back(volume::complete_attach{a.id, facts.now_us});
    else if (a.attach_status == "reserved" || a.attach_status == "attaching")
      out.push_back(volume::fail_attach{a.id, "The attach" + why});
    else if (a.attach_status == "detaching" && !on_server)
      out.push_back(volume::finish_detach{a.id});
    else if (a.attach_status == "detaching")
      out.push_back(volume::roll_detaching{a.id, "The detach" + why});
  }
  if (!out.empty()) return out;
  // A status that promises work (set by an admin's reset) with none in
  // flight: the attachments say what the volume is.
  if (one_of(s.status, {"reserved", "attaching", "detaching", "downloading", "retyping",
                        "backing-up", "restoring-backup", "managing", "maintenance"}))
    out.push_back(volume::reset_status{derived_status(s), std::nullopt});
  return out;
}

std::vector<volume::command> unrecorded_snapshots(const volume_state& s,
                                                  const std::set<std::string>& live_snapshots) {
  std::vector<volume::command> out;
  for (const auto& id : s.snapshot_ids)
    if (!live_snapshots.count(id)) out.push_back(volume::remove_snapshot{id});
  return out;
}

void to_json(nlohmann::json& j, const volume_state& s) {
  using nlohmann::json;
  auto or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  j = json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["description"] = s.description;
  j["size"] = s.size;
  j["volume_type"] = s.volume_type;
  j["volume_type_id"] = s.volume_type_id;
  j["availability_zone"] = s.availability_zone;
  j["status"] = s.status;
  j["attach_status"] = s.attach_status;
  j["bootable"] = s.bootable;
  j["multiattach"] = s.multiattach;
  j["readonly"] = s.readonly;
  j["encrypted"] = false;
  j["migration_status"] = nullptr;
  j["metadata"] = s.metadata;
  j["project_id"] = s.project_id;
  j["user_id"] = s.user_id;
  j["source_volid"] = or_null(s.source_volid);
  j["snapshot_id"] = or_null(s.snapshot_id);
  j["image_id"] = or_null(s.image_id);
  j["volume_image_metadata"] = s.volume_image_metadata;
  json attachments = json::array();
  for (const auto& a : s.attachments)
    attachments.push_back({{"id", a.id},
                           {"server_id", a.server_id},
                           {"host_name", or_null(a.host_name)},
                           {"device", or_null(a.device)},
                           {"attach_mode", a.attach_mode},
                           {"attach_status", a.attach_status},
                           {"attached_at", a.attached_at_us ? json(format_iso8601(a.attached_at_us))
                                                            : json(nullptr)}});
  j["attachments"] = attachments;
  j["snapshot_ids"] = s.snapshot_ids;
  j["previous_status"] = or_null(s.previous_status);
  j["extending_to"] = s.extending_to ? json(s.extending_to) : json(nullptr);
  j["uploading_image_id"] = or_null(s.uploading_image_id);
  j["error_reason"] = or_null(s.error_reason);
}

decision<volume_event> volume_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

volume_state volume_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

}  // namespace cumulo
