// The instance actor: owns one instance's life (its stream instance/<id>)
// and orchestrates its launch, actions and delete (see instance.hpp).
#include "actors/instance.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <type_traits>

#include "actors/errors.hpp"
#include "actors/networking.hpp"
#include "actors/resource_actor.hpp"
#include "engine/clock.hpp"
#include "store/wall_clock.hpp"
#include "store/ids.hpp"
#include "virt/nwfilter.hpp"

namespace cumulo {
namespace {

using self_ptr = instance_actor_type*;
using then_fn = std::function<void()>;

// Libvirt calls may wait for a guest (a clean shutdown gets 60 s).
constexpr std::chrono::minutes compute_timeout{5};
constexpr std::chrono::seconds networking_timeout{60};

const char* nova_owner = "compute:nova";

// Decides a command on the current state, appends its events and applies
// them; `k` sees the new state or the refusal. await: the next message is
// looked at only once the state is current.
void execute(self_ptr self, instance::command command, const event_metadata& meta,
             std::function<void(outcome<instance_state>)> k) {
  auto& st = self->state;
  auto decided = instance_machine::decide(st.s, command);
  if (!decided) return k(decided.error());
  if (decided.value().empty()) return k(st.s);
  append_request request{make_stream(instance_machine::kind, st.s.id), st.s.version, {}, meta};
  for (const auto& e : decided.value()) request.events.push_back(encode(e));
  self->request(st.journal, journal_timeout, append_atom::value, std::move(request))
      .await(
          [self, k, events = std::move(decided.value())](recorded_events& records) {
            self->state.s =
                apply_appended<instance_machine>(std::move(self->state.s), events, records);
            k(self->state.s);
          },
          [k](caf::error& e) { k(from_caf_error(e)); });
}

// A progress step whose refusal only needs a log line: the instance moved
// on (a delete arrived) and the next step sees it.
void step(self_ptr self, instance::command command, const event_metadata& meta, then_fn ok,
          then_fn refused) {
  execute(self, std::move(command), meta, [self, ok, refused](outcome<instance_state> s) {
    if (s) return ok();
    spdlog::info("instance {}: {}", self->state.s.id, s.error().message);
    refused();
  });
}

// --- one operation at a time ---

// A deleted instance with nothing left to do stops (resource_actor.hpp).
void retire_when_idle(self_ptr self) {
  if (!self->state.busy && self->state.queued.empty()) retire_if_deleted(self);
}

void run_next(self_ptr self) {
  auto& st = self->state;
  if (st.busy || st.queued.empty()) return retire_when_idle(self);
  st.busy = true;
  auto op = std::move(st.queued.front());
  st.queued.pop_front();
  op();
}

void done(self_ptr self) {
  self->state.busy = false;
  run_next(self);
}

void enqueue(self_ptr self, then_fn op) {
  self->state.queued.push_back(std::move(op));
  run_next(self);
}

caf::actor host_actor(self_ptr self, const std::string& name) {
  const auto& links = self->state.links;
  if (!links || !links->hosts) return {};
  return links->hosts->get(name);
}

caf::actor host_actor(self_ptr self) {
  return host_actor(self, self->state.s.host);
}

bool requested_port(const instance_state& s, const std::string& port_id) {
  for (const auto& n : s.networks)
    if (n.port_id == port_id) return true;
  return false;
}

// --- undoing what a launch made ---

// A port the user gave is given back (unbound); one we made is deleted.
void release_port(self_ptr self, const std::string& port_id, const event_metadata& meta,
                  then_fn k) {
  network::command c = network::delete_port{port_id};
  if (requested_port(self->state.s, port_id))
    c = network::update_port{port_id,       std::nullopt, std::string(),
                             std::string(), std::nullopt, std::nullopt};
  self->request(self->state.links->networking, networking_timeout, command_atom::value,
                port_atom::value, port_id, std::move(c), meta)
      .then([k](network_state&) { k(); },
            [self, port_id, k](caf::error& e) {
              auto err = from_caf_error(e);
              if (err.code != errc::not_found)
                spdlog::error("instance {}: cannot release port {}: {}", self->state.s.id, port_id,
                              err.message);
              k();
            });
}

void release_ports(self_ptr self, const event_metadata& meta, then_fn k) {
  const auto& addresses = self->state.s.addresses;
  if (addresses.empty()) return k();
  const std::string port_id = addresses.front().port_id;
  release_port(self, port_id, meta, [self, port_id, meta, k] {
    execute(self, instance::unbind_port{port_id}, meta, [self, meta, k](outcome<instance_state> s) {
      if (!s) {
        spdlog::error("instance {}: {}", self->state.s.id, s.error().message);
        return k();
      }
      release_ports(self, meta, k);
    });
  });
}

// The claim the instance holds on `host` (its own host when "").
void release_claim(self_ptr self, const event_metadata& meta, then_fn k,
                   const std::string& host = "") {
  const auto& s = self->state.s;
  const std::string on = host.empty() ? s.host : host;
  if (on.empty()) return k();
  self->request(self->state.links->scheduler, journal_timeout, release_atom::value, on, s.id, meta)
      .then([k](host_state&) { k(); },
            [self, k](caf::error& e) {
              auto err = from_caf_error(e);
              if (err.code != errc::not_found)  // no claim left: nothing to release
                spdlog::error("instance {}: cannot release its claim: {}", self->state.s.id,
                              err.message);
              k();
            });
}

// Destroys the domain if the host has one; `k` gets the error, "" when none.
void destroy_domain(self_ptr self, std::function<void(std::string)> k) {
  auto host = host_actor(self);
  if (!host) return k("");
  self->request(host, compute_timeout, caf::delete_atom::value, self->state.s.id)
      .then([k](caf::ok_atom) { k(""); }, [k](caf::error& e) { k(from_caf_error(e).message); });
}

// Everything a failed build holds goes back: domain, claim, ports.
void clean_up(self_ptr self, const event_metadata& meta, then_fn k) {
  destroy_domain(self, [self, meta, k](const std::string& error) {
    if (!error.empty())
      spdlog::error("instance {}: cannot destroy its domain: {}", self->state.s.id, error);
    release_claim(self, meta, [self, meta, k] { release_ports(self, meta, k); });
  });
}

// The build failed: nothing stays held, then ERROR with the fault (so an
// instance seen in ERROR holds no claim and no port any more).
void fail_build(self_ptr self, const event_metadata& meta, const std::string& reason,
                const std::string& details, int code = 500) {
  // Being deleted: the delete queued behind the build undoes it all.
  if (self->state.s.task_state == task_states::deleting) return done(self);
  spdlog::warn("[{}] instance {}: build failed: {} {}", meta.request_id, self->state.s.id, reason,
               details);
  clean_up(self, meta, [self, meta, reason, details, code] {
    execute(self, instance::fail{reason, code, details, now_us()}, meta,
            [self](outcome<instance_state>) { done(self); });
  });
}

// The build stops here when the instance was meanwhile asked to be deleted
// (the delete, queued behind the build, undoes what it made).
bool building(self_ptr self) {
  return self->state.s.vm_state == vm_states::building &&
         self->state.s.task_state != task_states::deleting;
}

// --- the launch ---

void launch(self_ptr self, const event_metadata& meta);

// A build that failed on its host (the spawn failed or timed out, or the
// host went down) goes back to the scheduler, as Nova reschedules: the host
// is excluded, its claim given back, and the domain it may still make (a
// hung spawn that comes back) is destroyed by a request queued behind it.
// After max_attempts hosts, or when no other host fits, ERROR.
void reschedule_or_fail(self_ptr self, const event_metadata& meta, const std::string& reason) {
  auto& st = self->state;
  if (st.s.task_state == task_states::deleting) return fail_build(self, meta, reason, "spawn");
  const std::string host = st.s.host;
  st.failed_hosts.push_back(host);
  st.last_failure = reason;
  const int attempt = static_cast<int>(st.failed_hosts.size());
  spdlog::warn("[{}] instance {}: build failed on {} (attempt {}): {}", meta.request_id, st.s.id,
               host, attempt, reason);
  if (auto on = host_actor(self, host))
    self->request(on, caf::infinite, caf::delete_atom::value, st.s.id)
        .then([](caf::ok_atom) {},
              [self, host](caf::error& e) {
                spdlog::info("instance {}: no domain to destroy on {}: {}", self->state.s.id, host,
                             from_caf_error(e).message);
              });
  if (attempt >= st.links->max_attempts) {
    // Nothing more on this host: its claim and the ports go, then ERROR.
    const std::string why =
        "Exceeded maximum number of retries. Exhausted all hosts available "
        "for retrying build failures for instance " +
        st.s.id + ".";
    release_claim(
        self, meta,
        [self, meta, why, reason] {
          release_ports(self, meta, [self, meta, why, reason] {
            execute(self, instance::fail{why, 500, reason, now_us()}, meta,
                    [self](outcome<instance_state>) { done(self); });
          });
        },
        host);
    return;
  }
  release_claim(
      self, meta,
      [self, meta, host, reason, attempt] {
        step(
            self, instance::reschedule{host, reason, attempt}, meta,
            [self, meta] { launch(self, meta); }, [self] { done(self); });
      },
      host);
}

// Why a spawn request failed, in words for the reschedule's event.
std::string spawn_failure(self_ptr self, const caf::error& e) {
  const std::string host = self->state.s.host;
  if (e == caf::sec::request_timeout)
    return "Timed out after " + std::to_string(self->state.links->spawn_timeout.count()) +
           " s waiting for compute host " + host + " to spawn the instance.";
  if (e == caf::sec::request_receiver_down)
    return "Compute host " + host + " went down during the spawn.";
  return from_caf_error(e).message;
}

// Each NIC gets its port's security groups as an nwfilter (enforced on
// real guests): the rules as they are now; a rule change reaches the guest
// at its next spawn (see README "Real guests").
using fail_fn = std::function<void(const std::string& why)>;

// A build, or a rebuild's spawn, still going on (not deleted meanwhile).
bool spawning(self_ptr self) {
  return building(self) || self->state.s.task_state == task_states::rebuild_spawning;
}

void filter_nics(self_ptr self, const event_metadata& meta, std::shared_ptr<domain_spec> spec,
                 std::shared_ptr<const std::vector<security_group_state>> groups, std::size_t i,
                 then_fn k, fail_fn failed) {
  if (!spawning(self)) return done(self);
  if (i >= spec->nics.size()) return k();
  if (spec->nics[i].port_id.empty()) return filter_nics(self, meta, spec, groups, i + 1, k, failed);
  self->request(self->state.links->networking, networking_timeout, caf::get_atom::value,
                port_atom::value, spec->nics[i].port_id)
      .then(
          [self, meta, spec, groups, i, k, failed](network_state& n) {
            spec->nics[i].nwfilter_xml = port_nwfilter_xml(n, spec->nics[i].port_id, *groups);
            filter_nics(self, meta, spec, groups, i + 1, k, failed);
          },
          [failed](caf::error& e) {
            failed("Cannot read the port's security groups: " + from_caf_error(e).message);
          });
}

// The spec's NICs get their ports' filters (real guests); `failed` says why
// they could not be read.
void with_port_filters(self_ptr self, const event_metadata& meta, std::shared_ptr<domain_spec> spec,
                       then_fn k, fail_fn failed) {
  if (!self->state.links->port_filters) return k();
  self->request(self->state.links->networking, networking_timeout, list_atom::value,
                security_group_atom::value)
      .then(
          [self, meta, spec, k, failed](std::vector<security_group_state>& groups) {
            filter_nics(
                self, meta, spec,
                std::make_shared<const std::vector<security_group_state>>(std::move(groups)), 0, k,
                failed);
          },
          [failed](caf::error& e) {
            failed("Cannot read the security groups: " + from_caf_error(e).message);
          });
}

void spawn_domain(self_ptr self, const event_metadata& meta, const image_state& image) {
  auto host = host_actor(self);
  if (!host)
    return reschedule_or_fail(self, meta, "Compute host " + self->state.s.host + " is gone.");
  step(
      self, instance::spawn{}, meta,
      [self, meta, host, image] {
        auto spec = std::make_shared<domain_spec>(
            domain_spec_of(self->state.s, self->state.links->images_dir));
        boot_from_image(*spec, image, self->state.links->images_dir);
        auto failed = [self, meta](const std::string& why) {
          fail_build(self, meta, why, "networking");
        };
        with_port_filters(
            self, meta, spec,
            [self, meta, host, spec] {
              self->request(host, self->state.links->spawn_timeout, spawn_atom::value, *spec)
                  .then(
                      [self, meta](power_states) {
                        step(
                            self, instance::mark_active{now_us()}, meta,
                            [self, meta] {
                              spdlog::info("[{}] instance {}: ACTIVE on {}", meta.request_id,
                                           self->state.s.id, self->state.s.host);
                              done(self);
                            },
                            [self] { done(self); });
                      },
                      [self, meta](caf::error& e) {
                        reschedule_or_fail(self, meta, spawn_failure(self, e));
                      });
            },
            failed);
      },
      [self] { done(self); });
}

// The compute door checked the image (visible, active) before the launch;
// the build needs its file, and the image may have been deactivated or
// deleted since (or before a reschedule): that race ends the build here.
void check_image(self_ptr self, const event_metadata& meta) {
  if (!building(self)) return done(self);
  const std::string image_id = self->state.s.image_id;
  self->request(self->state.links->conductor, networking_timeout, caf::get_atom::value,
                image_atom::value, image_id)
      .then(
          [self, meta, image_id](image_state& image) {
            if (!building(self)) return done(self);
            if (image.status != "active")
              return fail_build(self, meta,
                                "Image " + image_id + " is not active (" + image.status + ").", "",
                                400);
            spawn_domain(self, meta, image);
          },
          [self, meta, image_id](caf::error&) {
            fail_build(self, meta, "Image " + image_id + " could not be found.", "", 404);
          });
}

// The address the instance shows for a port: its first IPv4 one, if any.
instance::bind_port binding(const network_state& n, const network::port& p) {
  instance::bind_port b{p.id, n.id, n.name, "", p.mac_address};
  for (const auto& f : p.fixed_ips) {
    if (b.ip_address.empty() || (f.ip_address.find(':') == std::string::npos &&
                                 b.ip_address.find(':') != std::string::npos))
      b.ip_address = f.ip_address;
  }
  return b;
}

void bind_ports(self_ptr self, const event_metadata& meta, std::size_t next);

// Records the port as the instance's; a port the instance can no longer
// take (it is being deleted) is given back at once.
void bind(self_ptr self, const event_metadata& meta, std::size_t next, network_state& n,
          const std::string& port_id) {
  const auto* p = n.find_port(port_id);
  if (!p) return fail_build(self, meta, "Port " + port_id + " could not be found.", "", 404);
  execute(self, binding(n, *p), meta, [self, meta, next, port_id](outcome<instance_state> s) {
    if (s) return bind_ports(self, meta, next + 1);
    spdlog::info("instance {}: {}", self->state.s.id, s.error().message);
    release_port(self, port_id, meta, [self] { done(self); });
  });
}

void bind_ports(self_ptr self, const event_metadata& meta, std::size_t next) {
  if (!building(self)) return done(self);
  const auto& s = self->state.s;
  if (next >= s.networks.size()) return check_image(self, meta);
  const auto wanted = s.networks[next];
  auto& networking = self->state.links->networking;
  auto refused = [self, meta](caf::error& e) {
    fail_build(self, meta, from_caf_error(e).message, "networking");
  };
  if (!wanted.port_id.empty()) {
    // An existing port: it becomes the instance's. The door found it free;
    // another create or a router may have taken it since (networking does
    // not refuse the update), so it is looked at once more.
    self->request(networking, networking_timeout, caf::get_atom::value, port_atom::value,
                  wanted.port_id)
        .then(
            [self, meta, next, wanted, refused](network_state& n) {
              const auto* p = n.find_port(wanted.port_id);
              if (p && !p->device_id.empty() && p->device_id != self->state.s.id)
                return fail_build(self, meta, "Port " + wanted.port_id + " is still in use.", "",
                                  409);
              network::command c =
                  network::update_port{wanted.port_id,          std::nullopt, self->state.s.id,
                                       std::string(nova_owner), std::nullopt, std::nullopt};
              self->request(self->state.links->networking, networking_timeout, command_atom::value,
                            port_atom::value, wanted.port_id, std::move(c), meta)
                  .then(
                      [self, meta, next, wanted](network_state& bound) {
                        bind(self, meta, next, bound, wanted.port_id);
                      },
                      refused);
            },
            refused);
    return;
  }
  network::create_port c;
  c.port_id = new_uuid();
  c.device_id = s.id;
  c.device_owner = nova_owner;
  c.project_id = s.project_id;
  if (!wanted.fixed_ip.empty())
    c.fixed_ips = std::vector<network::fixed_ip>{network::fixed_ip{"", wanted.fixed_ip}};
  const std::string port_id = c.port_id;
  auto create = [self, meta, next, port_id, network_id = wanted.network_id,
                 refused](network::create_port c) {
    self->request(self->state.links->networking, networking_timeout, command_atom::value,
                  network_id, network::command{std::move(c)}, meta)
        .then([self, meta, next, port_id](network_state& n) { bind(self, meta, next, n, port_id); },
              refused);
  };
  const auto& names = s.security_groups;
  if (std::all_of(names.begin(), names.end(), [](const auto& g) { return g == "default"; }))
    return create(std::move(c));  // networking gives the port the project's default group
  // The server's groups (names or ids of the project's groups; the door
  // checked they exist, a missing one here was deleted since) become the
  // port's, as Nova asks Neutron: they are what its filter enforces.
  self->request(networking, networking_timeout, list_atom::value, security_group_atom::value)
      .then(
          [self, meta, c, create](std::vector<security_group_state>& groups) mutable {
            const auto& st = self->state.s;
            for (const auto& name : st.security_groups) {
              auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
                return g.exists() && g.project_id == st.project_id &&
                       (name == "default" ? g.is_default : g.name == name || g.id == name);
              });
              if (g == groups.end())
                return fail_build(
                    self, meta,
                    "Security group " + name + " not found for project " + st.project_id + ".", "",
                    400);
              if (std::find(c.security_groups.begin(), c.security_groups.end(), g->id) ==
                  c.security_groups.end())
                c.security_groups.push_back(g->id);
            }
            create(std::move(c));
          },
          refused);
}

void launch(self_ptr self, const event_metadata& meta) {
  if (!building(self)) return done(self);
  const auto& s = self->state.s;
  auto spec = make_request_spec(s.id, s.flavor);
  spec.group_id = s.server_group_id;
  spec.group_policy = s.server_group_policy;
  spec.max_server_per_host = s.max_server_per_host;
  spec.ignore_hosts = self->state.failed_hosts;
  self->request(self->state.links->scheduler, journal_timeout, select_atom::value, std::move(spec),
                meta)
      .then(
          [self, meta](std::string& host) {
            // The hosts a reschedule excluded, with why, in the decision's event.
            std::map<std::string, std::string> reasons;
            for (const auto& failed : self->state.failed_hosts)
              reasons[failed] = "a build of this instance failed on this host";
            // A delete arrived meanwhile: the claim is given back here.
            step(
                self, instance::schedule{host, host, std::move(reasons)}, meta,
                [self, meta] {
                  // A reschedule keeps the ports it bound the first time.
                  if (self->state.failed_hosts.empty())
                    bind_ports(self, meta, 0);
                  else
                    check_image(self, meta);
                },
                [self, meta, host] {
                  release_claim(
                      self, meta, [self] { done(self); }, host);
                });
          },
          [self, meta](caf::error& e) {
            auto err = from_caf_error(e);
            const auto& st = self->state;
            if (!st.failed_hosts.empty()) {
              // A reschedule that finds no other host: the build failed for
              // the reason it failed on its last host.
              return fail_build(self, meta, st.last_failure,
                                "No other host could take the build after it failed on " +
                                    st.failed_hosts.back() + ": " + err.message);
            }
            // Each host's reason goes into the fault's details (and the log).
            fail_build(
                self, meta, err.message,
                err.code == errc::no_valid_host
                    ? "No host passed the filters" + (err.type.empty() ? "." : ": " + err.type)
                    : "");
          });
}

// --- the user's actions ---

struct action_plan {
  power_action action;
  instance::command completion;
};

std::optional<action_plan> plan_of(const instance::command& c) {
  using pa = power_action;
  if (std::holds_alternative<instance::stop>(c))
    return action_plan{{pa::power_off}, instance::complete_stop{}};
  if (std::holds_alternative<instance::start>(c))
    return action_plan{{pa::power_on}, instance::complete_start{}};
  if (auto* r = std::get_if<instance::reboot>(&c))
    return action_plan{{r->type == reboot_type::hard ? pa::reboot_hard : pa::reboot_soft},
                       instance::complete_reboot{}};
  if (std::holds_alternative<instance::pause>(c))
    return action_plan{{pa::pause}, instance::complete_pause{}};
  if (std::holds_alternative<instance::unpause>(c))
    return action_plan{{pa::unpause}, instance::complete_unpause{}};
  if (std::holds_alternative<instance::suspend>(c))
    return action_plan{{pa::suspend}, instance::complete_suspend{}};
  if (std::holds_alternative<instance::resume>(c))
    return action_plan{{pa::resume}, instance::complete_resume{}};
  return std::nullopt;
}

// What a user may ask through action_atom: the power actions and the
// delete (work on the domain follows), and the changes that are only events
// (rename, update, metadata, tags, lock).
bool user_command(const instance::command& c) {
  return plan_of(c) ||
         std::visit(
             [](const auto& x) {
               using T = std::decay_t<decltype(x)>;
               return std::is_same_v<T, instance::remove> || std::is_same_v<T, instance::rename> ||
                      std::is_same_v<T, instance::update> ||
                      std::is_same_v<T, instance::set_metadata> ||
                      std::is_same_v<T, instance::delete_metadata> ||
                      std::is_same_v<T, instance::set_tags> ||
                      std::is_same_v<T, instance::add_tag> ||
                      std::is_same_v<T, instance::remove_tag> ||
                      std::is_same_v<T, instance::lock> || std::is_same_v<T, instance::unlock> ||
                      std::is_same_v<T, instance::set_security_groups> ||
                      std::is_same_v<T, instance::snapshot> || std::is_same_v<T, instance::rebuild>;
             },
             c);
}

// A failed reboot leaves the instance in ERROR (as Nova does); another
// failed action only ends its task, the instance staying as it was.
void action_failed(self_ptr self, const event_metadata& meta, const action_plan& plan,
                   const std::string& why) {
  spdlog::warn("[{}] instance {}: action failed: {}", meta.request_id, self->state.s.id, why);
  const bool reboot = plan.action.what == power_action::reboot_soft ||
                      plan.action.what == power_action::reboot_hard;
  instance::command c = instance::abort_task{why};
  if (reboot) c = instance::fail{why, 500, "reboot", now_us()};
  execute(self, std::move(c), meta, [self](outcome<instance_state>) { done(self); });
}

void run_action(self_ptr self, const event_metadata& meta, action_plan plan) {
  auto host = host_actor(self);
  if (!host) return action_failed(self, meta, plan, "The instance's host is not known.");
  self->request(host, compute_timeout, power_atom::value, self->state.s.id, plan.action)
      .then(
          [self, meta, plan](power_states) {
            step(
                self, plan.completion, meta, [self] { done(self); }, [self] { done(self); });
          },
          [self, meta, plan](caf::error& e) {
            // A host that crashed meanwhile: say so, not CAF's words.
            action_failed(self, meta, plan,
                          e == caf::sec::request_receiver_down
                              ? "Compute host " + self->state.s.host +
                                    " went down during the action; it was interrupted."
                              : from_caf_error(e).message);
          });
}

// Delete: the domain, the claim, the ports, then instance.deleted. A domain
// that can't be destroyed leaves the instance in ERROR (delete it again).
void run_delete(self_ptr self, const event_metadata& meta, then_fn finish) {
  if (self->state.s.task_state != task_states::deleting) return finish();
  destroy_domain(self, [self, meta, finish](const std::string& error) {
    if (!error.empty()) {
      execute(self, instance::fail{error, 500, "delete", now_us()}, meta,
              [finish](outcome<instance_state>) { finish(); });
      return;
    }
    release_claim(self, meta, [self, meta, finish] {
      release_ports(self, meta, [self, meta, finish] {
        step(self, instance::complete_delete{}, meta, finish, finish);
      });
    });
  });
}

// --- createImage: copy, then upload (Nova's compute manager's snapshot) ---

// How long a disk copy may take (qemu-img reads the whole disk), and an
// answer of the image registry.
constexpr auto snapshot_timeout = std::chrono::minutes(30);
constexpr std::chrono::seconds registry_timeout{60};

// A snapshot that failed: its image is removed (as Nova deletes it) and the
// task ends; the instance stays as it was.
void snapshot_failed(self_ptr self, const event_metadata& meta, const std::string& image_id,
                     const std::filesystem::path& part, const std::string& why) {
  spdlog::warn("[{}] instance {}: snapshot failed: {}", meta.request_id, self->state.s.id, why);
  std::error_code ec;
  std::filesystem::remove(part, ec);
  self->request(self->state.links->image_registry, registry_timeout, command_atom::value, image_id,
                image::command{image::remove{}}, meta)
      .then([](image_state&) {}, [](caf::error&) {});
  execute(self, instance::abort_task{"snapshot: " + why}, meta,
          [self](outcome<instance_state>) { done(self); });
}

void upload_snapshot(self_ptr self, const event_metadata& meta, const std::string& image_id,
                     const std::filesystem::path& part, snapshot_copy copy) {
  step(
      self, instance::snapshot_uploading{}, meta,
      [self, meta, image_id, part, copy] {
        const auto final_path = self->state.links->images_dir / image_id;
        std::error_code ec;
        std::filesystem::rename(part, final_path, ec);
        if (ec) return snapshot_failed(self, meta, image_id, part, ec.message());
        image::finish_upload up{copy.size, copy.md5, "sha512", copy.sha512, std::nullopt};
        self->request(self->state.links->image_registry, registry_timeout, command_atom::value,
                      image_id, image::command{std::move(up)}, meta)
            .then(
                [self, meta](image_state&) {
                  step(
                      self, instance::complete_snapshot{}, meta, [self] { done(self); },
                      [self] { done(self); });
                },
                [self, meta, image_id, final_path](caf::error& e) {
                  snapshot_failed(self, meta, image_id, final_path, from_caf_error(e).message);
                });
      },
      [self] { done(self); });
}

void run_snapshot(self_ptr self, const event_metadata& meta) {
  const auto& s = self->state.s;
  const std::string image_id = s.snapshot_image_id;
  if (s.task_state != task_states::image_snapshot || image_id.empty()) return done(self);
  const auto part = self->state.links->images_dir / (image_id + ".snapshot.part");
  auto host = host_actor(self);
  if (!host)
    return snapshot_failed(self, meta, image_id, part, "The instance's host is not known.");
  // The image is saving while the copy is made; its format is the one the
  // door gave it (the base image's).
  self->request(self->state.links->image_registry, registry_timeout, command_atom::value, image_id,
                image::command{image::start_upload{}}, meta)
      .then(
          [self, meta, image_id, part, host](image_state& img) {
            const auto base = self->state.links->images_dir / self->state.s.image_id;
            self->request(host, snapshot_timeout, snapshot_atom::value, self->state.s.id,
                          base.string(), part.string(), img.disk_format)
                .then(
                    [self, meta, image_id, part](snapshot_copy& copy) {
                      step(
                          self, instance::snapshot_taken{}, meta,
                          [self, meta, image_id, part, copy] {
                            upload_snapshot(self, meta, image_id, part, copy);
                          },
                          [self] { done(self); });
                    },
                    [self, meta, image_id, part](caf::error& e) {
                      snapshot_failed(self, meta, image_id, part, from_caf_error(e).message);
                    });
          },
          [self, meta, image_id, part](caf::error& e) {
            snapshot_failed(self, meta, image_id, part, from_caf_error(e).message);
          });
}

// --- rebuild: a new domain from the new image, same id, ports and host ---

// A rebuild that failed leaves the server in ERROR (as Nova), its claim and
// ports kept: a second rebuild or a delete follows.
void rebuild_failed(self_ptr self, const event_metadata& meta, const std::string& why) {
  spdlog::warn("[{}] instance {}: rebuild failed: {}", meta.request_id, self->state.s.id, why);
  execute(self, instance::fail{why, 500, "rebuild", now_us()}, meta,
          [self](outcome<instance_state>) { done(self); });
}

void respawn(self_ptr self, const event_metadata& meta, const image_state& image, bool stopped) {
  auto host = host_actor(self);
  if (!host) return rebuild_failed(self, meta, "The instance's host is not known.");
  auto spec =
      std::make_shared<domain_spec>(domain_spec_of(self->state.s, self->state.links->images_dir));
  boot_from_image(*spec, image, self->state.links->images_dir);
  auto failed = [self, meta](const std::string& why) { rebuild_failed(self, meta, why); };
  auto finish = [self, meta](power_states power) {
    step(
        self, instance::complete_rebuild{power}, meta, [self] { done(self); },
        [self] { done(self); });
  };
  with_port_filters(
      self, meta, spec,
      [self, meta, host, spec, stopped, finish, failed] {
        self->request(host, self->state.links->spawn_timeout, spawn_atom::value, *spec)
            .then(
                [self, host, stopped, finish, failed](power_states) {
                  if (!stopped) return finish(power_states::running);
                  // A stopped server is stopped again, as Nova keeps it.
                  self->request(host, compute_timeout, power_atom::value, self->state.s.id,
                                power_action{power_action::power_off})
                      .then([finish](power_states) { finish(power_states::shutdown); },
                            [failed](caf::error& e) { failed(from_caf_error(e).message); });
                },
                [self, failed](caf::error& e) { failed(spawn_failure(self, e)); });
      },
      failed);
}

void run_rebuild(self_ptr self, const event_metadata& meta) {
  const auto& s = self->state.s;
  if (s.task_state != task_states::rebuilding) return done(self);
  const bool stopped = s.vm_state == vm_states::stopped;
  self->request(self->state.links->conductor, networking_timeout, caf::get_atom::value,
                image_atom::value, s.image_id)
      .then(
          [self, meta, stopped](image_state& image) {
            destroy_domain(self, [self, meta, stopped, image](const std::string& error) {
              if (!error.empty()) return rebuild_failed(self, meta, error);
              step(
                  self, instance::rebuild_spawning{}, meta,
                  [self, meta, stopped, image] { respawn(self, meta, image, stopped); },
                  [self] { done(self); });
            });
          },
          [self, meta](caf::error&) {
            rebuild_failed(self, meta, "Image " + self->state.s.image_id + " could not be found.");
          });
}

void start_work(self_ptr self, const instance::command& c, const event_metadata& meta) {
  if (!self->state.links) return;  // no compute: the state machine alone (replay, tests)
  if (std::holds_alternative<instance::remove>(c))
    return enqueue(self, [self, meta] { run_delete(self, meta, [self] { done(self); }); });
  if (auto plan = plan_of(c))
    return enqueue(self, [self, meta, p = *plan] { run_action(self, meta, p); });
  if (std::holds_alternative<instance::snapshot>(c))
    return enqueue(self, [self, meta] { run_snapshot(self, meta); });
  if (std::holds_alternative<instance::rebuild>(c))
    return enqueue(self, [self, meta] { run_rebuild(self, meta); });
}

// --- a restart's interrupted operation ---

// Claims a host holds for the instance that the instance never recorded
// (the scheduler's host.claimed is durable before instance.scheduled): the
// process died between the two. Released like the instance's own.
void release_stray_claims(self_ptr self, const event_metadata& meta, then_fn k) {
  self->request(self->state.links->scheduler, journal_timeout, caf::get_atom::value)
      .then(
          [self, meta, k](std::vector<host_state>& hosts) {
            auto strays = std::make_shared<std::vector<std::string>>();
            for (const auto& h : hosts)
              if (h.claims.count(self->state.s.id) && h.id != self->state.s.host)
                strays->push_back(h.id);
            auto next = std::make_shared<std::function<void()>>();
            *next = [self, meta, k, strays, next] {
              if (strays->empty()) {
                k();
                *next = nullptr;  // the cycle through the capture ends here
                return;
              }
              const std::string host = strays->back();
              strays->pop_back();
              spdlog::warn(
                  "instance {}: a claim on {} was made for it but never recorded; "
                  "releasing it",
                  self->state.s.id, host);
              release_claim(
                  self, meta, [next] { (*next)(); }, host);
            };
            (*next)();
          },
          [self, k](caf::error& e) {
            spdlog::error("instance {}: cannot look for its unrecorded claims: {}",
                          self->state.s.id, from_caf_error(e).message);
            k();
          });
}

// Ports networking made (or bound) for the instance whose binding the
// instance never recorded: the process died between the two. They go back
// as bound ones do (made: deleted; the user's: unbound).
void release_stray_ports(self_ptr self, const event_metadata& meta, then_fn k) {
  self->request(self->state.links->networking, networking_timeout, list_atom::value,
                network_atom::value)
      .then(
          [self, meta, k](std::vector<network_state>& networks) {
            auto strays = std::make_shared<std::vector<std::string>>();
            for (const auto& n : networks)
              for (const auto& [id, p] : n.ports)
                if (p.device_id == self->state.s.id) strays->push_back(id);
            auto next = std::make_shared<std::function<void()>>();
            *next = [self, meta, k, strays, next] {
              if (strays->empty()) {
                k();
                *next = nullptr;  // the cycle through the capture ends here
                return;
              }
              const std::string port_id = strays->back();
              strays->pop_back();
              spdlog::warn("instance {}: port {} was made for it but never bound; releasing it",
                           self->state.s.id, port_id);
              release_port(self, port_id, meta, [next] { (*next)(); });
            };
            (*next)();
          },
          [self, k](caf::error& e) {
            spdlog::error("instance {}: cannot look for its unbound ports: {}", self->state.s.id,
                          from_caf_error(e).message);
            k();
          });
}

void resolve(self_ptr self, const event_metadata& meta, then_fn k) {
  const auto& s = self->state.s;
  if (!s.exists() || s.task_state == task_states::none) return k();
  if (s.vm_state == vm_states::building && s.task_state != task_states::deleting) {
    instance::fail f{"The build was interrupted by a restart of the cloud.", 500,
                     "task_state " + std::string(to_string(s.task_state)) + " at restart",
                     now_us()};
    auto record = [self, meta, f, k] {
      execute(self, f, meta, [k](outcome<instance_state>) { k(); });
    };
    if (!self->state.links) return record();
    clean_up(self, meta, [self, meta, record] {
      release_stray_ports(self, meta,
                          [self, meta, record] { release_stray_claims(self, meta, record); });
    });
    return;
  }
  if (s.task_state == task_states::deleting) {
    if (!self->state.links) {
      execute(self, instance::complete_delete{}, meta, [k](outcome<instance_state>) { k(); });
      return;
    }
    enqueue(self, [self, meta, k] {
      release_stray_ports(self, meta, [self, meta, k] {
        release_stray_claims(self, meta, [self, meta, k] {
          run_delete(self, meta, [self, k] {
            k();
            done(self);
          });
        });
      });
    });
    return;
  }
  // A rebuild cut off by the restart: its old domain may be gone, the new
  // one not made; ERROR, as Nova's restart does (rebuild it again).
  if (s.task_state == task_states::rebuilding || s.task_state == task_states::rebuild_spawning) {
    execute(self,
            instance::fail{"The rebuild was interrupted by a restart of the cloud.", 500,
                           "task_state " + std::string(to_string(s.task_state)) + " at restart",
                           now_us()},
            meta, [k](outcome<instance_state>) { k(); });
    return;
  }
  // A snapshot cut off by the restart: its image (queued again, empty) goes.
  if (!s.snapshot_image_id.empty() && self->state.links)
    self->request(self->state.links->image_registry, registry_timeout, command_atom::value,
                  s.snapshot_image_id, image::command{image::remove{}}, meta)
        .then([](image_state&) {}, [](caf::error&) {});
  execute(self, instance::abort_task{"interrupted by a restart of the cloud"}, meta,
          [k](outcome<instance_state>) { k(); });
}

}  // namespace

caf::behavior instance_actor(instance_actor_type* self, caf::actor journal, std::string id,
                             std::optional<instance_state> initial) {
  auto& st = self->state;
  st.journal = std::move(journal);
  if (initial) {
    st.s = std::move(*initial);
  } else {
    st.s.id = id;
    self->request(st.journal, journal_timeout, read_atom::value,
                  make_stream(instance_machine::kind, id))
        .await(
            [self](recorded_events& events) {
              for (const auto& r : events)
                self->state.s = fold<instance_machine>(std::move(self->state.s), r);
            },
            [self](caf::error& e) { self->quit(e); });
  }
  return {
      [self](caf::get_atom) -> caf::result<instance_state> {
        auto promise = self->make_response_promise<instance_state>();
        promise.deliver(self->state.s);
        retire_when_idle(self);
        return promise;
      },
      [self](command_atom, instance::command& command,
             event_metadata& meta) -> caf::result<instance_state> {
        auto promise = self->make_response_promise<instance_state>();
        execute(self, std::move(command), meta, [self, promise](outcome<instance_state> s) mutable {
          if (s)
            promise.deliver(std::move(s.value()));
          else
            promise.deliver(to_caf_error(s.error()));
          retire_when_idle(self);
        });
        return promise;
      },
      [self](caf::put_atom, compute_links_ptr& links) { self->state.links = std::move(links); },
      [self](launch_atom, instance::request& request,
             event_metadata& meta) -> caf::result<instance_state> {
        if (!self->state.links)
          return to_caf_error({errc::unavailable, "No compute host is available."});
        auto promise = self->make_response_promise<instance_state>();
        execute(self, std::move(request), meta,
                [self, promise, meta](outcome<instance_state> s) mutable {
                  if (!s) {
                    promise.deliver(to_caf_error(s.error()));
                    return;
                  }
                  promise.deliver(s.value());
                  enqueue(self, [self, meta] { launch(self, meta); });
                });
        return promise;
      },
      [self](action_atom, instance::command& command,
             event_metadata& meta) -> caf::result<instance_state> {
        if (!user_command(command))
          return to_caf_error({errc::bad_request, "Not an action a user may ask for."});
        if (auto locked = instance::check_lock(self->state.s, command, meta.caller_is_admin))
          return to_caf_error(*locked);
        auto promise = self->make_response_promise<instance_state>();
        const std::int64_t before = self->state.s.version;
        execute(self, command, meta,
                [self, promise, meta, command, before](outcome<instance_state> s) mutable {
                  if (!s) {
                    promise.deliver(to_caf_error(s.error()));
                    return retire_when_idle(self);
                  }
                  promise.deliver(s.value());
                  if (s.value().version != before) start_work(self, command, meta);
                  retire_when_idle(self);
                });
        return promise;
      },
      [self](resolve_atom, event_metadata& meta) -> caf::result<instance_state> {
        auto promise = self->make_response_promise<instance_state>();
        resolve(self, meta, [self, promise]() mutable {
          promise.deliver(self->state.s);
          retire_when_idle(self);
        });
        return promise;
      },
      [self](console_atom, std::int32_t lines) -> caf::result<std::string> {
        const auto& s = self->state.s;
        if (!s.exists())
          return to_caf_error({errc::not_found, "Instance " + s.id + " could not be found."});
        auto host = host_actor(self);
        if (s.vm_state == vm_states::building || !host)
          return to_caf_error({errc::conflict, "Instance " + s.id + " is not ready"});
        auto promise = self->make_response_promise<std::string>();
        self->request(host, compute_timeout, console_atom::value, s.id, lines)
            .then([promise](std::string& out) mutable { promise.deliver(std::move(out)); },
                  [promise](caf::error& e) mutable { promise.deliver(e); });
        return promise;
      },
      [self](crash_atom) {
        self->quit(caf::make_error(caf::sec::runtime_error, std::string("injected crash")));
      },
  };
}

}  // namespace cumulo
