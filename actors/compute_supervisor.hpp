// Supervises the compute host actors (Nova's nova-compute services). A host
// that dies abnormally (a crash: `(crash_atom)` sent to it, as the fault API
// does) is started again at once with a new driver connection, registered
// with the scheduler again, and reconciled with the log:
//   - the domains the log places on it come back in their logged power
//     state (libvirt's test driver forgets them with the connection; a real
//     libvirt keeps them and nothing is redefined);
//   - domains no live instance owns are reaped;
//   - an instance whose domain cannot come back goes to ERROR with the
//     reason;
//   - whatever was asked of the dead actor fails at once: a build's spawn
//     is rescheduled to another host (instance.rescheduled, "Compute host X
//     went down during the spawn."), a user action ends (a reboot in ERROR,
//     as Nova), and the instance actors find the new host actor in the
//     host directory from then on.
//
//   (crash_atom, hostname)  -> bool: false when there is no such host
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/compute_host.hpp"

namespace cumulo {

struct compute_supervision {
  std::shared_ptr<host_directory> hosts;
  // How to start each host again: its options, and a fresh driver.
  std::map<std::string, compute_host_options> options;
  std::map<std::string, std::function<std::shared_ptr<virt_driver>()>> drivers;
  caf::actor scheduler;
  caf::actor conductor;  // the instances, to reconcile a restarted host
  std::filesystem::path images_dir;
};

caf::actor spawn_compute_supervisor(caf::actor_system& sys, compute_supervision s);

}  // namespace cumulo
