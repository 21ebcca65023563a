// What the identity actor's tests share: a cloud with the cheapest password
// hashes, and a password authentication as the API reads it.
#pragma once

#include <string>

#include "actors/cloud.hpp"
#include "engine/identity_directory.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {

inline cloud_options cheap(const temp_dir& dir) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  o.cost = password_cost::cheapest();
  return o;
}

// The user by name in Default, scoped to a project by name in Default.
inline auth_request password_auth(const std::string& user, const std::string& password,
                                  const std::string& project) {
  auth_request a;
  a.methods = {"password"};
  a.user_name = user;
  a.user_domain_name = "Default";
  a.password = password;
  a.project_name = project;
  a.project_domain_id = "default";
  return a;
}

}  // namespace cumulo
