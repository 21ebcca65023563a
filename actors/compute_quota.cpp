// The compute_quota actor: one project's Nova quotas (stream compute_quota/<project id>); the
// compute actor is its door and the one that enforces them, with the quota_book below.
#include "actors/compute_quota.hpp"

#include "actors/resource_actor.hpp"
#include "store/ids.hpp"

namespace cumulo {

caf::behavior compute_quota_actor(resource_actor<compute_quota_machine>* self, caf::actor journal,
                                  std::string id, std::optional<compute_quota_state> initial) {
  return resource_behavior<compute_quota_machine>(self, std::move(journal), std::move(id),
                                                  std::move(initial));
}

compute_usage quota_book::usage_of(const std::string& project) const {
  compute_usage u;
  auto add = [&](const held& h) {
    if (h.project_id != project) return;
    u.instances += h.usage.instances;
    u.cores += h.usage.cores;
    u.ram += h.usage.ram;
  };
  for (const auto& [_, h] : instances_) add(h);
  for (const auto& [_, h] : reservations_) add(h);
  return u;
}

std::int64_t quota_book::reservations_of(const std::string& project) const {
  std::int64_t n = 0;
  for (const auto& [_, h] : reservations_) n += h.project_id == project;
  return n;
}

outcome<std::string> quota_book::reserve(const std::string& project, const compute_usage& wanted,
                                         const compute_quota_set& limits,
                                         std::int64_t expires_at_us) {
  if (auto e = check_instance_quota(limits, usage_of(project), wanted)) return *e;
  std::string id = new_uuid();
  reservations_[id] = held{project, wanted, expires_at_us};
  return id;
}

bool quota_book::commit(const std::string& reservation, const std::string& instance_id) {
  auto it = reservations_.find(reservation);
  if (it == reservations_.end()) return false;
  if (deleted_.erase(instance_id) == 0) instances_[instance_id] = it->second;
  reservations_.erase(it);
  return true;
}

bool quota_book::release(const std::string& reservation) {
  return reservations_.erase(reservation) > 0;
}

void quota_book::count_instance(const std::string& instance_id, const std::string& project,
                                const compute_usage& usage) {
  if (deleted_.erase(instance_id)) return;
  instances_[instance_id] = held{project, usage, 0};
}

void quota_book::release_instance(const std::string& instance_id, std::int64_t forget_at_us) {
  // Counted: nothing can count it again (a launch answers once).
  if (instances_.erase(instance_id)) return;
  deleted_[instance_id] = forget_at_us;
}

std::size_t quota_book::sweep(std::int64_t now_us) {
  std::size_t n = 0;
  for (auto it = reservations_.begin(); it != reservations_.end();) {
    if (it->second.expires_at_us <= now_us) {
      it = reservations_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  std::erase_if(deleted_, [now_us](const auto& d) { return d.second <= now_us; });
  return n;
}

}  // namespace cumulo
