#include "actors/compute_supervisor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/instance.hpp"
#include "actors/resource_actor.hpp"
#include "engine/clock.hpp"
#include "store/wall_clock.hpp"

namespace cumulo {
namespace {

struct supervisor_state {
  compute_supervision s;
  std::map<caf::actor_addr, std::string> names;  // monitored host actors
  static inline const char* name = "compute_supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

bool has_domain(const instance_state& s) {
  return s.vm_state == vm_states::active || s.vm_state == vm_states::stopped ||
         s.vm_state == vm_states::paused || s.vm_state == vm_states::suspended ||
         s.vm_state == vm_states::resized || s.vm_state == vm_states::rescued ||
         s.vm_state == vm_states::shelved;
}

void watch(supervisor_actor* self, const std::string& name, const caf::actor& host) {
  self->monitor(host);
  self->state.names[host.address()] = name;
}

// The restarted host's domains made to agree with the log; an instance
// whose domain can't come back is not left looking alive.
void reconcile(supervisor_actor* self, const std::string& name, caf::actor host) {
  const auto& s = self->state.s;
  self->request(s.conductor, std::chrono::minutes(1), list_atom::value, instance_atom::value)
      .then(
          [self, name, host](std::vector<instance_state>& instances) {
            std::vector<expected_domain> expected;
            for (const auto& i : instances)
              if (i.host == name && has_domain(i)) {
                // A domain brought back keeps the guest's disk where it has one.
                auto spec = domain_spec_of(i, self->state.s.images_dir);
                spec.keep_disk = true;
                expected.push_back({std::move(spec), i.power_state});
              }
            self->request(host, std::chrono::minutes(5), reconcile_atom::value, std::move(expected))
                .then(
                    [self, name](reconcile_report& report) {
                      spdlog::warn(
                          "compute host {}: restarted after a crash: {} domains defined again "
                          "from the log, {} reaped, {} lost",
                          name, report.recreated.size(), report.reaped.size(),
                          report.failed.size());
                      for (const auto& [id, why] : report.failed)
                        self->send(self->state.s.conductor, command_atom::value, id,
                                   instance::command{instance::fail{
                                       "Its domain could not be defined again after compute "
                                       "host " +
                                           name + " crashed: " + why,
                                       500, "host crash", now_us()}},
                                   event_metadata{"req-host-restart", "cumulo"});
                    },
                    [name](caf::error& e) {
                      spdlog::error("compute host {}: reconcile after a crash failed: {}", name,
                                    from_caf_error(e).message);
                    });
          },
          [name](caf::error& e) {
            spdlog::error("compute host {}: cannot list instances after a crash: {}", name,
                          from_caf_error(e).message);
          });
}

void restart(supervisor_actor* self, const std::string& name) {
  auto& s = self->state.s;
  auto opts = s.options.at(name);
  try {
    opts.driver = s.drivers.at(name)();
  } catch (const std::exception& e) {
    spdlog::error("compute host {}: cannot connect its driver again: {}", name, e.what());
    return;
  }
  auto host = spawn_compute_host(self->system(), std::move(opts), s.scheduler);
  watch(self, name, host);
  s.hosts->put(name, host);
  self->request(host, std::chrono::minutes(1), register_atom::value)
      .then([self, name, host](host_state&) { reconcile(self, name, host); },
            [name](caf::error& e) {
              spdlog::error("compute host {}: cannot register again after a crash: {}", name,
                            from_caf_error(e).message);
            });
}

caf::behavior supervisor(supervisor_actor* self, compute_supervision s) {
  self->state.s = std::move(s);
  for (const auto& [name, host] : self->state.s.hosts->all()) watch(self, name, host);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto it = self->state.names.find(dm.source);
    if (it == self->state.names.end()) return;
    const std::string name = it->second;
    self->state.names.erase(it);
    if (!dm.reason || dm.reason == caf::exit_reason::user_shutdown ||
        dm.reason == caf::exit_reason::kill)
      return;  // stopped on purpose
    spdlog::warn("compute host {}: died ({}); starting it again", name, caf::to_string(dm.reason));
    restart(self, name);
  });
  return {
      [self](crash_atom, const std::string& name) {
        auto host = self->state.s.hosts->get(name);
        if (!host) return false;
        // High priority: a crash does not wait behind the requests queued on the host.
        self->send<caf::message_priority::high>(host, crash_atom::value);
        return true;
      },
  };
}

}  // namespace

caf::actor spawn_compute_supervisor(caf::actor_system& sys, compute_supervision s) {
  return sys.spawn(supervisor, std::move(s));
}

}  // namespace cumulo
