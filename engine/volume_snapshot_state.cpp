#include "engine/volume_snapshot_state.hpp"

#include <algorithm>

#include "engine/volume_state.hpp"

namespace cumulo {
namespace {

using events = std::vector<volume_snapshot_event>;

domain_error snapshot_not_found(const volume_snapshot_state& s) {
  return make_domain_error(errc::not_found, "Snapshot " + s.id + " could not be found.");
}

// A step of the snapshot's own flow asked in the wrong status: its actor
// and the log disagree (a user never sends these).
domain_error wrong_status(const volume_snapshot_state& s, const std::string& expected) {
  return make_domain_error(errc::conflict, "Snapshot " + s.id + " status must be " + expected +
                                               ", but current status is: " + s.status + ".");
}

struct decider {
  const volume_snapshot_state& s;

  decision<volume_snapshot_event> operator()(const volume_snapshot::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Snapshot " + s.id + " already exists.");
    if (auto e = check_volume_metadata(c.metadata)) return *e;
    return events{volume_snapshot_created{c.volume_id, c.name, c.description, c.size, c.metadata,
                                          c.project_id, c.user_id}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::finish_create&) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (s.status != "creating") return wrong_status(s, "creating");
    return events{volume_snapshot_create_finished{}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::fail_create& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (s.status != "creating") return wrong_status(s, "creating");
    return events{volume_snapshot_create_failed{c.reason}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::update& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (!c.name && !c.description) return events{};
    return events{volume_snapshot_updated{c.name, c.description}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::set_metadata& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (auto e = check_volume_metadata(c.metadata)) return *e;
    volume_snapshot_metadata_changed e{c.metadata, {}};
    if (c.replace)
      for (const auto& [k, _] : s.metadata)
        if (!c.metadata.count(k)) e.removed.push_back(k);
    if (e.set.empty() && e.removed.empty()) return events{};
    return events{e};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::unset_metadata& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (!s.metadata.count(c.key))
      return make_domain_error(errc::not_found,
                               "Snapshot " + s.id + " has no metadata with key " + c.key + ".");
    return events{volume_snapshot_metadata_changed{{}, {c.key}}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::reset_status& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    const auto& all = volume_snapshot_statuses();
    if (std::find(all.begin(), all.end(), c.status) == all.end())
      return make_domain_error(errc::bad_request, "Snapshot status: " + c.status +
                                                      " is invalid, valid statuses are: " +
                                                      cinder_status_list(all) + ".");
    return events{volume_snapshot_status_reset{c.status}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::remove& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (!c.force && s.status != "available" && s.status != "error")
      return make_domain_error(errc::bad_request,
                               "Invalid snapshot: Snapshot status must be available or error and "
                               "must not be part of a group.");
    return events{volume_snapshot_delete_started{}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::fail_delete& c) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (s.status != "deleting") return wrong_status(s, "deleting");
    return events{volume_snapshot_delete_failed{c.reason}};
  }
  decision<volume_snapshot_event> operator()(const volume_snapshot::finish_delete&) const {
    if (!s.exists()) return snapshot_not_found(s);
    if (s.status != "deleting") return wrong_status(s, "deleting");
    return events{volume_snapshot_deleted{}};
  }
};

struct applier {
  volume_snapshot_state& s;

  void require(const char* type, std::initializer_list<std::string_view> statuses) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a snapshot that does not exist");
    if (statuses.size() == 0) return;
    for (auto st : statuses)
      if (s.status == st) return;
    throw invalid_event(std::string(type) + " on a snapshot in status " + s.status);
  }
  void operator()(const volume_snapshot_created& e) {
    if (s.version > 0) throw invalid_event("volume_snapshot.created on a snapshot that exists");
    s.volume_id = e.volume_id;
    s.name = e.name;
    s.description = e.description;
    s.size = e.size;
    s.metadata = e.metadata;
    s.project_id = e.project_id;
    s.user_id = e.user_id;
    s.status = "creating";
    s.progress = "0%";
  }
  void operator()(const volume_snapshot_create_finished& e) {
    require(e.type_name, {"creating"});
    s.status = "available";
    s.progress = "100%";
  }
  void operator()(const volume_snapshot_create_failed& e) {
    require(e.type_name, {"creating"});
    s.status = "error";
    s.error_reason = e.reason;
  }
  void operator()(const volume_snapshot_updated& e) {
    require(e.type_name, {});
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
  }
  void operator()(const volume_snapshot_metadata_changed& e) {
    require(e.type_name, {});
    for (const auto& [k, v] : e.set) s.metadata[k] = v;
    for (const auto& k : e.removed) s.metadata.erase(k);
  }
  void operator()(const volume_snapshot_status_reset& e) {
    require(e.type_name, {});
    s.status = e.status;
  }
  void operator()(const volume_snapshot_delete_started& e) {
    require(e.type_name, {});
    s.status = "deleting";
  }
  void operator()(const volume_snapshot_delete_failed& e) {
    require(e.type_name, {"deleting"});
    s.status = "error_deleting";
    s.error_reason = e.reason;
  }
  void operator()(const volume_snapshot_deleted& e) {
    require(e.type_name, {"deleting"});
    s.status = "deleted";
    s.deleted = true;
  }
};

}  // namespace

const std::vector<std::string>& volume_snapshot_statuses() {
  static const std::vector<std::string> all{
      "error",    "available",      "creating",   "deleting",   "deleted",
      "updating", "error_deleting", "unmanaging", "backing-up", "restoring"};
  return all;
}

std::optional<volume_snapshot::command> resolve_after_restart(
    const volume_snapshot_state& s, const volume_snapshot::restart_facts& facts) {
  if (!s.exists()) return std::nullopt;
  if (s.status == "creating") {
    if (facts.backing_file_complete) return volume_snapshot::finish_create{};
    return volume_snapshot::fail_create{
        "The snapshot's create was interrupted by a restart of the cloud."};
  }
  // The user asked for the delete and was answered 202: it is finished.
  if (s.status == "deleting") return volume_snapshot::finish_delete{};
  return std::nullopt;
}

void to_json(nlohmann::json& j, const volume_snapshot_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["volume_id"] = s.volume_id;
  j["name"] = s.name;
  j["description"] = s.description;
  j["size"] = s.size;
  j["metadata"] = s.metadata;
  j["project_id"] = s.project_id;
  j["user_id"] = s.user_id;
  j["status"] = s.status;
  j["progress"] = s.progress;
  j["error_reason"] = s.error_reason;
}

decision<volume_snapshot_event> volume_snapshot_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

volume_snapshot_state volume_snapshot_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

}  // namespace cumulo
