// A keypair (Nova): a user's SSH public key, injected into the instances
// it launches. Stream keypair/<uuid>: names are unique per user only, and
// a name may be used again once its keypair is deleted, so the stream is
// keyed by an id of its own; the compute actor maps (user, name) to it.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/keypair.json) ---
struct keypair_created {
  static constexpr const char* type_name = "keypair.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string user_id;
  std::string type;  // "ssh" (Nova's "x509" is refused)
  std::string public_key;
  std::string fingerprint;
  MSGPACK_DEFINE_MAP(name, user_id, type, public_key, fingerprint)
};

struct keypair_deleted {
  static constexpr const char* type_name = "keypair.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using keypair_event = std::variant<keypair_created, keypair_deleted>;

// --- state ---
struct keypair_state : resource_meta {
  std::string name;
  std::string user_id;
  std::string type;
  std::string public_key;
  std::string fingerprint;
};

void to_json(nlohmann::json& j, const keypair_state& s);

// Nova's 404: "Keypair <name> not found for user <user_id>".
domain_error keypair_not_found(const std::string& name, const std::string& user_id);

// --- commands ---
namespace keypair {
// The public key is checked and fingerprinted here; a key Nova makes for
// the user is generated before (the private key never enters the log).
struct create {
  std::string name;
  std::string user_id;
  std::string type = "ssh";
  std::string public_key;
};
struct remove {};
using command = std::variant<create, remove>;
}  // namespace keypair

// Nova's rule for names (2.92's, applied at every version): 1 to 255 of
// letters, digits, spaces, '.', '_', '-' and '@'; not only spaces.
std::optional<domain_error> check_keypair_name(const std::string& name);

struct keypair_machine {
  static constexpr const char* kind = "keypair";
  using state = keypair_state;
  using event = keypair_event;
  using command = keypair::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
