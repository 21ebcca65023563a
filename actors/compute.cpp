#include "actors/compute.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "actors/block_storage.hpp"
#include "actors/compute_metadata.hpp"
#include "actors/compute_quota.hpp"
#include "actors/compute_volumes.hpp"
#include "actors/conductor.hpp"
#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "actors/instance.hpp"
#include "actors/networking.hpp"
#include "engine/clock.hpp"
#include "engine/image_listing.hpp"
#include "store/ids.hpp"
#include "store/wall_clock.hpp"

namespace cumulo {
namespace {


// Private messages of the door to itself.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

// One create of servers while the door runs it (Nova's compute/api.py
// create): the request, who waits for the answer, what started so far, and
// the launch in flight with its reservation.
struct create_flow {
  std::uint64_t id = 0;
  create_servers_request req;
  caf::typed_response_promise<created_servers> promise;
  caf::actor_addr caller;
  bool caller_gone = false;
  std::vector<instance_state> started;
  std::uint64_t launch = 0;  // the launch in flight (0: none)
  std::string reservation;   // its reservation
  // A network the servers boot on has no port security (or no subnet):
  // security groups asked for can't apply there (Nova's
  // SecurityGroupCannotBeApplied); "default" alone asks for none.
  bool groups_cannot_apply = false;
};
using flow_ptr = std::shared_ptr<create_flow>;

// Whether Neutron can give a port of this network security groups: it
// needs port security and an address (a subnet), as Nova checks.
bool takes_security_groups(const network_state& n) {
  return n.port_security_enabled && !n.subnets.empty();
}

struct compute_state {
  caf::actor conductor;
  caf::actor scheduler;
  caf::actor networking;
  caf::actor image_registry;
  compute_options opts;
  std::unordered_map<std::string, flavor_state> flavors;
  std::unordered_map<std::string, keypair_state> keypairs;  // by keypair id
  std::unordered_map<std::string, compute_quota_state> quotas;
  std::unordered_map<std::string, server_group_state> server_groups;
  // Creates of groups and joins of members not answered yet, counted by
  // the quotas server_groups (by project) and server_group_members (by group).
  std::map<std::string, std::int64_t> pending_groups;
  std::map<std::string, std::int64_t> pending_members;
  // Creates answered yet: their names (and flavor ids) are taken already,
  // so two parallel creates of one name cannot both pass.
  std::set<std::string> pending_flavor_names;
  std::set<std::string> pending_flavor_ids;
  std::set<std::pair<std::string, std::string>> pending_keypairs;  // (user, name)
  // The usage quotas are checked against: live instances and reservations.
  quota_book book;
  // Where each instance is (the metadata service's lookups): read at start,
  // then as instances report their ports.
  instance_address_index addresses;
  // Creates of servers in progress, by their id.
  std::unordered_map<std::uint64_t, flow_ptr> flows;
  std::uint64_t last_id = 0;  // of flows and launches
  static inline const char* name = "compute";

  void put(const flavor_state& s) { put_latest(flavors, s); }
  void put(const keypair_state& s) { put_latest(keypairs, s); }
  void put(const compute_quota_state& s) { put_latest(quotas, s); }
  void put(const server_group_state& s) { put_latest(server_groups, s); }
  std::int64_t groups_of(const std::string& project) const {
    std::int64_t n = 0;
    for (const auto& [_, g] : server_groups) n += g.project_id == project;
    auto it = pending_groups.find(project);
    return n + (it == pending_groups.end() ? 0 : it->second);
  }
  std::int64_t members_of(const server_group_state& g) const {
    auto it = pending_members.find(g.id);
    return static_cast<std::int64_t>(g.members.size()) +
           (it == pending_members.end() ? 0 : it->second);
  }

  std::int64_t now() const { return opts.clock ? opts.clock() : now_us(); }
  // When a reservation made now expires (and with it, the longest a launch
  // may still answer).
  std::int64_t reservation_deadline() const {
    return now() +
           std::chrono::duration_cast<std::chrono::microseconds>(opts.reservation_expiry).count();
  }
  compute_quota_set quotas_of(const std::string& project) const {
    auto it = quotas.find(project);
    return it == quotas.end() ? compute_quota_set{} : it->second.limits;
  }
  compute_usage usage_of(const std::string& project) const { return book.usage_of(project); }
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

// A create under a new id whose door counted it as pending (a name taken,
// a quota's place held): `done` gives that back once the create answered,
// whatever the answer.
template <class State, class Command>
caf::result<State> create_pending(compute_actor* self, Command command, event_metadata meta,
                                  std::function<void()> done) {
  auto promise = self->make_response_promise<State>();
  resource_command<State>(
      self, new_uuid(), std::move(command), std::move(meta),
      [promise, done](State& s) mutable {
        done();
        promise.deliver(s);
      },
      [promise, done](const caf::error& e) mutable {
        done();
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
  return create_pending<keypair_state>(self, std::move(c), std::move(meta),
                                       [self, key] { self->state.pending_keypairs.erase(key); });
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

compute_usage usage_of_instance(const instance::flavor& f) {
  return compute_usage{1, f.vcpus, f.memory_mb};
}

// What the live instances of the log hold: the usage quotas count.
void read_instances(compute_actor* self) {
  self->request(self->state.conductor, conductor_timeout, list_atom::value, instance_atom::value)
      .await(
          [self](std::vector<instance_state>& all) {
            for (const auto& i : all) {
              if (!i.exists()) continue;
              self->state.book.count_instance(i.id, i.project_id, usage_of_instance(i.flavor));
              self->state.addresses.put(addresses_of(i));
            }
          },
          [self](caf::error& e) {
            spdlog::error("compute: cannot read the instances: {}", from_caf_error(e).message);
            self->quit(e);
          });
}


// --- the create of servers (Nova's compute/api.py) ---

// A failure of another actor as the answer a caller reads: the actor's own
// domain error as it is; a timeout or a dead actor as the HTTP bridge says
// it (503), anything else a 500.
caf::error as_answer(const caf::error& e) {
  if (e.category() == caf::atom("cumulo")) return e;
  if (e == caf::sec::request_timeout || e == caf::sec::request_receiver_down)
    return to_caf_error({errc::unavailable, "The service did not answer in time; try again."});
  return to_caf_error({errc::internal, "The service failed to answer the request."});
}

caf::error bad_request(std::string message) {
  return to_caf_error({errc::bad_request, std::move(message)});
}

std::string last_segment(const std::string& ref) {
  const auto slash = ref.rfind('/');
  return slash == std::string::npos ? ref : ref.substr(slash + 1);
}

void finish(compute_actor* self, const flow_ptr& flow, caf::error e) {
  self->state.flows.erase(flow->id);
  flow->promise.deliver(std::move(e));
}

void finish(compute_actor* self, const flow_ptr& flow) {
  self->state.flows.erase(flow->id);
  flow->promise.deliver(created_servers{flow->started});
}

// Whether the flow goes on: not once its caller went away (nobody would
// read the answer; nothing more is reserved or launched for it).
bool going_on(compute_actor* self, const flow_ptr& flow) {
  if (!flow->caller_gone) return true;
  spdlog::info("[{}] compute: the caller of a create went away; {} of its servers started",
               flow->req.meta.request_id, flow->started.size());
  finish(self, flow, to_caf_error({errc::unavailable, "The caller went away."}));
  return false;
}

void launch_next(compute_actor* self, flow_ptr flow);

// One launch's answer: its reservation becomes the instance's usage. An
// answer after the door gave the launch up (its deadline, or the sweep)
// still counts the instance: it exists.
void launched(compute_actor* self, flow_ptr flow, std::uint64_t launch,
              const std::string& reservation, instance_state& s) {
  auto& st = self->state;
  if (!st.book.commit(reservation, s.id))
    st.book.count_instance(s.id, s.project_id, usage_of_instance(s.flavor));
  if (flow->launch != launch) {
    spdlog::info("[{}] compute: instance {} answered after its launch was given up; counted",
                 flow->req.meta.request_id, s.id);
    return;
  }
  flow->launch = 0;
  flow->reservation.clear();
  const std::string group = s.server_group_id;
  const std::string instance_id = s.id;
  flow->started.push_back(std::move(s));
  if (group.empty()) return launch_next(self, std::move(flow));
  // The member joins its group before the next one is launched (the
  // group's member count is the quota's).
  ++st.pending_members[group];
  auto joined = [self, flow, group] {
    if (--self->state.pending_members[group] <= 0) self->state.pending_members.erase(group);
    launch_next(self, flow);
  };
  resource_command<server_group_state>(
      self, group, server_group::command{server_group::add_member{instance_id, -1}}, flow->req.meta,
      [joined](server_group_state&) { joined(); },
      [joined, group, instance_id](const caf::error& e) {
        spdlog::error("compute: instance {} could not join server group {}: {}", instance_id, group,
                      from_caf_error(e).message);
        joined();
      });
}

// Each instance reserves its quota (instances, cores, ram) before it is
// launched; over the quota the create stops there, and is Nova's 403 if
// fewer than min_count started. Launches go one after the other (each
// answer means its instance.requested is durable).
void launch_next(compute_actor* self, flow_ptr flow) {
  auto& st = self->state;
  const auto& req = flow->req;
  if (static_cast<int>(flow->started.size()) == req.max_count) return finish(self, flow);
  if (!going_on(self, flow)) return;
  const auto wanted = usage_of_instance(req.base.flavor);
  // A server group holds at most server_group_members (Nova's 403).
  if (!req.base.server_group_id.empty()) {
    auto g = st.server_groups.find(req.base.server_group_id);
    const std::int64_t most = st.quotas_of(req.base.project_id).limit("server_group_members");
    if (g == st.server_groups.end())
      return finish(self, flow,
                    bad_request("Invalid server group " + req.base.server_group_id + "."));
    if (most >= 0 && st.members_of(g->second) + 1 > most) {
      if (static_cast<int>(flow->started.size()) >= req.min_count) return finish(self, flow);
      return finish(self, flow,
                    to_caf_error({errc::forbidden, "Quota exceeded, too many servers in group"}));
    }
  }
  auto reserved = st.book.reserve(req.base.project_id, wanted, st.quotas_of(req.base.project_id),
                                  st.reservation_deadline());
  if (!reserved) {
    if (static_cast<int>(flow->started.size()) >= req.min_count) return finish(self, flow);
    return finish(self, flow, to_caf_error(reserved.error()));
  }
  const std::string reservation = reserved.value();
  const std::uint64_t launch = ++st.last_id;
  flow->launch = launch;
  flow->reservation = reservation;
  instance::request one = req.base;
  // Nova's multi_instance_display_name_template: "%(name)s-%(count)d".
  if (req.max_count > 1) one.name += "-" + std::to_string(flow->started.size() + 1);
  // Each server's boot volume made from an image gets its id now: the build
  // resumed after a restart finds the volume it began.
  if (one.boot.source_type == "image") one.boot.volume_id = new_uuid();
  // No timeout of CAF's here: a late answer must still reach the door (its
  // instance exists and is counted); the door's own deadline gives up.
  self->request(st.conductor, caf::infinite, launch_atom::value, std::move(one), req.meta)
      .then(
          [self, flow, launch, reservation](instance_state& s) {
            launched(self, flow, launch, reservation, s);
          },
          [self, flow, launch, reservation](caf::error& e) {
            self->state.book.release(reservation);
            if (flow->launch != launch) return;
            flow->launch = 0;
            finish(self, flow, as_answer(e));
          });
  self->delayed_send(self, st.opts.launch_timeout, deadline_atom::value, flow->id, launch);
}

// The launch in flight did not answer in time: its reservation is given
// back and the caller told (the instance is counted if it answers later).
void on_deadline(compute_actor* self, std::uint64_t flow_id, std::uint64_t launch) {
  auto& st = self->state;
  auto it = st.flows.find(flow_id);
  if (it == st.flows.end() || it->second->launch != launch) return;
  auto flow = it->second;
  spdlog::warn("[{}] compute: a launch did not answer within {} ms; its quota is released",
               flow->req.meta.request_id, st.opts.launch_timeout.count());
  st.book.release(flow->reservation);
  flow->launch = 0;
  flow->reservation.clear();
  finish(self, flow,
         to_caf_error({errc::unavailable, "The service did not answer in time; try again."}));
}

// A key_name must be one of the caller's key pairs (Nova: 400 "Invalid
// key_name provided.").
void check_key_name(compute_actor* self, flow_ptr flow) {
  const auto& base = flow->req.base;
  if (!base.key_name.empty() && !self->state.keypair(base.user_id, base.key_name))
    return finish(self, flow, bad_request("Invalid key_name provided."));
  launch_next(self, std::move(flow));
}

// The named security groups must be the project's (by name or id), as
// Nova asks Neutron; "default" is every project's, made at its first use.
void check_security_groups(compute_actor* self, flow_ptr flow) {
  if (!going_on(self, flow)) return;
  const auto& wanted = flow->req.base.security_groups;
  if (std::all_of(wanted.begin(), wanted.end(), [](const auto& g) { return g == "default"; }))
    return check_key_name(self, std::move(flow));
  self->request(self->state.networking, self->state.opts.read_timeout, list_atom::value,
                security_group_atom::value)
      .then(
          [self, flow](std::vector<security_group_state>& groups) {
            auto& base = flow->req.base;
            for (auto& name : base.security_groups) {
              if (name == "default") continue;
              auto it =
                  std::find_if(groups.begin(), groups.end(), [&](const security_group_state& g) {
                    return g.exists() && g.project_id == base.project_id &&
                           (g.name == name || g.id == name);
                  });
              if (it == groups.end())
                return finish(self, flow,
                              bad_request("Security group " + name + " not found for project " +
                                          base.project_id + "."));
              // A group named by its id is kept by its name, as Nova shows it.
              name = it->name;
            }
            // Groups asked for (not "default" alone, which Nova leaves to
            // Neutron) on a network without port security: Nova's 400.
            if (flow->groups_cannot_apply)
              return finish(self, flow,
                            bad_request("Network requires port_security_enabled and subnet "
                                        "associated in order to apply security groups."));
            check_key_name(self, flow);
          },
          [self, flow](caf::error& e) { finish(self, flow, as_answer(e)); });
}

using networks_ptr = std::shared_ptr<const std::vector<network_state>>;

// The listed networks and ports, one after the other (a port is asked of
// networking by its id): what the caller may use, as Nova asks Neutron.
void check_listed(compute_actor* self, flow_ptr flow, networks_ptr usable, std::size_t next) {
  const auto& req = flow->req;
  if (next == req.listed.size()) {
    flow->req.base.networks = req.listed;
    return check_security_groups(self, std::move(flow));
  }
  const auto& rn = req.listed[next];
  if (!rn.port_id.empty()) {
    const std::string port_id = rn.port_id;
    self->request(self->state.networking, self->state.opts.read_timeout, caf::get_atom::value,
                  port_atom::value, port_id)
        .then(
            [self, flow, usable, next, port_id](network_state& n) {
              const auto* port = n.find_port(port_id);
              if (!port || !(flow->req.is_admin || port->project_id == flow->req.base.project_id))
                return finish(self, flow,
                              bad_request("Port " + port_id + " could not be found."));
              if (!port->device_id.empty())
                return finish(self, flow,
                              to_caf_error({errc::conflict, "Port " + port_id + " is still in use."}));
              if (flow->req.max_count > 1)
                return finish(
                    self, flow,
                    bad_request("Unable to launch multiple instances with a single configured "
                                "port ID. Please launch your instance one by one with different "
                                "ports."));
              if (!takes_security_groups(n)) flow->groups_cannot_apply = true;
              check_listed(self, flow, usable, next + 1);
            },
            [self, flow, port_id](caf::error& e) {
              if (e.category() == caf::atom("cumulo") &&
                  from_caf_error(e).code == errc::not_found)
                return finish(self, flow, bad_request("Port " + port_id + " could not be found."));
              finish(self, flow, as_answer(e));
            });
    return;
  }
  const auto known = std::find_if(usable->begin(), usable->end(), [&](const network_state& n) {
    return n.id == rn.network_id && n.exists();
  });
  if (known == usable->end())
    return finish(self, flow, bad_request("Network " + rn.network_id + " could not be found."));
  if (!takes_security_groups(*known)) flow->groups_cannot_apply = true;
  if (!rn.fixed_ip.empty() && req.max_count > 1)
    return finish(self, flow,
                  bad_request("max_count cannot be greater than 1 if an fixed_ip is specified."));
  check_listed(self, std::move(flow), std::move(usable), next + 1);
}

// The networks a server boots on (or attaches to) when none is named:
// the project's own and shared ones, not external ones (Nova's allocation).
std::vector<const network_state*> default_networks(const std::vector<network_state>& visible,
                                                   const std::string& project_id) {
  std::vector<const network_state*> usable;
  for (const auto& n : visible)
    if (n.exists() && !n.external && (n.project_id == project_id || n.shared))
      usable.push_back(&n);
  return usable;
}

// The networks the instances get, from those the project may use (its own,
// shared and external ones; every one for an admin).
void resolve_networks(compute_actor* self, flow_ptr flow) {
  if (!going_on(self, flow)) return;
  using mode = create_servers_request::networks_mode;
  const auto& req = flow->req;
  if (req.networks == mode::none) {
    flow->req.base.networks.clear();
    return check_security_groups(self, std::move(flow));
  }
  self->request(self->state.networking, self->state.opts.read_timeout, list_atom::value,
                network_atom::value, req.base.project_id, req.is_admin)
      .then(
          [self, flow](std::vector<network_state>& visible) {
            const auto& req = flow->req;
            const auto& project_id = req.base.project_id;
            if (req.networks == mode::listed)
              return check_listed(
                  self, flow, std::make_shared<const std::vector<network_state>>(std::move(visible)),
                  0);
            // One network to boot on: the project's own or a shared one.
            const auto usable = default_networks(visible, project_id);
            if (usable.size() > 1)
              return finish(self, flow,
                            to_caf_error({errc::conflict,
                                          "Multiple possible networks found, use a Network ID to "
                                          "be more specific."}));
            flow->req.base.networks.clear();
            if (usable.empty()) {
              if (req.auto_network)
                return finish(self, flow,
                              bad_request("Unable to automatically allocate a network for project " +
                                          project_id));
              // Nova boots without a NIC.
            } else {
              flow->req.base.networks.push_back({usable[0]->id, "", ""});
              if (!takes_security_groups(*usable[0])) flow->groups_cannot_apply = true;
            }
            check_security_groups(self, flow);
          },
          [self, flow](caf::error& e) { finish(self, flow, as_answer(e)); });
}

// The image, asked of Glance's door with Glance's visibility rules: it
// must exist, be visible to the caller and be active.
void resolve_boot_volume(compute_actor* self, flow_ptr flow);

void resolve_image(compute_actor* self, flow_ptr flow) {
  const auto& boot = flow->req.base.boot;
  if (boot.source_type == "volume") return resolve_boot_volume(self, flow);
  const std::string ref = boot.source_type == "image" ? boot.uuid : flow->req.image_ref;
  const std::string id = last_segment(ref);
  self->request(self->state.image_registry, self->state.opts.read_timeout, caf::get_atom::value,
                image_atom::value, id)
      .then(
          [self, flow, ref, id](image_state& img) {
            const image_viewer viewer{flow->req.base.project_id, flow->req.is_admin};
            if (!image_visible(img, viewer))
              return finish(self, flow, bad_request("Image " + ref + " could not be found."));
            if (img.status != "active")
              return finish(self, flow, bad_request("Image " + id + " is not active."));
            flow->req.base.image_id = id;
            resolve_networks(self, flow);
          },
          [self, flow, ref](caf::error& e) {
            if (e.category() == caf::atom("cumulo") && from_caf_error(e).code == errc::not_found)
              return finish(self, flow, bad_request("Image " + ref + " could not be found."));
            finish(self, flow, as_answer(e));
          });
}

// Boot from an existing volume: the caller's (400 "Block Device Mapping is
// Invalid: failed to get volume X." for one it cannot see, as Nova words
// it), available, one server only; the server's image is the one the
// volume was made from (its kernel and ramdisk boot it), if any.
void resolve_boot_volume(compute_actor* self, flow_ptr flow) {
  const std::string volume_id = flow->req.base.boot.uuid;
  if (!self->state.opts.block_storage)
    return finish(self, flow, to_caf_error({errc::unavailable, "Block storage is not available."}));
  if (flow->req.max_count > 1)
    return finish(self, flow,
                  bad_request("Block Device Mapping is Invalid: Boot from volume " + volume_id +
                              " for more than one server."));
  self->request(self->state.opts.block_storage, self->state.opts.read_timeout, caf::get_atom::value,
                volume_atom::value, volume_id)
      .then(
          [self, flow, volume_id](volume_state& v) {
            if (!v.exists() || !(flow->req.is_admin || v.project_id == flow->req.base.project_id))
              return finish(self, flow,
                            bad_request("Block Device Mapping is Invalid: failed to get volume " +
                                        volume_id + "."));
            if (v.status != "available")
              return finish(
                  self, flow,
                  bad_request("Invalid volume: volume '" + volume_id +
                              "' status must be 'available'. Currently in '" + v.status + "'"));
            auto it = v.volume_image_metadata.find("image_id");
            flow->req.base.image_id = it == v.volume_image_metadata.end() ? "" : it->second;
            flow->req.base.boot.volume_id = volume_id;
            resolve_networks(self, flow);
          },
          [self, flow, volume_id](caf::error& e) {
            if (e.category() == caf::atom("cumulo") && from_caf_error(e).code == errc::not_found)
              return finish(self, flow,
                            bad_request("Block Device Mapping is Invalid: failed to get volume " +
                                        volume_id + "."));
            finish(self, flow, as_answer(e));
          });
}

caf::result<created_servers> on_create_servers(compute_actor* self, create_servers_request& req) {
  auto& st = self->state;
  // The scheduler hint "group": one of the project's server groups; the
  // instances carry a copy of its policy for the scheduler.
  if (!req.server_group.empty()) {
    auto g = st.server_groups.find(req.server_group);
    if (g == st.server_groups.end() ||
        (g->second.project_id != req.base.project_id && !req.is_admin))
      return bad_request("Invalid server group " + req.server_group + ".");
    req.base.server_group_id = g->second.id;
    req.base.server_group_policy = g->second.policy;
    req.base.max_server_per_host = g->second.max_server_per_host;
  }
  // flavorRef may also be a link ending in the id, as Nova accepts. The
  // instance keeps a copy: a flavor deleted later changes nothing.
  auto f = st.flavors.find(last_segment(req.flavor_ref));
  if (f == st.flavors.end())
    return bad_request("Flavor " + req.flavor_ref + " could not be found.");
  const auto& fl = f->second;
  req.base.flavor = instance::flavor{fl.id, fl.name, fl.vcpus, fl.ram, fl.disk, fl.ephemeral,
                                     fl.swap};
  // Nova's metadata_items quota (128 by default) bounds a server's metadata.
  const std::int64_t items = st.quotas_of(req.base.project_id).limit("metadata_items");
  if (items >= 0 && static_cast<std::int64_t>(req.base.metadata.size()) > items)
    return to_caf_error(make_domain_error(
        errc::forbidden, "Quota exceeded for metadata_items: maximum number of metadata items "
                         "is " + std::to_string(items) + "."));
  auto flow = std::make_shared<create_flow>();
  flow->id = ++st.last_id;
  flow->req = std::move(req);
  // A caller that goes away (its own timeout) is watched: nothing more is
  // launched for it. Before the promise, which takes the sender over.
  if (auto caller = self->current_sender()) {
    flow->caller = caf::actor_cast<caf::actor_addr>(caller);
    self->monitor(caller);
  }
  flow->promise = self->make_response_promise<created_servers>();
  st.flows.emplace(flow->id, flow);
  resolve_image(self, flow);
  return flow->promise;
}

void on_caller_down(compute_actor* self, const caf::down_msg& dm) {
  for (auto& [_, flow] : self->state.flows)
    if (flow->caller == dm.source) flow->caller_gone = true;
}

// Reservations whose launch never answered are released when they expire;
// then the next sweep is due.
void sweep(compute_actor* self) {
  auto& st = self->state;
  if (const auto n = st.book.sweep(st.now()))
    spdlog::warn("compute: {} expired quota reservation(s) released", n);
  self->delayed_send(self, st.opts.sweep_interval, sweep_atom::value);
}

caf::result<instance_state> on_delete_server(compute_actor* self, const std::string& id,
                                             event_metadata& meta) {
  auto promise = self->make_response_promise<instance_state>();
  self->request(self->state.conductor, conductor_timeout, action_atom::value, id,
                instance::command{instance::remove{}}, meta)
      .then(
          [self, promise, meta](instance_state& gone) mutable {
            // Its quota is free once the delete is on its way, and its
            // place in a server group.
            self->state.book.release_instance(gone.id, self->state.reservation_deadline());
            if (!gone.server_group_id.empty() &&
                self->state.server_groups.count(gone.server_group_id))
              resource_command<server_group_state>(
                  self, gone.server_group_id,
                  server_group::command{server_group::remove_member{gone.id}}, meta,
                  [](server_group_state&) {}, [](const caf::error&) {});
            promise.deliver(std::move(gone));
          },
          [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  return promise;
}

// A user's change of one server, through the conductor. Metadata is
// bounded by the project's metadata_items quota, which only the door knows:
// the server is read for its project first.
caf::result<instance_state> on_server_action(compute_actor* self, const std::string& id,
                                             instance::command& c, event_metadata& meta) {
  auto promise = self->make_response_promise<instance_state>();
  auto forward = [self, promise, id, meta](instance::command c) mutable {
    self->request(self->state.conductor, conductor_timeout, action_atom::value, id, std::move(c),
                  meta)
        .then(
            [self, promise](instance_state& s) mutable {
              // A revert counts the old flavor again.
              if (s.task_state == task_states::resize_reverting && s.migration)
                self->state.book.count_instance(s.id, s.project_id,
                                                usage_of_instance(s.migration->old_flavor));
              promise.deliver(std::move(s));
            },
            [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  };
  // The ends of a resize carry the time the migration records.
  if (auto* confirm = std::get_if<instance::confirm_resize>(&c)) confirm->at_us = self->state.now();
  if (auto* revert = std::get_if<instance::revert_resize>(&c)) revert->at_us = self->state.now();
  if (!std::holds_alternative<instance::set_metadata>(c)) {
    forward(std::move(c));
    return promise;
  }
  self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                instance_atom::value, id)
      .then(
          [self, forward, c](instance_state& s) mutable {
            std::get<instance::set_metadata>(c).max_items =
                self->state.quotas_of(s.project_id).limit("metadata_items");
            forward(std::move(c));
          },
          [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  return promise;
}

// --- a server's security groups (Nova's addSecurityGroup and
// removeSecurityGroup through Neutron: each of its ports changes, then the
// instance records the groups by name) ---

struct group_change {
  std::string instance_id;
  std::string group;  // as the client named it: a name or an id
  bool add = true;
  event_metadata meta;
  caf::typed_response_promise<instance_state> promise;
  instance_state server;
  std::string group_id, group_name;
  std::vector<std::string> names;  // the server's groups after the change
};
using group_change_ptr = std::shared_ptr<group_change>;

void record_groups(compute_actor* self, group_change_ptr c) {
  self->request(self->state.conductor, conductor_timeout, action_atom::value, c->instance_id,
                instance::command{instance::set_security_groups{c->names}}, c->meta)
      .then([c](instance_state& s) mutable { c->promise.deliver(std::move(s)); },
            [c](caf::error& e) mutable { c->promise.deliver(as_answer(e)); });
}

// The ports one after the other: each gets the group (or loses it).
void change_ports(compute_actor* self, group_change_ptr c, std::size_t next) {
  if (next == c->server.addresses.size()) return record_groups(self, std::move(c));
  const std::string port_id = c->server.addresses[next].port_id;
  self->request(self->state.networking, self->state.opts.read_timeout, caf::get_atom::value,
                port_atom::value, port_id)
      .then(
          [self, c, next, port_id](network_state& n) {
            const auto* port = n.find_port(port_id);
            if (!port) return change_ports(self, c, next + 1);
            auto groups = port->security_groups;
            auto it = std::find(groups.begin(), groups.end(), c->group_id);
            if (c->add && it == groups.end()) groups.push_back(c->group_id);
            if (!c->add && it != groups.end()) groups.erase(it);
            if (groups == port->security_groups) return change_ports(self, c, next + 1);
            network::update_port u;
            u.port_id = port_id;
            u.security_groups = groups;
            self->request(self->state.networking, self->state.opts.read_timeout,
                          command_atom::value, port_atom::value, port_id,
                          network::command{std::move(u)}, c->meta)
                .then([self, c, next](network_state&) { change_ports(self, c, next + 1); },
                      [c](caf::error& e) mutable { c->promise.deliver(as_answer(e)); });
          },
          [c](caf::error& e) mutable { c->promise.deliver(as_answer(e)); });
}

void find_group(compute_actor* self, group_change_ptr c) {
  self->request(self->state.networking, self->state.opts.read_timeout, list_atom::value,
                security_group_atom::value)
      .then(
          [self, c](std::vector<security_group_state>& groups) mutable {
            const auto& project = c->server.project_id;
            auto it =
                std::find_if(groups.begin(), groups.end(), [&](const security_group_state& g) {
                  return g.exists() && g.project_id == project &&
                         (g.name == c->group || g.id == c->group);
                });
            if (it == groups.end()) {
              c->promise.deliver(
                  to_caf_error({errc::not_found, "Security group " + c->group +
                                                     " not found for project " + project + "."}));
              return;
            }
            c->group_id = it->id;
            c->group_name = it->name;
            c->names = c->server.security_groups;
            auto named = std::find(c->names.begin(), c->names.end(), c->group_name);
            if (c->add == (named != c->names.end())) {
              c->promise.deliver(to_caf_error(
                  {errc::bad_request, "Security group " + c->group_name +
                                          (c->add ? " is already associated with the instance "
                                                  : " not associated with the instance ") +
                                          c->instance_id}));
              return;
            }
            if (c->add)
              c->names.push_back(c->group_name);
            else
              c->names.erase(named);
            change_ports(self, c, 0);
          },
          [c](caf::error& e) mutable { c->promise.deliver(as_answer(e)); });
}

caf::result<instance_state> on_server_group_change(compute_actor* self, const std::string& id,
                                                   const std::string& group, bool add,
                                                   event_metadata& meta) {
  auto c = std::make_shared<group_change>();
  c->instance_id = id;
  c->group = group;
  c->add = add;
  c->meta = meta;
  c->promise = self->make_response_promise<instance_state>();
  self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                instance_atom::value, id)
      .then(
          [self, c](instance_state& s) mutable {
            c->server = std::move(s);
            find_group(self, c);
          },
          [c](caf::error& e) mutable { c->promise.deliver(as_answer(e)); });
  return c->promise;
}

// --- createImage (Nova's compute/api.py snapshot): the door makes the
// image in Glance, queued, with Nova's snapshot properties, then asks the
// instance to copy its disk into it; a refusal takes the image back ---

struct snapshot_flow {
  std::string instance_id;
  std::string name;
  std::map<std::string, std::string> metadata;
  event_metadata meta;
  caf::typed_response_promise<std::string> promise;
  instance_state server;
  std::string image_id;
  bool shelve = false;  // the snapshot of a shelve
  std::string backup_type;  // createBackup's
  std::int64_t rotation = -1;
};
using snapshot_flow_ptr = std::shared_ptr<snapshot_flow>;

// Nova's snapshot properties over the base image's own (what it was booted
// from, so that the snapshot boots the same way).
image::create snapshot_image(const snapshot_flow& f, const image_state* base) {
  image::create c;
  c.name = f.name;
  c.owner = f.server.project_id;
  c.visibility = "private";
  c.container_format = "bare";
  c.disk_format = "raw";
  if (base) {
    // Glance's own os_glance_* (an import's progress) are not the image's
    // to pass on: Glance refuses them in a create.
    for (const auto& [k, v] : base->properties)
      if (k.rfind("os_glance", 0) != 0) c.properties[k] = v;
    if (!base->disk_format.empty()) c.disk_format = base->disk_format;
    if (!base->container_format.empty()) c.container_format = base->container_format;
    c.min_ram = base->min_ram;
    c.min_disk = base->min_disk;
  }
  c.min_disk = std::max<std::int64_t>(c.min_disk, f.server.flavor.root_gb);
  for (const auto& [k, v] : f.metadata) c.properties[k] = v;
  c.properties["image_type"] = "snapshot";
  c.properties["instance_uuid"] = f.server.id;
  c.properties["base_image_ref"] = f.server.image_id;
  c.properties["user_id"] = f.meta.user_id;
  c.properties["image_location"] = "snapshot";
  if (f.rotation >= 0) {
    c.properties["image_type"] = "backup";
    c.properties["backup_type"] = f.backup_type;
  }
  return c;
}

// createBackup's rotation (Nova's _rotate_backups): the server's backups of
// the type, newest first; those beyond `rotation` are deleted.
void rotate_backups(compute_actor* self, snapshot_flow_ptr f, std::function<void()> k) {
  self->request(self->state.image_registry, self->state.opts.read_timeout, list_atom::value,
                image_atom::value)
      .then(
          [self, f, k](std::vector<image_state>& images) {
            auto prop = [](const image_state& i, const char* key) {
              auto it = i.properties.find(key);
              return it == i.properties.end() ? std::string() : it->second;
            };
            std::vector<const image_state*> backups;
            for (const auto& i : images)
              if (i.exists() && prop(i, "image_type") == "backup" &&
                  prop(i, "backup_type") == f->backup_type &&
                  prop(i, "instance_uuid") == f->server.id)
                backups.push_back(&i);
            std::stable_sort(backups.begin(), backups.end(), [](const auto* a, const auto* b) {
              return a->created_at_us > b->created_at_us;
            });
            auto doomed = std::make_shared<std::vector<std::string>>();
            for (std::size_t n = static_cast<std::size_t>(f->rotation); n < backups.size(); ++n)
              doomed->push_back(backups[n]->id);
            // One at a time, answered once all are gone.
            auto next = std::make_shared<std::function<void()>>();
            *next = [self, f, k, doomed, next] {
              if (doomed->empty()) {
                k();
                *next = nullptr;  // the cycle through the capture ends here
                return;
              }
              const std::string id = doomed->back();
              doomed->pop_back();
              spdlog::info("[{}] compute: backup {} of instance {} rotated out", f->meta.request_id,
                           id, f->server.id);
              self->request(self->state.image_registry, self->state.opts.read_timeout,
                            command_atom::value, id, image::command{image::remove{}}, f->meta)
                  .then([next](image_state&) { (*next)(); }, [next](caf::error&) { (*next)(); });
            };
            (*next)();
          },
          [k](caf::error&) { k(); });
}

void start_snapshot(compute_actor* self, snapshot_flow_ptr f) {
  self->request(self->state.conductor, conductor_timeout, action_atom::value, f->instance_id,
                f->shelve ? instance::command{instance::shelve{f->image_id, f->name}}
                          : instance::command{instance::snapshot{f->image_id, f->name}},
                f->meta)
      .then(
          [self, f](instance_state&) mutable {
            if (f->rotation < 0) {
              f->promise.deliver(f->image_id);
              return;
            }
            rotate_backups(self, f, [f]() mutable { f->promise.deliver(f->image_id); });
          },
          [self, f](caf::error& e) mutable {
            // The instance refused (its state): the image goes too.
            self->request(self->state.image_registry, self->state.opts.read_timeout,
                          command_atom::value, f->image_id, image::command{image::remove{}},
                          f->meta)
                .then([](image_state&) {},
                      [f](caf::error& gone) {
                        spdlog::error("compute: snapshot image {} not removed: {}", f->image_id,
                                      from_caf_error(gone).message);
                      });
            f->promise.deliver(as_answer(e));
          });
}

void make_snapshot_image(compute_actor* self, snapshot_flow_ptr f, const image_state* base) {
  f->image_id = new_random_uuid();
  self->request(self->state.image_registry, self->state.opts.read_timeout, command_atom::value,
                f->image_id, image::command{snapshot_image(*f, base)}, f->meta)
      .then([self, f](image_state&) { start_snapshot(self, f); },
            [f](caf::error& e) mutable { f->promise.deliver(as_answer(e)); });
}

caf::result<std::string> on_create_image(compute_actor* self, create_image_request& req) {
  auto f = std::make_shared<snapshot_flow>();
  f->instance_id = req.instance_id;
  f->name = std::move(req.name);
  f->metadata = std::move(req.metadata);
  f->meta = req.meta;
  f->shelve = req.shelve;
  f->backup_type = req.backup_type;
  f->rotation = req.rotation;
  const std::string id = req.instance_id;
  f->promise = self->make_response_promise<std::string>();
  self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                instance_atom::value, id)
      .then(
          [self, f](instance_state& s) {
            f->server = std::move(s);
            // Refused before any image is made when the state is wrong.
            instance::command probe = instance::snapshot{"-", f->name};
            if (f->shelve) probe = instance::shelve{"-", f->name};
            auto d = instance_machine::decide(f->server, probe);
            if (d && f->shelve)
              if (auto locked = instance::check_lock(f->server, probe, f->meta.caller_is_admin))
                d = *locked;
            if (f->shelve) f->name = f->server.name + "-shelved";
            if (d && f->rotation == 0) {
              // Nova: a rotation of 0 keeps no backup, and makes none.
              rotate_backups(self, f, [f]() mutable { f->promise.deliver(std::string()); });
              return;
            }
            if (!d) {
              f->promise.deliver(to_caf_error(d.error()));
              return;
            }
            self->request(self->state.image_registry, self->state.opts.read_timeout,
                          caf::get_atom::value, image_atom::value, f->server.image_id)
                .then([self, f](image_state& base) { make_snapshot_image(self, f, &base); },
                      // The base image is gone: the snapshot still can be.
                      [self, f](caf::error&) { make_snapshot_image(self, f, nullptr); });
          },
          [f](caf::error& e) mutable { f->promise.deliver(as_answer(e)); });
  return f->promise;
}

// --- moves (Nova's compute/api.py resize and live_migrate): the flavor
// and quota here, the move itself in the instance ---

void forward_action(compute_actor* self, const std::string& id, instance::command c,
                    const event_metadata& meta, caf::typed_response_promise<instance_state> promise,
                    std::function<void(const instance_state&)> accepted = {}) {
  self->request(self->state.conductor, conductor_timeout, action_atom::value, id, std::move(c),
                meta)
      .then(
          [promise, accepted](instance_state& s) mutable {
            if (accepted) accepted(s);
            promise.deliver(std::move(s));
          },
          [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
}

// A resize's flavor: Nova's checks before anything moves.
outcome<instance::flavor> resize_flavor(compute_actor* self, const instance_state& s,
                                        const std::string& ref) {
  auto& st = self->state;
  auto f = st.flavors.find(last_segment(ref));
  if (f == st.flavors.end() || !f->second.exists())
    return make_domain_error(errc::bad_request, "Unable to locate requested flavor.");
  const auto& fl = f->second;
  instance::flavor next{fl.id, fl.name, fl.vcpus, fl.ram, fl.disk, fl.ephemeral, fl.swap};
  if (next.id == s.flavor.id)
    return make_domain_error(errc::bad_request, "When resizing, instances must change flavor!");
  if (next.root_gb < s.flavor.root_gb)
    return make_domain_error(errc::bad_request, "Resize error: Unable to resize disk down.");
  // The upsize needs quota headroom (Nova's _check_quota_for_upsize).
  const compute_usage more{0, std::max(0, next.vcpus - s.flavor.vcpus),
                           std::max<std::int64_t>(0, next.memory_mb - s.flavor.memory_mb)};
  if (more.cores > 0 || more.ram > 0) {
    auto r =
        st.book.reserve(s.project_id, more, st.quotas_of(s.project_id), st.reservation_deadline());
    if (!r) return r.error();
    st.book.release(r.value());
  }
  return next;
}

// evacuate (Nova's compute/api.py evacuate): an admin's host must exist
// and not be the server's own; the server's host must be down (forced down
// by an admin: cumulo's hosts of one machine never go silent), else 400
// "Compute service of H is still in use."
void evacuate(compute_actor* self, const move_request& req,
              caf::typed_response_promise<instance_state> promise) {
  self->request(self->state.scheduler, conductor_timeout, caf::get_atom::value)
      .then(
          [self, promise, req](std::vector<host_state>& hosts) mutable {
            auto find = [hosts](const std::string& id) -> std::optional<host_state> {
              for (const auto& h : hosts)
                if (h.id == id) return h;
              return std::nullopt;
            };
            if (!req.host.empty() && !find(req.host)) {
              promise.deliver(
                  to_caf_error({errc::not_found, "Compute host " + req.host + " not found."}));
              return;
            }
            self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                          instance_atom::value, req.instance_id)
                .then(
                    [self, promise, req, find](instance_state& s) mutable {
                      if (!req.host.empty() && s.host == req.host) {
                        promise.deliver(bad_request("The target host can't be the same one."));
                        return;
                      }
                      instance::evacuate c{new_random_uuid(), req.host, self->state.now()};
                      // The state first (409), as Nova checks it before the service.
                      if (auto d = instance_machine::decide(s, c); !d) {
                        promise.deliver(to_caf_error(d.error()));
                        return;
                      }
                      const auto source = find(s.host);
                      if (source && !source->forced_down) {
                        promise.deliver(
                            bad_request("Compute service of " + s.host + " is still in use."));
                        return;
                      }
                      forward_action(self, req.instance_id, std::move(c), req.meta, promise);
                    },
                    [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
          },
          [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
}

caf::result<instance_state> on_move(compute_actor* self, move_request& req) {
  auto promise = self->make_response_promise<instance_state>();
  if (req.type == "evacuation") {
    evacuate(self, req, promise);
    return promise;
  }
  auto start = [self, promise, req](const instance_state& s) mutable {
    const std::int64_t at = self->state.now();
    instance::command c;
    if (req.type == "live-migration") {
      c = instance::live_migrate{new_random_uuid(), req.host, req.block_migration, at};
    } else if (req.type == "migration") {
      c = instance::resize{new_random_uuid(), "migration", s.flavor, at};
    } else {
      auto f = resize_flavor(self, s, req.flavor_ref);
      if (!f) {
        promise.deliver(to_caf_error(f.error()));
        return;
      }
      c = instance::resize{new_random_uuid(), "resize", f.value(), at};
    }
    forward_action(self, req.instance_id, std::move(c), req.meta, promise,
                   [self](const instance_state& moved) {
                     // A resize counts its new flavor from now on (revert gives it back).
                     if (moved.migration && moved.migration->type == "resize")
                       self->state.book.count_instance(
                           moved.id, moved.project_id,
                           usage_of_instance(moved.migration->new_flavor));
                   });
  };
  auto read = [self, promise, req, start]() mutable {
    self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                  instance_atom::value, req.instance_id)
        .then([start](instance_state& s) mutable { start(s); },
              [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  };
  if (req.host.empty()) {
    read();
    return promise;
  }
  // An admin's host must be one (Nova: 400 ComputeHostNotFound).
  self->request(self->state.scheduler, conductor_timeout, caf::get_atom::value)
      .then(
          [promise, req, read](std::vector<host_state>& hosts) mutable {
            if (std::none_of(hosts.begin(), hosts.end(),
                             [&](const host_state& h) { return h.id == req.host; })) {
              promise.deliver(bad_request("Compute host " + req.host + " could not be found."));
              return;
            }
            read();
          },
          [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  return promise;
}

// --- os-interface (Nova's compute/api.py attach_interface): the port or
// network checked as Nova asks Neutron, the rest in the instance ---

caf::error not_found_error(std::string message) {
  return to_caf_error({errc::not_found, std::move(message)});
}

caf::result<network_state> on_interface_attach(compute_actor* self, interface_attach_request& req) {
  auto promise = self->make_response_promise<network_state>();
  // The instance attaches; the answer is the attached port (the newest
  // address) as networking has it now.
  auto attach = [self, promise, req](interface_change c) mutable {
    self->request(self->state.conductor, conductor_timeout, interface_atom::value, req.instance_id,
                  std::move(c), req.meta)
        .then(
            [self, promise](instance_state& s) mutable {
              if (s.addresses.empty()) {
                promise.deliver(to_caf_error({errc::internal, "The interface is not recorded."}));
                return;
              }
              const std::string port_id = s.addresses.back().port_id;
              self->request(self->state.networking, self->state.opts.read_timeout,
                            caf::get_atom::value, port_atom::value, port_id)
                  .then(
                      [promise, port_id](network_state& n) mutable {
                        network_state one = n;
                        one.ports.clear();
                        if (const auto* p = n.find_port(port_id)) one.ports.emplace(port_id, *p);
                        promise.deliver(std::move(one));
                      },
                      [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
            },
            [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  };
  if (!req.port_id.empty()) {
    self->request(self->state.networking, self->state.opts.read_timeout, caf::get_atom::value,
                  port_atom::value, req.port_id)
        .then(
            [promise, req, attach](network_state& n) mutable {
              const auto* p = n.find_port(req.port_id);
              if (!p || !(req.is_admin || p->project_id == req.project_id)) {
                promise.deliver(not_found_error("Port " + req.port_id + " could not be found."));
                return;
              }
              if (!p->device_id.empty()) {
                promise.deliver(
                    to_caf_error({errc::conflict, "Port " + req.port_id + " is still in use."}));
                return;
              }
              attach(interface_change{true, req.port_id, "", ""});
            },
            [promise, req](caf::error& e) mutable {
              if (e.category() == caf::atom("cumulo") && from_caf_error(e).code == errc::not_found)
                promise.deliver(not_found_error("Port " + req.port_id + " could not be found."));
              else
                promise.deliver(as_answer(e));
            });
    return promise;
  }
  self->request(self->state.networking, self->state.opts.read_timeout, list_atom::value,
                network_atom::value, req.project_id, req.is_admin)
      .then(
          [promise, req, attach](std::vector<network_state>& visible) mutable {
            if (!req.network_id.empty()) {
              const bool known = std::any_of(
                  visible.begin(), visible.end(),
                  [&](const network_state& n) { return n.id == req.network_id && n.exists(); });
              if (!known) {
                promise.deliver(
                    not_found_error("Network " + req.network_id + " could not be found."));
                return;
              }
              attach(interface_change{true, "", req.network_id, req.fixed_ip});
              return;
            }
            // No network named: the project's only one.
            const auto usable = default_networks(visible, req.project_id);
            if (usable.size() > 1) {
              promise.deliver(bad_request(
                  "Multiple possible networks found, use a Network ID to be more specific."));
              return;
            }
            if (usable.empty()) {
              promise.deliver(bad_request(
                  "No specific network was requested and none are available for project '" +
                  req.project_id + "'."));
              return;
            }
            attach(interface_change{true, "", usable[0]->id, ""});
          },
          [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  return promise;
}

caf::result<instance_state> on_interface_detach(compute_actor* self, const std::string& id,
                                                const std::string& port_id, event_metadata& meta) {
  auto promise = self->make_response_promise<instance_state>();
  self->request(self->state.conductor, conductor_timeout, interface_atom::value, id,
                interface_change{false, port_id, "", ""}, meta)
      .then([promise](instance_state& s) mutable { promise.deliver(std::move(s)); },
            [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  return promise;
}

// --- rebuild and rescue: an image as a create resolves it ---

void resolve_image_ref(compute_actor* self, const std::string& ref, const std::string& project,
                       bool is_admin, std::function<void(std::string)> found,
                       std::function<void(caf::error)> refused) {
  const std::string id = last_segment(ref);
  self->request(self->state.image_registry, self->state.opts.read_timeout, caf::get_atom::value,
                image_atom::value, id)
      .then(
          [found, refused, ref, id, project, is_admin](image_state& img) {
            if (!image_visible(img, image_viewer{project, is_admin}))
              return refused(bad_request("Image " + ref + " could not be found."));
            if (img.status != "active")
              return refused(bad_request("Image " + id + " is not active."));
            found(id);
          },
          [refused, ref](caf::error& e) {
            if (e.category() == caf::atom("cumulo") && from_caf_error(e).code == errc::not_found)
              refused(bad_request("Image " + ref + " could not be found."));
            else
              refused(as_answer(e));
          });
}

caf::result<instance_state> on_rescue(compute_actor* self, rescue_request& req) {
  auto promise = self->make_response_promise<instance_state>();
  auto rescue = [self, promise, req](const std::string& image_id) mutable {
    forward_action(self, req.instance_id, instance::rescue{image_id}, req.meta, promise);
  };
  auto refused = [promise](caf::error e) mutable { promise.deliver(std::move(e)); };
  if (!req.image_ref.empty()) {
    resolve_image_ref(self, req.image_ref, req.project_id, req.is_admin, rescue, refused);
    return promise;
  }
  // No rescue image: the server's own (Nova's default rescue image).
  self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                instance_atom::value, req.instance_id)
      .then([rescue](instance_state& s) mutable { rescue(s.image_id); },
            [promise](caf::error& e) mutable { promise.deliver(as_answer(e)); });
  return promise;
}

caf::result<instance_state> on_rebuild(compute_actor* self, rebuild_request& req) {
  auto promise = self->make_response_promise<instance_state>();
  resolve_image_ref(
      self, req.image_ref, req.project_id, req.is_admin,
      [self, promise, req](const std::string& id) mutable {
        req.command.image_id = id;
        forward_action(self, req.instance_id, instance::command{req.command}, req.meta, promise);
      },
      [promise](caf::error e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

// --- server groups (Nova's os-server-groups) ---

caf::result<server_group_state> on_server_group_create(compute_actor* self, server_group::create& c,
                                                       event_metadata& meta) {
  auto& st = self->state;
  // Checked before the quota, as Nova's schema would.
  if (auto d = server_group_machine::decide(server_group_state{}, server_group::command{c}); !d)
    return to_caf_error(d.error());
  const std::int64_t most = st.quotas_of(c.project_id).limit("server_groups");
  if (most >= 0 && st.groups_of(c.project_id) + 1 > most)
    return to_caf_error({errc::forbidden, "Quota exceeded, too many server groups."});
  const std::string project = c.project_id;
  ++st.pending_groups[project];
  return create_pending<server_group_state>(self, server_group::command{std::move(c)}, meta,
                                            [self, project] {
                                              if (--self->state.pending_groups[project] <= 0)
                                                self->state.pending_groups.erase(project);
                                            });
}

// What the metadata flows reach: the conductor, networking and the door's key pairs.
metadata_links metadata_links_of(compute_actor* self) {
  return {self->state.conductor, self->state.networking,
          [self](const std::string& user, const std::string& name) -> std::optional<keypair_state> {
            if (const auto* k = self->state.keypair(user, name)) return *k;
            return std::nullopt;
          }};
}

caf::behavior compute(compute_actor* self, caf::actor conductor, caf::actor networking,
                      caf::actor image_registry, compute_options opts) {
  self->state.conductor = std::move(conductor);
  self->state.networking = std::move(networking);
  self->state.image_registry = std::move(image_registry);
  self->state.opts = std::move(opts);
  self->set_down_handler([self](caf::down_msg& dm) { on_caller_down(self, dm); });
  read_all<flavor_state>(self, flavor_atom::value, "compute");
  read_all<keypair_state>(self, keypair_atom::value, "compute");
  read_all<server_group_state>(self, server_group_atom::value, "compute");
  read_all<compute_quota_state>(self, compute_quota_atom::value, "compute");
  read_instances(self);
  self->request(self->state.conductor, conductor_timeout, caf::get_atom::value,
                scheduler_atom::value)
      .await([self](caf::actor& s) { self->state.scheduler = s; },
             [self](caf::error& e) { self->quit(e); });
  self->delayed_send(self, self->state.opts.sweep_interval, sweep_atom::value);
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
      [self](create_servers_atom, create_servers_request& req) {
        return on_create_servers(self, req);
      },
      [self](caf::delete_atom, instance_atom, const std::string& id, event_metadata& m) {
        return on_delete_server(self, id, m);
      },
      [self](action_atom, const std::string& id, instance::command& c, event_metadata& m) {
        return on_server_action(self, id, c, m);
      },
      [self](command_atom, server_group_atom, server_group::create& c, event_metadata& m) {
        return on_server_group_create(self, c, m);
      },
      [self](caf::delete_atom, server_group_atom, const std::string& id,
             event_metadata& m) -> caf::result<server_group_state> {
        if (!self->state.server_groups.count(id))
          return to_caf_error({errc::not_found, "Instance group " + id + " could not be found."});
        auto promise = self->make_response_promise<server_group_state>();
        resource_command<server_group_state>(
            self, id, server_group::command{server_group::remove{}}, m,
            [promise](server_group_state& s) mutable { promise.deliver(s); }, fail_to(promise));
        return promise;
      },
      [self](caf::get_atom, server_group_atom,
             const std::string& id) -> caf::result<server_group_state> {
        auto it = self->state.server_groups.find(id);
        if (it == self->state.server_groups.end())
          return to_caf_error({errc::not_found, "Instance group " + id + " could not be found."});
        return it->second;
      },
      [self](list_atom, server_group_atom) { return in_creation_order(self->state.server_groups); },
      [self](security_group_atom, const std::string& id, const std::string& group, bool add,
             event_metadata& m) { return on_server_group_change(self, id, group, add, m); },
      [self](snapshot_atom, create_image_request& req) { return on_create_image(self, req); },
      [self](rebuild_atom, rebuild_request& req) { return on_rebuild(self, req); },
      [self](move_atom, move_request& req) { return on_move(self, req); },
      [self](volume_plug_atom, caf::add_atom, volume_attach_request& req) {
        return attach_volume_to_server(
            self, compute_volume_links{self->state.conductor, self->state.opts.block_storage},
            std::move(req));
      },
      [self](volume_plug_atom, caf::delete_atom, volume_attach_request& req) {
        return detach_volume_from_server(
            self, compute_volume_links{self->state.conductor, self->state.opts.block_storage},
            std::move(req));
      },
      [self](interface_atom, interface_attach_request& req) {
        return on_interface_attach(self, req);
      },
      [self](interface_atom, const std::string& id, const std::string& port_id,
             event_metadata& meta) { return on_interface_detach(self, id, port_id, meta); },
      [self](rescue_atom, rescue_request& req) { return on_rescue(self, req); },
      [self](deadline_atom, std::uint64_t flow, std::uint64_t launch) {
        on_deadline(self, flow, launch);
      },
      [self](sweep_atom) { sweep(self); },
      [self](reserve_atom, const std::string& project,
             const compute_usage& wanted) -> caf::result<std::string> {
        auto& st = self->state;
        auto r = st.book.reserve(project, wanted, st.quotas_of(project), st.reservation_deadline());
        if (!r) return to_caf_error(r.error());
        return r.value();
      },
      [self](commit_atom, const std::string& reservation,
             const std::string& instance_id) -> caf::result<caf::ok_atom> {
        if (!self->state.book.commit(reservation, instance_id))
          return to_caf_error({errc::not_found, "Reservation " + reservation + " not found."});
        return caf::ok_atom::value;
      },
      [self](release_atom, const std::string& reservation) {
        self->state.book.release(reservation);
        return caf::ok_atom::value;
      },
      [self](release_atom, instance_atom, const std::string& instance_id) {
        self->state.book.release_instance(instance_id, self->state.reservation_deadline());
        return caf::ok_atom::value;
      },
      [self](caf::get_atom, reserve_atom, const std::string& project) {
        return self->state.book.reservations_of(project);
      },

      [self](list_atom, hypervisor_atom) {
        return self->delegate(self->state.scheduler, caf::get_atom::value);
      },
      // Nova's metadata service: who has that address, and what it is told.
      [self](metadata_atom, caf::get_atom, const std::string& network_id,
             const std::string& ip) -> caf::result<instance_metadata> {
        const std::string id = self->state.addresses.find(network_id, ip);
        if (id.empty())
          return to_caf_error({errc::not_found, "No instance has the address " + ip +
                                                    " on network " + network_id + "."});
        return metadata_of_address(self, metadata_links_of(self), id, network_id, ip);
      },
      [self](metadata_atom, caf::get_atom, instance_state& s) {
        return metadata_of_instance(self, metadata_links_of(self), std::move(s));
      },
      [self](metadata_atom, caf::put_atom, const instance_addresses& a) {
        self->state.addresses.put(a);
      },
      [self](command_atom, const std::string& hostname, host::command& c, event_metadata& m) {
        return self->delegate(self->state.scheduler, command_atom::value, hostname, std::move(c),
                              std::move(m));
      },
  };
}

}  // namespace

caf::actor spawn_compute(caf::actor_system& sys, caf::actor conductor, caf::actor networking,
                         caf::actor image_registry, compute_options opts) {
  return sys.spawn(compute, std::move(conductor), std::move(networking), std::move(image_registry),
                   std::move(opts));
}

}  // namespace cumulo
