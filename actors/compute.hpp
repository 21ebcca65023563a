// The compute actor: Nova's API side in the actor core (as the networking
// actor is Neutron's). Each flavor, keypair and project quota set is a
// resource actor under the conductor; this actor keeps the index the API
// lists from, serialises the rules that span resources (flavor names and
// ids unique, keypair names unique per user), and owns the compute quotas
// with the usage counted against them, in-flight launches included. It runs
// the create of servers (Nova's compute/api.py): the HTTP route parses and
// renders, the door resolves, reserves, launches and commits.
//
// Flavors:
//   (command_atom, flavor_id, flavor::command, meta)       -> flavor_state
//       create: 409 "Flavor with name N already exists." / "Flavor with ID I already exists."
//   (caf::get_atom, flavor_atom, flavor_id)                -> flavor_state (404 itemNotFound)
//   (list_atom, flavor_atom)                               -> std::vector<flavor_state>
//                                                             (live ones, by id as Nova)
// Keypairs (belong to a user; the quota key_pairs is the limit of project_id):
//   (command_atom, keypair_atom, project_id, keypair::command, meta) -> keypair_state
//       only keypair::create: 409 "Key pair 'N' already exists.", 403 "Quota exceeded, too
//       many key pairs."
//   (caf::delete_atom, keypair_atom, user_id, name, meta)  -> keypair_state (deleted; 404)
//   (caf::get_atom, keypair_atom, user_id, name)           -> keypair_state
//       (404 "Keypair N not found for user U")
//   (list_atom, keypair_atom, user_id)                     -> std::vector<keypair_state>
//       ("" lists every user's)
// Quotas (Nova's defaults unless an admin changed them):
//   (caf::get_atom, compute_quota_atom, project_id)        -> compute_quota_set
//   (compute_quota_atom, project_id, compute_quota::command, meta) -> compute_quota_set
//       update: 400 for an unknown key, a limit below -1, or (unless force) below the usage
//   (caf::get_atom, usage_atom, project_id)                -> compute_usage
//       committed instances plus reservations in flight
// Servers (Nova's compute/api.py: the door runs the whole flow of a create):
//   (create_servers_atom, create_servers_request) -> created_servers
//       flavor (400 "Flavor R could not be found."), image through the image
//       registry (400 "Image R could not be found." / "Image I is not active."),
//       networks through networking (only those the caller may use: 400, 409),
//       security groups (400 "Security group N not found for project P."; asked for
//       on a network without port security or subnet: 400 "Network requires
//       port_security_enabled and subnet associated in order to apply security groups.",
//       Nova's SecurityGroupCannotBeApplied; "default" alone asks for none, so such a
//       network's ports get no group),
//       key pair (400 "Invalid key_name provided."), then per instance: quota
//       reserved (403 "Quota exceeded for instances: ..."; fewer than max_count
//       started is enough when min_count are), launched through the conductor,
//       committed. The door commits and releases: a launch that fails, a
//       launch answer that does not come within launch_timeout (503; its
//       instance is counted if the answer comes later), a caller that goes
//       away (no further instance is launched) each release the reservation.
//   (caf::delete_atom, instance_atom, instance_id, meta)  -> instance_state once the
//       delete is requested (the conductor's action remove); its usage is freed
//   (action_atom, instance_id, instance::command, meta)   -> instance_state: a user's change
//       of a server through the conductor; metadata bounded by the project's
//       metadata_items quota (403)
//   (security_group_atom, instance_id, group, bool add, meta) -> instance_state: Nova's
//       addSecurityGroup / removeSecurityGroup: the group (a name or an id of the server's
//       project; 404) goes on (or off) each of the server's ports, then the instance records
//       its groups by name; 400 when it already has it (or has not)
//   (snapshot_atom, create_image_request)                  -> std::string image id: Nova's
//       createImage: a private queued image with Nova's snapshot properties (image_type
//       snapshot, instance_uuid, base_image_ref, ...) over the base image's, then the
//       instance's snapshot (its 409 removes the image again)
//   (rebuild_atom, rebuild_request)                       -> instance_state once
//       instance.rebuild_requested is durable: the image as a create resolves it (400
//       "Image R could not be found." / "Image I is not active."), then the instance's
//       rebuild (its lock and state: 409)
//   (snapshot_atom, create_image_request{rotation >= 0}) -> the backup's id ("" for rotation
//       0): createBackup, the snapshot with image_type backup and backup_type, then the
//       server's oldest backups of that type beyond `rotation` are deleted
//   (snapshot_atom, create_image_request{shelve = true}) -> the shelved image's id: the
//       same snapshot, then the instance's shelve (which offloads it)
//   (move_atom, move_request)                             -> instance_state once the move
//       is requested: resize (400 for an unknown flavor, the same flavor or a smaller
//       disk; 403 over the cores/ram quota), migrate, live migration (400 for an unknown
//       host); the instance's lock and state: 409
//   (rescue_atom, rescue_request)                         -> instance_state: the rescue
//       image resolved as a rebuild's (400), then the instance's rescue
//   A revertResize through action_atom counts the old flavor's usage again.
//   (volume_plug_atom, caf::add_atom, volume_attach_request)    -> instance::volume_attachment
//   (volume_plug_atom, caf::delete_atom, volume_attach_request) -> instance_state
//       os-volume_attachments, the flow across compute and block storage
//       (actors/compute_volumes.hpp)
// Server groups (Nova's os-server-groups; each a resource actor, this door
// keeps the index):
//   (command_atom, server_group_atom, server_group::create, meta) -> server_group_state
//       400 for a bad name, policy or rule; 403 "Quota exceeded, too many server groups."
//   (caf::delete_atom, server_group_atom, id, meta)   -> server_group_state (deleted; 404
//       "Instance group I could not be found.")
//   (caf::get_atom, server_group_atom, id)            -> server_group_state (404)
//   (list_atom, server_group_atom)                    -> std::vector<server_group_state>
//   A create of servers with create_servers_request::server_group (the scheduler hint
//   "group") needs one of the project's groups (400 "Invalid server group G."); each
//   instance joins it (403 "Quota exceeded, too many servers in group" over
//   server_group_members) and leaves it when deleted.
// Instance quota (what the create flow uses; tests and tools may use it too):
//   (reserve_atom, project_id, compute_usage wanted)       -> std::string reservation id
//       403 forbidden "Quota exceeded for instances: Requested 1, but already used 10 of
//       10 instances" (cores, ram likewise; several: "cores,instances: ..."); it expires
//       after reservation_expiry (Nova's reservation_expire) and is swept then
//   (commit_atom, reservation_id, instance_id)             -> caf::ok_atom
//       the reservation becomes the instance's usage (404 for an unknown reservation)
//   (release_atom, reservation_id)                         -> caf::ok_atom (unknown: nothing)
//   (release_atom, instance_atom, instance_id)             -> caf::ok_atom: a deleted
//       instance's usage is freed (unknown: nothing)
//   (caf::get_atom, reserve_atom, project_id)              -> std::int64_t reservations in
//       flight (not yet committed or released)
// At start the usage is counted from the live instances in the log.
// Hypervisors and services, through the scheduler (its host streams):
//   (list_atom, hypervisor_atom)                           -> std::vector<host_state>
//   (command_atom, hostname, host::command, meta)          -> host_state (enable, disable)
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>

#include "actors/messages.hpp"
#include "engine/compute_quota_state.hpp"

namespace cumulo {

using usage_atom = caf::atom_constant<caf::atom("usage")>;
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using hypervisor_atom = caf::atom_constant<caf::atom("hypervisor")>;
using create_servers_atom = caf::atom_constant<caf::atom("cservers")>;
using rebuild_atom = caf::atom_constant<caf::atom("rebuild")>;
using move_atom = caf::atom_constant<caf::atom("move")>;
using rescue_atom = caf::atom_constant<caf::atom("rescue")>;

// POST /servers as the route parsed it, and who asks: the door resolves the
// rest. base has name, project, user, key name, metadata, user data and the
// security groups' names; its flavor, image and networks are the door's.
struct create_servers_request {
  enum class networks_mode { listed, any_single, none };
  instance::request base;
  std::string flavor_ref;  // an id, or a link ending in one
  std::string image_ref;   // likewise
  networks_mode networks = networks_mode::listed;
  bool auto_network = false;  // "auto" (2.37): no network is an error
  std::vector<instance::requested_network> listed;
  std::string server_group;  // os:scheduler_hints' "group": a server group's id, or ""

  int min_count = 1;  // fewer started than this is a failure (quota)
  int max_count = 1;
  bool is_admin = false;  // the caller's token: sees every network, image and port
  event_metadata meta;
};

// createImage as the route parsed it; shelve makes the same snapshot
// ("<server name>-shelved") and the instance's shelve follows.
struct create_image_request {
  std::string instance_id;
  std::string name;
  std::map<std::string, std::string> metadata;  // extra image properties
  event_metadata meta;
  bool shelve = false;
  // createBackup: the image is a backup of this type (image_type backup),
  // and the server keeps the newest `rotation` of them (0: none, and no new
  // one is made); -1 for a plain snapshot.
  std::string backup_type;
  std::int64_t rotation = -1;
};

// resize, migrate, os-migrateLive and evacuate as the routes parsed them.
struct move_request {
  std::string instance_id;
  std::string type;        // "resize" | "migration" | "live-migration" | "evacuation"
  std::string flavor_ref;  // resize: an id, or a link ending in one
  std::string host;        // live (and 2.56's cold) migration: the admin's host, "" any
  bool block_migration = false;
  event_metadata meta;
};

// os-interface's attach as the route parsed it: the caller's port, or a
// network to make one on (neither: the project's only network), checked
// here as Nova asks Neutron.
struct interface_attach_request {
  std::string instance_id;
  std::string network_id;
  std::string port_id;
  std::string fixed_ip;
  std::string project_id;  // the server's
  bool is_admin = false;
  event_metadata meta;
};

// rescue as the route parsed it: the rescue image ("" for the server's
// own) still to resolve as a rebuild's.
struct rescue_request {
  std::string instance_id;
  std::string image_ref;
  std::string project_id;
  bool is_admin = false;
  event_metadata meta;
};

// rebuild as the route parsed it: the image still to resolve (visible to
// the caller, active), the rest of the command as given.
struct rebuild_request {
  std::string instance_id;
  std::string image_ref;
  instance::rebuild command;
  std::string project_id;  // the caller's, for the image's visibility
  bool is_admin = false;
  event_metadata meta;
};

// The instances a create started, in order (fewer than max_count when the
// quota stopped it after min_count).
struct created_servers {
  std::vector<instance_state> servers;
};

// How the door keeps quota reservations.
struct compute_options {
  // Nova's [quota] reservation_expire: a reservation neither committed nor
  // released by then is swept (a launch that never answered).
  std::chrono::seconds reservation_expiry{86400};
  // How often the door looks for expired reservations (a delayed message to
  // itself).
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(60)};
  // How long the door waits for one launch's answer from the conductor
  // (instance.requested durable) before it gives the reservation back.
  std::chrono::milliseconds launch_timeout{std::chrono::seconds(60)};
  // Reads of the other doors (image, networks, security groups).
  std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};
  // The clock expiries are measured with, in microseconds since the epoch
  // (null: the wall clock); tests pass their own.
  std::function<std::int64_t()> clock;
  // Cinder's door, for os-volume_attachments (null: volumes are not
  // available).
  caf::actor block_storage;
};

// Nova's default flavors, made as events at the first start of a data dir
// (actors/compute_bootstrap.hpp).
struct default_flavor {
  const char* id;
  const char* name;
  std::int64_t ram;
  int vcpus;
  std::int64_t disk;
};
inline constexpr default_flavor default_flavors[] = {
    {"1", "m1.tiny", 512, 1, 1},       {"2", "m1.small", 2048, 1, 20},
    {"3", "m1.medium", 4096, 2, 40},   {"4", "m1.large", 8192, 4, 80},
    {"5", "m1.xlarge", 16384, 8, 160},
};

// networking and image_registry: the doors a create of servers asks.
caf::actor spawn_compute(caf::actor_system& sys, caf::actor conductor, caf::actor networking,
                         caf::actor image_registry, compute_options opts = {});

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_quota_set)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_usage)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::create_servers_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::created_servers)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::create_image_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::server_group::create)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::rebuild_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::move_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::rescue_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::interface_attach_request)
