// The instance actor: owns one instance's life (its stream instance/<id>)
// and orchestrates its launch, actions and delete (see instance.hpp).
#include "actors/instance.hpp"

#include "actors/block_storage.hpp"
#include "actors/volume_host.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <type_traits>

#include "actors/errors.hpp"
#include "actors/metadata_messages.hpp"
#include "actors/networking.hpp"
#include "actors/resource_actor.hpp"
#include "engine/clock.hpp"
#include "store/wall_clock.hpp"
#include "store/ids.hpp"
#include "virt/libvirt_network.hpp"

namespace cumulo {
namespace {

using self_ptr = instance_actor_type*;
using then_fn = std::function<void()>;

// Libvirt calls may wait for a guest (a clean shutdown gets 60 s).
constexpr std::chrono::minutes compute_timeout{5};
constexpr std::chrono::seconds networking_timeout{60};

const char* nova_owner = "compute:nova";

// The compute door indexes where instances are (the metadata service
// asks it who has an address): it hears of each change of the ports.
void report_addresses(self_ptr self, bool existed, const std::vector<instance::address>& before) {
  const auto& links = self->state.links;
  const auto& now = self->state.s;
  if (!links || !links->compute) return;
  auto same = [](const instance::address& a, const instance::address& b) {
    return a.port_id == b.port_id && a.network_id == b.network_id && a.ip_address == b.ip_address;
  };
  if (existed == now.exists() &&
      std::equal(before.begin(), before.end(), now.addresses.begin(), now.addresses.end(), same))
    return;
  self->send(links->compute, metadata_atom::value, caf::put_atom::value, addresses_of(now));
}

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
            const bool existed = self->state.s.exists();
            const auto before = self->state.s.addresses;
            self->state.s =
                apply_appended<instance_machine>(std::move(self->state.s), events, records);
            report_addresses(self, existed, before);
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
void release_port(self_ptr self, const std::string& port_id, bool users, const event_metadata& meta,
                  then_fn k) {
  network::command c = network::delete_port{port_id};
  if (users)
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

void release_port(self_ptr self, const std::string& port_id, const event_metadata& meta,
                  then_fn k) {
  release_port(self, port_id, requested_port(self->state.s, port_id), meta, k);
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

using fail_fn = std::function<void(const std::string& why)>;

// A build, or another operation's spawn, still going on (not deleted
// meanwhile).
bool spawning(self_ptr self) {
  switch (self->state.s.task_state) {
    case task_states::rebuild_spawning:
    case task_states::resize_migrating:
    case task_states::resize_reverting:
    case task_states::migrating:
    case task_states::spawning:  // an unshelve's (a build's is building)
    case task_states::rescuing:
    case task_states::unrescuing:
      return true;
    default:
      return building(self);
  }
}

// The config drive says what the metadata service would (key pair,
// network_data.json...): the compute door gathers it. Without an answer the
// drive has what the spec itself holds, as before there was a service.
void with_drive_metadata(self_ptr self, std::shared_ptr<domain_spec> spec, then_fn k) {
  if (!self->state.links->compute) return k();
  self->request(self->state.links->compute, networking_timeout, metadata_atom::value,
                caf::get_atom::value, self->state.s)
      .then(
          [spec, k](instance_metadata& md) {
            spec->drive_metadata = std::move(md);
            k();
          },
          [self, k](caf::error& e) {
            spdlog::warn("instance {}: its config drive has no network or key data: {}",
                         self->state.s.id, from_caf_error(e).message);
            k();
          });
}

// Real guests: the spec gets its config drive's metadata (the NICs'
// filters are the network host's). `failed` is kept for the callers' shape.
void with_guest_details(self_ptr self, const event_metadata&, std::shared_ptr<domain_spec> spec,
                        then_fn k, fail_fn) {
  if (!self->state.links->config_drives) return k();
  with_drive_metadata(self, spec, k);
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
        spec->admin_pass = self->state.admin_pass;
        auto failed = [self, meta](const std::string& why) {
          fail_build(self, meta, why, "networking");
        };
        with_guest_details(
            self, meta, spec,
            [self, meta, host, spec] {
              self->request(host, self->state.links->spawn_timeout, spawn_atom::value, *spec)
                  .then(
                      [self, meta](power_states) {
                        step(
                            self, instance::mark_active{now_us()}, meta,
                            [self, meta] {
                              self->state.admin_pass.clear();  // the drive has it
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

// --- boot from volume (Nova's compute manager _prep_block_device): the
// volume made from the image (source image) and waited for, then reserved
// for the server, connected and recorded as its root disk (vda); the spawn
// follows with the volume as its disk. ---

// How long a boot volume's copy of its image may take.
constexpr std::chrono::minutes boot_volume_timeout{30};

void attach_boot_volume(self_ptr self, const event_metadata& meta, const volume_state& v,
                        then_fn k) {
  const auto& s = self->state.s;
  auto bs = self->state.links->block_storage;
  auto failed = [self, meta](const std::string& why) {
    fail_build(self, meta, "Build of instance " + self->state.s.id + " aborted: " + why,
               "block_device_mapping");
  };
  attachment_request a;
  a.attachment_id = new_uuid();
  a.volume_id = v.id;
  a.server_id = s.id;
  a.project_id = s.project_id;
  a.host_name = s.host;
  a.device = "/dev/vda";
  a.meta = meta;
  self->request(bs, journal_timeout, attachment_atom::value, caf::add_atom::value, a)
      .then(
          [self, meta, a, bs, k, failed](volume_state& after) {
            const bool read_only = after.readonly;
            self->request(bs, journal_timeout, caf::get_atom::value, volume_atom::value,
                          a.volume_id, location_atom::value)
                .then(
                    [self, meta, a, bs, k, failed, read_only](volume_location& l) {
                      instance::volume_attachment att;
                      att.volume_id = a.volume_id;
                      att.attachment_id = a.attachment_id;
                      att.device = a.device;
                      att.boot_index = 0;
                      att.delete_on_termination = self->state.s.boot.delete_on_termination;
                      att.path = l.path;
                      att.block_device = l.block_device;
                      att.read_only = read_only;
                      execute(
                          self, instance::attach_volume{att}, meta,
                          [self, meta, a, bs, k, failed](outcome<instance_state> r) {
                            if (!r) return failed(r.error().message);
                            // Recorded: Cinder calls it in-use.
                            self->request(bs, journal_timeout, attachment_atom::value,
                                          caf::ok_atom::value, a.volume_id, a.attachment_id, meta)
                                .then(
                                    [k](volume_state&) { k(); },
                                    [failed](caf::error& e) { failed(from_caf_error(e).message); });
                          });
                    },
                    [failed](caf::error& e) { failed(from_caf_error(e).message); });
          },
          [failed](caf::error& e) { failed(from_caf_error(e).message); });
}

// The volume made (or found, when a restart cut the build off), waited
// for until its create is over, then attached; k once the server records
// it. A volume that ends in error fails the build in Nova's words.
void prepare_boot_volume(self_ptr self, const event_metadata& meta, then_fn k) {
  const auto& s = self->state.s;
  for (const auto& v : s.volumes)
    if (v.boot_index == 0) return k();
  const auto& links = self->state.links;
  auto failed = [self, meta](const std::string& why) {
    fail_build(self, meta, "Build of instance " + self->state.s.id + " aborted: " + why,
               "block_device_mapping");
  };
  if (!links->block_storage) return failed("Block storage is not available.");
  auto bs = links->block_storage;
  const auto boot = s.boot;
  auto settled = [self, meta, bs, boot, k, failed]() {
    self->request(bs, boot_volume_timeout, caf::get_atom::value, volume_atom::value, boot.volume_id,
                  settled_atom::value)
        .then(
            [self, meta, boot, k, failed](volume_state& v) {
              if (!building(self)) return done(self);
              if (v.status != "available")
                return failed("Volume " + boot.volume_id +
                              " did not finish being created. Its status is " + v.status + ".");
              attach_boot_volume(self, meta, v, k);
            },
            [failed](caf::error& e) { failed(from_caf_error(e).message); });
  };
  if (boot.source_type != "image") return settled();
  self->request(bs, journal_timeout, caf::get_atom::value, volume_atom::value, boot.volume_id)
      .then([settled](volume_state&) { settled(); },
            [self, meta, bs, boot, settled, failed](caf::error&) {
              // Not made yet: made now, from the image the door checked.
              volume_create_request c;
              c.base.size = boot.volume_size;
              c.base.project_id = self->state.s.project_id;
              c.base.user_id = self->state.s.user_id;
              c.image_ref = boot.uuid;
              c.volume_type = boot.volume_type;
              c.volume_id = boot.volume_id;
              c.meta = meta;
              self->request(bs, journal_timeout, command_atom::value, volume_atom::value, c)
                  .then([settled](volume_state&) { settled(); },
                        [failed](caf::error& e) { failed(from_caf_error(e).message); });
            });
}

// The compute door checked the image (visible, active) before the launch;
// the build needs its file, and the image may have been deactivated or
// deleted since (or before a reschedule): that race ends the build here.
// A server booting from a volume gets its volume first; an image it has
// none of (a volume not made from one) boots what the volume holds.
void check_image(self_ptr self, const event_metadata& meta) {
  if (!building(self)) return done(self);
  if (self->state.s.boot.requested() &&
      std::none_of(self->state.s.volumes.begin(), self->state.s.volumes.end(),
                   [](const auto& v) { return v.boot_index == 0; }))
    return prepare_boot_volume(self, meta, [self, meta] { check_image(self, meta); });
  if (self->state.s.image_id.empty()) return spawn_domain(self, meta, image_state{});
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

using refuse_fn = std::function<void(caf::error)>;

// Neutron refuses groups on a port without port security; Nova tells its
// user so in its own words (SecurityGroupCannotBeApplied, a 400).
const char* const groups_cannot_apply =
    "Network requires port_security_enabled and subnet associated in order to apply security "
    "groups.";
bool groups_refused(const caf::error& e) {
  return e.category() == caf::atom("cumulo") &&
         from_caf_error(e).type == "PortSecurityAndIPRequiredForSecurityGroups";
}
caf::error as_nova_refusal(const caf::error& e) {
  return groups_refused(e) ? to_caf_error({errc::bad_request, groups_cannot_apply}) : e;
}

// The server's security groups (names or ids of its project's groups; the
// door checked they exist, a missing one was deleted since) as ids, for a
// port made for it: they are what its filter enforces, as Nova asks
// Neutron. None when "default" is all: networking gives the project's own.
void with_group_ids(self_ptr self, std::function<void(std::vector<std::string>)> k,
                    refuse_fn refused) {
  const auto& names = self->state.s.security_groups;
  if (std::all_of(names.begin(), names.end(), [](const auto& g) { return g == "default"; }))
    return k({});
  self->request(self->state.links->networking, networking_timeout, list_atom::value,
                security_group_atom::value)
      .then(
          [self, k, refused](std::vector<security_group_state>& groups) {
            const auto& st = self->state.s;
            std::vector<std::string> ids;
            for (const auto& name : st.security_groups) {
              auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
                return g.exists() && g.project_id == st.project_id &&
                       (name == "default" ? g.is_default : g.name == name || g.id == name);
              });
              if (g == groups.end())
                return refused(to_caf_error(
                    {errc::bad_request,
                     "Security group " + name + " not found for project " + st.project_id + "."}));
              if (std::find(ids.begin(), ids.end(), g->id) == ids.end()) ids.push_back(g->id);
            }
            k(std::move(ids));
          },
          [refused](caf::error& e) { refused(e); });
}

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
  auto create = [self, meta, next, port_id,
                 network_id = wanted.network_id](network::create_port c) {
    self->request(self->state.links->networking, networking_timeout, command_atom::value,
                  network_id, network::command{std::move(c)}, meta)
        .then([self, meta, next, port_id](network_state& n) { bind(self, meta, next, n, port_id); },
              [self, meta](caf::error& e) {
                // Groups on a network without port security: the door
                // refused them, unless the network changed since.
                if (groups_refused(e)) return fail_build(self, meta, groups_cannot_apply, "", 400);
                fail_build(self, meta, from_caf_error(e).message, "networking");
              });
  };
  with_group_ids(
      self,
      [c, create](std::vector<std::string> ids) mutable {
        c.security_groups = std::move(ids);
        create(std::move(c));
      },
      [self, meta](caf::error e) {
        const auto err = from_caf_error(e);
        if (err.code == errc::bad_request) return fail_build(self, meta, err.message, "", 400);
        fail_build(self, meta, err.message, "networking");
      });
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
                      std::is_same_v<T, instance::snapshot> ||
                      std::is_same_v<T, instance::rebuild> || std::is_same_v<T, instance::resize> ||
                      std::is_same_v<T, instance::live_migrate> ||
                      std::is_same_v<T, instance::confirm_resize> ||
                      std::is_same_v<T, instance::revert_resize> ||
                      std::is_same_v<T, instance::shelve> ||
                      std::is_same_v<T, instance::shelve_offload> ||
                      std::is_same_v<T, instance::unshelve> ||
                      std::is_same_v<T, instance::rescue> ||
                      std::is_same_v<T, instance::unrescue> ||
                      std::is_same_v<T, instance::evacuate>;
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

// An image the instance made goes (a snapshot that failed, a shelved one
// no longer needed); a failure only logged.
// `k` runs once the registry answered, either way.
void remove_image(
    self_ptr self, const std::string& image_id, const event_metadata& meta, then_fn k = [] {}) {
  if (image_id.empty() || !self->state.links) return k();
  self->request(self->state.links->image_registry, std::chrono::seconds(60), command_atom::value,
                image_id, image::command{image::remove{}}, meta)
      .then([k](image_state&) { k(); },
            [self, image_id, k](caf::error& e) {
              spdlog::info("instance {}: image {} not removed: {}", self->state.s.id, image_id,
                           from_caf_error(e).message);
              k();
            });
}

void release_stray_claims(self_ptr self, const event_metadata& meta, then_fn k);

// Delete: the domain, the claims (its host's, and any a move left), the
// ports, then instance.deleted; a shelved snapshot goes too. A domain that
// can't be destroyed leaves the instance in ERROR (delete it again).
// A deleted server lets go of its volumes (Nova's _cleanup_volumes): each
// attachment ends (the domain is gone already), and the volumes marked
// delete_on_termination are deleted. One after another; a failure is
// logged and the next goes on (a restart's delete does it all again: an
// attachment already ended is a 404).
void release_volumes(self_ptr self, const event_metadata& meta, then_fn k, std::size_t next = 0) {
  const auto& s = self->state.s;
  const auto& links = self->state.links;
  if (!links || !links->block_storage) return k();
  if (next >= s.volumes.size()) {
    // A boot volume the build made but never attached (it failed first) goes
    // as it would have, when it was to go with the server.
    const auto& b = s.boot;
    const bool attached = std::any_of(s.volumes.begin(), s.volumes.end(),
                                      [&](const auto& v) { return v.volume_id == b.volume_id; });
    if (b.source_type != "image" || !b.delete_on_termination || b.volume_id.empty() || attached)
      return k();
    volume::command c = volume::remove{};
    self->request(links->block_storage, journal_timeout, command_atom::value, volume_atom::value,
                  b.volume_id, c, meta)
        .then([k](volume_state&) { k(); }, [k](caf::error&) { k(); });
    return;
  }
  const auto v = s.volumes[next];
  auto go_on = [self, meta, k, next] { release_volumes(self, meta, k, next + 1); };
  auto remove = [self, meta, v, go_on] {
    if (!v.delete_on_termination) return go_on();
    volume::command c = volume::remove{};
    self->request(self->state.links->block_storage, journal_timeout, command_atom::value,
                  volume_atom::value, v.volume_id, c, meta)
        .then([go_on](volume_state&) { go_on(); },
              [v, go_on](caf::error& e) {
                spdlog::warn("instance: cannot delete volume {} on termination: {}", v.volume_id,
                             from_caf_error(e).message);
                go_on();
              });
  };
  self->request(links->block_storage, journal_timeout, attachment_atom::value,
                caf::delete_atom::value, v.volume_id, v.attachment_id, meta)
      .then([remove](volume_state&) { remove(); },
            [v, remove](caf::error& e) {
              spdlog::info("instance: the attachment of volume {}: {}", v.volume_id,
                           from_caf_error(e).message);
              remove();
            });
}

void run_delete(self_ptr self, const event_metadata& meta, then_fn finish) {
  if (self->state.s.task_state != task_states::deleting) return finish();
  destroy_domain(self, [self, meta, finish](const std::string& error) {
    if (!error.empty()) {
      execute(self, instance::fail{error, 500, "delete", now_us()}, meta,
              [finish](outcome<instance_state>) { finish(); });
      return;
    }
    release_claim(self, meta, [self, meta, finish] {
      auto ports = [self, meta, finish] {
        // A shelved server's snapshot goes before the server does, so
        // that a client who sees the server gone sees its snapshot gone.
        release_ports(self, meta, [self, meta, finish] {
          release_volumes(self, meta, [self, meta, finish] {
            remove_image(self, self->state.s.shelved_image_id, meta, [self, meta, finish] {
              step(self, instance::complete_delete{}, meta, finish, finish);
            });
          });
        });
      };
      const auto& s = self->state.s;
      if (!s.migration && s.migrations.empty()) return ports();
      release_stray_claims(self, meta, ports);
    });
  });
}

// --- createImage: copy, then upload (Nova's compute manager's snapshot) ---

void run_offload(self_ptr self, const event_metadata& meta);

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
  remove_image(self, image_id, meta);
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
                      self, instance::complete_snapshot{}, meta,
                      [self, meta] {
                        // A shelve's snapshot is in: the host is freed next.
                        if (self->state.s.vm_state == vm_states::shelved)
                          return step(
                              self, instance::shelve_offload{}, meta,
                              [self, meta] { run_offload(self, meta); }, [self] { done(self); });
                        done(self);
                      },
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
  const bool shelving = s.task_state == task_states::shelving;
  if ((s.task_state != task_states::image_snapshot && !shelving) || image_id.empty())
    return done(self);
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
  with_guest_details(
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

// --- interfaces (Nova's attach_interface and detach_interface): the port
// taken or made, recorded, then plugged into the domain; unplugged,
// recorded, then given back ---

using interface_promise = caf::typed_response_promise<instance_state>;

// The change refused: the caller hears why, the next operation runs.
void interface_refused(self_ptr self, interface_promise promise, caf::error e) {
  promise.deliver(std::move(e));
  done(self);
}

// Plugs the recorded port into the domain (on real guests behind the
// port's filter, which the driver waits for); a plug that fails takes the
// attach back (Nova's 500 "Failed to attach network adapter device to X").
void plug(self_ptr self, const event_metadata& meta, const instance::address& a, bool users,
          interface_promise promise) {
  auto host = host_actor(self);
  if (!host) {  // no domain: its next spawn has the port
    promise.deliver(self->state.s);
    return done(self);
  }
  auto undo = [self, meta, a, users, promise](const std::string& why) mutable {
    spdlog::warn("[{}] instance {}: cannot plug port {}: {}", meta.request_id, self->state.s.id,
                 a.port_id, why);
    execute(self, instance::detach_interface{a.port_id}, meta,
            [self, meta, a, users, promise](outcome<instance_state>) mutable {
              release_port(self, a.port_id, users, meta, [self, promise]() mutable {
                interface_refused(
                    self, promise,
                    to_caf_error({errc::internal, "Failed to attach network adapter device to " +
                                                      self->state.s.id}));
              });
            });
  };
  const nic_spec nic{a.mac_address, libvirt_network_name(a.network_id), a.port_id};
  self->request(host, compute_timeout, interface_atom::value, caf::add_atom::value,
                self->state.s.id, nic)
      .then(
          [self, promise](caf::ok_atom) mutable {
            promise.deliver(self->state.s);
            done(self);
          },
          [undo](caf::error& e) mutable { undo(from_caf_error(e).message); });
}

// The port networking bound to the instance is recorded, then plugged; a
// record refused (the state moved on) gives the port back.
void record_attach(self_ptr self, const event_metadata& meta, network_state& n,
                   const std::string& port_id, bool users, interface_promise promise) {
  const auto* p = n.find_port(port_id);
  if (!p)
    return interface_refused(
        self, promise, to_caf_error({errc::not_found, "Port " + port_id + " could not be found."}));
  const auto b = binding(n, *p);
  instance::attach_interface c{b.port_id,    b.network_id,  b.network_name,
                               b.ip_address, b.mac_address, users};
  execute(self, c, meta, [self, meta, c, users, promise](outcome<instance_state> s) mutable {
    if (!s)
      return release_port(self, c.port_id, users, meta, [self, promise, e = s.error()]() mutable {
        interface_refused(self, promise, to_caf_error(e));
      });
    plug(self, meta, {c.port_id, c.network_id, c.network_name, c.ip_address, c.mac_address}, users,
         promise);
  });
}

void run_attach(self_ptr self, const event_metadata& meta, interface_change req,
                interface_promise promise) {
  // The state may have moved on while the attach waited its turn.
  if (auto d = instance_machine::decide(self->state.s, instance::attach_interface{"-"}); !d)
    return interface_refused(self, promise, to_caf_error(d.error()));
  auto& networking = self->state.links->networking;
  auto refused = [self, promise](caf::error e) mutable {
    interface_refused(self, promise, std::move(e));
  };
  if (!req.port_id.empty()) {
    // The caller's port: the door found it free; it is taken now.
    network::command c =
        network::update_port{req.port_id,  std::nullopt, self->state.s.id, std::string(nova_owner),
                             std::nullopt, std::nullopt};
    self->request(networking, networking_timeout, command_atom::value, port_atom::value,
                  req.port_id, std::move(c), meta)
        .then(
            [self, meta, req, promise](network_state& n) mutable {
              record_attach(self, meta, n, req.port_id, true, promise);
            },
            [refused](caf::error& e) mutable { refused(e); });
    return;
  }
  std::function<void(std::vector<std::string>)> create =
      [self, meta, req, promise, refused](std::vector<std::string> ids) mutable {
        const auto& s = self->state.s;
        network::create_port c;
        c.port_id = new_uuid();
        c.device_id = s.id;
        c.device_owner = nova_owner;
        c.project_id = s.project_id;
        c.security_groups = std::move(ids);
        if (!req.fixed_ip.empty())
          c.fixed_ips = std::vector<network::fixed_ip>{network::fixed_ip{"", req.fixed_ip}};
        const std::string port_id = c.port_id;
        self->request(self->state.links->networking, networking_timeout, command_atom::value,
                      req.network_id, network::command{std::move(c)}, meta)
            .then(
                [self, meta, port_id, promise](network_state& n) mutable {
                  record_attach(self, meta, n, port_id, false, promise);
                },
                [refused](caf::error& e) mutable { refused(as_nova_refusal(e)); });
      };
  // Nova asks Neutron for no group on an attach: a network without port
  // security gives the port none; elsewhere the port takes the server's.
  self->request(networking, networking_timeout, caf::get_atom::value, network_atom::value,
                req.network_id)
      .then(
          [self, create, refused](network_state& n) mutable {
            if (!n.port_security_enabled) return create({});
            with_group_ids(self, create, refused);
          },
          [refused](caf::error& e) mutable { refused(e); });
}

// Unplugged, recorded, then the port given back (deleted when it was made
// for the server, unbound when it was the caller's).
void run_detach(self_ptr self, const event_metadata& meta, const std::string& port_id,
                interface_promise promise) {
  const auto& s = self->state.s;
  if (auto d = instance_machine::decide(s, instance::detach_interface{port_id}); !d)
    return interface_refused(self, promise, to_caf_error(d.error()));
  const bool users = requested_port(s, port_id);
  std::string mac;
  for (const auto& a : s.addresses)
    if (a.port_id == port_id) mac = a.mac_address;
  auto record = [self, meta, port_id, users, promise]() mutable {
    execute(self, instance::detach_interface{port_id}, meta,
            [self, meta, port_id, users, promise](outcome<instance_state> after) mutable {
              if (!after) return interface_refused(self, promise, to_caf_error(after.error()));
              release_port(self, port_id, users, meta, [self, promise]() mutable {
                promise.deliver(self->state.s);
                done(self);
              });
            });
  };
  auto host = host_actor(self);
  if (!host) return record();
  self->request(host, compute_timeout, interface_atom::value, caf::delete_atom::value, s.id, mac)
      .then([record](caf::ok_atom) mutable { record(); },
            [self, meta, promise](caf::error& e) mutable {
              spdlog::warn("[{}] instance {}: cannot unplug: {}", meta.request_id, self->state.s.id,
                           from_caf_error(e).message);
              interface_refused(
                  self, promise,
                  to_caf_error({errc::internal, "Failed to detach network adapter device from " +
                                                    self->state.s.id}));
            });
}

// --- volumes (Nova's compute manager attach_volume and detach_volume):
// the compute door reserved the volume and found its bytes; here the host
// plugs it in and the server records it, or unplugs it and records that.
// A stopped server's domain takes it in its config; a server without a
// domain records it for its next spawn. ---

void run_volume_change(self_ptr self, const event_metadata& meta, instance::command c,
                       interface_promise promise) {
  // The state may have moved on while the change waited its turn.
  if (auto d = instance_machine::decide(self->state.s, c); !d)
    return interface_refused(self, promise, to_caf_error(d.error()));
  auto record = [self, meta, c, promise]() mutable {
    execute(self, c, meta, [self, promise](outcome<instance_state> after) mutable {
      if (!after) return interface_refused(self, promise, to_caf_error(after.error()));
      promise.deliver(self->state.s);
      done(self);
    });
  };
  auto host = host_actor(self);
  if (!host) return record();
  const std::string id = self->state.s.id;
  if (const auto* attach = std::get_if<instance::attach_volume>(&c)) {
    self->request(host, compute_timeout, volume_disk_atom::value, caf::add_atom::value, id,
                  volume_disk_of(attach->attachment))
        .then([record](caf::ok_atom) mutable { record(); },
              [self, meta, id, promise](caf::error& e) mutable {
                spdlog::warn("[{}] instance {}: cannot plug the volume: {}", meta.request_id, id,
                             from_caf_error(e).message);
                interface_refused(
                    self, promise,
                    to_caf_error({errc::internal, "Failed to attach the volume to " + id}));
              });
    return;
  }
  const auto& volume_id = std::get<instance::detach_volume>(c).volume_id;
  const auto* v = instance::find_volume(self->state.s, volume_id);
  const std::string target = v ? volume_disk_of(*v).target_dev : std::string();
  self->request(host, compute_timeout, volume_disk_atom::value, caf::delete_atom::value, id, target)
      .then([record](caf::ok_atom) mutable { record(); },
            [self, meta, id, target, promise](caf::error& e) mutable {
              spdlog::warn("[{}] instance {}: cannot unplug {}: {}", meta.request_id, id, target,
                           from_caf_error(e).message);
              interface_refused(
                  self, promise,
                  to_caf_error({errc::internal, "Device detach failed for " + target + ": " +
                                                    from_caf_error(e).message}));
            });
}

// --- claims of a move (the scheduler's host commands) ---

using error_fn = std::function<void(const std::string& error)>;  // "" when it went through

void host_command(self_ptr self, const std::string& host, host::command c,
                  const event_metadata& meta, error_fn k) {
  self->request(self->state.links->scheduler, journal_timeout, command_atom::value, host,
                std::move(c), meta)
      .then([k](host_state&) { k(""); }, [k](caf::error& e) { k(from_caf_error(e).message); });
}

using host_commands = std::shared_ptr<std::vector<std::pair<std::string, host::command>>>;

void run_host_commands(self_ptr self, host_commands todo, std::size_t next,
                       const event_metadata& meta, then_fn k) {
  if (next >= todo->size()) return k();
  const auto& [host, c] = (*todo)[next];
  host_command(self, host, c, meta, [self, todo, next, meta, k](const std::string& error) {
    if (!error.empty()) spdlog::error("instance {}: {}", self->state.s.id, error);
    run_host_commands(self, todo, next + 1, meta, k);
  });
}

// The claims go back to how they were before the move `m`: the instance's
// claim anywhere but its source released, the source's (held under the
// migration's id) the instance's again. Read from the scheduler, so that it
// holds wherever a move stopped (a restart may come at any step).
void restore_source_claims(self_ptr self, const instance::migration& m, const event_metadata& meta,
                           then_fn k) {
  self->request(self->state.links->scheduler, journal_timeout, caf::get_atom::value)
      .then(
          [self, m, meta, k](std::vector<host_state>& hosts) {
            const std::string id = self->state.s.id;
            auto todo = std::make_shared<std::vector<std::pair<std::string, host::command>>>();
            for (const auto& h : hosts) {
              const bool source = h.id == m.source_host;
              const bool held = source && h.claims.count(m.id);
              if (h.claims.count(id) && (!source || held))
                todo->emplace_back(h.id, host::release{id});
              if (held) todo->emplace_back(h.id, host::move_claim{m.id, id});
            }
            run_host_commands(self, todo, 0, meta, k);
          },
          [self, k](caf::error& e) {
            spdlog::error("instance {}: cannot read the hosts' claims: {}", self->state.s.id,
                          from_caf_error(e).message);
            k();
          });
}

// The image an operation boots (its kernel and format); an image deleted
// since the launch gives the defaults (the disk is kept or copied anyway).
void with_image(self_ptr self, const std::string& image_id,
                std::function<void(const image_state&)> k) {
  self->request(self->state.links->conductor, networking_timeout, caf::get_atom::value,
                image_atom::value, image_id)
      .then([k](image_state& image) { k(image); }, [k](caf::error&) { k(image_state{}); });
}

// Spawns the spec on `host`, then brings the domain to `vm` (stopped or
// paused as the instance was); `k` gets the power state it ends in.
void spawn_as(self_ptr self, caf::actor host, std::shared_ptr<domain_spec> spec, vm_states vm,
              std::function<void(power_states)> k, fail_fn failed) {
  with_guest_details(
      self, event_metadata{}, spec,
      [self, host, spec, vm, k, failed] {
        self->request(host, self->state.links->spawn_timeout, spawn_atom::value, *spec)
            .then(
                [self, host, vm, k, failed](power_states) {
                  if (vm != vm_states::stopped && vm != vm_states::paused)
                    return k(power_states::running);
                  const auto action =
                      vm == vm_states::stopped ? power_action::power_off : power_action::pause;
                  self->request(host, compute_timeout, power_atom::value, self->state.s.id,
                                power_action{action})
                      .then([k](power_states p) { k(p); },
                            [failed](caf::error& e) { failed(from_caf_error(e).message); });
                },
                [self, failed](caf::error& e) { failed(spawn_failure(self, e)); });
      },
      failed);
}

// A domain spec of the instance as it is, on a flavor, keeping its disk.
std::shared_ptr<domain_spec> kept_disk_spec(self_ptr self, const instance::flavor& f,
                                            const image_state& image) {
  auto s = self->state.s;
  s.flavor = f;
  auto spec = std::make_shared<domain_spec>(domain_spec_of(s, self->state.links->images_dir));
  if (image.exists()) boot_from_image(*spec, image, self->state.links->images_dir);
  spec->keep_disk = true;
  return spec;
}

// --- moves: resize, cold and live migration (Nova's conductor and compute
// manager: prep_resize, resize_instance, finish_resize, live_migration) ---

// A move that failed before its domain left the source: the claims go back
// and the instance says so (still where and as it was).
void migration_failed(self_ptr self, const event_metadata& meta, const std::string& why) {
  spdlog::warn("[{}] instance {}: move failed: {}", meta.request_id, self->state.s.id, why);
  if (!self->state.s.migration) return done(self);
  restore_source_claims(self, *self->state.s.migration, meta, [self, meta, why] {
    execute(self, instance::fail_migration{why, now_us()}, meta,
            [self](outcome<instance_state>) { done(self); });
  });
}

// The domain left the source but did not come up on the destination: it
// comes back on the source as it was; ERROR if even that fails.
void move_broke(self_ptr self, const event_metadata& meta, const std::string& why) {
  spdlog::warn("[{}] instance {}: move failed on its destination: {}", meta.request_id,
               self->state.s.id, why);
  if (!self->state.s.migration) return done(self);
  const auto m = *self->state.s.migration;
  auto fail = [self, meta, why](const std::string& again) {
    execute(self,
            instance::fail{why, 500, "The instance could not come back on its source: " + again,
                           now_us()},
            meta, [self](outcome<instance_state>) { done(self); });
  };
  auto dest = host_actor(self, m.dest_host);
  auto back = [self, meta, m, why, fail] {
    restore_source_claims(self, m, meta, [self, meta, m, why, fail] {
      auto source = host_actor(self, m.source_host);
      if (!source) return fail("its host is gone");
      with_image(self, self->state.s.image_id, [self, meta, m, source, why, fail](const auto& img) {
        spawn_as(
            self, source, kept_disk_spec(self, m.old_flavor, img), m.vm_state_before,
            [self, meta, why](power_states) {
              execute(self, instance::fail_migration{why, now_us()}, meta,
                      [self](outcome<instance_state>) { done(self); });
            },
            fail);
      });
    });
  };
  if (!dest || m.dest_host == m.source_host) return back();
  // What the destination may have made goes first.
  self->request(dest, compute_timeout, caf::delete_atom::value, self->state.s.id, true)
      .then([back](caf::ok_atom) { back(); }, [back](caf::error&) { back(); });
}

void finish_move(self_ptr self, const event_metadata& meta, power_states power) {
  const auto m = *self->state.s.migration;
  if (m.type != "live-migration")
    return step(
        self, instance::finish_resize{power, now_us()}, meta, [self] { done(self); },
        [self] { done(self); });
  // A live migration needs no confirm: the source's claim goes now.
  step(
      self, instance::complete_live_migration{now_us()}, meta,
      [self, meta, m] {
        host_command(self, m.source_host, host::release{m.id}, meta,
                     [self](const std::string& error) {
                       if (!error.empty())
                         spdlog::error("instance {}: {}", self->state.s.id, error);
                       done(self);
                     });
      },
      [self] { done(self); });
}

// The domain leaves the source (undefined, its disk kept: on one machine
// the disk is where any host finds it) and starts on the destination with
// the new flavor. A real guest's "live" migration is a restart with its
// disk: the hosts of one machine share one libvirt.
void move_domain(self_ptr self, const event_metadata& meta) {
  if (!spawning(self) || !self->state.s.migration) return done(self);
  const auto m = *self->state.s.migration;
  auto source = host_actor(self, m.source_host);
  auto dest = host_actor(self, m.dest_host);
  if (!source || !dest) return migration_failed(self, meta, "A host of the move is gone.");
  self->request(source, compute_timeout, caf::delete_atom::value, self->state.s.id, true)
      .then(
          [self, meta, m, dest](caf::ok_atom) {
            with_image(self, self->state.s.image_id, [self, meta, m, dest](const auto& img) {
              auto failed = [self, meta](const std::string& why) { move_broke(self, meta, why); };
              spawn_as(
                  self, dest, kept_disk_spec(self, m.new_flavor, img), m.vm_state_before,
                  [self, meta](power_states p) { finish_move(self, meta, p); }, failed);
            });
          },
          [self, meta](caf::error& e) {
            migration_failed(
                self, meta, "Cannot stop the instance on its source: " + from_caf_error(e).message);
          });
}

// The destination: another host that passes the filters for the new
// flavor (an admin's host only, for a live migration); a resize falls back
// to its own host when no other fits (Nova's allow_resize_to_same_host).
void select_destination_for(self_ptr self, const event_metadata& meta, bool other_host_only,
                            std::function<void(std::string)> chosen, fail_fn failed) {
  const auto& s = self->state.s;
  const auto& m = *s.migration;
  auto spec = make_request_spec(s.id, m.new_flavor);
  spec.group_id = s.server_group_id;
  spec.group_policy = s.server_group_policy;
  spec.max_server_per_host = s.max_server_per_host;
  spec.ignore_hosts = {m.source_host};
  spec.ignore_reason = "the instance is on this host";
  if (m.type == "live-migration" || m.type == "evacuation") spec.requested_host = m.dest_host;
  auto same_host = spec;
  same_host.ignore_hosts.clear();
  same_host.requested_host = m.source_host;
  auto ask = [self, meta, chosen](request_spec spec, std::function<void(caf::error&)> refused) {
    self->request(self->state.links->scheduler, journal_timeout, select_atom::value,
                  std::move(spec), meta)
        .then([chosen](std::string& host) { chosen(host); }, refused);
  };
  auto why = [](caf::error& e) {
    auto err = from_caf_error(e);
    return err.message + (err.type.empty() ? "" : " " + err.type);
  };
  ask(spec, [ask, same_host, other_host_only, failed, why](caf::error& e) {
    if (other_host_only) return failed(why(e));
    ask(same_host, [failed, why](caf::error& again) { failed(why(again)); });
  });
}

void run_move(self_ptr self, const event_metadata& meta) {
  const auto& s = self->state.s;
  if ((s.task_state != task_states::resize_prep && s.task_state != task_states::migrating) ||
      !s.migration)
    return done(self);
  const auto m = *s.migration;
  // The source's claim is held under the migration's id while the
  // destination claims for the instance (on the same host too).
  host_command(self, m.source_host, host::move_claim{s.id, m.id}, meta,
               [self, meta, m](const std::string& error) {
                 if (!error.empty())
                   return migration_failed(self, meta, "Cannot hold the source's claim: " + error);
                 select_destination_for(
                     self, meta, m.type != "resize",
                     [self, meta, m](const std::string& host) {
                       std::map<std::string, std::string> reasons;
                       if (host != m.source_host)
                         reasons[m.source_host] = "the instance is on this host";
                       step(
                           self, instance::schedule_migration{host, std::move(reasons), now_us()},
                           meta, [self, meta] { move_domain(self, meta); },
                           [self, meta, m] {
                             restore_source_claims(self, m, meta, [self] { done(self); });
                           });
                     },
                     [self, meta](const std::string& why) { migration_failed(self, meta, why); });
               });
}

// --- evacuate (Nova's conductor rebuild_instance with a migration, and
// the compute manager's rebuild on the destination) ---

// The server comes up on its new host with its disk (the hosts of one
// cloud share its data dir: Nova's evacuate on shared storage), stopped if
// it was; ERROR if it cannot (it stays on the new host, which holds its
// claim, as a failed rebuild).
void evacuate_domain(self_ptr self, const event_metadata& meta) {
  if (!spawning(self) || !self->state.s.migration) return done(self);
  const auto m = *self->state.s.migration;
  auto source = host_actor(self, m.source_host);
  auto dest = host_actor(self, m.dest_host);
  if (!dest) return rebuild_failed(self, meta, "The host " + m.dest_host + " is gone.");
  auto spawn = [self, meta, m, dest] {
    // The source's claim, held under the migration's id, goes: its host is
    // down and keeps nothing of the server.
    host_command(self, m.source_host, host::release{m.id}, meta,
                 [self, meta, m, dest](const std::string& error) {
                   if (!error.empty()) spdlog::error("instance {}: {}", self->state.s.id, error);
                   with_image(self, self->state.s.image_id, [self, meta, m, dest](const auto& img) {
                     const auto vm = m.vm_state_before == vm_states::stopped ? vm_states::stopped
                                                                             : vm_states::active;
                     spawn_as(
                         self, dest, kept_disk_spec(self, m.new_flavor, img), vm,
                         [self, meta](power_states p) {
                           step(
                               self, instance::complete_evacuation{p, now_us()}, meta,
                               [self] { done(self); }, [self] { done(self); });
                         },
                         [self, meta](const std::string& why) { rebuild_failed(self, meta, why); });
                   });
                 });
  };
  if (!source) return spawn();
  // A down host of this machine still has the domain: it goes (disk kept)
  // before the server starts elsewhere, as Nova's compute removes
  // evacuated servers when their host comes back.
  self->request(source, compute_timeout, caf::delete_atom::value, self->state.s.id, true)
      .then([spawn](caf::ok_atom) { spawn(); },
            [self, spawn](caf::error& e) {
              spdlog::warn("instance {}: its down host kept its domain: {}", self->state.s.id,
                           from_caf_error(e).message);
              spawn();
            });
}

void run_evacuate(self_ptr self, const event_metadata& meta) {
  const auto& s = self->state.s;
  if (s.task_state != task_states::rebuilding || !s.migration || s.migration->type != "evacuation")
    return done(self);
  const auto m = *s.migration;
  auto schedule = [self, meta, m] {
    select_destination_for(
        self, meta, true,
        [self, meta, m](const std::string& host) {
          step(
              self,
              instance::schedule_migration{
                  host, {{m.source_host, "the instance is on this host"}}, now_us()},
              meta, [self, meta] { evacuate_domain(self, meta); },
              [self, meta, m] { restore_source_claims(self, m, meta, [self] { done(self); }); });
        },
        [self, meta](const std::string& why) { migration_failed(self, meta, why); });
  };
  // The source's claim is held under the migration's id while the new host
  // claims for the instance; a server in ERROR may hold none.
  host_command(self, m.source_host, host::move_claim{s.id, m.id}, meta,
               [self, schedule](const std::string& error) {
                 if (!error.empty())
                   spdlog::info("instance {}: no claim to hold on its source: {}", self->state.s.id,
                                error);
                 schedule();
               });
}

// confirmResize: the source's claim (under the migration's id) goes.
void run_confirm(self_ptr self, const event_metadata& meta) {
  const auto& past = self->state.s.migrations;
  if (past.empty() || past.back().status != "confirmed") return done(self);
  const auto m = past.back();
  host_command(self, m.source_host, host::release{m.id}, meta, [self](const std::string& error) {
    if (!error.empty()) spdlog::info("instance {}: {}", self->state.s.id, error);
    done(self);
  });
}

// revertResize: off the destination, back on the source with the old
// flavor and the instance's disk; ERROR if it can't come back.
void run_revert(self_ptr self, const event_metadata& meta) {
  const auto& s = self->state.s;
  if (s.task_state != task_states::resize_reverting || !s.migration) return done(self);
  const auto m = *s.migration;
  auto failed = [self, meta](const std::string& why) {
    spdlog::warn("[{}] instance {}: revert failed: {}", meta.request_id, self->state.s.id, why);
    execute(self, instance::fail{why, 500, "revertResize", now_us()}, meta,
            [self](outcome<instance_state>) { done(self); });
  };
  auto dest = host_actor(self, m.dest_host);
  auto source = host_actor(self, m.source_host);
  if (!dest || !source) return failed("A host of the move is gone.");
  self->request(dest, compute_timeout, caf::delete_atom::value, s.id, true)
      .then(
          [self, meta, m, source, failed](caf::ok_atom) {
            restore_source_claims(self, m, meta, [self, meta, m, source, failed] {
              with_image(self, self->state.s.image_id,
                         [self, meta, m, source, failed](const auto& img) {
                           spawn_as(
                               self, source, kept_disk_spec(self, m.old_flavor, img),
                               m.vm_state_before,
                               [self, meta](power_states p) {
                                 step(
                                     self, instance::complete_revert{p, now_us()}, meta,
                                     [self] { done(self); }, [self] { done(self); });
                               },
                               failed);
                         });
            });
          },
          [failed](caf::error& e) { failed(from_caf_error(e).message); });
}

// --- shelve_offload and unshelve ---


// The domain and the host's claim go (the shelved snapshot holds the disk).
void offload(self_ptr self, const event_metadata& meta, then_fn k) {
  destroy_domain(self, [self, meta, k](const std::string& error) {
    if (!error.empty()) {
      execute(self, instance::abort_task{"shelve_offload: " + error}, meta,
              [k](outcome<instance_state>) { k(); });
      return;
    }
    release_claim(self, meta, [self, meta, k] {
      execute(self, instance::complete_shelve_offload{}, meta,
              [k](outcome<instance_state>) { k(); });
    });
  });
}

void run_offload(self_ptr self, const event_metadata& meta) {
  if (self->state.s.task_state != task_states::shelving_offloading) return done(self);
  offload(self, meta, [self] { done(self); });
}

// An unshelve that could not finish: nothing stays held, still offloaded.
void unshelve_failed(self_ptr self, const event_metadata& meta, const std::string& why) {
  spdlog::warn("[{}] instance {}: unshelve failed: {}", meta.request_id, self->state.s.id, why);
  destroy_domain(self, [self, meta, why](const std::string&) {
    release_claim(self, meta, [self, meta, why] {
      execute(self, instance::fail_unshelve{why, now_us()}, meta,
              [self](outcome<instance_state>) { done(self); });
    });
  });
}

void unshelved(self_ptr self, const event_metadata& meta) {
  const std::string image_id = self->state.s.shelved_image_id;
  step(
      self, instance::complete_unshelve{}, meta,
      [self, meta, image_id] {
        remove_image(self, image_id, meta);  // Nova deletes the shelved snapshot
        done(self);
      },
      [self] { done(self); });
}

void run_unshelve(self_ptr self, const event_metadata& meta) {
  const auto& s = self->state.s;
  if (s.task_state != task_states::unshelving) return done(self);
  if (s.vm_state == vm_states::shelved) {
    // Not offloaded: its domain is still there, powered off.
    auto host = host_actor(self);
    if (!host) return unshelve_failed(self, meta, "The instance's host is not known.");
    self->request(host, compute_timeout, power_atom::value, s.id,
                  power_action{power_action::power_on})
        .then([self, meta](power_states) { unshelved(self, meta); },
              [self, meta](caf::error& e) {
                execute(self, instance::abort_task{"unshelve: " + from_caf_error(e).message}, meta,
                        [self](outcome<instance_state>) { done(self); });
              });
    return;
  }
  auto spec = make_request_spec(s.id, s.flavor);
  spec.group_id = s.server_group_id;
  spec.group_policy = s.server_group_policy;
  spec.max_server_per_host = s.max_server_per_host;
  self->request(self->state.links->scheduler, journal_timeout, select_atom::value, std::move(spec),
                meta)
      .then(
          [self, meta](std::string& host) {
            step(
                self, instance::schedule_unshelve{host, {}}, meta,
                [self, meta] {
                  with_image(self, self->state.s.shelved_image_id, [self, meta](const auto& img) {
                    auto host = host_actor(self);
                    if (!host || !img.exists())
                      return unshelve_failed(
                          self, meta,
                          "Image " + self->state.s.shelved_image_id + " could not be found.");
                    auto spec = std::make_shared<domain_spec>(
                        domain_spec_of(self->state.s, self->state.links->images_dir));
                    spec->image_path = (self->state.links->images_dir / img.id).string();
                    boot_from_image(*spec, img, self->state.links->images_dir);
                    spec->copy_image = true;  // the snapshot goes once it runs
                    spawn_as(
                        self, host, spec, vm_states::active,
                        [self, meta](power_states) { unshelved(self, meta); },
                        [self, meta](const std::string& why) { unshelve_failed(self, meta, why); });
                  });
                },
                [self, meta, host] {
                  release_claim(
                      self, meta, [self] { done(self); }, host);
                });
          },
          [self, meta](caf::error& e) {
            auto err = from_caf_error(e);
            execute(self,
                    instance::fail_unshelve{err.message + (err.type.empty() ? "" : " " + err.type),
                                            now_us()},
                    meta, [self](outcome<instance_state>) { done(self); });
          });
}

// --- rescue: the domain boots the rescue image, its own disk second ---

void rescue_failed(self_ptr self, const event_metadata& meta, const std::string& why) {
  spdlog::warn("[{}] instance {}: {} failed: {}", meta.request_id, self->state.s.id,
               to_string(self->state.s.task_state), why);
  execute(self, instance::fail{why, 500, to_string(self->state.s.task_state), now_us()}, meta,
          [self](outcome<instance_state>) { done(self); });
}

void run_rescue(self_ptr self, const event_metadata& meta, bool rescue) {
  const auto& s = self->state.s;
  if (s.task_state != (rescue ? task_states::rescuing : task_states::unrescuing)) return done(self);
  auto host = host_actor(self);
  if (!host) return rescue_failed(self, meta, "The instance's host is not known.");
  auto failed = [self, meta](const std::string& why) { rescue_failed(self, meta, why); };
  self->request(host, compute_timeout, caf::delete_atom::value, s.id, true)
      .then(
          [self, meta, host, rescue, failed](caf::ok_atom) {
            with_image(
                self, self->state.s.image_id,
                [self, meta, host, rescue, failed](const image_state& base) {
                  auto spec = kept_disk_spec(self, self->state.s.flavor, base);
                  auto finish = [self, meta, rescue](power_states) {
                    instance::command c = instance::complete_unrescue{};
                    if (rescue) c = instance::complete_rescue{};
                    step(
                        self, std::move(c), meta, [self] { done(self); }, [self] { done(self); });
                  };
                  if (!rescue) return spawn_as(self, host, spec, vm_states::active, finish, failed);
                  with_image(self, self->state.s.rescue_image_id,
                             [self, meta, host, spec, finish, failed](const image_state& r) {
                               if (!r.exists())
                                 return failed("Image " + self->state.s.rescue_image_id +
                                               " could not be found.");
                               spec->rescue_image_path =
                                   (self->state.links->images_dir / r.id).string();
                               domain_spec format;
                               boot_from_image(format, r, self->state.links->images_dir);
                               spec->rescue_image_format = format.image_format;
                               spawn_as(self, host, spec, vm_states::active, finish, failed);
                             });
                });
          },
          [failed](caf::error& e) { failed(from_caf_error(e).message); });
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
  if (std::holds_alternative<instance::resize>(c) ||
      std::holds_alternative<instance::live_migrate>(c))
    return enqueue(self, [self, meta] { run_move(self, meta); });
  if (std::holds_alternative<instance::evacuate>(c))
    return enqueue(self, [self, meta] { run_evacuate(self, meta); });
  if (std::holds_alternative<instance::confirm_resize>(c))
    return enqueue(self, [self, meta] { run_confirm(self, meta); });
  if (std::holds_alternative<instance::revert_resize>(c))
    return enqueue(self, [self, meta] { run_revert(self, meta); });
  if (std::holds_alternative<instance::shelve>(c))
    return enqueue(self, [self, meta] { run_snapshot(self, meta); });
  if (std::holds_alternative<instance::shelve_offload>(c))
    return enqueue(self, [self, meta] { run_offload(self, meta); });
  if (std::holds_alternative<instance::unshelve>(c))
    return enqueue(self, [self, meta] { run_unshelve(self, meta); });
  if (std::holds_alternative<instance::rescue>(c))
    return enqueue(self, [self, meta] { run_rescue(self, meta, true); });
  if (std::holds_alternative<instance::unrescue>(c))
    return enqueue(self, [self, meta] { run_rescue(self, meta, false); });
}

// --- a restart's interrupted operation ---

// Claims a host holds for the instance that the instance never recorded
// (the scheduler's host.claimed is durable before instance.scheduled): the
// process died between the two. Released like the instance's own.
void release_stray_claims(self_ptr self, const event_metadata& meta, then_fn k) {
  self->request(self->state.links->scheduler, journal_timeout, caf::get_atom::value)
      .then(
          [self, meta, k](std::vector<host_state>& hosts) {
            // The instance's own claims off its host, and those its moves
            // held under their ids.
            const auto& s = self->state.s;
            std::vector<std::string> holders{s.id};
            if (s.migration) holders.push_back(s.migration->id);
            for (const auto& m : s.migrations) holders.push_back(m.id);
            auto strays = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
            for (const auto& h : hosts)
              for (const auto& holder : holders)
                if (h.claims.count(holder) && (holder != s.id || h.id != s.host))
                  strays->emplace_back(h.id, holder);
            auto next = std::make_shared<std::function<void()>>();
            *next = [self, meta, k, strays, next] {
              if (strays->empty()) {
                k();
                *next = nullptr;  // the cycle through the capture ends here
                return;
              }
              const auto [host, holder] = strays->back();
              strays->pop_back();
              spdlog::warn("instance {}: a claim on {} held by {} is not its host's; releasing it",
                           self->state.s.id, host, holder);
              self->request(self->state.links->scheduler, journal_timeout, command_atom::value,
                            host, host::command{host::release{holder}}, meta)
                  .then([next](host_state&) { (*next)(); }, [next](caf::error&) { (*next)(); });
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
  // Shelved but not offloaded (the restart came between the two): shelving
  // offloads at once here (Nova's shelved_offload_time 0), so it goes on.
  if (s.exists() && s.vm_state == vm_states::shelved && s.task_state == task_states::none &&
      self->state.links) {
    // Answered once offloaded: the host's reconcile, which follows, must
    // not bring the domain back.
    execute(self, instance::shelve_offload{}, meta,
            [self, meta, k](outcome<instance_state> shelving) {
              if (!shelving) return k();
              offload(self, meta, k);
            });
    return;
  }
  // A move that ended just before the restart (confirmResize, a live
  // migration, an evacuation record their end, then release the source's
  // claim): a claim its migrations still hold goes now.
  if (s.exists() && s.task_state == task_states::none && !s.migration && !s.migrations.empty() &&
      s.vm_state != vm_states::shelved && self->state.links)
    return release_stray_claims(self, meta, k);
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
  auto record = [self, meta, k](instance::command c) {
    execute(self, std::move(c), meta, [k](outcome<instance_state>) { k(); });
  };
  // A move cut off before its end: the claims go back to the source and
  // the instance stays there (the host's reconcile brings its domain back,
  // disk kept); a revert is finished the same way.
  if (s.migration &&
      (s.task_state == task_states::resize_prep || s.task_state == task_states::resize_migrating ||
       s.task_state == task_states::migrating || s.task_state == task_states::resize_reverting)) {
    const auto m = *s.migration;
    const bool revert = s.task_state == task_states::resize_reverting;
    instance::command c =
        instance::fail_migration{"The move was interrupted by a restart of the cloud.", now_us()};
    if (revert) {
      const bool off = m.vm_state_before == vm_states::stopped;
      c = instance::complete_revert{off ? power_states::shutdown : power_states::running, now_us()};
    }
    if (!self->state.links) return record(c);
    auto dest = host_actor(self, m.dest_host);
    auto settle = [self, meta, m, record, c] {
      restore_source_claims(self, m, meta, [record, c] { record(c); });
    };
    if (!dest || m.dest_host == m.source_host) return settle();
    self->request(dest, compute_timeout, caf::delete_atom::value, s.id, true)
        .then([settle](caf::ok_atom) { settle(); }, [settle](caf::error&) { settle(); });
    return;
  }
  // An offload cut off: finished (the snapshot holds the disk).
  if (s.task_state == task_states::shelving_offloading && self->state.links)
    return offload(self, meta, k);
  // An unshelve cut off: still offloaded, nothing held.
  if (s.vm_state == vm_states::shelved_offloaded) {
    instance::command c = instance::fail_unshelve{
        "The unshelve was interrupted by a restart of the cloud.", now_us()};
    if (!self->state.links) return record(c);
    return destroy_domain(self, [self, meta, record, c](const std::string&) {
      release_claim(self, meta, [self, meta, record, c] {
        release_stray_claims(self, meta, [record, c] { record(c); });
      });
    });
  }
  // A rescue cut off goes back to the server as it was, an unrescue is
  // finished: whatever domain was left goes (disk kept), and the host's
  // reconcile, which follows, brings the server's own back.
  if (s.task_state == task_states::rescuing || s.task_state == task_states::unrescuing) {
    instance::command c = instance::complete_unrescue{};
    if (s.task_state == task_states::rescuing)
      c = instance::abort_task{"The rescue was interrupted by a restart of the cloud."};
    auto host = self->state.links ? host_actor(self) : caf::actor{};
    if (!host) return record(c);
    self->request(host, compute_timeout, caf::delete_atom::value, s.id, true)
        .then([record, c](caf::ok_atom) { record(c); }, [record, c](caf::error&) { record(c); });
    return;
  }
  // An evacuation cut off before its host was chosen: the claims go back
  // and the server stays where it was (migration error); after: ERROR on
  // its new host, as a rebuild cut off, the source's claim released.
  if (s.migration && s.migration->type == "evacuation" && self->state.links) {
    const auto m = *s.migration;
    const std::string why = "The evacuation was interrupted by a restart of the cloud.";
    if (s.task_state == task_states::rebuilding)
      return restore_source_claims(self, m, meta, [record, why] {
        record(instance::fail_migration{why, now_us()});
      });
    const std::string details =
        "task_state " + std::string(to_string(s.task_state)) + " at restart";
    return release_stray_claims(self, meta, [record, why, details] {
      record(instance::fail{why, 500, details, now_us()});
    });
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
  if (self->state.links) remove_image(self, s.snapshot_image_id, meta);
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
        self->state.admin_pass = std::move(request.admin_pass);
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
      [self](interface_atom, interface_change& change,
             event_metadata& meta) -> caf::result<instance_state> {
        instance::command probe = instance::detach_interface{change.port_id};
        if (change.attach) probe = instance::attach_interface{"-"};
        if (!self->state.links)
          return to_caf_error({errc::unavailable, "No compute host is available."});
        if (auto locked = instance::check_lock(self->state.s, probe, meta.caller_is_admin))
          return to_caf_error(*locked);
        if (auto d = instance_machine::decide(self->state.s, probe); !d)
          return to_caf_error(d.error());
        auto promise = self->make_response_promise<instance_state>();
        enqueue(self, [self, change, meta, promise] {
          if (change.attach) return run_attach(self, meta, change, promise);
          run_detach(self, meta, change.port_id, promise);
        });
        return promise;
      },
      [self](volume_plug_atom, instance::command& c,
             event_metadata& meta) -> caf::result<instance_state> {
        const bool volume_change = std::holds_alternative<instance::attach_volume>(c) ||
                                   std::holds_alternative<instance::detach_volume>(c);
        if (!volume_change)
          return to_caf_error({errc::bad_request, "Not a volume attachment's change."});
        if (auto locked = instance::check_lock(self->state.s, c, meta.caller_is_admin))
          return to_caf_error(*locked);
        if (auto d = instance_machine::decide(self->state.s, c); !d) return to_caf_error(d.error());
        auto promise = self->make_response_promise<instance_state>();
        enqueue(self, [self, c, meta, promise] { run_volume_change(self, meta, c, promise); });
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
