#include "actors/compute.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "actors/conductor.hpp"
#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "store/ids.hpp"

namespace cumulo {
namespace {


struct instance_usage {
  std::string project_id;
  compute_usage usage;
};

struct compute_state {
  caf::actor conductor;
  caf::actor scheduler;
  std::unordered_map<std::string, flavor_state> flavors;
  std::unordered_map<std::string, keypair_state> keypairs;  // by keypair id
  std::unordered_map<std::string, compute_quota_state> quotas;
  // Creates answered yet: their names (and flavor ids) are taken already,
  // so two parallel creates of one name cannot both pass.
  std::set<std::string> pending_flavor_names;
  std::set<std::string> pending_flavor_ids;
  std::set<std::pair<std::string, std::string>> pending_keypairs;  // (user, name)
  // Launches whose quota is reserved and not yet committed, by reservation.
  std::unordered_map<std::string, instance_usage> reservations;
  // What each live instance holds of its project's quota.
  std::unordered_map<std::string, instance_usage> instances;
  static inline const char* name = "compute";

  void put(const flavor_state& s) { put_latest(flavors, s); }
  void put(const keypair_state& s) { put_latest(keypairs, s); }
  void put(const compute_quota_state& s) { put_latest(quotas, s); }

  compute_quota_set quotas_of(const std::string& project) const {
    auto it = quotas.find(project);
    return it == quotas.end() ? compute_quota_set{} : it->second.limits;
  }
  compute_usage usage_of(const std::string& project) const {
    compute_usage u;
    auto add = [&](const instance_usage& i) {
      if (i.project_id != project) return;
      u.instances += i.usage.instances;
      u.cores += i.usage.cores;
      u.ram += i.usage.ram;
    };
    for (const auto& [_, i] : instances) add(i);
    for (const auto& [_, i] : reservations) add(i);
    return u;
  }
  bool flavor_name_taken(const std::string& name) const {
    if (pending_flavor_names.count(name)) return true;
    for (const auto& [_, f] : flavors)
      if (f.name == name) return true;
    return false;
  }
  const keypair_state* keypair(const std::string& user, const std::string& name) const {
    for (const auto& [_, k] : keypairs)
      if (k.user_id == user && k.name == name) return &k;
    return nullptr;
  }
  std::int64_t keypairs_of(const std::string& user) const {
    std::int64_t n = 0;
    for (const auto& [_, k] : keypairs) n += k.user_id == user;
    for (const auto& [u, _] : pending_keypairs) n += u == user;
    return n;
  }
};

using compute_actor = caf::stateful_actor<compute_state>;

template <class P>
on_error fail_to(P promise) {
  return [promise](const caf::error& e) mutable { promise.deliver(e); };
}

caf::result<flavor_state> on_flavor(compute_actor* self, const std::string& id, flavor::command& c,
                                    event_metadata& meta) {
  auto& st = self->state;
  auto* create = std::get_if<flavor::create>(&c);
  if (!create) {
    if (!st.flavors.count(id)) return to_caf_error(flavor_not_found(id));
    auto promise = self->make_response_promise<flavor_state>();
    resource_command<flavor_state>(
        self, id, std::move(c), std::move(meta),
        [promise](flavor_state& s) mutable { promise.deliver(s); }, fail_to(promise));
    return promise;
  }
  if (st.flavor_name_taken(create->name))
    return to_caf_error({errc::conflict, "Flavor with name " + create->name + " already exists."});
  const domain_error id_taken{errc::conflict, "Flavor with ID " + id + " already exists."};
  if (st.flavors.count(id) || st.pending_flavor_ids.count(id)) return to_caf_error(id_taken);
  const std::string name = create->name;
  st.pending_flavor_names.insert(name);
  st.pending_flavor_ids.insert(id);
  auto promise = self->make_response_promise<flavor_state>();
  auto done = [self, name, id] {
    self->state.pending_flavor_names.erase(name);
    self->state.pending_flavor_ids.erase(id);
  };
  resource_command<flavor_state>(
      self, id, std::move(c), std::move(meta),
      [promise, done](flavor_state& s) mutable {
        done();
        promise.deliver(s);
      },
      [promise, done, id_taken](const caf::error& e) mutable {
        done();
        // A deleted flavor's stream keeps its id: the log refuses a second
        // first event, in its own words.
        auto de = from_caf_error(e);
        if (de.code == errc::conflict) {
          promise.deliver(to_caf_error(id_taken));
          return;
        }
        promise.deliver(e);
      });
  return promise;
}

caf::result<keypair_state> on_keypair_create(compute_actor* self, const std::string& project_id,
                                             keypair::command& c, event_metadata& meta) {
  auto& st = self->state;
  auto* create = std::get_if<keypair::create>(&c);
  if (!create)
    return to_caf_error({errc::bad_request, "only a create goes by project; delete by name"});
  const auto key = std::make_pair(create->user_id, create->name);
  if (st.keypair(key.first, key.second) || st.pending_keypairs.count(key))
    return to_caf_error({errc::conflict, "Key pair '" + create->name + "' already exists."});
  if (auto e = check_keypair_quota(st.quotas_of(project_id), st.keypairs_of(key.first)))
    return to_caf_error(*e);
  st.pending_keypairs.insert(key);
  auto promise = self->make_response_promise<keypair_state>();
  auto done = [self, key] { self->state.pending_keypairs.erase(key); };
  resource_command<keypair_state>(
      self, new_uuid(), std::move(c), std::move(meta),
      [promise, done](keypair_state& s) mutable {
        done();
        promise.deliver(s);
      },
      [promise, done](const caf::error& e) mutable {
        done();
        promise.deliver(e);
      });
  return promise;
}

caf::result<compute_quota_set> on_quota(compute_actor* self, const std::string& project_id,
                                        compute_quota::command& c, event_metadata& meta) {
  if (auto* u = std::get_if<compute_quota::update>(&c))
    u->in_use = self->state.usage_of(project_id);
  auto promise = self->make_response_promise<compute_quota_set>();
  resource_command<compute_quota_state>(
      self, project_id, std::move(c), std::move(meta),
      [promise](compute_quota_state& q) mutable { promise.deliver(q.limits); }, fail_to(promise));
  return promise;
}

template <class State, class Atom>
void read_all(compute_actor* self, Atom kind) {
  self->request(self->state.conductor, conductor_timeout, list_atom::value, kind)
      .await(
          [self](std::vector<State>& all) {
            for (const auto& s : all) self->state.put(s);
          },
          [self](caf::error& e) {
            spdlog::error("compute: cannot read the compute resources: {}",
                          from_caf_error(e).message);
            self->quit(e);
          });
}

// What the live instances of the log hold: the usage quotas count.
void read_instances(compute_actor* self) {
  self->request(self->state.conductor, conductor_timeout, list_atom::value, instance_atom::value)
      .await(
          [self](std::vector<instance_state>& all) {
            for (const auto& i : all)
              if (i.exists())
                self->state.instances[i.id] = {
                    i.project_id, compute_usage{1, i.flavor.vcpus, i.flavor.memory_mb}};
          },
          [self](caf::error& e) {
            spdlog::error("compute: cannot read the instances: {}", from_caf_error(e).message);
            self->quit(e);
          });
}

caf::behavior compute(compute_actor* self, caf::actor conductor) {
  self->state.conductor = std::move(conductor);
  read_all<flavor_state>(self, flavor_atom::value);
  read_all<keypair_state>(self, keypair_atom::value);
  read_all<compute_quota_state>(self, compute_quota_atom::value);
  read_instances(self);
  self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                scheduler_atom::value)
      .await([self](caf::actor& s) { self->state.scheduler = s; },
             [self](caf::error& e) { self->quit(e); });
  return {
      [self](command_atom, const std::string& id, flavor::command& c, event_metadata& m) {
        return on_flavor(self, id, c, m);
      },
      [self](caf::get_atom, flavor_atom, const std::string& id) -> caf::result<flavor_state> {
        auto it = self->state.flavors.find(id);
        if (it == self->state.flavors.end()) return to_caf_error(flavor_not_found(id));
        return it->second;
      },
      [self](list_atom, flavor_atom) {
        // Nova's default order: by flavor id.
        auto all = in_creation_order(self->state.flavors);
        std::stable_sort(all.begin(), all.end(),
                         [](const flavor_state& a, const flavor_state& b) { return a.id < b.id; });
        return all;
      },

      [self](command_atom, keypair_atom, const std::string& project_id, keypair::command& c,
             event_metadata& m) { return on_keypair_create(self, project_id, c, m); },
      [self](caf::delete_atom, keypair_atom, const std::string& user_id, const std::string& name,
             event_metadata& m) -> caf::result<keypair_state> {
        const keypair_state* k = self->state.keypair(user_id, name);
        if (!k) return to_caf_error(keypair_not_found(name, user_id));
        auto promise = self->make_response_promise<keypair_state>();
        resource_command<keypair_state>(
            self, k->id, keypair::command{keypair::remove{}}, m,
            [promise](keypair_state& s) mutable { promise.deliver(s); }, fail_to(promise));
        return promise;
      },
      [self](caf::get_atom, keypair_atom, const std::string& user_id,
             const std::string& name) -> caf::result<keypair_state> {
        const keypair_state* k = self->state.keypair(user_id, name);
        if (!k) return to_caf_error(keypair_not_found(name, user_id));
        return *k;
      },
      [self](list_atom, keypair_atom, const std::string& user_id) {
        std::vector<keypair_state> out;
        for (auto& k : in_creation_order(self->state.keypairs))
          if (user_id.empty() || k.user_id == user_id) out.push_back(std::move(k));
        return out;
      },

      [self](caf::get_atom, compute_quota_atom, const std::string& project) {
        return self->state.quotas_of(project);
      },
      [self](compute_quota_atom, const std::string& project, compute_quota::command& c,
             event_metadata& m) { return on_quota(self, project, c, m); },
      [self](caf::get_atom, usage_atom, const std::string& project) {
        return self->state.usage_of(project);
      },
      [self](reserve_atom, const std::string& project,
             const compute_usage& wanted) -> caf::result<std::string> {
        auto& st = self->state;
        if (auto e = check_instance_quota(st.quotas_of(project), st.usage_of(project), wanted))
          return to_caf_error(*e);
        const std::string id = new_uuid();
        st.reservations[id] = {project, wanted};
        return id;
      },
      [self](commit_atom, const std::string& reservation,
             const std::string& instance_id) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        auto it = st.reservations.find(reservation);
        if (it == st.reservations.end())
          return to_caf_error({errc::not_found, "Reservation " + reservation + " not found."});
        st.instances[instance_id] = it->second;
        st.reservations.erase(it);
        return caf::ok_atom::value;
      },
      [self](release_atom, const std::string& reservation) {
        self->state.reservations.erase(reservation);
        return caf::ok_atom::value;
      },
      [self](release_atom, instance_atom, const std::string& instance_id) {
        self->state.instances.erase(instance_id);
        return caf::ok_atom::value;
      },

      [self](list_atom, hypervisor_atom) {
        return self->delegate(self->state.scheduler, caf::get_atom::value);
      },
      [self](command_atom, const std::string& hostname, host::command& c, event_metadata& m) {
        return self->delegate(self->state.scheduler, command_atom::value, hostname, std::move(c),
                              std::move(m));
      },
  };
}

}  // namespace

caf::actor spawn_compute(caf::actor_system& sys, caf::actor conductor) {
  return sys.spawn(compute, std::move(conductor));
}

}  // namespace cumulo
