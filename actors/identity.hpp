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
//   (validate_atom, caller_token, subject_token)  -> subject_check
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
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>

#include "actors/messages.hpp"
#include "engine/identity_directory.hpp"
#include "store/wall_clock.hpp"
#include "crypto/password.hpp"
#include "crypto/token.hpp"

namespace cumulo {

using authenticate_atom = caf::atom_constant<caf::atom("authn")>;
using validate_atom = caf::atom_constant<caf::atom("validate")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using password_atom = caf::atom_constant<caf::atom("password")>;
using assignment_atom = caf::atom_constant<caf::atom("assign")>;

struct identity_options {
  std::filesystem::path token_key_file;  // created (0600) when missing
  std::chrono::seconds token_ttl{3600};  // Keystone's default: one hour
  password_cost cost;                    // of new hashes
  std::size_t hash_workers = 2;          // argon2 runs at most this many at once
  // Token times, expiry and revocations; tests inject their own.
  clock_fn clock = wall_clock();
};

// A token checked on behalf of another (GET/HEAD /v3/auth/tokens): the
// caller's token must be valid; the subject may not be (nothing: 404).
struct subject_check {
  token_info caller;
  std::optional<token_info> subject;  // when it is another token
  bool subject_is_caller = false;     // a token validating itself: no copy

  // The subject's token, or nullptr when it is not valid.
  const token_info* valid_subject() const {
    return subject_is_caller ? &caller : subject ? &*subject : nullptr;
  }
};

// Throws std::runtime_error when the key file can't be read or made.
caf::actor spawn_identity(caf::actor_system& sys, caf::actor conductor, identity_options opts);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::auth_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::token_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::subject_check)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::role_assignment>)
