// The identity actor: Keystone in the actor core. It keeps the identity
// directory (engine/identity_directory.hpp) current, issues and validates
// tokens, and is the door every identity command goes through, so names
// stay unique and assignments refer to users and roles that exist. The
// project, user and role actors under the conductor still own their
// streams: this actor forwards commands to the conductor and reads the
// states they answer with.
//
// argon2 costs ~55 ms of CPU per hash (bench/RESULTS.md): hashing and verifying run on a
// small pool of detached worker actors, never on this actor's thread nor a
// reactor thread, and never more at once than there are workers (each
// takes 64 MiB while it works).
//
//   (authenticate_atom, auth_request)             -> token_info
//   (validate_atom, token)                        -> token_info (error: unauthorized)
//   (revoke_atom, token, meta)                    -> user_state of the token's user
//   (command_atom, id, project::command, meta)    -> project_state
//   (command_atom, id, user::command, meta)       -> user_state
//   (command_atom, id, user::command, meta, password)  -> user_state: the clear password is
//                                                   hashed into a create or change_password
//   (password_atom, user_id, original, new, meta) -> user_state (Keystone's self-service change)
//   (command_atom, id, role::command, meta)       -> role_state
//   (command_atom, id, domain::command, meta)     -> domain_state (Default: 403)
//   (caf::get_atom, project_atom|user_atom|role_atom|domain_atom, id) -> the state
//                                                   (error: not_found)
//   (list_atom, project_atom|user_atom|role_atom|domain_atom) -> std::vector of the states
//   (list_atom, assignment_atom)                  -> std::vector<role_assignment>
//   (list_atom, project_atom, user_id)            -> the enabled projects the user holds a role on
//
// The API's requests carry their caller (`credentials`, last) and this actor
// decides them with Keystone's rules (engine/identity_rules.hpp): 403 "You
// are not authorized to perform the requested action: identity:..." when
// the rule does not allow the caller; a read finds first (404 for everyone)
// and decides on what it found.
//   (command_atom, id, X::command, meta, credentials)   -> X's state, for
//                                                   project, user, role, domain
//   (command_atom, id, user::command, meta, password, credentials) -> user_state:
//                                                   a create with its password, or
//                                                   an update, then the password set
//                                                   (one answer after both)
//   (password_atom, user_id, original, new, meta, credentials) -> user_state
//   (caf::get_atom, X_atom, id, credentials)      -> X's state (get_project, ...)
//   (list_atom, X_atom, credentials)              -> all of them (list_projects, ...)
//   (list_atom, project_atom, user_id, credentials) -> list_user_projects
//   (list_atom, role_atom, project_id, user_id, credentials) -> the user's roles
//                                                   on the project (list_grants)
//   (caf::get_atom, assignment_atom, project_id, user_id, role_id, credentials)
//                                                 -> the role when assigned (check_grant;
//                                                   error: not_found)
//   (list_atom, assignment_atom, user_id, credentials) -> the user's own assignments
//                                                   when user_id is the caller's, else
//                                                   all (list_role_assignments)
//   (validate_atom, caller_token, subject_token, check) -> token_info of the subject
//                                                   (validate_token, or check_token for
//                                                   a HEAD; error: not_found)
//   (revoke_atom, caller_token, subject_token, meta) -> user_state (revoke_token)
//   (command_atom, user_id, user::create_application_credential, meta, secret, credentials)
//                                                 -> application_credential_view: bound to
//                                                   the caller's project and roles (or those
//                                                   of them it names), the secret hashed
//   (command_atom, user_id, user::command{delete_application_credential}, meta, credentials)
//   (caf::get_atom, application_credential_atom, user_id, id, credentials)
//                                                 -> application_credential_view
//   (command_atom, id, region::command|service::command, meta, credentials) -> the state
//                                                   (the built-in RegionOne and services: 403)
//   (endpoint_atom, service_id, service::command, meta, credentials) -> catalog_endpoint:
//                                                   an endpoint's create (service_id names
//                                                   its service), update or delete ("": the
//                                                   endpoint's own)
//   (caf::get_atom|list_atom, region_atom|service_atom|endpoint_atom, [id,] credentials)
//                                                 -> the catalog, built-in entries first
//   (list_atom, application_credential_atom, user_id, credentials)
//                                                 -> std::vector<application_credential_view>
//   Credentials (actors/credential_messages.hpp), each answered as a
//   credential_view (its blob opened): the API sends blobs in clear, this
//   actor seals them (credential.key) before they are decided.
//   (command_atom, id, credential::command, meta, credentials) -> /v3/credentials' create
//                                                   (id made by the API: an ec2 one's is the
//                                                   SHA-256 of its access), update, delete
//   (ec2_credential_atom, user_id, id, credential::command, meta, credentials) -> OS-EC2's
//                                                   create and delete
//   (caf::get_atom|list_atom, credential_atom, [id,] credentials) -> those the caller may see
//   (caf::get_atom|list_atom, ec2_credential_atom, user_id, [id,] credentials)
//   (list_atom, assignment_atom, user_id, effective, credentials) -> as above, each group's
//                                                   assignment expanded to its members when
//                                                   `effective` (Keystone's ?effective)
//
// Groups (a user's roles on a project are its own and its groups'; a
// deleted user leaves its groups, a deleted project their assignments):
//   (command_atom, id, group::command, meta[, credentials]) -> group_state: create,
//                                                   update, remove, add_member,
//                                                   remove_member, grant_role, revoke_role
//   (caf::get_atom, group_atom, id, credentials)  -> group_state (get_group)
//   (list_atom, group_atom[, credentials])        -> std::vector<group_state> (list_groups)
//   (list_atom, group_atom, user_id, credentials) -> the user's groups (list_groups_for_user)
//   (list_atom, user_atom, group_atom, group_id, credentials) -> std::vector<user_state>:
//                                                   the members (list_users_in_group)
//   (caf::get_atom, group_atom, group_id, user_id, credentials) -> user_state when a member
//                                                   (check_user_in_group; error: not_found)
//   (list_atom, role_atom, group_atom, project_id, group_id, credentials) -> the group's
//                                                   roles on the project (list_grants)
//   (caf::get_atom, assignment_atom, group_atom, project_id, group_id, role_id, credentials)
//                                                 -> the role when assigned (check_grant)
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

#include "actors/messages.hpp"
#include "engine/identity_directory.hpp"
#include "engine/policy.hpp"
#include "store/wall_clock.hpp"
#include "crypto/password.hpp"
#include "crypto/token.hpp"

namespace cumulo {

using authenticate_atom = caf::atom_constant<caf::atom("authn")>;
using validate_atom = caf::atom_constant<caf::atom("validate")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using password_atom = caf::atom_constant<caf::atom("password")>;
using assignment_atom = caf::atom_constant<caf::atom("assign")>;
using application_credential_atom = caf::atom_constant<caf::atom("appcred")>;

struct identity_options {
  std::filesystem::path token_key_file;  // created (0600) when missing
  // Seals credential blobs; created (0600) when missing. Empty: credential.key
  // beside the token key.
  std::filesystem::path credential_key_file;
  std::chrono::seconds token_ttl{3600};  // Keystone's default: one hour
  password_cost cost;                    // of new hashes
  std::size_t hash_workers = 2;          // argon2 runs at most this many at once
  // Token times, expiry and revocations; tests inject their own.
  clock_fn clock = wall_clock();
  // Keystone's rules for the requests that carry their caller (none:
  // engine/policy's defaults).
  std::shared_ptr<const policy> rules;
};

// Throws std::runtime_error when the key file can't be read or made.
caf::actor spawn_identity(caf::actor_system& sys, caf::actor conductor, identity_options opts);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::auth_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::token_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::role_assignment>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::user::create_application_credential)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::application_credential_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::catalog_endpoint)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::catalog_endpoint>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::application_credential_view>)
