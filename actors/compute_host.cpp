#include "actors/compute_host.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <vector>

#include "actors/errors.hpp"
#include "actors/resource_actor.hpp"
#include "crypto/image_digest.hpp"
#include "virt/config_drive.hpp"
#include "virt/libvirt_network.hpp"
#include "engine/scheduling.hpp"

namespace cumulo {
namespace {

constexpr std::size_t console_max_bytes = 64 * 1024;

struct compute_host_state {
  compute_host_options opts;
  caf::actor scheduler;
  static inline const char* name = "compute_host";
};

using compute_host_actor = caf::stateful_actor<compute_host_state>;

// Runs a driver call; its exception becomes the error the caller receives.
template <class F>
auto driver_call(const std::string& host, const char* what, F&& f) -> caf::result<decltype(f())> {
  try {
    return f();
  } catch (const std::exception& e) {
    spdlog::error("compute host {}: {}: {}", host, what, e.what());
    return to_caf_error({errc::internal, e.what()});
  }
}

void act(virt_driver& d, const std::string& id, power_action a, std::chrono::seconds timeout) {
  switch (a.what) {
    case power_action::power_off:
      return d.power_off(id, timeout);
    case power_action::power_on:
      return d.power_on(id);
    case power_action::reboot_soft:
      return d.reboot(id, reboot_type::soft);
    case power_action::reboot_hard:
      return d.reboot(id, reboot_type::hard);
    case power_action::pause:
      return d.pause(id);
    case power_action::unpause:
      return d.unpause(id);
    case power_action::suspend:
      return d.suspend(id);
    case power_action::resume:
      return d.resume(id);
  }
}

// Brings a freshly defined domain to the power state the log has.
void restore(virt_driver& d, const expected_domain& e) {
  d.spawn(e.spec);
  switch (e.power) {
    case power_states::shutdown:
    case power_states::crashed:
    case power_states::nostate:
      return d.power_off(e.spec.instance_id, std::chrono::seconds(0));
    case power_states::paused:
      return d.pause(e.spec.instance_id);
    case power_states::suspended:
      return d.suspend(e.spec.instance_id);
    case power_states::running:
      return;
  }
}

reconcile_report reconcile(virt_driver& d, const std::string& host,
                           const std::vector<expected_domain>& expected) {
  reconcile_report report;
  const auto present = d.power_states_all();
  std::set<std::string> wanted;
  for (const auto& e : expected) {
    wanted.insert(e.spec.instance_id);
    if (present.count(e.spec.instance_id)) continue;
    try {
      restore(d, e);
      report.recreated.push_back(e.spec.instance_id);
    } catch (const std::exception& ex) {
      report.failed[e.spec.instance_id] = ex.what();
      spdlog::error("compute host {}: cannot define instance {} again: {}", host,
                    e.spec.instance_id, ex.what());
    }
  }
  for (const auto& [id, power] : present) {
    if (wanted.count(id)) continue;
    try {
      d.destroy(id);
      report.reaped.push_back(id);
      spdlog::warn("compute host {}: domain of instance {} has no live instance; reaped", host, id);
    } catch (const std::exception& ex) {
      report.failed[id] = ex.what();
    }
  }
  // Disks a crash left without a domain.
  for (const auto& id : d.reap_leftovers(wanted))
    spdlog::warn("compute host {}: files of instance {} had no domain; removed", host, id);
  return report;
}

caf::behavior compute_host(compute_host_actor* self, compute_host_options opts,
                           caf::actor scheduler) {
  self->state.opts = std::move(opts);
  self->state.scheduler = std::move(scheduler);
  const std::string host = self->state.opts.name;
  return {
      [self, host](register_atom) -> caf::result<host_state> {
        auto& o = self->state.opts;
        host_info info;
        try {
          info = o.driver->host();
        } catch (const std::exception& e) {
          return to_caf_error({errc::internal, e.what()});
        }
        host::register_host r{info.hostname.empty() ? host : info.hostname,
                              info.hypervisor_type,
                              info.hypervisor_version,
                              "127.0.0.1",
                              info.vcpus,
                              info.memory_mb,
                              info.local_gb,
                              o.cpu_allocation_ratio,
                              o.ram_allocation_ratio,
                              o.disk_allocation_ratio};
        auto promise = self->make_response_promise<host_state>();
        self->request(self->state.scheduler, journal_timeout, command_atom::value, host,
                      host::command{std::move(r)}, event_metadata{"req-compute-start", "cumulo"})
            .then(
                [promise, host](host_state& h) mutable {
                  spdlog::info("compute host {}: registered ({} vCPUs, {} MB, {} GB, {} {})", host,
                               h.vcpus, h.memory_mb, h.local_gb, h.hypervisor_type,
                               h.hypervisor_version);
                  promise.deliver(std::move(h));
                },
                [promise](caf::error& e) mutable { promise.deliver(e); });
        return promise;
      },
      [self, host](caf::get_atom, host_atom) {
        return driver_call(host, "host info", [&] { return self->state.opts.driver->host(); });
      },
      [self, host](spawn_atom, const domain_spec& spec) {
        return driver_call(host, "spawn", [&] {
          auto& d = *self->state.opts.driver;
          d.spawn(spec);
          return d.power_state(spec.instance_id);
        });
      },
      [self, host](power_atom, const std::string& id, power_action a) {
        return driver_call(host, "power action", [&] {
          auto& d = *self->state.opts.driver;
          act(d, id, a, self->state.opts.shutdown_timeout);
          return d.power_state(id);
        });
      },
      [self, host](caf::delete_atom, const std::string& id) {
        return driver_call(host, "destroy", [&] {
          self->state.opts.driver->destroy(id);
          return caf::ok_atom::value;
        });
      },
      [self, host](caf::delete_atom, const std::string& id, bool keep_disk) {
        return driver_call(host, keep_disk ? "undefine" : "destroy", [&] {
          if (keep_disk)
            self->state.opts.driver->undefine(id);
          else
            self->state.opts.driver->destroy(id);
          return caf::ok_atom::value;
        });
      },
      [self, host](caf::get_atom, power_atom, const std::string& id) {
        return driver_call(host, "power state",
                           [&] { return self->state.opts.driver->power_state(id); });
      },
      [self, host](caf::get_atom, diagnostics_atom, const std::string& id) {
        return driver_call(host, "diagnostics",
                           [&] { return self->state.opts.driver->diagnostics(id); });
      },
      [self, host](console_atom, const std::string& id,
                   const std::string& protocol) -> caf::result<console_connection> {
        // Not the driver's failures: what the client asked for (Nova's
        // ConsoleTypeUnavailable, InstanceNotReady).
        try {
          return self->state.opts.driver->remote_console(id, protocol);
        } catch (const console_unavailable&) {
          return to_caf_error({errc::bad_request, "Unavailable console type " + protocol + "."});
        } catch (const std::exception& e) {
          spdlog::info("compute host {}: remote console of {}: {}", host, id, e.what());
          return to_caf_error({errc::conflict, "Instance " + id + " is not ready"});
        }
      },
      [self, host](interface_atom, caf::add_atom, const std::string& id, const nic_spec& nic) {
        return driver_call(host, "attach interface", [&] {
          self->state.opts.driver->attach_interface(id, nic);
          return caf::ok_atom::value;
        });
      },
      [self, host](interface_atom, caf::delete_atom, const std::string& id,
                   const std::string& mac) {
        return driver_call(host, "detach interface", [&] {
          self->state.opts.driver->detach_interface(id, mac);
          return caf::ok_atom::value;
        });
      },
      [self, host](volume_disk_atom, caf::add_atom, const std::string& id,
                   const volume_disk& disk) {
        return driver_call(host, "attach volume", [&] {
          self->state.opts.driver->attach_volume(id, disk);
          return caf::ok_atom::value;
        });
      },
      [self, host](volume_disk_atom, caf::delete_atom, const std::string& id,
                   const std::string& target_dev) {
        return driver_call(host, "detach volume", [&] {
          self->state.opts.driver->detach_volume(id, target_dev);
          return caf::ok_atom::value;
        });
      },
      [self, host](list_atom, power_atom) {
        return driver_call(host, "power states",
                           [&] { return self->state.opts.driver->power_states_all(); });
      },
      [self, host](snapshot_atom, const std::string& id, const std::string& image_path,
                   const std::string& dest, const std::string& format) {
        return driver_call(host, "snapshot", [&] {
          self->state.opts.driver->snapshot(id, image_path, dest, format);
          // Glance's checksums of what the copy holds, read back once.
          const auto sums = digest_file(dest);
          if (!sums) throw virt_error("The snapshot of the instance could not be read back.");
          return snapshot_copy{sums->size, sums->md5, sums->sha512};
        });
      },
      [self, host](console_atom, const std::string& id, std::int32_t lines) {
        return driver_call(host, "console output", [&] {
          return self->state.opts.driver->console_output(
              id, lines > 0 ? static_cast<std::size_t>(lines) : 0, console_max_bytes);
        });
      },
      [self, host](reconcile_atom, const std::vector<expected_domain>& expected) {
        return reconcile(*self->state.opts.driver, host, expected);
      },
      [self, host](crash_atom) {
        spdlog::warn("compute host {}: crashing (injected fault)", host);
        self->quit(caf::make_error(caf::sec::runtime_error,
                                   std::string("compute host " + host + " crashed")));
      },
  };
}

}  // namespace

volume_disk volume_disk_of(const instance::volume_attachment& a) {
  volume_disk d;
  d.volume_id = a.volume_id;
  d.target_dev = a.device.rfind("/dev/", 0) == 0 ? a.device.substr(5) : a.device;
  d.path = a.path;
  d.block_device = a.block_device;
  d.read_only = a.read_only;
  return d;
}

domain_spec domain_spec_of(const instance_state& s, const std::filesystem::path& images_dir) {
  domain_spec d;
  d.instance_id = s.id;
  d.name = s.name;
  d.vcpus = s.flavor.vcpus;
  d.memory_mb = s.flavor.memory_mb;
  d.disk_gb = make_request_spec(s.id, s.flavor).disk_gb;
  d.image_path = (images_dir / s.image_id).string();
  for (const auto& a : s.addresses)
    d.nics.push_back({a.mac_address, libvirt_network_name(a.network_id), a.port_id});
  d.flavor_name = s.flavor.name;
  d.project_id = s.project_id;
  d.hostname = hostname_of(s.name);
  d.user_data = s.user_data;
  d.metadata = s.metadata;
  d.availability_zone = s.availability_zone;
  // The volumes go with the domain wherever it is made again (a hard
  // reboot, a move, an unshelve); the root one is its disk.
  for (const auto& v : s.volumes) {
    if (v.boot_index == 0)
      d.boot_volume = volume_disk_of(v);
    else
      d.volumes.push_back(volume_disk_of(v));
  }
  return d;
}

void boot_from_image(domain_spec& d, const image_state& image,
                     const std::filesystem::path& images_dir) {
  if (!image.disk_format.empty()) d.image_format = image.disk_format;
  // Glance's ami/aki/ari images are raw bytes.
  if (d.image_format == "ami" || d.image_format == "aki" || d.image_format == "ari")
    d.image_format = "raw";
  auto prop = [&](const char* key) {
    auto it = image.properties.find(key);
    return it == image.properties.end() ? std::string() : it->second;
  };
  if (auto kernel = prop("kernel_id"); !kernel.empty())
    d.kernel_path = (images_dir / kernel).string();
  if (auto ramdisk = prop("ramdisk_id"); !ramdisk.empty())
    d.ramdisk_path = (images_dir / ramdisk).string();
  d.kernel_args = prop("os_command_line");
}

caf::actor spawn_compute_host(caf::actor_system& sys, compute_host_options opts,
                              caf::actor scheduler) {
  return sys.spawn<caf::detached>(compute_host, std::move(opts), std::move(scheduler));
}

}  // namespace cumulo
