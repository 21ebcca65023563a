// What a Keystone token says: whose it is, its scope, when it was issued and
// expires, and its audit id. Sealing and opening it is crypto/token.hpp's;
// deciding whether it is still valid is engine/identity_directory's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cumulo {

struct token_payload {
  std::string user_id;
  std::string project_id;            // empty: an unscoped token
  std::vector<std::string> methods;  // "password", "token"
  std::int64_t issued_at_us = 0;     // µs since the epoch
  std::int64_t expires_at_us = 0;
  std::string audit_id;  // identifies the token (and its re-scoped children) for revocation
  // Issued for an application credential (method "application_credential"):
  // valid only while it exists, with its roles. Empty: none.
  std::string application_credential_id;

  bool expired(std::int64_t now_us) const { return now_us >= expires_at_us; }
  friend bool operator==(const token_payload&, const token_payload&) = default;
};

}  // namespace cumulo
