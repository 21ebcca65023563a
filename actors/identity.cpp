#include "actors/identity.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "actors/credential_messages.hpp"
#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "crypto/credential_blob.hpp"
#include "engine/clock.hpp"
#include "engine/identity_rules.hpp"
#include "engine/project_hierarchy.hpp"
#include "store/wall_clock.hpp"

namespace cumulo {
namespace {

using verify_atom = caf::atom_constant<caf::atom("verify")>;
using hash_atom = caf::atom_constant<caf::atom("hash")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// How long the identity actor waits for the conductor (it waits for the
// journal in turn) and for an argon2 worker (a queue of logins).
constexpr std::chrono::seconds worker_timeout{120};

// One argon2 worker: detached, so its ~120 ms of CPU per call never holds
// a thread of the actor scheduler.
caf::behavior password_worker(caf::event_based_actor*) {
  return {
      [](verify_atom, const std::string& hash, const std::string& plain) {
        return verify_password(hash, plain);
      },
      [](hash_atom, const std::string& plain, unsigned long long ops,
         std::size_t mem) -> caf::result<std::string> {
        try {
          return hash_password(plain, password_cost{ops, mem});
        } catch (const std::exception& e) {
          return to_caf_error({errc::internal, e.what()});
        }
      },
  };
}

struct identity_state {
  caf::actor conductor;
  identity_options opts;
  token_key key;
  identity_directory dir;
  // Credentials by id, their blobs sealed with credential_key.
  credential_key cred_key;
  std::unordered_map<std::string, credential_state> credentials;
  std::vector<caf::actor> workers;
  std::size_t next_worker = 0;
  // Names of creates and renames in flight: a second one with the same
  // name is refused before the first one is durable.
  std::set<std::string> reserved;
  // The services clients added, shared with every token body that shows a
  // catalog; rebuilt when one changes.
  std::shared_ptr<const std::vector<service_state>> catalog =
      std::make_shared<const std::vector<service_state>>();
  static inline const char* name = "identity";

  void refresh_catalog() {
    catalog = std::make_shared<const std::vector<service_state>>(dir.stored_services());
  }

  const caf::actor& worker() { return workers[next_worker++ % workers.size()]; }
};

using identity_actor = caf::stateful_actor<identity_state>;

caf::error unauthorized(const std::string& why) {
  return to_caf_error({errc::unauthorized, why});
}

// Seals a token for what scope() found.
token_info issue(identity_state& st, token_info info, std::vector<std::string> methods,
                 std::int64_t now, std::int64_t expires_at) {
  info.payload.user_id = info.user.id;
  info.payload.project_id = info.project ? info.project->id : "";
  info.payload.methods = std::move(methods);
  info.payload.issued_at_us = now;
  info.payload.expires_at_us = expires_at;
  info.payload.audit_id = random_audit_id();
  info.token = seal_token(st.key, info.payload);
  info.catalog = st.catalog;
  return info;
}

// The admission checks the directory can make before a command goes to the
// resource actor (which checks the rest), and the name it reserves ("" for
// none).
struct admission {
  std::optional<domain_error> refusal;
  std::string reserve;
};

// A name is free when no resource holds it (but the one renamed) and no
// command in flight reserved it; the answer then reserves it.
admission claim(const identity_state& st, std::optional<domain_error> taken, const char* kind,
                const std::string& domain, const std::string& name) {
  if (taken) return {taken, ""};
  std::string key = std::string(kind) + '\x1f' + domain + '\x1f' + name;
  if (st.reserved.count(key)) return {identity_directory::duplicate_name(kind, name, domain), ""};
  return {std::nullopt, std::move(key)};
}

std::optional<domain_error> unknown_domain(const identity_directory& dir,
                                           const std::string& domain_id) {
  if (dir.domain_id_of(domain_id, "")) return std::nullopt;
  return make_domain_error(errc::not_found, "Could not find domain: " + domain_id + ".");
}

admission admit(const identity_state& st, const std::string& id, const project::command& c) {
  const auto& dir = st.dir;
  if (const auto* create = std::get_if<project::create>(&c)) {
    if (auto e = unknown_domain(dir, create->domain_id)) return {e, ""};
    if (auto e = parent_refusal(dir, create->parent_id, create->domain_id)) return {e, ""};
    return claim(st, dir.project_name_taken(create->name, create->domain_id, id), "project",
                 create->domain_id, create->name);
  }
  if (const auto* update = std::get_if<project::update>(&c)) {
    const auto* p = dir.project(id);
    if (update->enabled && p)
      if (auto e = enabling_refusal(dir, *p, *update->enabled)) return {e, ""};
    if (update->name && p)
      return claim(st, dir.project_name_taken(*update->name, p->domain_id, id), "project",
                   p->domain_id, *update->name);
  }
  if (std::holds_alternative<project::remove>(c))
    if (auto e = removal_refusal(dir, id)) return {e, ""};
  if (const auto* grant = std::get_if<project::grant_role>(&c)) {
    if (!dir.user(grant->user_id))
      return {make_domain_error(errc::not_found, "Could not find user: " + grant->user_id + "."),
              ""};
    if (!dir.role(grant->role_id))
      return {make_domain_error(errc::not_found, "Could not find role: " + grant->role_id + "."),
              ""};
  }
  return {};
}

admission admit(const identity_state& st, const std::string& id, const user::command& c) {
  const auto& dir = st.dir;
  if (const auto* create = std::get_if<user::create>(&c)) {
    if (auto e = unknown_domain(dir, create->domain_id)) return {e, ""};
    if (!create->default_project_id.empty() && !dir.project(create->default_project_id))
      return {make_domain_error(errc::not_found,
                                "Could not find project: " + create->default_project_id + "."),
              ""};
    return claim(st, dir.user_name_taken(create->name, create->domain_id, id), "user",
                 create->domain_id, create->name);
  }
  if (const auto* update = std::get_if<user::update>(&c)) {
    const auto* u = dir.user(id);
    if (update->default_project_id && !update->default_project_id->empty() &&
        !dir.project(*update->default_project_id))
      return {make_domain_error(errc::not_found,
                                "Could not find project: " + *update->default_project_id + "."),
              ""};
    if (update->name && u)
      return claim(st, dir.user_name_taken(*update->name, u->domain_id, id), "user", u->domain_id,
                   *update->name);
  }
  return {};
}

admission admit(const identity_state& st, const std::string& id, const role::command& c) {
  if (const auto* create = std::get_if<role::create>(&c))
    return claim(st, st.dir.role_name_taken(create->name, id), "role", "", create->name);
  if (const auto* update = std::get_if<role::update>(&c))
    if (update->name)
      return claim(st, st.dir.role_name_taken(*update->name, id), "role", "", *update->name);
  return {};
}

admission admit(const identity_state& st, const std::string& id, const domain::command& c) {
  if (const auto* create = std::get_if<domain::create>(&c))
    return claim(st, st.dir.domain_name_taken(create->name, id), "domain", "", create->name);
  if (id == default_domain_id)
    return {make_domain_error(errc::forbidden,
                              "The Default domain is built in: it can't be changed or deleted."),
            ""};
  if (const auto* update = std::get_if<domain::update>(&c))
    if (update->name)
      return claim(st, st.dir.domain_name_taken(*update->name, id), "domain", "", *update->name);
  if (std::holds_alternative<domain::remove>(c) && st.dir.domain_in_use(id))
    return {make_domain_error(errc::conflict, "Domain " + id +
                                                  " still holds projects or users; delete them "
                                                  "first."),
            ""};
  return {};
}

domain_error built_in(const char* kind, const std::string& id) {
  return make_domain_error(errc::forbidden, std::string("The ") + kind + " " + id +
                                                " is built in: it can't be changed or deleted.");
}

std::optional<domain_error> unknown_region(const identity_directory& dir, const std::string& id,
                                           errc code) {
  if (id.empty() || dir.region(id)) return std::nullopt;
  return make_domain_error(code, "Could not find region: " + id + ".");
}

admission admit(const identity_state& st, const std::string& id, const region::command& c) {
  const auto& dir = st.dir;
  if (id == builtin_region_id) {
    if (std::holds_alternative<region::create>(c))
      return {make_domain_error(
                  errc::conflict,
                  "Conflict occurred attempting to store region - Duplicate ID, " + id + "."),
              ""};
    return {built_in("region", id), ""};
  }
  std::string parent;
  if (const auto* create = std::get_if<region::create>(&c)) parent = create->parent_region_id;
  if (const auto* update = std::get_if<region::update>(&c))
    parent = update->parent_region_id.value_or("");
  if (auto e = unknown_region(dir, parent, errc::not_found)) return {e, ""};
  // A parent that is (a descendant of) the region itself would make a cycle.
  for (int depth = 0; !parent.empty() && depth < 64; ++depth) {
    if (parent == id)
      return {make_domain_error(errc::bad_request, "The specified parent region " + parent +
                                                       " would create a circular region "
                                                       "hierarchy."),
              ""};
    const auto* p = dir.region(parent);
    parent = p ? p->parent_region_id : "";
  }
  if (std::holds_alternative<region::remove>(c) && dir.region_in_use(id))
    return {make_domain_error(errc::forbidden, "Unable to delete region " + id +
                                                   " because it has child regions or associated "
                                                   "endpoints."),
            ""};
  return {};
}

admission admit(const identity_state&, const std::string& id, const service::command&) {
  if (is_builtin_service(id)) return {built_in("service", id), ""};
  return {};
}

// Keystone deletes a user's credentials with the user, and a project's with
// the project; until those deletes are durable (or, cut off by a restart,
// made at the next start) the credentials are shown to nobody (orphaned).
bool orphaned(const identity_state& st, const credential_state& c) {
  return !st.dir.user(c.user_id) || (!c.project_id.empty() && !st.dir.project(c.project_id));
}

void drop_orphaned_credentials(identity_actor* self, const event_metadata& cause) {
  std::vector<std::string> ids;
  for (const auto& [id, c] : self->state.credentials)
    if (orphaned(self->state, c)) ids.push_back(id);
  for (const auto& id : ids)
    self->request(self->state.conductor, conductor_timeout, command_atom::value, id,
                  credential::command{credential::remove{}}, cause)
        .then([self](credential_state& s) { put_latest(self->state.credentials, s); },
              [id](caf::error& e) {
                spdlog::warn("identity: credential {} outlives its owner for now: {}", id,
                             from_caf_error(e).message);
              });
}

// A state a resource actor answered with: into the directory (credentials
// into their own index), and what goes with a deleted user or project.
template <class State>
void remember(identity_actor* self, const State& s, const event_metadata& cause) {
  if constexpr (std::is_same_v<State, credential_state>) {
    put_latest(self->state.credentials, s);
  } else {
    self->state.dir.put(s);
    if constexpr (std::is_same_v<State, user_state> || std::is_same_v<State, project_state>)
      if (!s.exists()) drop_orphaned_credentials(self, cause);
  }
}

domain_error missing(const char* kind, const std::string& id) {
  return make_domain_error(errc::not_found,
                           std::string("Could not find ") + kind + ": " + id + ".");
}

// A group's name is unique in its domain; its members and roles name users,
// roles and projects that exist (a deleted user may still leave a group).
admission admit(const identity_state& st, const std::string& id, const group::command& c) {
  const auto& dir = st.dir;
  if (const auto* create = std::get_if<group::create>(&c)) {
    if (auto e = unknown_domain(dir, create->domain_id)) return {e, ""};
    return claim(st, dir.group_name_taken(create->name, create->domain_id, id), "group",
                 create->domain_id, create->name);
  }
  const auto* g = dir.group(id);
  if (!g) return {missing("group", id), ""};
  if (const auto* update = std::get_if<group::update>(&c))
    if (update->name)
      return claim(st, dir.group_name_taken(*update->name, g->domain_id, id), "group", g->domain_id,
                   *update->name);
  if (const auto* add = std::get_if<group::add_member>(&c))
    if (!dir.user(add->user_id)) return {missing("user", add->user_id), ""};
  if (const auto* leave = std::get_if<group::remove_member>(&c))
    if (!dir.user(leave->user_id) && !g->has_member(leave->user_id))
      return {missing("user", leave->user_id), ""};
  if (const auto* grant = std::get_if<group::grant_role>(&c)) {
    if (!dir.role(grant->role_id)) return {missing("role", grant->role_id), ""};
    if (!dir.project(grant->project_id)) return {missing("project", grant->project_id), ""};
  }
  return {};
}

// Sends an admitted command to the conductor; its answer updates the
// directory before it goes back to the caller.
// Commands whose effect depends on when they are asked get the time here:
// a user disabled or a role removed revokes the tokens issued until then.
void stamp(user::command& c, std::int64_t now) {
  if (auto* u = std::get_if<user::update>(&c)) u->now_us = now;
}
void stamp(project::command& c, std::int64_t now) {
  if (auto* r = std::get_if<project::revoke_role>(&c)) r->now_us = now;
}
void stamp(group::command& c, std::int64_t now) {
  if (auto* r = std::get_if<group::revoke_role>(&c)) r->now_us = now;
}
template <class Command>
void stamp(Command&, std::int64_t) {}

// What a durable delete means for the groups: a deleted user leaves its
// groups, a deleted project takes the groups' assignments on it along, as
// Keystone deletes both. The directory already ignores both (they name
// nothing that exists), so this only keeps the groups' streams true: it
// runs after the answer, and a failure is only logged.
void clean_group(identity_actor* self, const std::string& group_id, group::command c,
                 const event_metadata& meta) {
  self->request(self->state.conductor, conductor_timeout, command_atom::value, group_id,
                std::move(c), meta)
      .then([self](group_state& g) { self->state.dir.put(g); },
            [group_id](caf::error& e) {
              spdlog::warn("identity: group {} keeps what was deleted: {}", group_id,
                           from_caf_error(e).message);
            });
}
void follow_up(identity_actor* self, const user_state& u, const event_metadata& meta) {
  if (!u.deleted) return;
  for (const auto& g : self->state.dir.groups_of(u.id))
    clean_group(self, g.id, group::remove_member{u.id}, meta);
}
void follow_up(identity_actor* self, const project_state& p, const event_metadata& meta) {
  if (!p.deleted) return;
  for (const auto& g : self->state.dir.groups())
    if (!g.roles_on(p.id).empty()) clean_group(self, g.id, group::drop_project{p.id}, meta);
}
template <class State>
void follow_up(identity_actor*, const State&, const event_metadata&) {}

// `then` takes the durable state (the directory holds it already); by
// default it is the answer.
template <class Machine, class Then>
void forward(identity_actor* self, caf::response_promise promise, const std::string& id,
             typename Machine::command command, event_metadata meta, std::string reserved,
             Then then) {
  using state_t = typename Machine::state;
  stamp(command, self->state.opts.clock());
  const event_metadata cause = meta;
  self->request(self->state.conductor, conductor_timeout, command_atom::value, id,
                std::move(command), meta)
      .then(
          [self, promise, reserved, then, cause](state_t& s) mutable {
            remember(self, s, cause);
            if constexpr (std::is_same_v<state_t, service_state>) self->state.refresh_catalog();
            follow_up(self, s, cause);
            self->state.reserved.erase(reserved);
            then(promise, s);
          },
          [self, promise, reserved](caf::error& e) mutable {
            self->state.reserved.erase(reserved);
            promise.deliver(e);
          });
}

template <class Machine>
void forward(identity_actor* self, caf::response_promise promise, const std::string& id,
             typename Machine::command command, event_metadata meta, std::string reserved) {
  forward<Machine>(
      self, std::move(promise), id, std::move(command), std::move(meta), std::move(reserved),
      [](caf::response_promise& p, typename Machine::state& s) { p.deliver(std::move(s)); });
}

template <class Machine>
caf::result<typename Machine::state> on_command(identity_actor* self, const std::string& id,
                                                typename Machine::command& command,
                                                event_metadata& meta) {
  auto a = admit(self->state, id, command);
  if (a.refusal) return to_caf_error(*a.refusal);
  if (!a.reserve.empty()) self->state.reserved.insert(a.reserve);
  auto promise = self->template make_response_promise<typename Machine::state>();
  forward<Machine>(self, promise, id, std::move(command), std::move(meta), a.reserve);
  return promise;
}

// A user command carrying a clear password: hashed on a worker into the
// command, which then goes on as any other. `reserved` is released either way.
void hash_then_forward(identity_actor* self, caf::response_promise promise, const std::string& id,
                       user::command command, event_metadata meta, const std::string& password,
                       std::string reserved) {
  const auto& cost = self->state.opts.cost;
  self->request(self->state.worker(), worker_timeout, hash_atom::value, password, cost.ops,
                cost.mem)
      .then(
          [self, promise, id, command, meta, reserved](std::string& hash) mutable {
            if (auto* create = std::get_if<user::create>(&command)) create->password_hash = hash;
            if (auto* change = std::get_if<user::change_password>(&command)) {
              change->password_hash = hash;
              change->now_us = self->state.opts.clock();
            }
            forward<user_machine>(self, promise, id, std::move(command), std::move(meta), reserved);
          },
          [self, promise, reserved](caf::error& e) mutable {
            self->state.reserved.erase(reserved);
            promise.deliver(e);
          });
}

caf::result<user_state> on_user_with_password(identity_actor* self, const std::string& id,
                                              user::command& command, event_metadata& meta,
                                              const std::string& password) {
  auto a = admit(self->state, id, command);
  if (a.refusal) return to_caf_error(*a.refusal);
  if (!a.reserve.empty()) self->state.reserved.insert(a.reserve);
  auto promise = self->make_response_promise<user_state>();
  hash_then_forward(self, promise, id, std::move(command), std::move(meta), password, a.reserve);
  return promise;
}

template <class State>
caf::result<State> found_or_not(const State* s, const char* kind, const std::string& id) {
  if (!s)
    return to_caf_error({errc::not_found, std::string("Could not find ") + kind + ": " + id + "."});
  return *s;
}

caf::result<token_info> authenticate(identity_actor* self, auth_request& req) {
  auto& st = self->state;
  const auto now = st.opts.clock();
  if (req.has_method("password")) {
    auto found = st.dir.find_user(req);
    if (!found) return to_caf_error(found.error());
    const user_state& u = *found.value();
    auto promise = self->make_response_promise<token_info>();
    self->request(st.worker(), worker_timeout, verify_atom::value, u.password_hash, req.password)
        .then(
            [self, promise, req, id = u.id, hash = u.password_hash](bool ok) mutable {
              auto& st = self->state;
              const auto* user = st.dir.user(id);
              // The user may have changed while the hash was checked.
              if (!ok || !user || user->password_hash != hash) {
                promise.deliver(unauthorized("wrong password for user " + id));
                return;
              }
              if (!user->enabled) {
                promise.deliver(unauthorized("user " + id + " is disabled"));
                return;
              }
              auto scoped = st.dir.scope(*user, req);
              if (!scoped) {
                promise.deliver(to_caf_error(scoped.error()));
                return;
              }
              const auto issued = st.opts.clock();
              const auto expires =
                  issued +
                  std::chrono::duration_cast<std::chrono::microseconds>(st.opts.token_ttl).count();
              promise.deliver(issue(st, std::move(scoped.value()), {"password"}, issued, expires));
            },
            [promise](caf::error& e) mutable { promise.deliver(e); });
    return promise;
  }
  if (req.has_method("application_credential")) {
    // Bound to its own project: Keystone refuses a scope with it.
    if (req.has_scope) return unauthorized("an application credential can't request a scope");
    auto found = st.dir.find_application_credential(req);
    if (!found) return to_caf_error(found.error());
    const auto user_id = found.value().user->id;
    const auto cred = *found.value().credential;
    auto promise = self->make_response_promise<token_info>();
    self->request(st.worker(), worker_timeout, verify_atom::value, cred.secret_hash,
                  req.application_credential_secret)
        .then(
            [self, promise, user_id, cred](bool ok) mutable {
              auto& st = self->state;
              const auto* user = st.dir.user(user_id);
              // It may have been deleted while the secret was checked.
              const application_credential* now = nullptr;
              if (user)
                if (auto it = user->application_credentials.find(cred.id);
                    it != user->application_credentials.end())
                  now = &it->second;
              if (!ok || !now || now->secret_hash != cred.secret_hash) {
                promise.deliver(unauthorized("wrong secret of application credential " + cred.id));
                return;
              }
              const auto issued = st.opts.clock();
              auto scoped = st.dir.scope(*user, *now, issued);
              if (!scoped) {
                promise.deliver(to_caf_error(scoped.error()));
                return;
              }
              auto expires =
                  issued +
                  std::chrono::duration_cast<std::chrono::microseconds>(st.opts.token_ttl).count();
              // A token outlives no application credential.
              if (cred.expires_at_us) expires = std::min(expires, cred.expires_at_us);
              auto info = std::move(scoped.value());
              info.payload.application_credential_id = cred.id;
              promise.deliver(
                  issue(st, std::move(info), {"application_credential"}, issued, expires));
            },
            [promise](caf::error& e) mutable { promise.deliver(e); });
    return promise;
  }
  if (req.has_method("token")) {
    auto held = st.dir.validate(open_token(st.key, req.token), req.token, now);
    if (!held) return to_caf_error(held.error());
    if (!held.value().payload.application_credential_id.empty())
      return unauthorized("a token of an application credential can't be re-scoped");
    auto scoped = st.dir.scope(held.value().user, req);
    if (!scoped) return to_caf_error(scoped.error());
    // A re-scoped token lives no longer than the one it came from.
    auto methods = held.value().payload.methods;
    if (std::find(methods.begin(), methods.end(), "token") == methods.end())
      methods.insert(methods.begin(), "token");
    return issue(st, std::move(scoped.value()), std::move(methods), now,
                 held.value().payload.expires_at_us);
  }
  return unauthorized("Attempted to authenticate with an unsupported method.");
}

caf::result<user_state> change_password(identity_actor* self, const std::string& user_id,
                                        const std::string& original, const std::string& fresh,
                                        event_metadata& meta) {
  auto& st = self->state;
  const auto* u = st.dir.user(user_id);
  if (!u) return to_caf_error({errc::not_found, "Could not find user: " + user_id + "."});
  auto promise = self->make_response_promise<user_state>();
  self->request(st.worker(), worker_timeout, verify_atom::value, u->password_hash, original)
      .then(
          [self, promise, user_id, fresh, meta](bool ok) mutable {
            if (!ok) {
              promise.deliver(
                  unauthorized("the original password of user " + user_id + " does not match"));
              return;
            }
            hash_then_forward(self, promise, user_id, user::command{user::change_password{}},
                              std::move(meta), fresh, "");
          },
          [promise](caf::error& e) mutable { promise.deliver(e); });
  return promise;
}

// --- the API's requests: they carry their caller, and are decided here ---

std::optional<domain_error> refused(const identity_state& st, const identity_rule& r,
                                    const credentials& who) {
  return keystone_refusal(*st.opts.rules, r, who);
}

template <class Machine>
caf::result<typename Machine::state> on_callers_command(identity_actor* self, const std::string& id,
                                                        typename Machine::command& c,
                                                        event_metadata& meta,
                                                        const credentials& who) {
  if (auto e = refused(self->state, rule_for(id, c), who)) return to_caf_error(*e);
  return on_command<Machine>(self, id, c, meta);
}

bool sets_attributes(const user::update& u) {
  return u.name || u.default_project_id || u.enabled || u.description || u.email ||
         !u.extra_set.empty();
}

// A create with its password; or PATCH's update with a password: the
// attributes first (when it sets any), then the password, one answer after
// both.
caf::result<user_state> on_callers_user_with_password(identity_actor* self, const std::string& id,
                                                      user::command& c, event_metadata& meta,
                                                      const std::string& password,
                                                      const credentials& who) {
  if (auto e = refused(self->state, rule_for(id, c), who)) return to_caf_error(*e);
  const auto* update = std::get_if<user::update>(&c);
  if (!update) return on_user_with_password(self, id, c, meta, password);
  if (!sets_attributes(*update)) {
    user::command set{user::change_password{}};
    return on_user_with_password(self, id, set, meta, password);
  }
  auto a = admit(self->state, id, c);
  if (a.refusal) return to_caf_error(*a.refusal);
  if (!a.reserve.empty()) self->state.reserved.insert(a.reserve);
  auto promise = self->make_response_promise<user_state>();
  forward<user_machine>(self, promise, id, std::move(c), meta, a.reserve,
                        [self, id, meta, password](caf::response_promise& p, user_state&) {
                          hash_then_forward(self, p, id, user::command{user::change_password{}},
                                            meta, password, "");
                        });
  return promise;
}

// A read: found first (an unknown id is 404 for everyone, as the clients'
// lookups by name expect), then decided on what was found.
template <class State>
caf::result<State> seen(const identity_state& st, const State* s, const char* kind,
                        const std::string& id, const identity_rule& r, const credentials& who) {
  if (!s) return found_or_not(s, kind, id);
  if (auto e = refused(st, r, who)) return to_caf_error(*e);
  return *s;
}

// The enabled projects a user holds a role on, its own or a group's (GET
// /v3/auth/projects and /v3/users/{id}/projects).
std::vector<project_state> projects_of(const identity_directory& dir, const std::string& user_id) {
  std::vector<project_state> out;
  for (auto& p : dir.projects())
    if (p.enabled && !dir.roles_on(user_id, p.id).empty()) out.push_back(std::move(p));
  return out;
}

// GET /v3/role_assignments: a user may list its own (as Keystone's
// identity:list_role_assignments lets a reader), an admin all of them.
caf::result<std::vector<role_assignment>> assignments_for(const identity_state& st,
                                                          const std::string& user_id,
                                                          bool effective, const credentials& who) {
  auto all = st.dir.assignments(effective);
  if (!user_id.empty() && user_id == who.user_id) {
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const role_assignment& a) { return a.user_id != user_id; }),
              all.end());
    return all;
  }
  if (auto e = refused(st, {"identity:list_role_assignments", {}}, who)) return to_caf_error(*e);
  return all;
}

// GET/HEAD/DELETE /v3/auth/tokens: the caller's token must be valid
// (unauthorized), the subject's too (404 otherwise); `rule` reads the
// subject's user.
outcome<token_info> subject_for(const identity_state& st, const std::string& caller,
                                const std::string& subject, const char* rule,
                                std::string* caller_user = nullptr) {
  const auto now = st.opts.clock();
  auto c = st.dir.validate(open_token(st.key, caller), caller, now);
  if (!c) return c.error();
  if (caller_user) *caller_user = c.value().user.id;
  auto s = subject == caller ? c : st.dir.validate(open_token(st.key, subject), subject, now);
  if (!s) return make_domain_error(errc::not_found, "Could not find token.");
  if (auto e = refused(st, {rule, {"", s.value().user.id}}, c.value().creds())) return *e;
  s.value().catalog = st.catalog;
  return std::move(s.value());
}

caf::result<user_state> revoke(identity_actor* self, const token_info& subject,
                               event_metadata& meta) {
  user::command c{user::revoke_token{subject.payload.audit_id, subject.payload.expires_at_us}};
  return on_command<user_machine>(self, subject.user.id, c, meta);
}

// Keystone: a token from a restricted application credential manages no
// application credentials (a leaked one could not make itself more).
std::optional<domain_error> restricted(const identity_state& st, const credentials& who) {
  if (who.application_credential_id.empty()) return std::nullopt;
  if (const auto* u = st.dir.user(who.user_id))
    if (auto it = u->application_credentials.find(who.application_credential_id);
        it != u->application_credentials.end() && it->second.unrestricted)
      return std::nullopt;
  return make_domain_error(errc::forbidden,
                           "Using method 'application_credential' is not allowed for managing "
                           "additional application credentials.");
}

// The roles a new application credential delegates: those it names (each
// one the caller's token holds), or all of the token's.
outcome<std::vector<std::string>> delegated(const identity_directory& dir,
                                            const user::create_application_credential& c,
                                            const credentials& who) {
  std::vector<std::string> ids;
  if (c.named_roles.empty()) {
    for (const auto& name : who.roles)
      if (const auto* r = dir.role_by_name(name)) ids.push_back(r->id);
    return ids;
  }
  for (const auto& [id, name] : c.named_roles) {
    const auto* r = id.empty() ? dir.role_by_name(name) : dir.role(id);
    if (!r || !who.roles.count(r->name))
      return make_domain_error(
          errc::not_found, "Could not find role assignment with role: " + (id.empty() ? name : id) +
                               ", user or group: " + who.user_id +
                               ", project, domain, or system: " + c.project_id + ".");
    if (std::find(ids.begin(), ids.end(), r->id) == ids.end()) ids.push_back(r->id);
  }
  return ids;
}

caf::result<application_credential_view> create_application_credential(
    identity_actor* self, const std::string& user_id, user::create_application_credential& c,
    event_metadata& meta, const std::string& secret, const credentials& who) {
  auto& st = self->state;
  if (auto e = refused(st, rule_for(user_id, user::command{c}), who)) return to_caf_error(*e);
  if (auto e = restricted(st, who)) return to_caf_error(*e);
  if (who.project_id.empty())
    return to_caf_error({errc::bad_request,
                         "An application credential is made with a project-scoped token: it is "
                         "bound to that project."});
  c.project_id = who.project_id;
  auto roles = delegated(st.dir, c, who);
  if (!roles) return to_caf_error(roles.error());
  c.role_ids = std::move(roles.value());
  auto promise = self->make_response_promise<application_credential_view>();
  const auto& cost = st.opts.cost;
  self->request(st.worker(), worker_timeout, hash_atom::value, secret, cost.ops, cost.mem)
      .then(
          [self, promise, user_id, c, meta](std::string& hash) mutable {
            c.secret_hash = std::move(hash);
            c.now_us = self->state.opts.clock();
            const std::string id = c.id;
            forward<user_machine>(
                self, promise, user_id, user::command{std::move(c)}, std::move(meta), "",
                [self, id](caf::response_promise& p, user_state& u) {
                  p.deliver(self->state.dir.view_of(u, u.application_credentials.at(id)));
                });
          },
          [promise](caf::error& e) mutable { promise.deliver(e); });
  return promise;
}

// An endpoint PATCHed onto another service, as the create of it there: its
// id and attributes, with the ones the PATCH changes.
service::command moved_endpoint(const catalog_endpoint& before, const service::update_endpoint& u) {
  return service::create_endpoint{before.ep.id, u.interface.value_or(before.ep.interface),
                                  u.region_id.value_or(before.ep.region_id),
                                  u.url.value_or(before.ep.url),
                                  u.enabled.value_or(before.ep.enabled)};
}

// POST/PATCH/DELETE /v3/endpoints: a command of the endpoint's service
// (named by the request when it creates, else found by the endpoint's id);
// the answer is the endpoint (as it was, for a delete). A PATCH naming
// another service moves the endpoint, as Keystone does: an endpoint lives in
// its service's stream, so it is created in the new one's (a refusal leaves
// it where it was), then deleted from the old one's.
caf::result<catalog_endpoint> on_endpoint(identity_actor* self, std::string service_id,
                                          service::command& c, event_metadata& meta,
                                          const credentials& who) {
  auto& st = self->state;
  if (auto e = refused(st, rule_for(service_id, c), who)) return to_caf_error(*e);
  std::string endpoint_id;
  std::visit(
      [&](const auto& x) {
        if constexpr (requires { x.endpoint_id; }) endpoint_id = x.endpoint_id;
      },
      c);
  std::optional<catalog_endpoint> before;
  std::string moved_from;  // the service a moved endpoint leaves
  if (std::holds_alternative<service::create_endpoint>(c)) {
    if (!st.dir.service(service_id))
      return to_caf_error({errc::bad_request,
                           "Invalid input for field 'service_id': no service " + service_id + "."});
  } else {
    before = st.dir.endpoint(endpoint_id);
    if (!before)
      return to_caf_error({errc::not_found, "Could not find endpoint: " + endpoint_id + "."});
    if (!service_id.empty() && service_id != before->service_id) {
      if (!st.dir.service(service_id))
        return to_caf_error(
            {errc::bad_request,
             "Invalid input for field 'service_id': no service " + service_id + "."});
      if (auto left = admit(st, before->service_id, c); left.refusal)
        return to_caf_error(*left.refusal);
      moved_from = before->service_id;
      c = moved_endpoint(*before, std::get<service::update_endpoint>(c));
    } else {
      service_id = before->service_id;
    }
  }
  auto a = admit(st, service_id, c);
  if (a.refusal) return to_caf_error(*a.refusal);
  // Keystone makes the region an endpoint names when it does not exist yet.
  std::string region;
  if (const auto* e = std::get_if<service::create_endpoint>(&c)) region = e->region_id;
  if (const auto* e = std::get_if<service::update_endpoint>(&c)) region = e->region_id.value_or("");
  auto promise = self->make_response_promise<catalog_endpoint>();
  auto run = [self, promise, service_id, c = std::move(c), meta, endpoint_id, before,
              moved_from]() mutable {
    forward<service_machine>(
        self, promise, service_id, std::move(c), meta, "",
        [self, endpoint_id, before, moved_from, meta](caf::response_promise& p, service_state& s) {
          auto it = s.endpoints.find(endpoint_id);
          if (it == s.endpoints.end()) {
            p.deliver(*before);
            return;
          }
          catalog_endpoint now{s.id, it->second};
          if (moved_from.empty()) {
            p.deliver(std::move(now));
            return;
          }
          forward<service_machine>(
              self, p, moved_from, service::command{service::delete_endpoint{endpoint_id}}, meta,
              "", [now](caf::response_promise& done, service_state&) { done.deliver(now); });
        });
  };
  if (!region.empty() && !st.dir.region(region))
    forward<region_machine>(self, promise, region, region::command{region::create{}}, meta, "",
                            [run](caf::response_promise&, region_state&) mutable { run(); });
  else
    run();
  return promise;
}

// The catalog's reads, decided with Keystone's rules.
caf::message_handler catalog_requests(identity_actor* self) {
  auto& st = self->state;
  return {
      [self](command_atom, const std::string& id, region::command& c, event_metadata& m,
             const credentials& who) {
        return on_callers_command<region_machine>(self, id, c, m, who);
      },
      [self](command_atom, const std::string& id, service::command& c, event_metadata& m,
             const credentials& who) {
        return on_callers_command<service_machine>(self, id, c, m, who);
      },
      [self](endpoint_atom, const std::string& service_id, service::command& c, event_metadata& m,
             const credentials& who) { return on_endpoint(self, service_id, c, m, who); },
      [&st](caf::get_atom, region_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.region(id), "region", id, {"identity:get_region", {}}, who);
      },
      [&st](list_atom, region_atom,
            const credentials& who) -> caf::result<std::vector<region_state>> {
        if (auto e = refused(st, {"identity:list_regions", {}}, who)) return to_caf_error(*e);
        return st.dir.regions();
      },
      [&st](caf::get_atom, service_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.service(id), "service", id, {"identity:get_service", {}}, who);
      },
      [&st](list_atom, service_atom,
            const credentials& who) -> caf::result<std::vector<service_state>> {
        if (auto e = refused(st, {"identity:list_services", {}}, who)) return to_caf_error(*e);
        return st.dir.services();
      },
      [&st](caf::get_atom, endpoint_atom, const std::string& id,
            const credentials& who) -> caf::result<catalog_endpoint> {
        auto e = st.dir.endpoint(id);
        if (!e) return to_caf_error({errc::not_found, "Could not find endpoint: " + id + "."});
        if (auto r = refused(st, {"identity:get_endpoint", {}}, who)) return to_caf_error(*r);
        return std::move(*e);
      },
      [&st](list_atom, endpoint_atom,
            const credentials& who) -> caf::result<std::vector<catalog_endpoint>> {
        if (auto e = refused(st, {"identity:list_endpoints", {}}, who)) return to_caf_error(*e);
        return st.dir.endpoints();
      },
  };
}

// --- credentials: Keystone's /v3/credentials and OS-EC2 ---

domain_error credential_not_found(const std::string& id) {
  return make_domain_error(errc::not_found, "Could not find credential: " + id + ".");
}

// A credential the API may show: it exists and is not orphaned.
const credential_state* live_credential(const identity_state& st, const std::string& id) {
  auto it = st.credentials.find(id);
  if (it == st.credentials.end() || !it->second.exists() || orphaned(st, it->second))
    return nullptr;
  return &it->second;
}

// Keystone's credential rules read the credential's owner.
identity_rule owned_by(const char* rule, const std::string& user_id) {
  return {rule, {"", user_id}};
}

outcome<credential_view> view_of(const identity_state& st, const credential_state& c) {
  auto blob = open_credential_blob(st.cred_key, c.blob);
  if (!blob)
    return make_domain_error(errc::internal, "The blob of credential " + c.id +
                                                 " can't be opened with this data dir's "
                                                 "credential.key.");
  return credential_view{c.id, c.user_id, c.project_id, c.type, std::move(*blob)};
}

// Creates in flight are reserved as "credential<US>id<US>user": the id is
// taken, and they count against their user's limit.
const std::string credential_reservation = std::string("credential") + '\x1f';

bool credential_id_reserved(const identity_state& st, const std::string& id) {
  const std::string prefix = credential_reservation + id + '\x1f';
  auto it = st.reserved.lower_bound(prefix);
  return it != st.reserved.end() && it->compare(0, prefix.size(), prefix) == 0;
}

std::optional<domain_error> over_limit(const identity_state& st, const std::string& user_id) {
  std::size_t n = 0;
  for (const auto& [id, c] : st.credentials)
    if (c.exists() && c.user_id == user_id) ++n;
  const std::string suffix = '\x1f' + user_id;
  for (auto it = st.reserved.lower_bound(credential_reservation);
       it != st.reserved.end() &&
       it->compare(0, credential_reservation.size(), credential_reservation) == 0;
       ++it)
    if (it->size() > suffix.size() &&
        it->compare(it->size() - suffix.size(), suffix.size(), suffix) == 0)
      ++n;
  if (n < credential::max_per_user) return std::nullopt;
  return make_domain_error(errc::forbidden, "Unable to create additional credentials, maximum of " +
                                                std::to_string(credential::max_per_user) +
                                                " already exceeded for user.");
}

std::optional<domain_error> unknown_user_or_project(const identity_state& st,
                                                    const std::string& user_id,
                                                    const std::string& project_id) {
  if (!st.dir.user(user_id))
    return make_domain_error(errc::not_found, "Could not find user: " + user_id + ".");
  if (!project_id.empty() && !st.dir.project(project_id))
    return make_domain_error(errc::not_found, "Could not find project: " + project_id + ".");
  return std::nullopt;
}

// A command for the credential's actor, its blob sealed here; the answer
// is the credential with its blob opened.
caf::result<credential_view> forward_credential(identity_actor* self, const std::string& id,
                                                credential::command c, event_metadata& meta,
                                                std::string reserved) {
  auto& st = self->state;
  std::visit(
      [&](auto& x) {
        if constexpr (requires { x.blob; }) {
          using blob_t = std::decay_t<decltype(x.blob)>;
          if constexpr (std::is_same_v<blob_t, std::string>)
            x.blob = seal_credential_blob(st.cred_key, x.blob);
          else if (x.blob)
            x.blob = seal_credential_blob(st.cred_key, *x.blob);
        }
      },
      c);
  const bool removal = std::holds_alternative<credential::remove>(c);
  std::optional<credential_view> before;
  if (removal)
    if (const auto* cur = live_credential(st, id))
      if (auto v = view_of(st, *cur)) before = std::move(v.value());
  if (!reserved.empty()) st.reserved.insert(reserved);
  auto promise = self->make_response_promise<credential_view>();
  forward<credential_machine>(self, promise, id, std::move(c), std::move(meta), std::move(reserved),
                              [self, before](caf::response_promise& p, credential_state& s) {
                                if (before) {
                                  p.deliver(*before);
                                  return;
                                }
                                auto v = view_of(self->state, s);
                                if (v)
                                  p.deliver(std::move(v.value()));
                                else
                                  p.deliver(to_caf_error(v.error()));
                              });
  return promise;
}

caf::result<credential_view> create_credential(identity_actor* self, const std::string& id,
                                               credential::create& c, event_metadata& meta) {
  auto& st = self->state;
  if (auto e = unknown_user_or_project(st, c.user_id, c.project_id)) return to_caf_error(*e);
  if (auto e = over_limit(st, c.user_id)) return to_caf_error(*e);
  auto it = st.credentials.find(id);
  if ((it != st.credentials.end() && it->second.exists()) || credential_id_reserved(st, id))
    return to_caf_error({errc::conflict,
                         "Conflict occurred attempting to store credential - Duplicate entry "
                         "found with ID " +
                             id + "."});
  std::string reserve = credential_reservation + id + '\x1f' + c.user_id;
  return forward_credential(self, id, credential::command{std::move(c)}, meta, std::move(reserve));
}

// Keystone: an ec2 credential's new blob is one (an access), and keeps the
// scope the blob was made with. Its access may change (OpenStack's API tests
// do): its id stays the hash of the first one, as in Keystone.
std::optional<domain_error> check_ec2_update(const identity_state& st, const credential_state& cur,
                                             const credential::update& u) {
  if (!is_ec2(cur.type) || !u.blob) return std::nullopt;
  auto fresh = read_ec2_blob(*u.blob);
  if (!fresh) return fresh.error();
  auto opened = view_of(st, cur);
  if (!opened) return opened.error();
  auto old = read_ec2_blob(opened.value().blob);
  if (!old) return std::nullopt;  // stored before it had to be one: nothing to keep
  const nlohmann::json none;
  for (const char* key : {"trust_id", "app_cred_id", "access_token_id", "access_id"}) {
    const auto a = old.value().find(key);
    const auto b = fresh.value().find(key);
    if ((a == old.value().end() ? none : *a) != (b == fresh.value().end() ? none : *b))
      return make_domain_error(errc::bad_request,
                               std::string(key) + " can not be updated for credential");
  }
  return std::nullopt;
}

caf::result<credential_view> update_credential(identity_actor* self, const std::string& id,
                                               credential::update& u, event_metadata& meta,
                                               const credentials& who) {
  auto& st = self->state;
  const auto* cur = live_credential(st, id);
  if (!cur) return to_caf_error(credential_not_found(id));
  if (auto e = refused(st, owned_by("identity:update_credential", cur->user_id), who))
    return to_caf_error(*e);
  // Keystone checks the rule again on what the credential becomes: a
  // member gives no credential to another user.
  const std::string user_id = u.user_id.value_or(cur->user_id);
  if (auto e = refused(st, owned_by("identity:update_credential", user_id), who))
    return to_caf_error(*e);
  if (auto e = unknown_user_or_project(st, user_id, u.project_id.value_or("")))
    return to_caf_error(*e);
  if (user_id != cur->user_id)
    if (auto e = over_limit(st, user_id)) return to_caf_error(*e);
  if (auto e = check_ec2_update(st, *cur, u)) return to_caf_error(*e);
  return forward_credential(self, id, credential::command{std::move(u)}, meta, "");
}

// A read of one: found first (404), then decided on its owner (403).
outcome<const credential_state*> readable(const identity_state& st, const std::string& id,
                                          const char* rule, const credentials& who) {
  const auto* c = live_credential(st, id);
  if (!c) return credential_not_found(id);
  if (auto e = refused(st, owned_by(rule, c->user_id), who)) return *e;
  return c;
}

// OS-EC2's reads and delete of /v3/users/{user_id}/credentials/OS-EC2/{access}
// (id: the access key's hash): the credential first (404), the rule on its
// owner (403), the user of the path (404), and a credential of another type
// is no EC2 access key (401).
outcome<const credential_state*> ec2_readable(const identity_state& st, const std::string& user_id,
                                              const std::string& id, const char* rule,
                                              const credentials& who) {
  auto c = readable(st, id, rule, who);
  if (!c) return c;
  if (!st.dir.user(user_id))
    return make_domain_error(errc::not_found, "Could not find user: " + user_id + ".");
  if (!is_ec2(c.value()->type))
    return make_domain_error(errc::unauthorized, "EC2 access key not found.");
  return c;
}

caf::message_handler credential_requests(identity_actor* self) {
  auto& st = self->state;
  return {
      [self](command_atom, const std::string& id, credential::command& c, event_metadata& m,
             const credentials& who) -> caf::result<credential_view> {
        auto& st = self->state;
        if (auto* create = std::get_if<credential::create>(&c)) {
          if (auto e = refused(st, owned_by("identity:create_credential", create->user_id), who))
            return to_caf_error(*e);
          return create_credential(self, id, *create, m);
        }
        if (auto* update = std::get_if<credential::update>(&c))
          return update_credential(self, id, *update, m, who);
        auto found = readable(st, id, "identity:delete_credential", who);
        if (!found) return to_caf_error(found.error());
        return forward_credential(self, id, std::move(c), m, "");
      },
      [self](ec2_credential_atom, const std::string& user_id, const std::string& id,
             credential::command& c, event_metadata& m,
             const credentials& who) -> caf::result<credential_view> {
        auto& st = self->state;
        if (auto* create = std::get_if<credential::create>(&c)) {
          if (auto e = refused(st, owned_by("identity:ec2_create_credential", user_id), who))
            return to_caf_error(*e);
          create->user_id = user_id;
          return create_credential(self, id, *create, m);
        }
        if (!std::holds_alternative<credential::remove>(c))
          return to_caf_error({errc::bad_request, "An EC2 credential is created or deleted."});
        auto found = ec2_readable(st, user_id, id, "identity:ec2_delete_credential", who);
        if (!found) return to_caf_error(found.error());
        return forward_credential(self, id, std::move(c), m, "");
      },
      [&st](caf::get_atom, credential_atom, const std::string& id,
            const credentials& who) -> caf::result<credential_view> {
        auto found = readable(st, id, "identity:get_credential", who);
        if (!found) return to_caf_error(found.error());
        auto v = view_of(st, *found.value());
        if (!v) return to_caf_error(v.error());
        return std::move(v.value());
      },
      [&st](list_atom, credential_atom,
            const credentials& who) -> caf::result<std::vector<credential_view>> {
        if (auto e = refused(st, owned_by("identity:list_credentials", who.user_id), who))
          return to_caf_error(*e);
        // Keystone shows each only to whom identity:get_credential allows it.
        std::vector<credential_view> out;
        for (const auto& c : in_creation_order(st.credentials)) {
          if (!live_credential(st, c.id) ||
              refused(st, owned_by("identity:get_credential", c.user_id), who))
            continue;
          if (auto v = view_of(st, c))
            out.push_back(std::move(v.value()));
          else
            spdlog::warn("identity: {}", v.error().message);
        }
        return out;
      },
      [&st](caf::get_atom, ec2_credential_atom, const std::string& user_id, const std::string& id,
            const credentials& who) -> caf::result<credential_view> {
        auto found = ec2_readable(st, user_id, id, "identity:ec2_get_credential", who);
        if (!found) return to_caf_error(found.error());
        auto v = view_of(st, *found.value());
        if (!v) return to_caf_error(v.error());
        return std::move(v.value());
      },
      [&st](list_atom, ec2_credential_atom, const std::string& user_id,
            const credentials& who) -> caf::result<std::vector<credential_view>> {
        if (auto e = refused(st, owned_by("identity:ec2_list_credentials", user_id), who))
          return to_caf_error(*e);
        if (!st.dir.user(user_id))
          return to_caf_error({errc::not_found, "Could not find user: " + user_id + "."});
        std::vector<credential_view> out;
        for (const auto& c : in_creation_order(st.credentials))
          if (c.user_id == user_id && is_ec2(c.type) && live_credential(st, c.id))
            if (auto v = view_of(st, c)) out.push_back(std::move(v.value()));
        return out;
      },
  };
}

// Keystone's groups: the group, its members, its roles on projects. Reads
// find first (404 for everyone) and then decide; a grant's read decides
// first, as the users' grants do.
caf::message_handler group_requests(identity_actor* self) {
  auto& st = self->state;
  return {
      [self](command_atom, const std::string& id, group::command& c, event_metadata& m) {
        return on_command<group_machine>(self, id, c, m);
      },
      [self](list_atom, group_atom) { return self->state.dir.groups(); },
      [self](command_atom, const std::string& id, group::command& c, event_metadata& m,
             const credentials& who) {
        return on_callers_command<group_machine>(self, id, c, m, who);
      },
      [&st](caf::get_atom, group_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.group(id), "group", id, {"identity:get_group", {}}, who);
      },
      [&st](list_atom, group_atom,
            const credentials& who) -> caf::result<std::vector<group_state>> {
        if (auto e = refused(st, {"identity:list_groups", {}}, who)) return to_caf_error(*e);
        return st.dir.groups();
      },
      [&st](list_atom, group_atom, const std::string& user_id,
            const credentials& who) -> caf::result<std::vector<group_state>> {
        if (!st.dir.user(user_id)) return to_caf_error(missing("user", user_id));
        if (auto e = refused(st, {"identity:list_groups_for_user", {"", user_id}}, who))
          return to_caf_error(*e);
        return st.dir.groups_of(user_id);
      },
      [&st](list_atom, user_atom, group_atom, const std::string& group_id,
            const credentials& who) -> caf::result<std::vector<user_state>> {
        const auto* g = st.dir.group(group_id);
        if (!g) return to_caf_error(missing("group", group_id));
        if (auto e = refused(st, {"identity:list_users_in_group", {}}, who))
          return to_caf_error(*e);
        return st.dir.members_of(*g);
      },
      [&st](caf::get_atom, group_atom, const std::string& group_id, const std::string& user_id,
            const credentials& who) -> caf::result<user_state> {
        const auto* g = st.dir.group(group_id);
        if (!g) return to_caf_error(missing("group", group_id));
        const auto* u = st.dir.user(user_id);
        if (!u) return to_caf_error(missing("user", user_id));
        if (auto e = refused(st, {"identity:check_user_in_group", {"", user_id}}, who))
          return to_caf_error(*e);
        if (!g->has_member(user_id))
          return to_caf_error(
              {errc::not_found, "User '" + user_id + "' not found in group '" + group_id + "'"});
        return *u;
      },
      [&st](list_atom, role_atom, group_atom, const std::string& project_id,
            const std::string& group_id,
            const credentials& who) -> caf::result<std::vector<role_state>> {
        if (auto e = refused(st, {"identity:list_grants", {project_id}}, who))
          return to_caf_error(*e);
        if (!st.dir.group(group_id)) return to_caf_error(missing("group", group_id));
        if (!st.dir.project(project_id)) return to_caf_error(missing("project", project_id));
        return st.dir.group_roles(group_id, project_id);
      },
      [&st](caf::get_atom, assignment_atom, group_atom, const std::string& project_id,
            const std::string& group_id, const std::string& role_id,
            const credentials& who) -> caf::result<role_state> {
        if (auto e = refused(st, {"identity:check_grant", {project_id}}, who))
          return to_caf_error(*e);
        for (auto& r : st.dir.group_roles(group_id, project_id))
          if (r.id == role_id) return std::move(r);
        return to_caf_error(
            {errc::not_found, "Could not find role assignment with role: " + role_id +
                                  ", user or group: " + group_id +
                                  ", project, domain, or system: " + project_id + "."});
      },
  };
}

// The handlers of the requests that carry their caller.
caf::message_handler callers_requests(identity_actor* self) {
  auto& st = self->state;
  return {
      [self](command_atom, const std::string& id, project::command& c, event_metadata& m,
             const credentials& who) {
        return on_callers_command<project_machine>(self, id, c, m, who);
      },
      [self](command_atom, const std::string& id, user::command& c, event_metadata& m,
             const credentials& who) -> caf::result<user_state> {
        if (std::holds_alternative<user::delete_application_credential>(c))
          if (auto e = restricted(self->state, who)) return to_caf_error(*e);
        return on_callers_command<user_machine>(self, id, c, m, who);
      },
      [self](command_atom, const std::string& user_id, user::create_application_credential& c,
             event_metadata& m, const std::string& secret, const credentials& who) {
        return create_application_credential(self, user_id, c, m, secret, who);
      },
      [&st](caf::get_atom, application_credential_atom, const std::string& user_id,
            const std::string& id,
            const credentials& who) -> caf::result<application_credential_view> {
        const auto* u = st.dir.user(user_id);
        if (!u) return to_caf_error({errc::not_found, "Could not find user: " + user_id + "."});
        if (auto e = refused(st, {"identity:get_application_credential", {"", user_id}}, who))
          return to_caf_error(*e);
        auto it = u->application_credentials.find(id);
        if (it == u->application_credentials.end())
          return to_caf_error(
              {errc::not_found, "Could not find Application Credential: " + id + "."});
        return st.dir.view_of(*u, it->second);
      },
      [&st](list_atom, application_credential_atom, const std::string& user_id,
            const credentials& who) -> caf::result<std::vector<application_credential_view>> {
        const auto* u = st.dir.user(user_id);
        if (!u) return to_caf_error({errc::not_found, "Could not find user: " + user_id + "."});
        if (auto e = refused(st, {"identity:list_application_credentials", {"", user_id}}, who))
          return to_caf_error(*e);
        std::vector<application_credential_view> out;
        for (const auto& [id, a] : u->application_credentials) out.push_back(st.dir.view_of(*u, a));
        return out;
      },
      [self](command_atom, const std::string& id, user::command& c, event_metadata& m,
             const std::string& password, const credentials& who) {
        return on_callers_user_with_password(self, id, c, m, password, who);
      },
      [self](command_atom, const std::string& id, role::command& c, event_metadata& m,
             const credentials& who) {
        return on_callers_command<role_machine>(self, id, c, m, who);
      },
      [self](command_atom, const std::string& id, domain::command& c, event_metadata& m,
             const credentials& who) {
        return on_callers_command<domain_machine>(self, id, c, m, who);
      },
      [self](password_atom, const std::string& user_id, const std::string& original,
             const std::string& fresh, event_metadata& m,
             const credentials& who) -> caf::result<user_state> {
        if (auto e = refused(self->state, {"identity:change_password", {"", user_id}}, who))
          return to_caf_error(*e);
        return change_password(self, user_id, original, fresh, m);
      },
      [&st](caf::get_atom, project_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.project(id), "project", id, {"identity:get_project", {id}}, who);
      },
      [&st](caf::get_atom, user_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.user(id), "user", id, {"identity:get_user", {"", id}}, who);
      },
      [&st](caf::get_atom, role_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.role(id), "role", id, {"identity:get_role", {}}, who);
      },
      [&st](caf::get_atom, domain_atom, const std::string& id, const credentials& who) {
        return seen(st, st.dir.domain(id), "domain", id, {"identity:get_domain", {}}, who);
      },
      [&st](list_atom, project_atom,
            const credentials& who) -> caf::result<std::vector<project_state>> {
        if (auto e = refused(st, {"identity:list_projects", {}}, who)) return to_caf_error(*e);
        return st.dir.projects();
      },
      [&st](list_atom, user_atom, const credentials& who) -> caf::result<std::vector<user_state>> {
        if (auto e = refused(st, {"identity:list_users", {}}, who)) return to_caf_error(*e);
        return st.dir.users();
      },
      [&st](list_atom, role_atom, const credentials& who) -> caf::result<std::vector<role_state>> {
        if (auto e = refused(st, {"identity:list_roles", {}}, who)) return to_caf_error(*e);
        return st.dir.roles();
      },
      [&st](list_atom, domain_atom,
            const credentials& who) -> caf::result<std::vector<domain_state>> {
        if (auto e = refused(st, {"identity:list_domains", {}}, who)) return to_caf_error(*e);
        return st.dir.domains();
      },
      [&st](list_atom, project_atom, const std::string& user_id,
            const credentials& who) -> caf::result<std::vector<project_state>> {
        if (auto e = refused(st, {"identity:list_user_projects", {"", user_id}}, who))
          return to_caf_error(*e);
        return projects_of(st.dir, user_id);
      },
      [&st](list_atom, role_atom, const std::string& project_id, const std::string& user_id,
            const credentials& who) -> caf::result<std::vector<role_state>> {
        if (auto e = refused(st, {"identity:list_grants", {project_id, user_id}}, who))
          return to_caf_error(*e);
        return st.dir.granted_roles(user_id, project_id);
      },
      [&st](caf::get_atom, assignment_atom, const std::string& project_id,
            const std::string& user_id, const std::string& role_id,
            const credentials& who) -> caf::result<role_state> {
        if (auto e = refused(st, {"identity:check_grant", {project_id, user_id}}, who))
          return to_caf_error(*e);
        for (auto& r : st.dir.granted_roles(user_id, project_id))
          if (r.id == role_id) return std::move(r);
        return to_caf_error(
            {errc::not_found, "Could not find role assignment with role: " + role_id +
                                  ", user or group: " + user_id +
                                  ", project, domain, or system: " + project_id + "."});
      },
      [&st](list_atom, assignment_atom, const std::string& user_id, const credentials& who) {
        return assignments_for(st, user_id, false, who);
      },
      [&st](list_atom, assignment_atom, const std::string& user_id, bool effective,
            const credentials& who) { return assignments_for(st, user_id, effective, who); },
      [&st](validate_atom, const std::string& caller, const std::string& subject,
            bool check) -> caf::result<token_info> {
        auto s = subject_for(st, caller, subject,
                             check ? "identity:check_token" : "identity:validate_token");
        if (!s) return to_caf_error(s.error());
        return std::move(s.value());
      },
      [self](revoke_atom, const std::string& caller, const std::string& subject,
             event_metadata& meta) -> caf::result<user_state> {
        auto s = subject_for(self->state, caller, subject, "identity:revoke_token", &meta.user_id);
        if (!s) return to_caf_error(s.error());
        return revoke(self, s.value(), meta);
      },
  };
}

std::filesystem::path credential_key_path(const identity_options& opts) {
  if (!opts.credential_key_file.empty()) return opts.credential_key_file;
  return opts.token_key_file.parent_path() / "credential.key";
}

caf::behavior identity(identity_actor* self, caf::actor conductor, identity_options opts) {
  auto& st = self->state;
  st.conductor = std::move(conductor);
  st.key = load_or_create_token_key(opts.token_key_file);
  st.cred_key = load_or_create_token_key(credential_key_path(opts));
  const std::size_t n = std::max<std::size_t>(1, opts.hash_workers);
  for (std::size_t i = 0; i < n; ++i)
    st.workers.push_back(self->spawn<caf::detached + caf::linked>(password_worker));
  st.opts = std::move(opts);
  if (!st.opts.rules) st.opts.rules = std::make_shared<const policy>(default_rules());
  // await: nothing is answered before the directory holds what exists.
  auto fail = [self](caf::error& e) {
    spdlog::error("identity: cannot read the identity resources: {}", from_caf_error(e).message);
    self->quit(e);
  };
  self->request(st.conductor, conductor_timeout, list_atom::value, project_atom::value)
      .await(
          [self](std::vector<project_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
          },
          fail);
  self->request(st.conductor, conductor_timeout, list_atom::value, user_atom::value)
      .await(
          [self](std::vector<user_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
          },
          fail);
  self->request(st.conductor, conductor_timeout, list_atom::value, role_atom::value)
      .await(
          [self](std::vector<role_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
          },
          fail);
  self->request(st.conductor, conductor_timeout, list_atom::value, region_atom::value)
      .await(
          [self](std::vector<region_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
          },
          fail);
  self->request(st.conductor, conductor_timeout, list_atom::value, service_atom::value)
      .await(
          [self](std::vector<service_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
            self->state.refresh_catalog();
          },
          fail);
  self->request(st.conductor, conductor_timeout, list_atom::value, domain_atom::value)
      .await(
          [self](std::vector<domain_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
          },
          fail);
  self->request(st.conductor, conductor_timeout, list_atom::value, credential_atom::value)
      .await(
          [self](std::vector<credential_state>& all) {
            for (auto& s : all) put_latest(self->state.credentials, s);
          },
          fail);
  // After every await: the credentials whose user or project a restart cut
  // off before they were deleted with it are deleted now.
  self->send(self, sweep_atom::value);
  self->request(st.conductor, conductor_timeout, list_atom::value, group_atom::value)
      .await(
          [self](std::vector<group_state>& all) {
            for (auto& s : all) self->state.dir.put(s);
          },
          fail);

  return caf::message_handler{
      [self](authenticate_atom, auth_request& req) { return authenticate(self, req); },
      [self](validate_atom, const std::string& token) -> caf::result<token_info> {
        auto v = self->state.dir.validate(open_token(self->state.key, token), token, self->state.opts.clock());
        if (!v) return to_caf_error(v.error());
        v.value().catalog = self->state.catalog;
        return std::move(v.value());
      },
      [self](revoke_atom, const std::string& token,
             event_metadata& meta) -> caf::result<user_state> {
        auto v = self->state.dir.validate(open_token(self->state.key, token), token, self->state.opts.clock());
        if (!v) return to_caf_error({errc::not_found, "Could not find token."});
        return revoke(self, v.value(), meta);
      },
      [self](command_atom, const std::string& id, project::command& c, event_metadata& m) {
        return on_command<project_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, user::command& c, event_metadata& m) {
        return on_command<user_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, user::command& c, event_metadata& m,
             const std::string& password) {
        return on_user_with_password(self, id, c, m, password);
      },
      [self](password_atom, const std::string& user_id, const std::string& original,
             const std::string& fresh,
             event_metadata& m) { return change_password(self, user_id, original, fresh, m); },
      [self](command_atom, const std::string& id, role::command& c, event_metadata& m) {
        return on_command<role_machine>(self, id, c, m);
      },
      [self](command_atom, const std::string& id, domain::command& c, event_metadata& m) {
        return on_command<domain_machine>(self, id, c, m);
      },
      [self](caf::get_atom, domain_atom, const std::string& id) {
        return found_or_not(self->state.dir.domain(id), "domain", id);
      },
      [self](list_atom, domain_atom) { return self->state.dir.domains(); },
      [self](caf::get_atom, project_atom, const std::string& id) {
        return found_or_not(self->state.dir.project(id), "project", id);
      },
      [self](caf::get_atom, user_atom, const std::string& id) {
        return found_or_not(self->state.dir.user(id), "user", id);
      },
      [self](caf::get_atom, role_atom, const std::string& id) {
        return found_or_not(self->state.dir.role(id), "role", id);
      },
      [self](list_atom, project_atom) { return self->state.dir.projects(); },
      [self](list_atom, user_atom) { return self->state.dir.users(); },
      [self](list_atom, role_atom) { return self->state.dir.roles(); },
      [self](list_atom, assignment_atom) { return self->state.dir.assignments(); },
      [self](list_atom, project_atom, const std::string& user_id) {
        return projects_of(self->state.dir, user_id);
      },
      [self](sweep_atom) {
        drop_orphaned_credentials(self, event_metadata{"req-restart", "cumulo"});
      },
  }
      .or_else(callers_requests(self))
      .or_else(catalog_requests(self))
      .or_else(credential_requests(self))
      .or_else(group_requests(self));
}

}  // namespace

caf::actor spawn_identity(caf::actor_system& sys, caf::actor conductor, identity_options opts) {
  // The keys are read here too, so a bad key file stops the start with its reason.
  load_or_create_token_key(opts.token_key_file);
  load_or_create_token_key(credential_key_path(opts));
  return sys.spawn(identity, std::move(conductor), std::move(opts));
}

}  // namespace cumulo
