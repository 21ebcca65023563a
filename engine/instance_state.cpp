#include "engine/instance_state.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "engine/clock.hpp"

namespace cumulo {
namespace {

constexpr std::array<std::pair<vm_states, const char*>, 11> vm_names{{
    {vm_states::building, "building"},
    {vm_states::active, "active"},
    {vm_states::stopped, "stopped"},
    {vm_states::paused, "paused"},
    {vm_states::suspended, "suspended"},
    {vm_states::error, "error"},
    {vm_states::deleted, "deleted"},
    {vm_states::resized, "resized"},
    {vm_states::rescued, "rescued"},
    {vm_states::shelved, "shelved"},
    {vm_states::shelved_offloaded, "shelved_offloaded"},
}};
constexpr std::array<std::pair<task_states, const char*>, 30> task_names{{
    {task_states::none, "none"},
    {task_states::scheduling, "scheduling"},
    {task_states::networking, "networking"},
    {task_states::block_device_mapping, "block_device_mapping"},
    {task_states::spawning, "spawning"},
    {task_states::powering_off, "powering-off"},
    {task_states::powering_on, "powering-on"},
    {task_states::rebooting, "rebooting"},
    {task_states::rebooting_hard, "rebooting_hard"},
    {task_states::pausing, "pausing"},
    {task_states::unpausing, "unpausing"},
    {task_states::suspending, "suspending"},
    {task_states::resuming, "resuming"},
    {task_states::deleting, "deleting"},
    {task_states::image_snapshot, "image_snapshot"},
    {task_states::image_pending_upload, "image_pending_upload"},
    {task_states::image_uploading, "image_uploading"},
    {task_states::rebuilding, "rebuilding"},
    {task_states::rebuild_spawning, "rebuild_spawning"},
    {task_states::resize_prep, "resize_prep"},
    {task_states::resize_migrating, "resize_migrating"},
    {task_states::resize_reverting, "resize_reverting"},
    {task_states::migrating, "migrating"},
    {task_states::shelving, "shelving"},
    {task_states::shelving_image_pending_upload, "shelving_image_pending_upload"},
    {task_states::shelving_image_uploading, "shelving_image_uploading"},
    {task_states::shelving_offloading, "shelving_offloading"},
    {task_states::unshelving, "unshelving"},
    {task_states::rescuing, "rescuing"},
    {task_states::unrescuing, "unrescuing"},
}};
constexpr std::array<std::pair<power_states, const char*>, 6> power_names{{
    {power_states::nostate, "pending"},
    {power_states::running, "running"},
    {power_states::paused, "paused"},
    {power_states::shutdown, "shutdown"},
    {power_states::crashed, "crashed"},
    {power_states::suspended, "suspended"},
}};
constexpr std::array<std::pair<reboot_type, const char*>, 2> reboot_names{{
    {reboot_type::soft, "SOFT"},
    {reboot_type::hard, "HARD"},
}};

template <class Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& names, Enum v) {
  for (const auto& [e, n] : names)
    if (e == v) return n;
  return "unknown";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, const char*>, N>& names,
                             std::string_view text) {
  for (const auto& [e, n] : names)
    if (text == n) return e;
  return std::nullopt;
}

}  // namespace

const char* to_string(vm_states v) {
  return name_of(vm_names, v);
}
const char* to_string(task_states t) {
  return name_of(task_names, t);
}
const char* to_string(power_states p) {
  return name_of(power_names, p);
}
const char* to_string(reboot_type r) {
  return name_of(reboot_names, r);
}

template <>
std::optional<vm_states> from_string<vm_states>(std::string_view text) {
  return value_of(vm_names, text);
}
template <>
std::optional<task_states> from_string<task_states>(std::string_view text) {
  return value_of(task_names, text);
}
template <>
std::optional<power_states> from_string<power_states>(std::string_view text) {
  return value_of(power_names, text);
}
template <>
std::optional<reboot_type> from_string<reboot_type>(std::string_view text) {
  return value_of(reboot_names, text);
}

namespace instance {

void to_json(nlohmann::json& j, const migration& m) {
  j = {{"id", m.id},
       {"type", m.type},
       {"status", m.status},
       {"source_host", m.source_host},
       {"dest_host", m.dest_host},
       {"old_flavor", m.old_flavor.id},
       {"new_flavor", m.new_flavor.id},
       {"vm_state_before", to_string(m.vm_state_before)},
       {"created_at", format_iso8601(m.created_at_us)},
       {"updated_at", format_iso8601(m.updated_at_us)}};
}

}  // namespace instance

std::string api_status(const instance_state& s) {
  // Nova's _STATE_MAP: a rebuild shows REBUILD whatever the vm_state.
  if (s.task_state == task_states::rebuilding || s.task_state == task_states::rebuild_spawning)
    return "REBUILD";
  const bool resizing =
      s.task_state == task_states::resize_prep || s.task_state == task_states::resize_migrating;
  if (resizing && (s.vm_state == vm_states::active || s.vm_state == vm_states::stopped))
    return "RESIZE";
  switch (s.vm_state) {
    case vm_states::building:
      return "BUILD";
    case vm_states::active:
      if (s.task_state == task_states::rebooting) return "REBOOT";
      if (s.task_state == task_states::rebooting_hard) return "HARD_REBOOT";
      if (s.task_state == task_states::migrating) return "MIGRATING";
      return "ACTIVE";
    // Nova maps no reboot task of a stopped instance: a hard reboot of a
    // stopped server shows SHUTOFF until it is ACTIVE.
    case vm_states::stopped:
      return "SHUTOFF";
    case vm_states::paused:
      return "PAUSED";
    case vm_states::suspended:
      return "SUSPENDED";
    case vm_states::error:
      return "ERROR";
    case vm_states::deleted:
      return "DELETED";
    case vm_states::resized:
      return s.task_state == task_states::resize_reverting ? "REVERT_RESIZE" : "VERIFY_RESIZE";
    case vm_states::rescued:
      return "RESCUE";
    case vm_states::shelved:
      return "SHELVED";
    case vm_states::shelved_offloaded:
      return "SHELVED_OFFLOADED";
  }
  return "UNKNOWN";
}

namespace {

using vm_set = std::vector<vm_states>;
using task_set = std::vector<task_states>;

template <class T>
bool among(const std::vector<T>& set, T v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// Which states an action may start from: Nova's check_instance_state
// (an empty set allows any state).
struct rule {
  const char* action;  // the name in Nova's message: 'stop', 'reboot', ...
  vm_set vm;
  task_set task;
  bool must_have_launched = false;
  bool needs_host = false;  // Nova's check_instance_host (stop, start)
};

// Nova's checks (nova/compute/api.py) for the user's actions.
const rule stop_rule{
    "stop", {vm_states::active, vm_states::error}, {task_states::none}, true, true};
const rule start_rule{"start", {vm_states::stopped}, {task_states::none}, true, true};
const rule soft_reboot_rule{"reboot", {vm_states::active}, {task_states::none}, true};
// vm_states.ALLOW_HARD_REBOOT and task_states.ALLOW_REBOOT: a hard reboot
// may interrupt a soft one, or a pause/suspend/resume that hangs.
const rule hard_reboot_rule{
    "reboot",
    {vm_states::active, vm_states::stopped, vm_states::paused, vm_states::suspended,
     vm_states::error},
    {task_states::none, task_states::rebooting, task_states::rebooting_hard, task_states::resuming,
     task_states::unpausing, task_states::pausing, task_states::suspending},
    true};
const rule pause_rule{"pause", {vm_states::active}, {task_states::none}, true};
const rule unpause_rule{"unpause", {vm_states::paused}, {task_states::none}, true};
const rule suspend_rule{"suspend", {vm_states::active}, {task_states::none}, true};
const rule resume_rule{"resume", {vm_states::suspended}, {task_states::none}, true};

// The actor's progress reports: each follows one step of the launch or of
// an operation. Failing one of these is a bug of the caller.
const rule schedule_rule{"schedule", {vm_states::building}, {task_states::scheduling}};
const rule bind_port_rule{"bind_port", {vm_states::building}, {task_states::networking}};
const rule spawn_rule{"spawn", {vm_states::building}, {task_states::networking}};
const rule reschedule_rule{
    "reschedule", {vm_states::building}, {task_states::networking, task_states::spawning}};
const rule mark_active_rule{"mark_active", {vm_states::building}, {task_states::spawning}};
const rule complete_stop_rule{"complete_stop", {}, {task_states::powering_off}};
const rule complete_start_rule{"complete_start", {}, {task_states::powering_on}};
const rule complete_reboot_rule{
    "complete_reboot", {}, {task_states::rebooting, task_states::rebooting_hard}};
const rule complete_pause_rule{"complete_pause", {}, {task_states::pausing}};
const rule complete_unpause_rule{"complete_unpause", {}, {task_states::unpausing}};
const rule complete_suspend_rule{"complete_suspend", {}, {task_states::suspending}};
const rule complete_resume_rule{"complete_resume", {}, {task_states::resuming}};
const rule complete_delete_rule{"complete_delete", {}, {task_states::deleting}};

// Nova's states in which a server's metadata and tags may change
// (nova/compute/api.py update_instance_metadata, server_tags.py); shelved
// states join them when they exist.
const rule metadata_rule{"update metadata",
                         {vm_states::active, vm_states::paused, vm_states::suspended,
                          vm_states::stopped, vm_states::shelved, vm_states::shelved_offloaded},
                         {task_states::none}};
const rule delete_metadata_rule{
    "delete metadata",
    {vm_states::active, vm_states::paused, vm_states::suspended, vm_states::stopped,
     vm_states::shelved, vm_states::shelved_offloaded},
    {task_states::none}};
// Nova's snapshot: not held by the lock (a note of Nova's: a lock guards
// against changes, a snapshot changes nothing).
const rule snapshot_rule{
    "createImage",
    {vm_states::active, vm_states::stopped, vm_states::paused, vm_states::suspended},
    {task_states::none}};
// A shelve's snapshot goes through the same steps under its own tasks.
const rule snapshot_taken_rule{
    "snapshot_taken", {}, {task_states::image_snapshot, task_states::shelving}};
const rule snapshot_uploading_rule{
    "snapshot_uploading",
    {},
    {task_states::image_pending_upload, task_states::shelving_image_pending_upload}};
const rule complete_snapshot_rule{
    "complete_snapshot", {}, {task_states::image_uploading, task_states::shelving_image_uploading}};
const rule snapshot_done_rule{"snapshot_done", {}, {task_states::image_uploading}};
const rule shelved_rule{"shelved", {}, {task_states::shelving_image_uploading}};
// Nova's rebuild (held by the lock): active, stopped or in error, no task.
// A server in ERROR whose build failed holds no claim and no domain: only
// one that was launched once may be rebuilt or rescued in place.
const rule rebuild_rule{"rebuild",
                        {vm_states::active, vm_states::stopped, vm_states::error},
                        {task_states::none},
                        true};
const rule rebuild_spawning_rule{"rebuild_spawning", {}, {task_states::rebuilding}};
const rule complete_rebuild_rule{"complete_rebuild", {}, {task_states::rebuild_spawning}};
const vm_set tag_states{vm_states::active,  vm_states::paused,  vm_states::suspended,
                        vm_states::stopped, vm_states::shelved, vm_states::shelved_offloaded};

// Moves (nova/compute/api.py resize, live_migrate, confirm_resize,
// revert_resize), with the action names of Nova's 409s.
const rule resize_rule{"resize", {vm_states::active, vm_states::stopped}, {task_states::none}};
const rule migrate_rule{"migrate", {vm_states::active, vm_states::stopped}, {task_states::none}};
const rule live_migrate_rule{
    "os-migrateLive", {vm_states::active, vm_states::paused}, {task_states::none}};
// An evacuation is scheduled from rebuilding (nova/compute/api.py evacuate).
const rule schedule_migration_rule{
    "schedule_migration",
    {},
    {task_states::resize_prep, task_states::migrating, task_states::rebuilding}};
const rule finish_resize_rule{"finish_resize", {}, {task_states::resize_migrating}};
const rule confirm_resize_rule{"confirmResize", {vm_states::resized}, {task_states::none}};
const rule revert_resize_rule{"revertResize", {vm_states::resized}, {task_states::none}};
const rule complete_revert_rule{"complete_revert", {}, {task_states::resize_reverting}};
const rule complete_live_rule{"complete_live_migration", {}, {task_states::migrating}};
const rule fail_migration_rule{"fail_migration",
                               {},
                               {task_states::resize_prep, task_states::resize_migrating,
                                task_states::migrating, task_states::rebuilding}};
// Evacuate: an admin's, not held by the lock; from a server that ran on a
// host (Nova's check_instance_state ACTIVE, STOPPED, ERROR).
const rule evacuate_rule{"evacuate",
                         {vm_states::active, vm_states::stopped, vm_states::error},
                         {task_states::none},
                         true,
                         true};
const rule complete_evacuation_rule{"complete_evacuation", {}, {task_states::rebuild_spawning}};
// Interfaces (nova/compute/api.py attach_interface, detach_interface).
const rule attach_interface_rule{"attach_interface",
                                 {vm_states::active, vm_states::paused, vm_states::stopped},
                                 {task_states::none},
                                 true};
const rule detach_interface_rule{"detach_interface",
                                 {vm_states::active, vm_states::paused, vm_states::stopped},
                                 {task_states::none},
                                 true};
// Volumes (nova/compute/api.py attach_volume, detach_volume). A server
// booting from a volume has it attached while it builds.
// Nova takes them shelved and offloaded too; here a volume goes to a
// server on a host (an offloaded one has none to connect it).
const rule attach_volume_rule{
    "attach_volume",
    {vm_states::active, vm_states::paused, vm_states::stopped, vm_states::shelved},
    {task_states::none}};
const rule detach_volume_rule{
    "detach_volume",
    {vm_states::active, vm_states::paused, vm_states::stopped, vm_states::shelved},
    {task_states::none}};
const rule attach_boot_volume_rule{"attach_boot_volume", {vm_states::building}, {}};

// Shelve, shelve_offload, unshelve (nova/compute/api.py).
const rule shelve_rule{
    "shelve",
    {vm_states::active, vm_states::stopped, vm_states::paused, vm_states::suspended},
    {task_states::none}};
const rule shelve_offload_rule{"shelve_offload", {vm_states::shelved}, {task_states::none}};
const rule complete_shelve_offload_rule{
    "complete_shelve_offload", {}, {task_states::shelving_offloading}};
const rule unshelve_rule{
    "unshelve", {vm_states::shelved, vm_states::shelved_offloaded}, {task_states::none}};
const rule schedule_unshelve_rule{
    "schedule_unshelve", {vm_states::shelved_offloaded}, {task_states::unshelving}};
const rule complete_unshelve_rule{"complete_unshelve",
                                  {vm_states::shelved, vm_states::shelved_offloaded},
                                  {task_states::unshelving, task_states::spawning}};
const rule fail_unshelve_rule{"fail_unshelve",
                              {vm_states::shelved_offloaded},
                              {task_states::unshelving, task_states::spawning}};
// Rescue (nova/compute/api.py rescue, unrescue).
const rule rescue_rule{"rescue",
                       {vm_states::active, vm_states::stopped, vm_states::error},
                       {task_states::none},
                       true,
                       true};
const rule complete_rescue_rule{"complete_rescue", {}, {task_states::rescuing}};
const rule unrescue_rule{"unrescue", {vm_states::rescued}, {task_states::none}};
const rule complete_unrescue_rule{"complete_unrescue", {}, {task_states::unrescuing}};

bool live_migration(const instance_state& s) {
  return s.migration && s.migration->type == "live-migration";
}

bool evacuation(const instance_state& s) {
  return s.migration && s.migration->type == "evacuation";
}

// Nova's status of a move that failed on a host: "failed" for live
// migrations and evacuations, "error" for the others.
const char* failed_status(const instance_state& s) {
  return live_migration(s) || evacuation(s) ? "failed" : "error";
}

domain_error not_found(const instance_state& s) {
  return make_domain_error(errc::not_found, "Instance " + s.id + " could not be found.");
}

// Nova's 409 text (raise_http_conflict_for_instance_invalid_state); when
// the offending value is None Nova falls back to the generic sentence.
domain_error invalid_state(const instance_state& s, const char* action, const char* attr,
                           const char* state) {
  if (!state)
    return make_domain_error(errc::conflict,
                             "Instance " + s.id + " is in an invalid state for '" + action + "'");
  return make_domain_error(errc::conflict, std::string("Cannot '") + action + "' instance " + s.id +
                                               " while it is in " + attr + " " + state);
}

// Checks in Nova's order: host, vm_state, task_state, launched_at.
std::optional<domain_error> check(const instance_state& s, const rule& r) {
  if (r.needs_host && s.host.empty())
    return make_domain_error(errc::conflict, "Instance " + s.id + " is not ready");
  if (!r.vm.empty() && !among(r.vm, s.vm_state))
    return invalid_state(s, r.action, "vm_state", to_string(s.vm_state));
  if (!r.task.empty() && !among(r.task, s.task_state)) {
    const bool none = s.task_state == task_states::none;
    return invalid_state(s, r.action, "task_state", none ? nullptr : to_string(s.task_state));
  }
  if (r.must_have_launched && s.launched_at_us == 0)
    return invalid_state(s, r.action, "launched_at", nullptr);
  return std::nullopt;
}

const rule& reboot_rule(reboot_type t) {
  return t == reboot_type::hard ? hard_reboot_rule : soft_reboot_rule;
}

// Nova's server name: 1 to 255 characters.
std::optional<domain_error> check_name(const std::string& name) {
  if (name.empty()) return make_domain_error(errc::bad_request, "Server name must not be empty.");
  if (name.size() > 255)
    return make_domain_error(errc::bad_request, "Server name is longer than 255 characters.");
  return std::nullopt;
}

std::optional<domain_error> check_flavor(const instance::flavor& f) {
  if (f.vcpus <= 0)
    return make_domain_error(errc::bad_request, "Flavor's vcpus must be greater than 0.");
  if (f.memory_mb <= 0)
    return make_domain_error(errc::bad_request, "Flavor's memory_mb must be greater than 0.");
  if (f.root_gb < 0 || f.ephemeral_gb < 0 || f.swap_mb < 0)
    return make_domain_error(errc::bad_request, "Flavor's disk sizes must not be negative.");
  return std::nullopt;
}

bool has_port(const instance_state& s, const std::string& port_id) {
  return std::any_of(s.addresses.begin(), s.addresses.end(),
                     [&](const auto& a) { return a.port_id == port_id; });
}

using events = std::vector<instance_event>;

// Tags keep the order they were first added, once each.
std::vector<std::string> unique_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags)
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

struct decider {
  const instance_state& s;

  // A live instance, and the rule of the action allows its state: the event.
  decision<instance_event> guarded(const rule& r, instance_event e) const {
    if (!s.exists()) return not_found(s);
    if (auto err = check(s, r)) return *err;
    return events{std::move(e)};
  }

  decision<instance_event> operator()(const instance::request& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Instance " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    if (auto e = check_flavor(c.flavor)) return *e;
    for (const auto& t : c.tags)
      if (auto e = instance::check_tag(t)) return *e;
    const auto tags = unique_tags(c.tags);
    if (tags.size() > max_instance_tags)
      return make_domain_error(
          errc::bad_request,
          "The number of tags exceeded the per-server limit " + std::to_string(max_instance_tags));
    return events{instance_requested{c.name,
                                     c.project_id,
                                     c.user_id,
                                     c.flavor,
                                     c.image_id,
                                     c.networks,
                                     c.key_name,
                                     c.metadata,
                                     c.user_data,
                                     c.availability_zone,
                                     c.security_groups,
                                     c.description.value_or(""),
                                     c.description.has_value(),
                                     c.access_ip_v4,
                                     c.access_ip_v6,
                                     tags,
                                     c.server_group_id,
                                     c.server_group_policy,
                                     c.max_server_per_host,
                                     c.reservation_id,
                                     c.boot}};
  }
  decision<instance_event> operator()(const instance::stop&) const {
    return guarded(stop_rule, instance_stop_requested{});
  }
  decision<instance_event> operator()(const instance::start&) const {
    return guarded(start_rule, instance_start_requested{});
  }
  decision<instance_event> operator()(const instance::reboot& c) const {
    return guarded(reboot_rule(c.type), instance_reboot_requested{to_string(c.type)});
  }
  decision<instance_event> operator()(const instance::pause&) const {
    return guarded(pause_rule, instance_pause_requested{});
  }
  decision<instance_event> operator()(const instance::unpause&) const {
    return guarded(unpause_rule, instance_unpause_requested{});
  }
  decision<instance_event> operator()(const instance::suspend&) const {
    return guarded(suspend_rule, instance_suspend_requested{});
  }
  decision<instance_event> operator()(const instance::resume&) const {
    return guarded(resume_rule, instance_resume_requested{});
  }
  decision<instance_event> operator()(const instance::rename& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_name(c.name)) return *e;
    return events{instance_renamed{c.name}};
  }
  // Nova deletes from any vm_state and task_state. A second delete while
  // one is under way has nothing to add.
  decision<instance_event> operator()(const instance::remove&) const {
    if (!s.exists()) return not_found(s);
    if (s.task_state == task_states::deleting) return events{};
    return events{instance_delete_requested{}};
  }

  decision<instance_event> operator()(const instance::update& c) const {
    if (!s.exists()) return not_found(s);
    instance_updated e{s.description.value_or(""), s.description.has_value(), s.access_ip_v4,
                       s.access_ip_v6};
    if (c.description) {
      e.has_description = c.description->has_value();
      e.description = c.description->value_or("");
    }
    if (c.access_ip_v4) e.access_ip_v4 = *c.access_ip_v4;
    if (c.access_ip_v6) e.access_ip_v6 = *c.access_ip_v6;
    const bool same = e.has_description == s.description.has_value() &&
                      e.description == s.description.value_or("") &&
                      e.access_ip_v4 == s.access_ip_v4 && e.access_ip_v6 == s.access_ip_v6;
    if (same) return events{};
    return events{std::move(e)};
  }
  decision<instance_event> operator()(const instance::set_metadata& c) const {
    if (!s.exists()) return not_found(s);
    if (auto err = check(s, metadata_rule)) return *err;
    auto merged = c.replace ? std::map<std::string, std::string>{} : s.metadata;
    for (const auto& [k, v] : c.metadata) merged[k] = v;
    if (c.max_items >= 0 && static_cast<std::int64_t>(merged.size()) > c.max_items)
      return make_domain_error(errc::forbidden,
                               "Quota exceeded for metadata_items: maximum number of metadata "
                               "items is " +
                                   std::to_string(c.max_items) + ".");
    if (merged == s.metadata) return events{};
    return events{instance_metadata_set{std::move(merged)}};
  }
  decision<instance_event> operator()(const instance::delete_metadata& c) const {
    if (!s.exists()) return not_found(s);
    if (auto err = check(s, delete_metadata_rule)) return *err;
    if (!s.metadata.count(c.key))
      return make_domain_error(errc::not_found, "Metadata item was not found");
    auto left = s.metadata;
    left.erase(c.key);
    return events{instance_metadata_set{std::move(left)}};
  }
  // Nova's server_tags: the server must be in a settled state.
  std::optional<domain_error> check_tags(const char* action) const {
    if (!among(tag_states, s.vm_state))
      return invalid_state(s, action, "vm_state", to_string(s.vm_state));
    return std::nullopt;
  }
  decision<instance_event> tags_after(std::vector<std::string> tags) const {
    if (tags.size() > max_instance_tags)
      return make_domain_error(
          errc::bad_request,
          "The number of tags exceeded the per-server limit " + std::to_string(max_instance_tags));
    if (tags == s.tags) return events{};
    return events{instance_tags_set{std::move(tags)}};
  }
  decision<instance_event> operator()(const instance::set_tags& c) const {
    if (!s.exists()) return not_found(s);
    if (auto err = check_tags(c.tags.empty() ? "delete tags" : "update tags")) return *err;
    for (const auto& t : c.tags)
      if (auto e = instance::check_tag(t)) return *e;
    return tags_after(unique_tags(c.tags));
  }
  decision<instance_event> operator()(const instance::add_tag& c) const {
    if (!s.exists()) return not_found(s);
    if (auto err = check_tags("update tag")) return *err;
    if (auto e = instance::check_tag(c.tag)) return *e;
    auto tags = s.tags;
    tags.push_back(c.tag);
    return tags_after(unique_tags(tags));
  }
  decision<instance_event> operator()(const instance::remove_tag& c) const {
    if (!s.exists()) return not_found(s);
    if (auto err = check_tags("delete tag")) return *err;
    auto tags = s.tags;
    auto it = std::find(tags.begin(), tags.end(), c.tag);
    if (it == tags.end())
      return make_domain_error(errc::not_found, "Instance " + s.id + " has no tag '" + c.tag + "'");
    tags.erase(it);
    return events{instance_tags_set{std::move(tags)}};
  }
  // Nova locks from any state; locking again keeps who locked it first
  // (and a new reason only if one is given).
  decision<instance_event> operator()(const instance::lock& c) const {
    if (!s.exists()) return not_found(s);
    if (s.locked) return events{};
    return events{instance_locked{c.by_owner ? "owner" : "admin", c.reason}};
  }
  decision<instance_event> operator()(const instance::rebuild& c) const {
    if (c.image_id.empty())
      return make_domain_error(errc::bad_request, "A rebuild needs an image.");
    if (!c.name.empty())
      if (auto e = check_name(c.name)) return *e;
    instance_rebuild_requested e;
    e.image_id = c.image_id;
    e.name = c.name;
    e.has_metadata = c.metadata.has_value();
    if (c.metadata) e.metadata = *c.metadata;
    e.has_description = c.description.has_value();
    if (c.description) {
      e.description_null = !c.description->has_value();
      e.description = c.description->value_or("");
    }
    e.access_ip_v4 = c.access_ip_v4;
    e.access_ip_v6 = c.access_ip_v6;
    e.has_key_name = c.key_name.has_value();
    e.key_name = c.key_name.value_or("");
    e.has_user_data = c.user_data.has_value();
    e.user_data = c.user_data.value_or("");
    return guarded(rebuild_rule, std::move(e));
  }
  decision<instance_event> operator()(const instance::rebuild_spawning&) const {
    return guarded(rebuild_spawning_rule, instance_rebuild_spawning{});
  }
  decision<instance_event> operator()(const instance::complete_rebuild& c) const {
    if (c.power != power_states::running && c.power != power_states::shutdown)
      return make_domain_error(errc::bad_request, "A rebuild ends running or shut down.");
    return guarded(complete_rebuild_rule, instance_rebuilt{to_string(c.power)});
  }
  decision<instance_event> operator()(const instance::snapshot& c) const {
    if (c.image_id.empty())
      return make_domain_error(errc::bad_request, "A snapshot needs an image.");
    return guarded(snapshot_rule, instance_snapshot_requested{c.image_id, c.name});
  }
  decision<instance_event> operator()(const instance::snapshot_taken&) const {
    return guarded(snapshot_taken_rule, instance_snapshot_taken{});
  }
  decision<instance_event> operator()(const instance::snapshot_uploading&) const {
    return guarded(snapshot_uploading_rule, instance_snapshot_uploading{});
  }
  decision<instance_event> operator()(const instance::complete_snapshot&) const {
    if (s.task_state == task_states::shelving_image_uploading)
      return guarded(complete_snapshot_rule, instance_shelved{s.snapshot_image_id});
    return guarded(complete_snapshot_rule, instance_snapshot_done{s.snapshot_image_id});
  }

  // --- moves ---
  decision<instance_event> operator()(const instance::resize& c) const {
    const bool migrate = c.type == "migration";
    if (!migrate && c.type != "resize")
      return make_domain_error(errc::bad_request, "A move is a resize or a migration.");
    if (c.migration_id.empty())
      return make_domain_error(errc::bad_request, "A move needs a migration id.");
    auto d = guarded(migrate ? migrate_rule : resize_rule,
                     instance_resize_requested{c.migration_id, c.type, c.new_flavor, c.at_us});
    if (!d) return d;
    if (auto e = check_flavor(c.new_flavor)) return *e;
    if (!migrate && c.new_flavor.id == s.flavor.id)
      return make_domain_error(errc::bad_request, "When resizing, instances must change flavor!");
    return d;
  }
  decision<instance_event> operator()(const instance::live_migrate& c) const {
    if (c.migration_id.empty())
      return make_domain_error(errc::bad_request, "A move needs a migration id.");
    return guarded(live_migrate_rule, instance_live_migration_requested{
                                          c.migration_id, c.host, c.block_migration, c.at_us});
  }
  decision<instance_event> operator()(const instance::schedule_migration& c) const {
    auto d =
        guarded(schedule_migration_rule, instance_migration_scheduled{c.host, c.reasons, c.at_us});
    if (d && (c.host.empty() || !s.migration))
      return make_domain_error(errc::bad_request, "A scheduled move needs a host.");
    return d;
  }
  decision<instance_event> operator()(const instance::finish_resize& c) const {
    if (c.power != power_states::running && c.power != power_states::shutdown)
      return make_domain_error(errc::bad_request, "A resize ends running or shut down.");
    return guarded(finish_resize_rule, instance_resize_finished{to_string(c.power), c.at_us});
  }
  decision<instance_event> operator()(const instance::confirm_resize& c) const {
    return guarded(confirm_resize_rule, instance_resize_confirmed{c.at_us});
  }
  decision<instance_event> operator()(const instance::revert_resize& c) const {
    return guarded(revert_resize_rule, instance_resize_revert_requested{c.at_us});
  }
  decision<instance_event> operator()(const instance::complete_revert& c) const {
    if (c.power != power_states::running && c.power != power_states::shutdown)
      return make_domain_error(errc::bad_request, "A revert ends running or shut down.");
    return guarded(complete_revert_rule, instance_resize_reverted{to_string(c.power), c.at_us});
  }
  decision<instance_event> operator()(const instance::complete_live_migration& c) const {
    auto d = guarded(complete_live_rule, instance_live_migrated{c.at_us});
    if (d && (!s.migration || s.migration->dest_host.empty()))
      return make_domain_error(errc::conflict, "The live migration has no destination yet.");
    return d;
  }
  decision<instance_event> operator()(const instance::fail_migration& c) const {
    auto d = guarded(fail_migration_rule, instance_migration_failed{c.reason, c.at_us});
    if (d && s.task_state == task_states::rebuilding && !evacuation(s))
      return make_domain_error(errc::conflict, "A rebuild is not a move.");
    return d;
  }
  decision<instance_event> operator()(const instance::evacuate& c) const {
    if (c.migration_id.empty())
      return make_domain_error(errc::bad_request, "An evacuation needs a migration id.");
    return guarded(evacuate_rule, instance_evacuation_requested{c.migration_id, c.host, c.at_us});
  }
  decision<instance_event> operator()(const instance::attach_interface& c) const {
    if (c.port_id.empty())
      return make_domain_error(errc::bad_request, "An interface needs a port.");
    auto d = guarded(attach_interface_rule,
                     instance_interface_attached{c.port_id, c.network_id, c.network_name,
                                                 c.ip_address, c.mac_address, c.user_port});
    if (d && has_port(s, c.port_id))
      return make_domain_error(errc::conflict, "Port " + c.port_id + " is still in use.");
    return d;
  }
  decision<instance_event> operator()(const instance::detach_interface& c) const {
    auto d = guarded(detach_interface_rule, instance_interface_detached{c.port_id});
    if (d && !has_port(s, c.port_id))
      return make_domain_error(errc::not_found, "Port " + c.port_id + " is not attached");
    return d;
  }
  decision<instance_event> operator()(const instance::attach_volume& c) const {
    const auto& a = c.attachment;
    if (a.volume_id.empty() || a.attachment_id.empty() || a.device.empty() || a.path.empty())
      return make_domain_error(errc::bad_request,
                               "A volume attachment needs a volume, an attachment, a device and "
                               "a path.");
    auto d = guarded(a.boot_index == 0 ? attach_boot_volume_rule : attach_volume_rule,
                     instance_volume_attached{a});
    if (!d) return d;
    for (const auto& v : s.volumes) {
      if (v.volume_id == a.volume_id)
        return make_domain_error(errc::bad_request, "Invalid volume: volume " + a.volume_id +
                                                        " is already attached to this server.");
      if (v.device == a.device)
        return make_domain_error(errc::conflict,
                                 "The supplied device path (" + a.device + ") is in use.");
    }
    return d;
  }
  decision<instance_event> operator()(const instance::detach_volume& c) const {
    auto d = guarded(detach_volume_rule, instance_volume_detached{c.volume_id});
    if (!d) return d;
    const auto* v = instance::find_volume(s, c.volume_id);
    if (!v)
      return make_domain_error(
          errc::not_found, "Volume " + c.volume_id + " is not attached to server " + s.id + ".");
    if (v->boot_index == 0)
      return make_domain_error(errc::bad_request, "Cannot detach a root device volume");
    return d;
  }
  decision<instance_event> operator()(const instance::complete_evacuation& c) const {
    if (c.power != power_states::running && c.power != power_states::shutdown)
      return make_domain_error(errc::bad_request, "An evacuation ends running or shut down.");
    auto d = guarded(complete_evacuation_rule, instance_evacuated{to_string(c.power), c.at_us});
    if (d && !evacuation(s))
      return make_domain_error(errc::conflict, "No evacuation is under way.");
    return d;
  }

  // --- shelve ---
  decision<instance_event> operator()(const instance::shelve& c) const {
    if (c.image_id.empty()) return make_domain_error(errc::bad_request, "A shelve needs an image.");
    return guarded(shelve_rule, instance_shelve_requested{c.image_id, c.name});
  }
  decision<instance_event> operator()(const instance::shelve_offload&) const {
    return guarded(shelve_offload_rule, instance_shelve_offload_requested{});
  }
  decision<instance_event> operator()(const instance::complete_shelve_offload&) const {
    return guarded(complete_shelve_offload_rule, instance_shelve_offloaded{});
  }
  decision<instance_event> operator()(const instance::unshelve&) const {
    return guarded(unshelve_rule, instance_unshelve_requested{});
  }
  decision<instance_event> operator()(const instance::schedule_unshelve& c) const {
    auto d = guarded(schedule_unshelve_rule, instance_unshelve_scheduled{c.host, c.reasons});
    if (d && c.host.empty())
      return make_domain_error(errc::bad_request, "An unshelve needs a host.");
    return d;
  }
  decision<instance_event> operator()(const instance::complete_unshelve&) const {
    return guarded(complete_unshelve_rule, instance_unshelved{});
  }
  decision<instance_event> operator()(const instance::fail_unshelve& c) const {
    return guarded(fail_unshelve_rule, instance_unshelve_failed{c.reason, c.at_us});
  }

  // --- rescue ---
  decision<instance_event> operator()(const instance::rescue& c) const {
    if (c.image_id.empty()) return make_domain_error(errc::bad_request, "A rescue needs an image.");
    return guarded(rescue_rule, instance_rescue_requested{c.image_id});
  }
  decision<instance_event> operator()(const instance::complete_rescue&) const {
    return guarded(complete_rescue_rule, instance_rescued{});
  }
  decision<instance_event> operator()(const instance::unrescue&) const {
    return guarded(unrescue_rule, instance_unrescue_requested{});
  }
  decision<instance_event> operator()(const instance::complete_unrescue&) const {
    return guarded(complete_unrescue_rule, instance_unrescued{});
  }
  decision<instance_event> operator()(const instance::set_security_groups& c) const {
    if (!s.exists()) return not_found(s);
    if (c.security_groups == s.security_groups) return events{};
    return events{instance_security_groups_set{c.security_groups}};
  }
  decision<instance_event> operator()(const instance::unlock&) const {
    if (!s.exists()) return not_found(s);
    if (!s.locked) return events{};
    return events{instance_unlocked{}};
  }

  decision<instance_event> operator()(const instance::schedule& c) const {
    auto d = guarded(schedule_rule, instance_scheduled{c.host, c.node, c.reasons});
    if (d && c.host.empty())
      return make_domain_error(errc::bad_request, "A scheduled instance needs a host.");
    return d;
  }
  decision<instance_event> operator()(const instance::bind_port& c) const {
    auto d = guarded(bind_port_rule, instance_port_bound{c.port_id, c.network_id, c.network_name,
                                                         c.ip_address, c.mac_address});
    if (!d) return d;
    if (c.port_id.empty()) return make_domain_error(errc::bad_request, "A port needs an id.");
    if (has_port(s, c.port_id))
      return make_domain_error(errc::conflict,
                               "Port " + c.port_id + " is already bound to instance " + s.id + ".");
    return d;
  }
  decision<instance_event> operator()(const instance::unbind_port& c) const {
    if (!s.exists()) return not_found(s);
    if (!has_port(s, c.port_id))
      return make_domain_error(errc::not_found,
                               "Port " + c.port_id + " is not attached to instance " + s.id + ".");
    return events{instance_port_unbound{c.port_id}};
  }
  decision<instance_event> operator()(const instance::spawn&) const {
    return guarded(spawn_rule, instance_spawning{});
  }
  decision<instance_event> operator()(const instance::reschedule& c) const {
    return guarded(reschedule_rule, instance_rescheduled{c.host, c.reason, c.attempt});
  }
  decision<instance_event> operator()(const instance::mark_active& c) const {
    return guarded(mark_active_rule, instance_active{c.launched_at_us});
  }
  // Any operation may end in ERROR, from any state: a failed build, a
  // hypervisor that lost the domain, or recovery after a restart.
  decision<instance_event> operator()(const instance::fail& c) const {
    if (!s.exists()) return not_found(s);
    return events{instance_error{c.reason, c.code, c.details, c.failed_at_us}};
  }
  decision<instance_event> operator()(const instance::complete_stop&) const {
    return guarded(complete_stop_rule, instance_stopped{});
  }
  decision<instance_event> operator()(const instance::complete_start&) const {
    return guarded(complete_start_rule, instance_started{});
  }
  decision<instance_event> operator()(const instance::complete_reboot&) const {
    return guarded(complete_reboot_rule, instance_rebooted{});
  }
  decision<instance_event> operator()(const instance::complete_pause&) const {
    return guarded(complete_pause_rule, instance_paused{});
  }
  decision<instance_event> operator()(const instance::complete_unpause&) const {
    return guarded(complete_unpause_rule, instance_unpaused{});
  }
  decision<instance_event> operator()(const instance::complete_suspend&) const {
    return guarded(complete_suspend_rule, instance_suspended{});
  }
  decision<instance_event> operator()(const instance::complete_resume&) const {
    return guarded(complete_resume_rule, instance_resumed{});
  }
  decision<instance_event> operator()(const instance::complete_delete&) const {
    return guarded(complete_delete_rule, instance_deleted{});
  }
  // A build is not aborted but failed: BUILD with no task would never end.
  decision<instance_event> operator()(const instance::abort_task& c) const {
    if (!s.exists()) return not_found(s);
    if (s.vm_state == vm_states::building)
      return invalid_state(s, "abort_task", "vm_state", to_string(s.vm_state));
    if (s.task_state == task_states::none)
      return invalid_state(s, "abort_task", "task_state", nullptr);
    return events{instance_task_aborted{c.reason}};
  }
  decision<instance_event> operator()(const instance::sync_power& c) const {
    if (!s.exists()) return not_found(s);
    const bool settled = s.task_state == task_states::none &&
                         (s.vm_state == vm_states::active || s.vm_state == vm_states::stopped ||
                          s.vm_state == vm_states::paused || s.vm_state == vm_states::suspended);
    if (!settled || c.power == s.power_state) return events{};
    return events{instance_power_synced{to_string(c.power), c.source}};
  }
};

struct applier {
  instance_state& s;

  // The same checks decide made: an event that fails them is not one
  // decide could have produced for this state.
  void expect(const rule& r, const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on an instance that does not exist");
    if (auto e = check(s, r)) throw invalid_event(std::string(type) + ": " + e->message);
  }
  void expect_live(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on an instance that does not exist");
  }
  void settle(vm_states vm, power_states power) {
    s.vm_state = vm;
    s.power_state = power;
    s.task_state = task_states::none;
  }

  void operator()(const instance_requested& e) {
    if (s.version > 0) throw invalid_event("instance.requested on an instance that exists");
    s.name = e.name;
    s.project_id = e.project_id;
    s.user_id = e.user_id;
    s.flavor = e.flavor;
    s.image_id = e.image_id;
    s.networks = e.networks;
    s.key_name = e.key_name;
    s.metadata = e.metadata;
    s.user_data = e.user_data;
    s.availability_zone = e.availability_zone;
    s.security_groups = e.security_groups;
    if (e.has_description) s.description = e.description;
    s.access_ip_v4 = e.access_ip_v4;
    s.access_ip_v6 = e.access_ip_v6;
    s.tags = e.tags;
    s.server_group_id = e.server_group_id;
    s.server_group_policy = e.server_group_policy;
    s.max_server_per_host = e.max_server_per_host;
    s.reservation_id = e.reservation_id;
    s.boot = e.boot;
    s.vm_state = vm_states::building;
    s.task_state = task_states::scheduling;
    s.power_state = power_states::nostate;
  }
  void operator()(const instance_scheduled& e) {
    expect(schedule_rule, e.type_name);
    s.host = e.host;
    s.node = e.node;
    s.task_state = task_states::networking;
  }
  void operator()(const instance_port_bound& e) {
    expect(bind_port_rule, e.type_name);
    if (has_port(s, e.port_id)) throw invalid_event("instance.port_bound: port bound twice");
    s.addresses.push_back({e.port_id, e.network_id, e.network_name, e.ip_address, e.mac_address});
  }
  void operator()(const instance_port_unbound& e) {
    expect_live(e.type_name);
    auto it = std::find_if(s.addresses.begin(), s.addresses.end(),
                           [&](const auto& a) { return a.port_id == e.port_id; });
    if (it == s.addresses.end()) throw invalid_event("instance.port_unbound: port not bound");
    s.addresses.erase(it);
  }
  void operator()(const instance_spawning& e) {
    expect(spawn_rule, e.type_name);
    s.task_state = task_states::spawning;
  }
  void operator()(const instance_rescheduled& e) {
    expect(reschedule_rule, e.type_name);
    s.host.clear();
    s.node.clear();
    s.task_state = task_states::scheduling;
  }
  void operator()(const instance_active& e) {
    expect(mark_active_rule, e.type_name);
    settle(vm_states::active, power_states::running);
    s.launched_at_us = e.launched_at;
  }
  // A move that ends, however it ends, goes into the instance's history.
  void end_migration(const char* status, std::int64_t at) {
    if (!s.migration) return;
    s.migration->status = status;
    s.migration->updated_at_us = at;
    s.migrations.push_back(std::move(*s.migration));
    s.migration.reset();
  }
  instance::migration& migration(const char* type) {
    if (!s.migration) throw invalid_event(std::string(type) + " without a migration under way");
    return *s.migration;
  }
  power_states power_of(const std::string& text, const char* type) {
    const auto power = from_string<power_states>(text);
    if (!power || (*power != power_states::running && *power != power_states::shutdown))
      throw invalid_event(std::string(type) + " with power state " + text);
    return *power;
  }
  void operator()(const instance_error& e) {
    expect_live(e.type_name);
    end_migration(failed_status(s), e.failed_at);
    s.vm_state = vm_states::error;
    s.task_state = task_states::none;
    s.reboot.reset();
    s.fault = instance::fault{e.reason, e.code, e.details, e.failed_at};
  }
  void operator()(const instance_stop_requested& e) {
    expect(stop_rule, e.type_name);
    s.task_state = task_states::powering_off;
  }
  void operator()(const instance_stopped& e) {
    expect(complete_stop_rule, e.type_name);
    settle(vm_states::stopped, power_states::shutdown);
  }
  void operator()(const instance_start_requested& e) {
    expect(start_rule, e.type_name);
    s.task_state = task_states::powering_on;
  }
  void operator()(const instance_started& e) {
    expect(complete_start_rule, e.type_name);
    settle(vm_states::active, power_states::running);
  }
  void operator()(const instance_reboot_requested& e) {
    auto type = from_string<reboot_type>(e.type);
    if (!type) throw invalid_event("instance.reboot_requested of unknown type '" + e.type + "'");
    expect(reboot_rule(*type), e.type_name);
    s.task_state =
        *type == reboot_type::hard ? task_states::rebooting_hard : task_states::rebooting;
    s.reboot = *type;
  }
  // A reboot, soft or hard, from any state it may start in, ends running.
  void operator()(const instance_rebooted& e) {
    expect(complete_reboot_rule, e.type_name);
    settle(vm_states::active, power_states::running);
    s.reboot.reset();
  }
  void operator()(const instance_pause_requested& e) {
    expect(pause_rule, e.type_name);
    s.task_state = task_states::pausing;
  }
  void operator()(const instance_paused& e) {
    expect(complete_pause_rule, e.type_name);
    settle(vm_states::paused, power_states::paused);
  }
  void operator()(const instance_unpause_requested& e) {
    expect(unpause_rule, e.type_name);
    s.task_state = task_states::unpausing;
  }
  void operator()(const instance_unpaused& e) {
    expect(complete_unpause_rule, e.type_name);
    settle(vm_states::active, power_states::running);
  }
  void operator()(const instance_suspend_requested& e) {
    expect(suspend_rule, e.type_name);
    s.task_state = task_states::suspending;
  }
  void operator()(const instance_suspended& e) {
    expect(complete_suspend_rule, e.type_name);
    settle(vm_states::suspended, power_states::suspended);
  }
  void operator()(const instance_resume_requested& e) {
    expect(resume_rule, e.type_name);
    s.task_state = task_states::resuming;
  }
  void operator()(const instance_resumed& e) {
    expect(complete_resume_rule, e.type_name);
    settle(vm_states::active, power_states::running);
  }
  void operator()(const instance_renamed& e) {
    expect_live(e.type_name);
    s.name = e.name;
  }
  void operator()(const instance_delete_requested& e) {
    expect_live(e.type_name);
    if (s.task_state == task_states::deleting)
      throw invalid_event("instance.delete_requested while deleting");
    s.task_state = task_states::deleting;
    s.reboot.reset();
  }
  void operator()(const instance_deleted& e) {
    expect(complete_delete_rule, e.type_name);
    settle(vm_states::deleted, power_states::nostate);
    s.deleted = true;
  }
  void operator()(const instance_task_aborted& e) {
    expect_live(e.type_name);
    if (s.vm_state == vm_states::building || s.task_state == task_states::none)
      throw invalid_event("instance.task_aborted with no task to abort");
    s.task_state = task_states::none;
    s.reboot.reset();
    s.snapshot_image_id.clear();
  }
  void operator()(const instance_updated& e) {
    expect_live(e.type_name);
    s.description = e.has_description ? std::optional<std::string>(e.description) : std::nullopt;
    s.access_ip_v4 = e.access_ip_v4;
    s.access_ip_v6 = e.access_ip_v6;
  }
  void operator()(const instance_metadata_set& e) {
    expect_live(e.type_name);
    s.metadata = e.metadata;
  }
  void operator()(const instance_tags_set& e) {
    expect_live(e.type_name);
    s.tags = e.tags;
  }
  void operator()(const instance_locked& e) {
    expect_live(e.type_name);
    if (e.locked_by != "owner" && e.locked_by != "admin")
      throw invalid_event("instance.locked by '" + e.locked_by + "'");
    s.locked = true;
    s.locked_by = e.locked_by;
    s.locked_reason = e.reason;
  }
  void operator()(const instance_rebuild_requested& e) {
    expect(rebuild_rule, e.type_name);
    s.task_state = task_states::rebuilding;
    s.image_id = e.image_id;
    if (!e.name.empty()) s.name = e.name;
    if (e.has_metadata) s.metadata = e.metadata;
    if (e.has_description)
      s.description = e.description_null ? std::nullopt : std::optional<std::string>(e.description);
    if (!e.access_ip_v4.empty()) s.access_ip_v4 = e.access_ip_v4;
    if (!e.access_ip_v6.empty()) s.access_ip_v6 = e.access_ip_v6;
    if (e.has_key_name) s.key_name = e.key_name;
    if (e.has_user_data) s.user_data = e.user_data;
  }
  void operator()(const instance_rebuild_spawning& e) {
    expect(rebuild_spawning_rule, e.type_name);
    s.task_state = task_states::rebuild_spawning;
  }
  void operator()(const instance_rebuilt& e) {
    expect(complete_rebuild_rule, e.type_name);
    const auto power = from_string<power_states>(e.power_state);
    if (!power || (*power != power_states::running && *power != power_states::shutdown))
      throw invalid_event("instance.rebuilt with power state " + e.power_state);
    settle(*power == power_states::running ? vm_states::active : vm_states::stopped, *power);
    s.fault.reset();
  }
  void operator()(const instance_snapshot_requested& e) {
    expect(snapshot_rule, e.type_name);
    s.task_state = task_states::image_snapshot;
    s.snapshot_image_id = e.image_id;
  }
  void operator()(const instance_snapshot_taken& e) {
    expect(snapshot_taken_rule, e.type_name);
    s.task_state = s.task_state == task_states::shelving
                       ? task_states::shelving_image_pending_upload
                       : task_states::image_pending_upload;
  }
  void operator()(const instance_snapshot_uploading& e) {
    expect(snapshot_uploading_rule, e.type_name);
    s.task_state = s.task_state == task_states::shelving_image_pending_upload
                       ? task_states::shelving_image_uploading
                       : task_states::image_uploading;
  }
  void operator()(const instance_snapshot_done& e) {
    expect(snapshot_done_rule, e.type_name);
    s.task_state = task_states::none;
    s.snapshot_image_id.clear();
  }
  void operator()(const instance_resize_requested& e) {
    const bool migrate = e.migration_type == "migration";
    if (!migrate && e.migration_type != "resize")
      throw invalid_event("instance.resize_requested of type " + e.migration_type);
    expect(migrate ? migrate_rule : resize_rule, e.type_name);
    s.task_state = task_states::resize_prep;
    s.migration =
        instance::migration{e.migration_id, e.migration_type, "pre-migrating", s.host, "",
                            s.flavor,       e.new_flavor,     s.vm_state,      e.at,   e.at};
  }
  void operator()(const instance_live_migration_requested& e) {
    expect(live_migrate_rule, e.type_name);
    s.task_state = task_states::migrating;
    s.migration = instance::migration{e.migration_id, "live-migration", "preparing", s.host, e.host,
                                      s.flavor,       s.flavor,         s.vm_state,  e.at,   e.at};
  }
  void operator()(const instance_migration_scheduled& e) {
    expect(schedule_migration_rule, e.type_name);
    auto& m = migration(e.type_name);
    m.dest_host = e.host;
    m.updated_at_us = e.at;
    if (m.type == "evacuation") {
      // The server belongs to its new host from here (Nova's rebuild on
      // the destination sets instance.host before it spawns).
      m.status = "pre-migrating";
      s.host = s.node = e.host;
      s.task_state = task_states::rebuild_spawning;
      return;
    }
    const bool live = m.type == "live-migration";
    m.status = live ? "running" : "migrating";
    s.task_state = live ? task_states::migrating : task_states::resize_migrating;
  }
  void operator()(const instance_resize_finished& e) {
    expect(finish_resize_rule, e.type_name);
    auto& m = migration(e.type_name);
    m.status = "finished";
    m.updated_at_us = e.at;
    s.host = s.node = m.dest_host;
    s.flavor = m.new_flavor;
    settle(vm_states::resized, power_of(e.power_state, e.type_name));
  }
  void operator()(const instance_resize_confirmed& e) {
    expect(confirm_resize_rule, e.type_name);
    const auto before = migration(e.type_name).vm_state_before;
    s.vm_state = before;
    end_migration("confirmed", e.at);
  }
  void operator()(const instance_resize_revert_requested& e) {
    expect(revert_resize_rule, e.type_name);
    auto& m = migration(e.type_name);
    m.status = "reverting";
    m.updated_at_us = e.at;
    s.task_state = task_states::resize_reverting;
  }
  void operator()(const instance_resize_reverted& e) {
    expect(complete_revert_rule, e.type_name);
    auto& m = migration(e.type_name);
    s.host = s.node = m.source_host;
    s.flavor = m.old_flavor;
    settle(m.vm_state_before, power_of(e.power_state, e.type_name));
    end_migration("reverted", e.at);
  }
  void operator()(const instance_live_migrated& e) {
    expect(complete_live_rule, e.type_name);
    auto& m = migration(e.type_name);
    if (m.dest_host.empty()) throw invalid_event("instance.live_migrated with no destination");
    s.host = s.node = m.dest_host;
    s.task_state = task_states::none;
    end_migration("completed", e.at);
  }
  void operator()(const instance_migration_failed& e) {
    expect(fail_migration_rule, e.type_name);
    s.task_state = task_states::none;
    s.fault = instance::fault{e.reason, 500, "", e.at};
    end_migration(live_migration(s) ? "failed" : "error", e.at);
  }
  void operator()(const instance_shelve_requested& e) {
    expect(shelve_rule, e.type_name);
    s.task_state = task_states::shelving;
    s.snapshot_image_id = e.image_id;
  }
  void operator()(const instance_shelved& e) {
    expect(shelved_rule, e.type_name);
    settle(vm_states::shelved, power_states::shutdown);
    s.shelved_image_id = e.image_id;
    s.snapshot_image_id.clear();
  }
  void operator()(const instance_shelve_offload_requested& e) {
    expect(shelve_offload_rule, e.type_name);
    s.task_state = task_states::shelving_offloading;
  }
  void operator()(const instance_shelve_offloaded& e) {
    expect(complete_shelve_offload_rule, e.type_name);
    settle(vm_states::shelved_offloaded, power_states::nostate);
    s.host.clear();
    s.node.clear();
  }
  void operator()(const instance_unshelve_requested& e) {
    expect(unshelve_rule, e.type_name);
    s.task_state = task_states::unshelving;
  }
  void operator()(const instance_unshelve_scheduled& e) {
    expect(schedule_unshelve_rule, e.type_name);
    s.host = s.node = e.host;
    s.task_state = task_states::spawning;
  }
  void operator()(const instance_unshelved& e) {
    expect(complete_unshelve_rule, e.type_name);
    settle(vm_states::active, power_states::running);
    s.shelved_image_id.clear();
  }
  void operator()(const instance_unshelve_failed& e) {
    expect(fail_unshelve_rule, e.type_name);
    s.task_state = task_states::none;
    s.host.clear();
    s.node.clear();
    s.fault = instance::fault{e.reason, 500, "unshelve", e.at};
  }
  void operator()(const instance_rescue_requested& e) {
    expect(rescue_rule, e.type_name);
    s.task_state = task_states::rescuing;
    s.rescue_image_id = e.image_id;
  }
  void operator()(const instance_rescued& e) {
    expect(complete_rescue_rule, e.type_name);
    settle(vm_states::rescued, power_states::running);
  }
  void operator()(const instance_unrescue_requested& e) {
    expect(unrescue_rule, e.type_name);
    s.task_state = task_states::unrescuing;
  }
  void operator()(const instance_unrescued& e) {
    expect(complete_unrescue_rule, e.type_name);
    settle(vm_states::active, power_states::running);
    s.rescue_image_id.clear();
  }
  void operator()(const instance_interface_attached& e) {
    expect(attach_interface_rule, e.type_name);
    s.addresses.push_back({e.port_id, e.network_id, e.network_name, e.ip_address, e.mac_address});
    // The caller's port is one it asked for: given back, not deleted.
    if (e.user_port) s.networks.push_back({e.network_id, e.port_id, ""});
  }
  void operator()(const instance_interface_detached& e) {
    expect(detach_interface_rule, e.type_name);
    auto& a = s.addresses;
    a.erase(
        std::remove_if(a.begin(), a.end(), [&](const auto& x) { return x.port_id == e.port_id; }),
        a.end());
    auto& n = s.networks;
    n.erase(
        std::remove_if(n.begin(), n.end(), [&](const auto& x) { return x.port_id == e.port_id; }),
        n.end());
  }
  void operator()(const instance_volume_attached& e) {
    expect(e.attachment.boot_index == 0 ? attach_boot_volume_rule : attach_volume_rule,
           e.type_name);
    s.volumes.push_back(e.attachment);
  }
  void operator()(const instance_volume_detached& e) {
    expect(detach_volume_rule, e.type_name);
    auto& v = s.volumes;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const auto& x) { return x.volume_id == e.volume_id; }),
            v.end());
  }
  void operator()(const instance_evacuation_requested& e) {
    expect(evacuate_rule, e.type_name);
    s.task_state = task_states::rebuilding;
    s.migration = instance::migration{e.migration_id, "evacuation", "accepted", s.host, e.host,
                                      s.flavor,       s.flavor,     s.vm_state, e.at,   e.at};
  }
  void operator()(const instance_evacuated& e) {
    expect(complete_evacuation_rule, e.type_name);
    migration(e.type_name);
    settle(power_of(e.power_state, e.type_name) == power_states::running ? vm_states::active
                                                                         : vm_states::stopped,
           power_of(e.power_state, e.type_name));
    s.fault.reset();
    end_migration("done", e.at);
  }
  void operator()(const instance_security_groups_set& e) {
    expect_live(e.type_name);
    s.security_groups = e.security_groups;
  }
  void operator()(const instance_unlocked& e) {
    expect_live(e.type_name);
    s.locked = false;
    s.locked_by.clear();
    s.locked_reason.clear();
  }
  void operator()(const instance_power_synced& e) {
    expect_live(e.type_name);
    const auto power = from_string<power_states>(e.power_state);
    if (!power) throw invalid_event("instance.power_synced with power state " + e.power_state);
    s.power_state = *power;
    const bool down = *power == power_states::shutdown || *power == power_states::crashed ||
                      *power == power_states::nostate;
    if (s.vm_state == vm_states::active && down)
      s.vm_state = vm_states::stopped;
    else if (s.vm_state == vm_states::active && *power == power_states::paused)
      s.vm_state = vm_states::paused;
    else if ((s.vm_state == vm_states::stopped || s.vm_state == vm_states::paused ||
              s.vm_state == vm_states::suspended) &&
             *power == power_states::running)
      s.vm_state = vm_states::active;
  }
};

}  // namespace

namespace instance {

std::optional<domain_error> check_lock(const instance_state& s, const command& c,
                                       bool caller_is_admin) {
  if (!s.locked || caller_is_admin) return std::nullopt;
  const bool checks_lock =
      std::holds_alternative<stop>(c) || std::holds_alternative<start>(c) ||
      std::holds_alternative<reboot>(c) || std::holds_alternative<pause>(c) ||
      std::holds_alternative<unpause>(c) || std::holds_alternative<suspend>(c) ||
      std::holds_alternative<resume>(c) || std::holds_alternative<remove>(c) ||
      std::holds_alternative<set_metadata>(c) || std::holds_alternative<delete_metadata>(c) ||
      std::holds_alternative<rebuild>(c) || std::holds_alternative<resize>(c) ||
      std::holds_alternative<live_migrate>(c) || std::holds_alternative<confirm_resize>(c) ||
      std::holds_alternative<revert_resize>(c) || std::holds_alternative<shelve>(c) ||
      std::holds_alternative<shelve_offload>(c) || std::holds_alternative<unshelve>(c) ||
      std::holds_alternative<rescue>(c) || std::holds_alternative<unrescue>(c) ||
      std::holds_alternative<attach_interface>(c) || std::holds_alternative<detach_interface>(c) ||
      std::holds_alternative<attach_volume>(c) || std::holds_alternative<detach_volume>(c);
  if (!checks_lock) return std::nullopt;
  return make_domain_error(errc::conflict, "Instance " + s.id + " is locked");
}

const volume_attachment* find_volume(const instance_state& s, const std::string& volume_id) {
  for (const auto& v : s.volumes)
    if (v.volume_id == volume_id) return &v;
  return nullptr;
}

std::string next_volume_device(const instance_state& s) {
  // vda is the root disk (the image's, or the boot volume), and the config
  // drive is a CD-ROM on its own bus: volumes take vdb onwards.
  for (char c = 'b'; c <= 'z'; ++c) {
    const std::string dev = std::string("/dev/vd") + c;
    if (std::none_of(s.volumes.begin(), s.volumes.end(),
                     [&](const auto& v) { return v.device == dev; }))
      return dev;
  }
  return "";
}

std::optional<domain_error> check_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > max_tag_length || tag.find('/') != std::string::npos ||
      tag.find(',') != std::string::npos)
    return make_domain_error(errc::bad_request,
                             "Invalid input for field/attribute tag. A tag is 1 to 60 "
                             "characters without '/' or ','");
  return std::nullopt;
}

}  // namespace instance

decision<instance_event> instance_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

instance_state instance_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const instance_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["project_id"] = s.project_id;
  j["user_id"] = s.user_id;
  j["flavor"] = {{"id", s.flavor.id},           {"name", s.flavor.name},
                 {"vcpus", s.flavor.vcpus},     {"memory_mb", s.flavor.memory_mb},
                 {"root_gb", s.flavor.root_gb}, {"ephemeral_gb", s.flavor.ephemeral_gb},
                 {"swap_mb", s.flavor.swap_mb}};
  j["image_id"] = s.image_id;
  j["networks"] = nlohmann::json::array();
  for (const auto& n : s.networks)
    j["networks"].push_back(
        {{"network_id", n.network_id}, {"port_id", n.port_id}, {"fixed_ip", n.fixed_ip}});
  j["addresses"] = nlohmann::json::array();
  for (const auto& a : s.addresses)
    j["addresses"].push_back({{"port_id", a.port_id},
                              {"network_id", a.network_id},
                              {"network_name", a.network_name},
                              {"ip_address", a.ip_address},
                              {"mac_address", a.mac_address}});
  if (s.boot.requested())
    j["boot_volume"] = {{"source_type", s.boot.source_type},
                        {"uuid", s.boot.uuid},
                        {"volume_id", s.boot.volume_id},
                        {"volume_size", s.boot.volume_size},
                        {"delete_on_termination", s.boot.delete_on_termination},
                        {"volume_type", s.boot.volume_type}};
  j["volumes"] = nlohmann::json::array();
  for (const auto& v : s.volumes)
    j["volumes"].push_back({{"volume_id", v.volume_id},
                            {"attachment_id", v.attachment_id},
                            {"device", v.device},
                            {"tag", v.tag},
                            {"delete_on_termination", v.delete_on_termination},
                            {"boot_index", v.boot_index},
                            {"path", v.path},
                            {"block_device", v.block_device},
                            {"read_only", v.read_only}});
  j["host"] = s.host;
  j["node"] = s.node;
  j["key_name"] = s.key_name;
  j["metadata"] = s.metadata;
  j["user_data"] = s.user_data;
  j["availability_zone"] = s.availability_zone;
  j["security_groups"] = s.security_groups;
  j["status"] = api_status(s);
  j["vm_state"] = to_string(s.vm_state);
  j["task_state"] =
      s.task_state == task_states::none ? nlohmann::json(nullptr) : to_string(s.task_state);
  j["power_state"] = static_cast<int>(s.power_state);
  j["launched_at"] = s.launched_at_us ? nlohmann::json(format_iso8601(s.launched_at_us)) : nullptr;
  j["fault"] = nullptr;
  if (s.fault)
    j["fault"] = {{"message", s.fault->message},
                  {"code", s.fault->code},
                  {"details", s.fault->details},
                  {"created", format_iso8601(s.fault->time_us)}};
  j["reboot"] = s.reboot ? nlohmann::json(to_string(*s.reboot)) : nullptr;
  j["description"] = s.description ? nlohmann::json(*s.description) : nullptr;
  j["access_ip_v4"] = s.access_ip_v4;
  j["access_ip_v6"] = s.access_ip_v6;
  j["tags"] = s.tags;
  j["locked"] = s.locked;
  j["locked_by"] = s.locked ? nlohmann::json(s.locked_by) : nullptr;
  j["locked_reason"] = s.locked_reason;
  j["snapshot_image_id"] = s.snapshot_image_id;
  j["server_group_id"] = s.server_group_id;
  j["reservation_id"] = s.reservation_id;
  j["migration"] = nullptr;
  if (s.migration) j["migration"] = *s.migration;
  j["migrations"] = s.migrations;
  j["shelved_image_id"] = s.shelved_image_id;
  j["rescue_image_id"] = s.rescue_image_id;
}

}  // namespace cumulo
