// The identity a fresh data dir starts with, as `keystone-manage bootstrap`
// makes it: the roles admin, member and reader; the project admin in domain
// default; the user admin holding the admin role on it. Idempotent: what
// exists (by name) is left alone, so a restart appends no event.
#pragma once

#include <string>

namespace cumulo {

class cloud;

struct bootstrap_result {
  std::string user_id;        // the admin user
  std::string project_id;     // the admin project
  std::string admin_role_id;  // the admin role
  bool created = false;       // whether anything was created (or granted)
  bool user_created = false;  // whether the admin user was created: its password is new
};

// Talks to the cloud's identity actor; `admin_password` is hashed (argon2id) and
// used only when the admin user is created. Throws std::runtime_error when a
// request fails.
bootstrap_result bootstrap_identity(cloud& c, const std::string& admin_password);

}  // namespace cumulo
