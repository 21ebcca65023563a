#include "engine/log_fold.hpp"

#include "engine/fold.hpp"

#include <algorithm>

namespace cumulo {
namespace {

template <class Machine>
any_state fold_into(any_state* slot, const recorded_event& r) {
  using state = typename Machine::state;
  if (!slot) {
    state s;
    s.id = stream_id(r.stream);
    return fold<Machine>(std::move(s), r);
  }
  // Moved, not copied: a copy of the whole state per event was a quarter of
  // a full replay's time (bench/RESULTS.md).
  return fold<Machine>(std::move(std::get<state>(*slot)), r);
}

any_state fold_any(any_state* slot, const recorded_event& r) {
  const std::string kind = stream_kind(r.stream);
  if (kind == project_machine::kind) return fold_into<project_machine>(slot, r);
  if (kind == network_machine::kind) return fold_into<network_machine>(slot, r);
  if (kind == image_machine::kind) return fold_into<image_machine>(slot, r);
  if (kind == instance_machine::kind) return fold_into<instance_machine>(slot, r);
  if (kind == host_machine::kind) return fold_into<host_machine>(slot, r);
  if (kind == user_machine::kind) return fold_into<user_machine>(slot, r);
  if (kind == role_machine::kind) return fold_into<role_machine>(slot, r);
  if (kind == domain_machine::kind) return fold_into<domain_machine>(slot, r);
  if (kind == quota_machine::kind) return fold_into<quota_machine>(slot, r);
  if (kind == security_group_machine::kind) return fold_into<security_group_machine>(slot, r);
  if (kind == router_machine::kind) return fold_into<router_machine>(slot, r);
  if (kind == floatingip_machine::kind) return fold_into<floatingip_machine>(slot, r);
  if (kind == subnetpool_machine::kind) return fold_into<subnetpool_machine>(slot, r);
  if (kind == address_scope_machine::kind) return fold_into<address_scope_machine>(slot, r);
  if (kind == flavor_machine::kind) return fold_into<flavor_machine>(slot, r);
  if (kind == keypair_machine::kind) return fold_into<keypair_machine>(slot, r);
  if (kind == compute_quota_machine::kind) return fold_into<compute_quota_machine>(slot, r);
  if (kind == region_machine::kind) return fold_into<region_machine>(slot, r);
  if (kind == service_machine::kind) return fold_into<service_machine>(slot, r);
  if (kind == server_group_machine::kind) return fold_into<server_group_machine>(slot, r);
  if (kind == volume_machine::kind) return fold_into<volume_machine>(slot, r);
  if (kind == volume_snapshot_machine::kind) return fold_into<volume_snapshot_machine>(slot, r);
  if (kind == volume_type_machine::kind) return fold_into<volume_type_machine>(slot, r);
  if (kind == volume_quota_machine::kind) return fold_into<volume_quota_machine>(slot, r);
  if (kind == credential_machine::kind) return fold_into<credential_machine>(slot, r);
  if (kind == group_machine::kind) return fold_into<group_machine>(slot, r);
  if (kind == agent_machine::kind) return fold_into<agent_machine>(slot, r);
  throw invalid_event("stream " + r.stream + " is of no known kind");
}

template <class Machine>
any_state deleted_state(const std::string& stream, std::int64_t version) {
  typename Machine::state s;
  s.id = stream_id(stream);
  s.version = version;
  s.deleted = true;
  return s;
}

any_state deleted_any(const std::string& stream, std::int64_t version) {
  const std::string kind = stream_kind(stream);
  if (kind == project_machine::kind) return deleted_state<project_machine>(stream, version);
  if (kind == network_machine::kind) return deleted_state<network_machine>(stream, version);
  if (kind == image_machine::kind) return deleted_state<image_machine>(stream, version);
  if (kind == instance_machine::kind) return deleted_state<instance_machine>(stream, version);
  if (kind == host_machine::kind) return deleted_state<host_machine>(stream, version);
  if (kind == user_machine::kind) return deleted_state<user_machine>(stream, version);
  if (kind == role_machine::kind) return deleted_state<role_machine>(stream, version);
  if (kind == domain_machine::kind) return deleted_state<domain_machine>(stream, version);
  if (kind == quota_machine::kind) return deleted_state<quota_machine>(stream, version);
  if (kind == security_group_machine::kind)
    return deleted_state<security_group_machine>(stream, version);
  if (kind == router_machine::kind) return deleted_state<router_machine>(stream, version);
  if (kind == floatingip_machine::kind) return deleted_state<floatingip_machine>(stream, version);
  if (kind == subnetpool_machine::kind) return deleted_state<subnetpool_machine>(stream, version);
  if (kind == address_scope_machine::kind)
    return deleted_state<address_scope_machine>(stream, version);
  if (kind == flavor_machine::kind) return deleted_state<flavor_machine>(stream, version);
  if (kind == keypair_machine::kind) return deleted_state<keypair_machine>(stream, version);
  if (kind == compute_quota_machine::kind)
    return deleted_state<compute_quota_machine>(stream, version);
  if (kind == region_machine::kind) return deleted_state<region_machine>(stream, version);
  if (kind == service_machine::kind) return deleted_state<service_machine>(stream, version);
  if (kind == server_group_machine::kind)
    return deleted_state<server_group_machine>(stream, version);
  if (kind == volume_machine::kind) return deleted_state<volume_machine>(stream, version);
  if (kind == volume_snapshot_machine::kind)
    return deleted_state<volume_snapshot_machine>(stream, version);
  if (kind == volume_type_machine::kind) return deleted_state<volume_type_machine>(stream, version);
  if (kind == volume_quota_machine::kind)
    return deleted_state<volume_quota_machine>(stream, version);
  if (kind == credential_machine::kind) return deleted_state<credential_machine>(stream, version);
  if (kind == group_machine::kind) return deleted_state<group_machine>(stream, version);
  if (kind == agent_machine::kind) return deleted_state<agent_machine>(stream, version);
  throw invalid_event("stream " + stream + " is of no known kind");
}

}  // namespace

// One kind a line (clang-format would pack them): a kind added is a line added.
// clang-format off
const std::vector<std::string>& stream_kinds() {
  static const std::vector<std::string> kinds{project_machine::kind,
                                              network_machine::kind,
                                              image_machine::kind,
                                              instance_machine::kind,
                                              host_machine::kind,
                                              user_machine::kind,
                                              role_machine::kind,
                                              domain_machine::kind,
                                              security_group_machine::kind,
                                              router_machine::kind,
                                              floatingip_machine::kind,
                                              subnetpool_machine::kind,
                                              address_scope_machine::kind,
                                              quota_machine::kind,
                                              flavor_machine::kind,
                                              keypair_machine::kind,
                                              compute_quota_machine::kind,
                                              region_machine::kind,
                                              service_machine::kind,
                                              volume_machine::kind,
                                              volume_snapshot_machine::kind,
                                              volume_type_machine::kind,
                                              volume_quota_machine::kind,
                                              credential_machine::kind,
                                              group_machine::kind,
                                              agent_machine::kind};
  return kinds;
}
// clang-format on

void log_fold::apply(const recorded_event& r) {
  auto it = states_.find(r.stream);
  any_state next = fold_any(it == states_.end() ? nullptr : &it->second, r);
  if (it == states_.end()) {
    states_.emplace(r.stream, std::move(next));
    order_.push_back(r.stream);
  } else {
    it->second = std::move(next);
  }
  last_seq_ = r.seq;
  ++events_;
}

void log_fold::skip_deleted(const std::string& stream, std::int64_t last_version,
                            std::int64_t last_seq) {
  auto [it, fresh] = states_.insert_or_assign(stream, deleted_any(stream, last_version));
  if (fresh) order_.push_back(stream);
  last_seq_ = std::max(last_seq_, last_seq);
  events_ += last_version;
}

const any_state* log_fold::find(const std::string& stream) const {
  auto it = states_.find(stream);
  return it == states_.end() ? nullptr : &it->second;
}

bool log_fold::live(const std::string& stream) const {
  const any_state* s = find(stream);
  return s && std::visit([](const auto& st) { return st.exists(); }, *s);
}

nlohmann::json log_fold::state_json(const std::string& stream) const {
  const any_state* s = find(stream);
  if (!s) return nullptr;
  return std::visit([](const auto& st) { return nlohmann::json(st); }, *s);
}

}  // namespace cumulo
