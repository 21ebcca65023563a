// Cinder's bodies: volumes (its v3 view builder with the extensions that
// add the tenant, host and migration attributes), snapshots (with the
// extended snapshot attributes), volume types, by microversion.
#include "api/volume.hpp"

#include "engine/clock.hpp"

namespace cumulo::api {
namespace {

using nlohmann::json;

json or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

// Cinder links a resource under the caller's project (its context's).
json links_of(const volume_call& call, const std::string& project, const std::string& collection,
              const std::string& id) {
  return json::array(
      {json{{"href", call.base + volume_root + "/" + project + "/" + collection + "/" + id},
            {"rel", "self"}},
       json{{"href", call.base + "/volume/" + project + "/" + collection + "/" + id},
            {"rel", "bookmark"}}});
}

std::string link_project(const token_info& t, const std::string& owner) {
  const std::string own = caller_project(t);
  return own.empty() ? owner : own;
}

// Cinder shows the attachments that are attached, each under the volume's id.
json attachments_of(const volume_state& v, bool admin) {
  json out = json::array();
  for (const auto& a : v.attachments) {
    if (a.attach_status != "attached") continue;
    out.push_back({{"id", v.id},
                   {"attachment_id", a.id},
                   {"volume_id", v.id},
                   {"server_id", a.server_id},
                   {"host_name", admin ? or_null(a.host_name) : json(nullptr)},
                   {"device", or_null(a.device)},
                   {"attached_at", cinder_time(a.attached_at_us)}});
  }
  return out;
}

}  // namespace

json cinder_time(std::int64_t time_us) {
  if (time_us <= 0) return nullptr;
  std::string t = format_iso8601_us(time_us);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  return t;
}

json volume_json(const volume_state& v, const token_info& t, const volume_call& call,
                 const cumulo::policy& rules) {
  const credentials who = t.creds();
  const target owner{v.project_id, v.user_id};
  const bool admin = t.is_admin();
  json j = {{"id", v.id},
            {"status", v.status},
            {"size", v.size},
            {"availability_zone", v.availability_zone},
            {"created_at", cinder_time(v.created_at_us)},
            {"updated_at", cinder_time(v.updated_at_us)},
            {"name", or_null(v.name)},
            {"description", or_null(v.description)},
            {"volume_type", v.volume_type},
            {"snapshot_id", or_null(v.snapshot_id)},
            {"source_volid", or_null(v.source_volid)},
            {"metadata", v.metadata},
            {"links", links_of(call, link_project(t, v.project_id), "volumes", v.id)},
            {"user_id", v.user_id},
            // Cinder's quirk: a string.
            {"bootable", v.bootable ? "true" : "false"},
            {"encrypted", false},
            {"replication_status", "disabled"},
            {"consistencygroup_id", nullptr},
            {"multiattach", v.multiattach},
            {"attachments", attachments_of(v, admin)}};
  // Cinder's volume_image_metadata extension: only a volume made from an
  // image has it, and only a caller the rule lets read it sees it.
  if (!v.volume_image_metadata.empty() &&
      rules.allowed("volume_extension:volume_image_metadata:show", who, owner))
    j["volume_image_metadata"] = v.volume_image_metadata;
  if (admin) j["migration_status"] = nullptr;
  if (rules.allowed("volume_extension:volume_tenant_attribute", who, owner))
    j["os-vol-tenant-attr:tenant_id"] = v.project_id;
  if (rules.allowed("volume_extension:volume_host_attribute", who, owner))
    j["os-vol-host-attr:host"] = volume_pool_host;
  if (rules.allowed("volume_extension:volume_mig_status_attribute", who, owner)) {
    j["os-vol-mig-status-attr:migstat"] = nullptr;
    j["os-vol-mig-status-attr:name_id"] = nullptr;
  }
  const auto& version = call.version;
  if (version.at_least(13)) j["group_id"] = nullptr;
  if (version.at_least(21) && admin) j["provider_id"] = nullptr;
  if (version.at_least(48)) {
    // The file backend shares no target between volumes.
    j["shared_targets"] = false;
    j["service_uuid"] = nullptr;
  }
  if (version.at_least(61) && admin) j["cluster_name"] = nullptr;
  if (version.at_least(63)) j["volume_type_id"] = v.volume_type_id;
  if (version.at_least(65)) j["consumes_quota"] = true;
  return j;
}

json volume_summary_json(const volume_state& v, const token_info& t, const volume_call& call) {
  return {{"id", v.id},
          {"name", or_null(v.name)},
          {"links", links_of(call, link_project(t, v.project_id), "volumes", v.id)}};
}

json snapshot_json(const volume_snapshot_state& s, const token_info& t, const volume_call& call,
                   const cumulo::policy& rules, bool detail) {
  json j = {{"id", s.id},
            {"created_at", cinder_time(s.created_at_us)},
            {"updated_at", cinder_time(s.updated_at_us)},
            {"name", or_null(s.name)},
            {"description", or_null(s.description)},
            {"volume_id", s.volume_id},
            {"status", s.status},
            {"size", s.size},
            {"metadata", s.metadata}};
  if (!detail) return j;
  if (rules.allowed("volume_extension:extended_snapshot_attributes", t.creds(),
                    {s.project_id, s.user_id})) {
    j["os-extended-snapshot-attributes:project_id"] = s.project_id;
    j["os-extended-snapshot-attributes:progress"] = s.progress;
  }
  if (call.version.at_least(14)) j["group_snapshot_id"] = nullptr;
  if (call.version.at_least(41)) j["user_id"] = s.user_id;
  if (call.version.at_least(65)) j["consumes_quota"] = true;
  return j;
}

json visible_extra_specs(const volume_type_state& vt, const token_info& t,
                         const cumulo::policy& rules) {
  if (rules.allowed("volume_extension:types_extra_specs:read_sensitive", t.creds(),
                    {caller_project(t), t.user.id}))
    return vt.extra_specs;
  json visible = json::object();
  for (const char* key : {"RESKEY:availability_zones", "multiattach", "replication_enabled"})
    if (auto it = vt.extra_specs.find(key); it != vt.extra_specs.end()) visible[key] = it->second;
  return visible;
}

json volume_type_json(const volume_type_state& vt, const token_info& t,
                      const cumulo::policy& rules) {
  const credentials who = t.creds();
  const target own{caller_project(t), t.user.id};
  json j = {{"id", vt.id},
            {"name", vt.name},
            {"is_public", vt.is_public},
            {"description", or_null(vt.description)},
            // The volume type access extension's name of is_public, the one
            // cinderclient reads first.
            {"os-volume-type-access:is_public", vt.is_public}};
  if (rules.allowed("volume_extension:access_types_extra_specs", who, own))
    j["extra_specs"] = visible_extra_specs(vt, t, rules);
  if (rules.allowed("volume_extension:access_types_qos_specs_id", who, own))
    j["qos_specs_id"] = nullptr;
  return j;
}

}  // namespace cumulo::api
