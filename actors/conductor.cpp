#include "actors/conductor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <functional>
#include <type_traits>
#include <unordered_map>

#include "actors/block_storage_messages.hpp"
#include "actors/credential_messages.hpp"
#include "actors/errors.hpp"
#include "actors/instance.hpp"
#include "actors/resource_actor.hpp"
#include "actors/scheduler.hpp"
#include "actors/subnetpool_messages.hpp"
#include "engine/clock.hpp"
#include "store/ids.hpp"

namespace cumulo {
namespace {

// The conductor waits for a resource actor without a timer: children are
// monitored (a dead one bounces the request), and their own journal waits
// are bounded (journal_timeout). See conductor_timeout in door.hpp.
constexpr auto child_timeout = caf::infinite;

struct conductor_state {
  caf::actor journal;
  caf::actor scheduler;
  std::unordered_map<std::string, caf::actor> children;        // stream -> actor
  std::unordered_map<caf::actor_addr, std::string> stream_of;  // actor -> stream
  // Requests a child bounced, waiting for its down message (after_down).
  std::unordered_map<caf::actor_addr, std::vector<std::function<void(caf::actor)>>> bounced;
  std::uint64_t restarts = 0;
  // Where instances find the scheduler, networking and compute hosts; set
  // once by the cloud when they are up.
  compute_links_ptr links;
  // Instances that were in flight when the log was folded: resolved once
  // the links are there (a build's claim and ports go back).
  std::vector<std::string> unresolved_instances;
  static inline const char* name = "conductor";
};

using conductor_actor = caf::stateful_actor<conductor_state>;

template <class Machine>
auto behavior_of() {
  if constexpr (std::is_same_v<Machine, project_machine>) return project_actor;
  if constexpr (std::is_same_v<Machine, user_machine>) return user_actor;
  if constexpr (std::is_same_v<Machine, role_machine>) return role_actor;
  if constexpr (std::is_same_v<Machine, domain_machine>) return domain_actor;
  if constexpr (std::is_same_v<Machine, region_machine>) return region_actor;
  if constexpr (std::is_same_v<Machine, service_machine>) return service_actor;
  if constexpr (std::is_same_v<Machine, group_machine>) return group_actor;
  if constexpr (std::is_same_v<Machine, security_group_machine>) return security_group_actor;
  if constexpr (std::is_same_v<Machine, router_machine>) return router_actor;
  if constexpr (std::is_same_v<Machine, floatingip_machine>) return floatingip_actor;
  if constexpr (std::is_same_v<Machine, subnetpool_machine>) return subnetpool_actor;
  if constexpr (std::is_same_v<Machine, address_scope_machine>) return address_scope_actor;
  if constexpr (std::is_same_v<Machine, quota_machine>) return quota_actor;
  if constexpr (std::is_same_v<Machine, agent_machine>) return agent_actor;
  if constexpr (std::is_same_v<Machine, flavor_machine>) return flavor_actor;
  if constexpr (std::is_same_v<Machine, keypair_machine>) return keypair_actor;
  if constexpr (std::is_same_v<Machine, server_group_machine>) return server_group_actor;
  if constexpr (std::is_same_v<Machine, compute_quota_machine>) return compute_quota_actor;
  if constexpr (std::is_same_v<Machine, network_machine>) return network_actor;
  if constexpr (std::is_same_v<Machine, image_machine>) return image_actor;
  if constexpr (std::is_same_v<Machine, instance_machine>) return instance_actor;
  if constexpr (std::is_same_v<Machine, volume_machine>) return volume_actor;
  if constexpr (std::is_same_v<Machine, volume_snapshot_machine>) return volume_snapshot_actor;
  if constexpr (std::is_same_v<Machine, volume_type_machine>) return volume_type_actor;
  if constexpr (std::is_same_v<Machine, volume_quota_machine>) return volume_quota_actor;
  if constexpr (std::is_same_v<Machine, credential_machine>) return credential_actor;
}

template <class Machine>
caf::actor spawn_child(conductor_actor* self, const std::string& id,
                       std::optional<typename Machine::state> initial) {
  auto child = self->spawn<caf::monitored>(behavior_of<Machine>(), self->state.journal, id,
                                           std::move(initial));
  const std::string stream = make_stream(Machine::kind, id);
  self->state.children[stream] = child;
  self->state.stream_of[child.address()] = stream;
  // Before any message relayed to it: an instance needs its links first.
  if constexpr (std::is_same_v<Machine, instance_machine>)
    if (self->state.links) self->send(child, caf::put_atom::value, self->state.links);
  return child;
}

// A child that crashed is replaced by one rebuilt from its stream.
template <class Machine>
caf::actor restart_child(conductor_actor* self, const std::string& stream, const caf::actor& dead) {
  auto& st = self->state;
  st.stream_of.erase(dead.address());
  ++st.restarts;
  spdlog::warn("conductor: {} died; restarting it from its stream", stream);
  auto child = spawn_child<Machine>(self, stream_id(stream), std::nullopt);
  // The operation the dead instance actor was running died with it: the
  // new one resolves it as after a restart of the process.
  if constexpr (std::is_same_v<Machine, instance_machine>)
    if (st.links)
      self->request(child, child_timeout, resolve_atom::value,
                    event_metadata{"req-actor-restart", "cumulo"})
          .then([](instance_state&) {},
                [stream](caf::error& e) {
                  spdlog::error("conductor: could not resolve {}: {}", stream,
                                from_caf_error(e).message);
                });
  return child;
}

// The actor that answers for a stream now: its live child, or one folded
// again from the stream (a retired resource's; it retires again once it
// has answered).
template <class Machine>
caf::actor child_of(conductor_actor* self, const std::string& stream) {
  auto it = self->state.children.find(stream);
  if (it != self->state.children.end()) return it->second;
  return spawn_child<Machine>(self, stream_id(stream), std::nullopt);
}

// Calls f with std::type_identity<Machine> for the machine of a stream kind.
template <class F>
void with_machine(const std::string& kind, F&& f) {
  if (kind == project_machine::kind)
    f(std::type_identity<project_machine>{});
  else if (kind == user_machine::kind)
    f(std::type_identity<user_machine>{});
  else if (kind == role_machine::kind)
    f(std::type_identity<role_machine>{});
  else if (kind == domain_machine::kind)
    f(std::type_identity<domain_machine>{});
  else if (kind == region_machine::kind)
    f(std::type_identity<region_machine>{});
  else if (kind == service_machine::kind)
    f(std::type_identity<service_machine>{});
  else if (kind == group_machine::kind)
    f(std::type_identity<group_machine>{});
  else if (kind == security_group_machine::kind)
    f(std::type_identity<security_group_machine>{});
  else if (kind == router_machine::kind)
    f(std::type_identity<router_machine>{});
  else if (kind == floatingip_machine::kind)
    f(std::type_identity<floatingip_machine>{});
  else if (kind == subnetpool_machine::kind)
    f(std::type_identity<subnetpool_machine>{});
  else if (kind == address_scope_machine::kind)
    f(std::type_identity<address_scope_machine>{});
  else if (kind == quota_machine::kind)
    f(std::type_identity<quota_machine>{});
  else if (kind == agent_machine::kind)
    f(std::type_identity<agent_machine>{});
  else if (kind == flavor_machine::kind)
    f(std::type_identity<flavor_machine>{});
  else if (kind == keypair_machine::kind)
    f(std::type_identity<keypair_machine>{});
  else if (kind == server_group_machine::kind)
    f(std::type_identity<server_group_machine>{});
  else if (kind == compute_quota_machine::kind)
    f(std::type_identity<compute_quota_machine>{});
  else if (kind == network_machine::kind)
    f(std::type_identity<network_machine>{});
  else if (kind == image_machine::kind)
    f(std::type_identity<image_machine>{});
  else if (kind == volume_machine::kind)
    f(std::type_identity<volume_machine>{});
  else if (kind == volume_snapshot_machine::kind)
    f(std::type_identity<volume_snapshot_machine>{});
  else if (kind == volume_type_machine::kind)
    f(std::type_identity<volume_type_machine>{});
  else if (kind == volume_quota_machine::kind)
    f(std::type_identity<volume_quota_machine>{});
  else if (kind == instance_machine::kind)
    f(std::type_identity<instance_machine>{});
  else if (kind == credential_machine::kind)
    f(std::type_identity<credential_machine>{});
}

// A child's down message: a deleted resource's actor retired (exit reason
// normal), anything else crashed and is restarted. Requests it bounced meanwhile
// are asked again of whatever answers for the stream now.
void on_child_down(conductor_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.stream_of.find(dm.source);
  if (it == st.stream_of.end()) return;
  const std::string stream = it->second;
  const auto dead = caf::actor_cast<caf::actor>(dm.source);
  std::vector<std::function<void(caf::actor)>> waiting;
  if (auto b = st.bounced.find(dm.source); b != st.bounced.end()) {
    waiting = std::move(b->second);
    st.bounced.erase(b);
  }
  with_machine(stream_kind(stream), [&](auto machine) {
    using Machine = typename decltype(machine)::type;
    if (!dm.reason || dm.reason == caf::exit_reason::normal) {
      st.stream_of.erase(it);
      if (auto c = st.children.find(stream); c != st.children.end() && c->second == dead)
        st.children.erase(c);
    } else {
      restart_child<Machine>(self, stream, dead);
    }
    for (auto& k : waiting) k(child_of<Machine>(self, stream));
  });
}

// A request the child bounced (it stopped before it saw it) is asked again
// once its down message told a retirement from a crash.
template <class Machine>
void after_down(conductor_actor* self, const std::string& stream, const caf::actor& dead,
                std::function<void(caf::actor)> k) {
  auto& st = self->state;
  if (st.stream_of.count(dead.address())) {
    st.bounced[dead.address()].push_back(std::move(k));
    return;
  }
  k(child_of<Machine>(self, stream));  // its down message came first
}

// Sends a request to the actor of a stream and relays its answer. A child
// that is down never saw the request: it is asked again of the actor that
// answers for the stream next.
template <class Machine, class... Ts>
caf::result<typename Machine::state> relay(conductor_actor* self, const std::string& stream,
                                           caf::actor child, Ts... msg) {
  using state_t = typename Machine::state;
  auto promise = self->template make_response_promise<state_t>();
  self->request(child, child_timeout, msg...)
      .then([promise](state_t& s) mutable { promise.deliver(std::move(s)); },
            [self, promise, stream, child, msg...](caf::error& e) mutable {
              if (e != caf::sec::request_receiver_down) {
                promise.deliver(e);
                return;
              }
              after_down<Machine>(
                  self, stream, child, [self, promise, msg...](caf::actor fresh) mutable {
                    self->request(fresh, child_timeout, msg...)
                        .then([promise](state_t& s) mutable { promise.deliver(std::move(s)); },
                              [promise](caf::error& e2) mutable { promise.deliver(e2); });
                  });
            });
  return promise;
}

// `Atom`: command_atom (the state machine alone) or, for instances,
// action_atom (the state machine, then the work on the domain).
template <class Machine, class Atom = command_atom>
caf::result<typename Machine::state> on_command(conductor_actor* self, const std::string& id,
                                                typename Machine::command& command,
                                                event_metadata& meta, Atom atom = Atom{}) {
  const std::string stream = make_stream(Machine::kind, id);
  auto it = self->state.children.find(stream);
  caf::actor child;
  if (it != self->state.children.end()) {
    child = it->second;
  } else {
    // No actor: the resource does not exist (yet), or was deleted (its actor
    // retired). Deciding on the empty state gives the right refusal (e.g.
    // not found) without spawning one; a create on a deleted resource's
    // stream is decided again on the stream (resource_actor.hpp).
    typename Machine::state empty;
    empty.id = id;
    auto decided = Machine::decide(empty, command);
    if (!decided) return to_caf_error(decided.error());
    child = spawn_child<Machine>(self, id, std::move(empty));
  }
  return relay<Machine>(self, stream, child, atom, std::move(command), std::move(meta));
}

std::string not_found_message(const std::string& kind, const std::string& id) {
  std::string k = kind;
  if (!k.empty()) k[0] = static_cast<char>(std::toupper(k[0]));
  return k + " " + id + " could not be found.";
}

template <class Machine>
caf::result<typename Machine::state> on_get(conductor_actor* self, const std::string& id) {
  const std::string stream = make_stream(Machine::kind, id);
  auto it = self->state.children.find(stream);
  if (it == self->state.children.end())
    return to_caf_error({errc::not_found, not_found_message(Machine::kind, id)});
  return relay<Machine>(self, stream, it->second, caf::get_atom::value);
}

// Asks every live child of a kind for its state and answers with all of them.
template <class Machine>
caf::result<std::vector<typename Machine::state>> on_list(conductor_actor* self) {
  using state_t = typename Machine::state;
  struct gathering {
    std::vector<state_t> states;
    std::size_t waiting = 0;
  };
  auto g = std::make_shared<gathering>();
  const std::string prefix = std::string(Machine::kind) + "/";
  for (auto& [stream, child] : self->state.children)
    if (stream.compare(0, prefix.size(), prefix) == 0) ++g->waiting;
  // Before the promise: once one is made, a returned value answers nothing.
  if (g->waiting == 0) return std::vector<state_t>{};
  auto promise = self->template make_response_promise<std::vector<state_t>>();
  auto done = [promise, g]() mutable {
    if (--g->waiting == 0) promise.deliver(std::move(g->states));
  };
  for (auto& [stream, child] : self->state.children) {
    if (stream.compare(0, prefix.size(), prefix) != 0) continue;
    self->request(child, child_timeout, caf::get_atom::value)
        .then(
            [g, done](state_t& s) mutable {
              if (s.exists()) g->states.push_back(std::move(s));
              done();
            },
            [done](caf::error&) mutable { done(); });  // a dying child: it is being restarted
  }
  return promise;
}

template <class Machine>
void spawn_live(conductor_actor* self, const log_fold& fold) {
  for (const auto& stream : fold.streams()) {
    if (stream_kind(stream) != Machine::kind) continue;
    const auto* s = fold.get<typename Machine::state>(stream);
    if (s && s->exists()) spawn_child<Machine>(self, s->id, *s);
  }
}

// What a restart does to an operation that was in flight when the process
// stopped: nothing may stay in a transitional state. An instance resolves
// its own (actors/instance.cpp: a build that had not finished goes to ERROR
// and gives its claim and ports back; a delete is finished; any other task
// is aborted, leaving the vm_state it had); an upload in progress goes back
// to queued (its partial data is worthless). A staging or an import
// (glance-direct) is the image registry's to end: it depends on the files.
std::optional<image::command> resolution(const image_state& s) {
  if (s.status == "saving") return image::reset_upload{"the upload was interrupted by a restart"};
  return std::nullopt;
}

template <class Machine>
void resolve_in_flight(conductor_actor* self, const log_fold& fold) {
  for (const auto& stream : fold.streams()) {
    if (stream_kind(stream) != Machine::kind) continue;
    const auto* s = fold.get<typename Machine::state>(stream);
    if (!s || !s->exists()) continue;
    auto command = resolution(*s);
    if (!command) continue;
    spdlog::warn("conductor: {} was in flight at restart; resolving it", stream);
    auto child = self->state.children.find(stream);
    if (child == self->state.children.end()) continue;
    // await, straight to the child: nothing the conductor is asked (a
    // list from a door actor that started with it) is answered before the
    // resolution is durable, or it would see the state before it.
    self->request(child->second, child_timeout, command_atom::value,
                  typename Machine::command{std::move(*command)},
                  event_metadata{"req-restart", "cumulo"})
        .await([](const typename Machine::state&) {},
               [stream](caf::error& e) {
                 spdlog::error("conductor: could not resolve {}: {}", stream,
                               from_caf_error(e).message);
               });
  }
}

// A new instance: its id is chosen here; answered once instance.requested
// is durable, the launch going on in the instance's actor.
caf::result<instance_state> on_launch(conductor_actor* self, instance::request& r,
                                      event_metadata& meta) {
  if (!self->state.links) return to_caf_error({errc::unavailable, "No compute host is available."});
  instance_state empty;
  empty.id = new_uuid();
  auto decided = instance_machine::decide(empty, instance::command{r});
  if (!decided) return to_caf_error(decided.error());
  auto child = spawn_child<instance_machine>(self, empty.id, empty);
  return relay<instance_machine>(self, make_stream(instance_machine::kind, empty.id), child,
                                 launch_atom::value, std::move(r), std::move(meta));
}

// A message for an instance's own actor, answered as it answers; an
// instance with no actor (never known, or retired once deleted, even while
// the message was on its way) is not found.
template <class Reply, class... Ts>
caf::result<Reply> ask_instance(conductor_actor* self, const std::string& id, Ts&&... msg) {
  auto it = self->state.children.find(make_stream(instance_machine::kind, id));
  if (it == self->state.children.end())
    return to_caf_error({errc::not_found, not_found_message(instance_machine::kind, id)});
  auto promise = self->make_response_promise<Reply>();
  self->request(it->second, child_timeout, std::forward<Ts>(msg)...)
      .then([promise](Reply& out) mutable { promise.deliver(std::move(out)); },
            [promise, id](caf::error& e) mutable {
              if (e == caf::sec::request_receiver_down)
                promise.deliver(
                    to_caf_error({errc::not_found, not_found_message(instance_machine::kind, id)}));
              else
                promise.deliver(e);
            });
  return promise;
}

// The links reach every instance; then the instances that were in flight at
// the start are resolved, and the answer comes once they all are.
caf::result<caf::ok_atom> on_links(conductor_actor* self, compute_links_ptr links) {
  auto& st = self->state;
  st.links = std::move(links);
  for (auto& [stream, child] : st.children)
    if (stream_kind(stream) == instance_machine::kind)
      self->send(child, caf::put_atom::value, st.links);
  auto ids = std::move(st.unresolved_instances);
  st.unresolved_instances.clear();
  if (ids.empty()) return caf::ok_atom::value;
  auto promise = self->make_response_promise<caf::ok_atom>();
  auto waiting = std::make_shared<std::size_t>(ids.size());
  auto one_done = [promise, waiting]() mutable {
    if (--*waiting == 0) promise.deliver(caf::ok_atom::value);
  };
  for (const auto& id : ids) {
    const std::string stream = make_stream(instance_machine::kind, id);
    auto it = st.children.find(stream);
    if (it == st.children.end()) {
      one_done();
      continue;
    }
    spdlog::warn("conductor: {} was in flight at restart; resolving it", stream);
    self->request(it->second, child_timeout, resolve_atom::value,
                  event_metadata{"req-restart", "cumulo"})
        .then([one_done](instance_state&) mutable { one_done(); },
              [one_done, stream](caf::error& e) mutable {
                spdlog::error("conductor: could not resolve {}: {}", stream,
                              from_caf_error(e).message);
                one_done();
              });
  }
  return promise;
}

caf::behavior conductor(conductor_actor* self, caf::actor journal, log_fold_ptr fold) {
  auto& st = self->state;
  st.journal = std::move(journal);
  std::vector<host_state> hosts;
  for (const auto& stream : fold->streams())
    if (const auto* h = fold->get<host_state>(stream); h && h->exists()) hosts.push_back(*h);
  st.scheduler = self->spawn<caf::monitored>(scheduler, st.journal, std::move(hosts));
  spawn_live<project_machine>(self, *fold);
  spawn_live<user_machine>(self, *fold);
  spawn_live<role_machine>(self, *fold);
  spawn_live<domain_machine>(self, *fold);
  spawn_live<region_machine>(self, *fold);
  spawn_live<service_machine>(self, *fold);
  spawn_live<group_machine>(self, *fold);
  spawn_live<security_group_machine>(self, *fold);
  spawn_live<router_machine>(self, *fold);
  spawn_live<floatingip_machine>(self, *fold);
  spawn_live<subnetpool_machine>(self, *fold);
  spawn_live<address_scope_machine>(self, *fold);
  spawn_live<quota_machine>(self, *fold);
  spawn_live<agent_machine>(self, *fold);
  spawn_live<flavor_machine>(self, *fold);
  spawn_live<keypair_machine>(self, *fold);
  spawn_live<server_group_machine>(self, *fold);
  spawn_live<compute_quota_machine>(self, *fold);
  spawn_live<network_machine>(self, *fold);
  spawn_live<image_machine>(self, *fold);
  spawn_live<volume_type_machine>(self, *fold);
  spawn_live<volume_quota_machine>(self, *fold);
  spawn_live<volume_machine>(self, *fold);
  spawn_live<volume_snapshot_machine>(self, *fold);
  spawn_live<instance_machine>(self, *fold);
  spawn_live<credential_machine>(self, *fold);
  spdlog::info("conductor: {} resources respawned from {} events", st.children.size(),
               fold->events());
  for (const auto& stream : fold->streams()) {
    if (stream_kind(stream) != instance_machine::kind) continue;
    const auto* s = fold->get<instance_state>(stream);
    // In flight: a task, or shelved and not yet offloaded (shelving
    // offloads at once, so a SHELVED server at a start was cut between),
    // or a move that ended (its source's claim goes after its end is
    // recorded: a kill between leaves the claim).
    if (s && s->exists() &&
        (s->task_state != task_states::none || s->vm_state == vm_states::shelved ||
         (!s->migration && !s->migrations.empty())))
      st.unresolved_instances.push_back(s->id);
  }
  resolve_in_flight<image_machine>(self, *fold);

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.scheduler.address()) {
      // The scheduler keeps no state of its own beyond the host streams.
      spdlog::error("conductor: scheduler died ({}); no new launches until restart",
                    caf::to_string(dm.reason));
      return;
    }
    on_child_down(self, dm);
  });
  // Supervisors stop their children: monitored children would outlive the
  // conductor and ~actor_system() would wait for them forever.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    for (auto& [stream, child] : st.children) self->send_exit(child, msg.reason);
    self->send_exit(st.scheduler, msg.reason);
    st.children.clear();
    st.stream_of.clear();
    self->quit(msg.reason);
  });

  return {
      [self](command_atom, const std::string& id, project::command& c, event_metadata& m) {
        return on_command<project_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, user::command& c, event_metadata& m) {
        return on_command<user_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, role::command& c, event_metadata& m) {
        return on_command<role_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, domain::command& c, event_metadata& m) {
        return on_command<domain_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, region::command& c, event_metadata& m) {
        return on_command<region_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, service::command& c, event_metadata& m) {
        return on_command<service_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, group::command& c, event_metadata& m) {
        return on_command<group_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, security_group::command& c, event_metadata& m) {
        return on_command<security_group_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, router::command& c, event_metadata& m) {
        return on_command<router_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, floatingip::command& c, event_metadata& m) {
        return on_command<floatingip_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, subnetpool::command& c, event_metadata& m) {
        return on_command<subnetpool_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, address_scope::command& c, event_metadata& m) {
        return on_command<address_scope_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, quota::command& c, event_metadata& m) {
        return on_command<quota_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, agent::command& c, event_metadata& m) {
        return on_command<agent_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, flavor::command& c, event_metadata& m) {
        return on_command<flavor_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, keypair::command& c, event_metadata& m) {
        return on_command<keypair_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, server_group::command& c, event_metadata& m) {
        return on_command<server_group_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, compute_quota::command& c, event_metadata& m) {
        return on_command<compute_quota_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, network::command& c, event_metadata& m) {
        return on_command<network_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, image::command& c, event_metadata& m) {
        return on_command<image_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, volume::command& c, event_metadata& m) {
        return on_command<volume_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, volume_snapshot::command& c, event_metadata& m) {
        return on_command<volume_snapshot_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, volume_type::command& c, event_metadata& m) {
        return on_command<volume_type_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, volume_quota::command& c, event_metadata& m) {
        return on_command<volume_quota_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, instance::command& c, event_metadata& m) {
        return on_command<instance_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, credential::command& c, event_metadata& m) {
        return on_command<credential_machine>(self, id, c, m);
      },
      [self](action_atom, const std::string& id, instance::command& c, event_metadata& m) {
        return on_command<instance_machine>(self, id, c, m, action_atom::value);
      },
      [self](launch_atom, instance::request& r, event_metadata& m) {
        return on_launch(self, r, m);
      },
      // os-interface: the instance attaches or detaches a port.
      [self](interface_atom, const std::string& id, interface_change& c, event_metadata& m) {
        return ask_instance<instance_state>(self, id, interface_atom::value, std::move(c),
                                            std::move(m));
      },
      [self](volume_plug_atom, const std::string& id, instance::command& c, event_metadata& m) {
        return ask_instance<instance_state>(self, id, volume_plug_atom::value, std::move(c),
                                            std::move(m));
      },
      [self](console_atom, const std::string& id, std::int32_t lines) {
        return ask_instance<std::string>(self, id, console_atom::value, lines);
      },
      [self](caf::put_atom, compute_links_ptr& links) { return on_links(self, std::move(links)); },
      [self](caf::get_atom, project_atom, const std::string& id) {
        return on_get<project_machine>(self, id);
      },
      [self](caf::get_atom, user_atom, const std::string& id) {
        return on_get<user_machine>(self, id);
      },
      [self](caf::get_atom, role_atom, const std::string& id) {
        return on_get<role_machine>(self, id);
      },
      [self](caf::get_atom, domain_atom, const std::string& id) {
        return on_get<domain_machine>(self, id);
      },
      [self](caf::get_atom, network_atom, const std::string& id) {
        return on_get<network_machine>(self, id);
      },
      [self](caf::get_atom, image_atom, const std::string& id) {
        return on_get<image_machine>(self, id);
      },
      [self](caf::get_atom, volume_atom, const std::string& id) {
        return on_get<volume_machine>(self, id);
      },
      [self](caf::get_atom, volume_snapshot_atom, const std::string& id) {
        return on_get<volume_snapshot_machine>(self, id);
      },
      [self](caf::get_atom, instance_atom, const std::string& id) {
        return on_get<instance_machine>(self, id);
      },
      [self](list_atom, project_atom) { return on_list<project_machine>(self); },
      [self](list_atom, user_atom) { return on_list<user_machine>(self); },
      [self](list_atom, role_atom) { return on_list<role_machine>(self); },
      [self](list_atom, domain_atom) { return on_list<domain_machine>(self); },
      [self](list_atom, region_atom) { return on_list<region_machine>(self); },
      [self](list_atom, service_atom) { return on_list<service_machine>(self); },
      [self](list_atom, group_atom) { return on_list<group_machine>(self); },
      [self](list_atom, network_atom) { return on_list<network_machine>(self); },
      [self](list_atom, security_group_atom) { return on_list<security_group_machine>(self); },
      [self](list_atom, router_atom) { return on_list<router_machine>(self); },
      [self](list_atom, floatingip_atom) { return on_list<floatingip_machine>(self); },
      [self](list_atom, subnetpool_atom) { return on_list<subnetpool_machine>(self); },
      [self](list_atom, address_scope_atom) { return on_list<address_scope_machine>(self); },
      [self](list_atom, quota_kind_atom) { return on_list<quota_machine>(self); },
      [self](list_atom, agent_atom) { return on_list<agent_machine>(self); },
      [self](list_atom, image_atom) { return on_list<image_machine>(self); },
      [self](list_atom, volume_atom) { return on_list<volume_machine>(self); },
      [self](list_atom, volume_snapshot_atom) { return on_list<volume_snapshot_machine>(self); },
      [self](list_atom, volume_type_atom) { return on_list<volume_type_machine>(self); },
      [self](list_atom, volume_quota_atom) { return on_list<volume_quota_machine>(self); },
      [self](list_atom, flavor_atom) { return on_list<flavor_machine>(self); },
      [self](list_atom, keypair_atom) { return on_list<keypair_machine>(self); },
      [self](list_atom, server_group_atom) { return on_list<server_group_machine>(self); },
      [self](list_atom, compute_quota_atom) { return on_list<compute_quota_machine>(self); },
      [self](list_atom, instance_atom) { return on_list<instance_machine>(self); },
      [self](list_atom, credential_atom) { return on_list<credential_machine>(self); },
      [self](caf::get_atom, scheduler_atom) { return self->state.scheduler; },
      [self](crash_atom, const std::string& stream) -> caf::result<caf::ok_atom> {
        auto it = self->state.children.find(stream);
        if (it == self->state.children.end())
          return to_caf_error({errc::not_found, "no actor for " + stream});
        self->send(it->second, crash_atom::value);
        return caf::ok_atom::value;
      },
      [self](restarts_atom) { return self->state.restarts; },
      [self](children_atom) { return static_cast<std::uint64_t>(self->state.children.size()); },
  };
}

}  // namespace

caf::actor spawn_conductor(caf::actor_system& sys, caf::actor journal, log_fold_ptr fold) {
  return sys.spawn(conductor, std::move(journal), std::move(fold));
}

}  // namespace cumulo
