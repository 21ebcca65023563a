// Identity bootstrap: blocking requests to the identity actor from a scoped actor,
// run once at start before the APIs listen.
#include "actors/identity_bootstrap.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <vector>

#include "actors/cloud.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "store/ids.hpp"

namespace cumulo {
namespace {

constexpr std::chrono::seconds bootstrap_timeout{60};
constexpr const char* bootstrap_user = "cumulo-bootstrap";
constexpr const char* default_domain = "default";

template <class Reply, class... Ts>
Reply ask(caf::scoped_actor& self, const caf::actor& to, const char* what, Ts&&... msg) {
  std::optional<Reply> out;
  std::string failure;
  self->request(to, bootstrap_timeout, std::forward<Ts>(msg)...)
      .receive([&](Reply& r) { out = std::move(r); },
               [&](caf::error& e) { failure = from_caf_error(e).message; });
  if (!out) throw std::runtime_error(std::string("identity bootstrap: ") + what + ": " + failure);
  return std::move(*out);
}

}  // namespace

bootstrap_result bootstrap_identity(cloud& c, const std::string& admin_password) {
  caf::scoped_actor self{c.system()};
  // Through the identity actor, so its directory sees what is created.
  const auto& identity = c.identity();
  const event_metadata meta{"req-bootstrap-" + new_uuid(), bootstrap_user};
  bootstrap_result result;

  // Roles: global (no domain), found by name.
  auto roles = ask<std::vector<role_state>>(self, identity, "list roles", list_atom::value,
                                            role_atom::value);
  for (const char* name : {"admin", "member", "reader"}) {
    std::string id;
    for (const auto& r : roles)
      if (r.name == name && r.domain_id.empty()) id = r.id;
    if (id.empty()) {
      id = new_uuid();
      ask<role_state>(self, identity, "create role", command_atom::value, id,
                      role::command{role::create{name, "", ""}}, meta);
      spdlog::info("bootstrap: created role {} ({})", name, id);
      result.created = true;
    }
    if (std::string(name) == "admin") result.admin_role_id = id;
  }

  auto projects = ask<std::vector<project_state>>(self, identity, "list projects", list_atom::value,
                                                  project_atom::value);
  std::optional<project_state> project;
  for (auto& p : projects)
    if (p.name == "admin" && p.domain_id == default_domain) project = std::move(p);
  if (!project) {
    const std::string id = new_uuid();
    project::create create;
    create.name = "admin";
    create.domain_id = default_domain;
    create.description = "Bootstrap project for initializing the cloud.";
    project = ask<project_state>(self, identity, "create project", command_atom::value, id,
                                 project::command{std::move(create)}, meta);
    spdlog::info("bootstrap: created project admin ({})", id);
    result.created = true;
  }
  result.project_id = project->id;

  auto users = ask<std::vector<user_state>>(self, identity, "list users", list_atom::value,
                                            user_atom::value);
  for (const auto& u : users)
    if (u.name == "admin" && u.domain_id == default_domain) result.user_id = u.id;
  if (result.user_id.empty()) {
    if (admin_password.empty())
      throw std::runtime_error("identity bootstrap: the admin user needs a password");
    result.user_id = new_uuid();
    user::create create;
    create.name = "admin";
    create.domain_id = default_domain;
    create.default_project_id = result.project_id;
    // The identity actor hashes it (argon2id, at the cloud's cost).
    ask<user_state>(self, identity, "create user", command_atom::value, result.user_id,
                    user::command{std::move(create)}, meta, admin_password);
    spdlog::info("bootstrap: created user admin ({})", result.user_id);
    result.created = true;
    result.user_created = true;
  }

  if (!project->has_role(result.user_id, result.admin_role_id)) {
    ask<project_state>(
        self, identity, "grant the admin role", command_atom::value, result.project_id,
        project::command{project::grant_role{result.user_id, result.admin_role_id}}, meta);
    spdlog::info("bootstrap: granted role admin to user admin on project admin");
    result.created = true;
  }
  return result;
}

}  // namespace cumulo
