// A credential (Keystone's /v3/credentials, and the EC2 credentials of
// /v3/users/{id}/credentials/OS-EC2, which are the same records of type
// "ec2"): its events, commands and the pure state machine. Its stream is
// credential/<id>.
//
// The blob is the secret a credential holds (an EC2 access and secret, a
// certificate, a TOTP seed): it reaches this machine, the log and replay
// only sealed (crypto/credential_blob.hpp, with the data dir's
// credential.key), as Keystone keeps it encrypted with its credential key.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// What every sealed blob starts with; the machine refuses anything else, so a
// clear blob can never be recorded by mistake.
inline constexpr const char* sealed_blob_prefix = "secretbox1:";

// --- events (schema in schemas/events/credential.json) ---
struct credential_created {
  static constexpr const char* type_name = "credential.created";
  static constexpr int schema_version = 1;
  std::string user_id;
  std::string project_id;  // empty: none
  std::string type;        // "ec2", "cert", "totp", or any other
  std::string blob;        // sealed
  MSGPACK_DEFINE_MAP(user_id, project_id, type, blob)
};

struct credential_updated {
  static constexpr const char* type_name = "credential.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> user_id;
  std::optional<std::string> project_id;  // "": none any more
  std::optional<std::string> type;
  std::optional<std::string> blob;  // sealed
  MSGPACK_DEFINE_MAP(user_id, project_id, type, blob)
};

struct credential_deleted {
  static constexpr const char* type_name = "credential.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using credential_event = std::variant<credential_created, credential_updated, credential_deleted>;

// --- state ---
struct credential_state : resource_meta {
  std::string user_id;
  std::string project_id;
  std::string type;
  std::string blob;  // sealed
};

// Without the blob: replay shows who holds what, never the secret (even sealed).
void to_json(nlohmann::json& j, const credential_state& s);

// A credential as the API shows it: the blob opened by the identity actor.
struct credential_view {
  std::string id;
  std::string user_id;
  std::string project_id;
  std::string type;
  std::string blob;  // in clear
};

// --- commands ---
namespace credential {
struct create {
  std::string user_id;
  std::string project_id;
  std::string type;
  std::string blob;  // sealed
};
struct update {
  std::optional<std::string> user_id;
  std::optional<std::string> project_id;
  std::optional<std::string> type;
  std::optional<std::string> blob;  // sealed
};
struct remove {};
using command = std::variant<create, update, remove>;

// Keystone's [credential] user_limit.
constexpr std::size_t max_per_user = 500;
// A blob in clear: what a TEXT column of Keystone's database holds.
constexpr std::size_t max_blob_bytes = 65535;
}  // namespace credential

struct credential_machine {
  static constexpr const char* kind = "credential";
  using state = credential_state;
  using event = credential_event;
  using command = credential::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

// Whether a credential's type is EC2's (Keystone compares it in lower case).
bool is_ec2(const std::string& type);
// An EC2 credential's id: the SHA-256 of its access key, in hex.
std::string ec2_credential_id(const std::string& access);
// The blob of an EC2 credential: a JSON object with an "access" string;
// Keystone's 400 otherwise. The caller bounds the blob's size and nesting.
outcome<nlohmann::json> read_ec2_blob(const std::string& blob);

}  // namespace cumulo
