#include "engine/identity_directory.hpp"

#include <algorithm>

namespace cumulo {
namespace {

template <class State>
const State* find_in(const std::unordered_map<std::string, State>& map, const std::string& id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

domain_error unauthorized(std::string why) {
  return make_domain_error(errc::unauthorized, std::move(why));
}

}  // namespace

bool auth_request::has_method(const std::string& m) const {
  return std::find(methods.begin(), methods.end(), m) != methods.end();
}

void add_implied_roles(std::set<std::string>& names) {
  if (names.count("admin")) names.insert("member");
  if (names.count("member")) names.insert("reader");
}

credentials token_info::creds() const {
  credentials c;
  c.user_id = payload.user_id;
  if (project) c.project_id = project->id;
  for (const auto& r : roles) c.roles.insert(r.name);
  add_implied_roles(c.roles);
  c.application_credential_id = payload.application_credential_id;
  return c;
}

bool token_info::is_admin() const {
  return std::any_of(roles.begin(), roles.end(),
                     [](const role_state& r) { return r.name == "admin"; });
}

void identity_directory::put(const project_state& s) {
  put_latest(projects_, s);
}
void identity_directory::put(const user_state& s) {
  put_latest(users_, s);
}
void identity_directory::put(const role_state& s) {
  put_latest(roles_, s);
}
void identity_directory::put(const domain_state& s) {
  put_latest(domains_, s);
}

const domain_state& identity_directory::default_domain() {
  static const domain_state d = [] {
    domain_state s;
    s.id = default_domain_id;
    s.name = default_domain_name;
    s.description = "The default domain";
    s.enabled = true;
    s.version = 1;
    return s;
  }();
  return d;
}

const domain_state* identity_directory::domain(const std::string& id) const {
  if (id == default_domain_id) return &default_domain();
  return find_in(domains_, id);
}

std::vector<domain_state> identity_directory::domains() const {
  auto out = in_creation_order(domains_);
  out.insert(out.begin(), default_domain());
  return out;
}

void identity_directory::put(const region_state& s) {
  put_latest(regions_, s);
}
void identity_directory::put(const service_state& s) {
  put_latest(services_, s);
}

const region_state* identity_directory::region(const std::string& id) const {
  if (id == builtin_region_id) return &builtin_region();
  return find_in(regions_, id);
}

std::vector<region_state> identity_directory::regions() const {
  auto out = in_creation_order(regions_);
  out.insert(out.begin(), builtin_region());
  return out;
}

const service_state* identity_directory::service(const std::string& id) const {
  for (const auto& s : builtin_services())
    if (s.id == id) return &s;
  return find_in(services_, id);
}

std::vector<service_state> identity_directory::stored_services() const {
  return in_creation_order(services_);
}

std::vector<service_state> identity_directory::services() const {
  auto out = builtin_services();
  for (auto& s : stored_services()) out.push_back(std::move(s));
  return out;
}

std::optional<catalog_endpoint> identity_directory::endpoint(const std::string& id) const {
  for (const auto& s : builtin_services())
    if (auto it = s.endpoints.find(id); it != s.endpoints.end())
      return catalog_endpoint{s.id, it->second};
  for (const auto& [sid, s] : services_)
    if (auto it = s.endpoints.find(id); it != s.endpoints.end())
      return catalog_endpoint{sid, it->second};
  return std::nullopt;
}

std::vector<catalog_endpoint> identity_directory::endpoints() const {
  std::vector<catalog_endpoint> out;
  for (const auto& s : services())
    for (const auto& [id, e] : s.endpoints) out.push_back({s.id, e});
  return out;
}

bool identity_directory::region_in_use(const std::string& id) const {
  for (const auto& [_, r] : regions_)
    if (r.parent_region_id == id) return true;
  for (const auto& [_, s] : services_)
    for (const auto& [eid, e] : s.endpoints)
      if (e.region_id == id) return true;
  return false;
}

std::string identity_directory::domain_name(const std::string& id) const {
  const auto* d = domain(id);
  return d ? d->name : id;
}

bool identity_directory::domain_in_use(const std::string& id) const {
  for (const auto& [_, p] : projects_)
    if (p.domain_id == id) return true;
  for (const auto& [_, u] : users_)
    if (u.domain_id == id) return true;
  for (const auto& [_, g] : groups_)
    if (g.domain_id == id) return true;
  return false;
}

void identity_directory::put(const group_state& s) {
  if (const auto* before = group(s.id)) {
    if (before->version > s.version) return;  // a late, older answer
    for (const auto& user_id : before->members)
      if (auto it = member_of_.find(user_id); it != member_of_.end()) {
        it->second.erase(s.id);
        if (it->second.empty()) member_of_.erase(it);
      }
  }
  put_latest(groups_, s);
  if (const auto* now = group(s.id))
    for (const auto& user_id : now->members) member_of_[user_id].insert(s.id);
}

const group_state* identity_directory::group(const std::string& id) const {
  return find_in(groups_, id);
}

const group_state* identity_directory::group_by_name(const std::string& name,
                                                     const std::string& domain) const {
  for (const auto& [_, g] : groups_)
    if (g.name == name && g.domain_id == domain) return &g;
  return nullptr;
}

std::vector<group_state> identity_directory::groups() const {
  return in_creation_order(groups_);
}

std::vector<group_state> identity_directory::groups_of(const std::string& user_id) const {
  std::unordered_map<std::string, group_state> mine;
  if (auto it = member_of_.find(user_id); it != member_of_.end())
    for (const auto& group_id : it->second)
      if (const auto* g = group(group_id)) mine.emplace(group_id, *g);
  return in_creation_order(mine);
}

std::vector<user_state> identity_directory::members_of(const group_state& g) const {
  std::vector<user_state> out;
  for (const auto& user_id : g.members)
    if (const auto* u = user(user_id)) out.push_back(*u);
  return out;
}

const project_state* identity_directory::project(const std::string& id) const {
  return find_in(projects_, id);
}
const user_state* identity_directory::user(const std::string& id) const {
  return find_in(users_, id);
}
const role_state* identity_directory::role(const std::string& id) const {
  return find_in(roles_, id);
}

const project_state* identity_directory::project_by_name(const std::string& name,
                                                         const std::string& domain) const {
  for (const auto& [_, p] : projects_)
    if (p.name == name && p.domain_id == domain) return &p;
  return nullptr;
}

const user_state* identity_directory::user_by_name(const std::string& name,
                                                   const std::string& domain) const {
  for (const auto& [_, u] : users_)
    if (u.name == name && u.domain_id == domain) return &u;
  return nullptr;
}

const role_state* identity_directory::role_by_name(const std::string& name) const {
  for (const auto& [_, r] : roles_)
    if (r.name == name) return &r;
  return nullptr;
}

std::vector<project_state> identity_directory::projects() const {
  return in_creation_order(projects_);
}
std::vector<user_state> identity_directory::users() const {
  return in_creation_order(users_);
}
std::vector<role_state> identity_directory::roles() const {
  return in_creation_order(roles_);
}

namespace {

role_assignment on_project(const project_state& p, const role_state& r,
                           const std::string& project_domain_name) {
  role_assignment a;
  a.role_id = r.id;
  a.role_name = r.name;
  a.project_id = p.id;
  a.project_name = p.name;
  a.project_domain_id = p.domain_id;
  a.project_domain_name = project_domain_name;
  return a;
}

void held_by(role_assignment& a, const user_state& u, const std::string& domain_name) {
  a.user_id = u.id;
  a.user_name = u.name;
  a.user_domain_id = u.domain_id;
  a.user_domain_name = domain_name;
}

}  // namespace

std::vector<role_assignment> identity_directory::assignments(bool effective) const {
  std::vector<role_assignment> out;
  const auto ps = projects();
  for (const auto& p : ps)
    for (const auto& [user_id, role_ids] : p.roles) {
      const auto* u = user(user_id);
      if (!u) continue;
      for (const auto& role_id : role_ids)
        if (const auto* r = role(role_id)) {
          auto a = on_project(p, *r, domain_name(p.domain_id));
          held_by(a, *u, domain_name(u->domain_id));
          out.push_back(std::move(a));
        }
    }
  for (const auto& g : groups()) {
    const auto members = effective ? members_of(g) : std::vector<user_state>{};
    for (const auto& p : ps)
      for (const auto& role_id : g.roles_on(p.id)) {
        const auto* r = role(role_id);
        if (!r) continue;
        auto a = on_project(p, *r, domain_name(p.domain_id));
        a.group_id = g.id;
        a.group_name = g.name;
        a.group_domain_id = g.domain_id;
        a.group_domain_name = domain_name(g.domain_id);
        if (!effective) {
          out.push_back(std::move(a));
          continue;
        }
        for (const auto& u : members) {
          auto each = a;
          held_by(each, u, domain_name(u.domain_id));
          out.push_back(std::move(each));
        }
      }
  }
  return out;
}

namespace {

std::vector<role_state> existing_roles(const identity_directory& dir,
                                       const std::set<std::string>& ids) {
  std::vector<role_state> out;
  for (const auto& id : ids)
    if (const auto* r = dir.role(id)) out.push_back(*r);
  return out;
}

}  // namespace

std::vector<role_state> identity_directory::roles_on(const std::string& user_id,
                                                     const std::string& project_id) const {
  const auto* p = project(project_id);
  if (!p) return {};
  std::set<std::string> ids = p->roles_of(user_id);
  if (auto it = member_of_.find(user_id); it != member_of_.end())
    for (const auto& group_id : it->second)
      if (const auto* g = group(group_id)) {
        const auto& through = g->roles_on(project_id);
        ids.insert(through.begin(), through.end());
      }
  return existing_roles(*this, ids);
}

std::vector<role_state> identity_directory::granted_roles(const std::string& user_id,
                                                          const std::string& project_id) const {
  const auto* p = project(project_id);
  if (!p) return {};
  return existing_roles(*this, p->roles_of(user_id));
}

std::vector<role_state> identity_directory::group_roles(const std::string& group_id,
                                                        const std::string& project_id) const {
  const auto* g = group(group_id);
  if (!g || !project(project_id)) return {};
  return existing_roles(*this, g->roles_on(project_id));
}

bool identity_directory::role_removed_since(const std::string& user_id, const project_state& p,
                                            std::int64_t issued_us) const {
  if (auto it = p.tokens_revoked_before.find(user_id);
      it != p.tokens_revoked_before.end() && issued_us <= it->second)
    return true;
  if (auto m = member_of_.find(user_id); m != member_of_.end())
    for (const auto& group_id : m->second)
      if (const auto* g = group(group_id))
        if (auto it = g->tokens_revoked_before.find(p.id);
            it != g->tokens_revoked_before.end() && issued_us <= it->second)
          return true;
  return false;
}

std::optional<std::string> identity_directory::domain_id_of(const std::string& id,
                                                            const std::string& name) const {
  if (!id.empty()) return domain(id) ? std::optional<std::string>(id) : std::nullopt;
  if (name == default_domain_name) return std::string(default_domain_id);
  for (const auto& [_, d] : domains_)
    if (d.name == name) return d.id;
  return std::nullopt;
}

domain_error identity_directory::duplicate_name(const std::string& kind, const std::string& name,
                                                const std::string& domain) {
  std::string m = "Conflict occurred attempting to store " + kind + " - ";
  if (kind == "project")
    m += "it is not permitted to have two projects with the same name in the same domain : " + name;
  else if (kind == "user" || kind == "group")
    m += "Duplicate entry found with name " + name + " at domain ID " + domain;
  else
    m += "Duplicate entry found with name " + name;
  return make_domain_error(errc::conflict, m + ".");
}

std::optional<domain_error> identity_directory::project_name_taken(
    const std::string& name, const std::string& domain, const std::string& self_id) const {
  const auto* p = project_by_name(name, domain);
  if (!p || p->id == self_id) return std::nullopt;
  return duplicate_name("project", name, domain);
}

std::optional<domain_error> identity_directory::user_name_taken(const std::string& name,
                                                                const std::string& domain,
                                                                const std::string& self_id) const {
  const auto* u = user_by_name(name, domain);
  if (!u || u->id == self_id) return std::nullopt;
  return duplicate_name("user", name, domain);
}

std::optional<domain_error> identity_directory::group_name_taken(const std::string& name,
                                                                 const std::string& domain,
                                                                 const std::string& self_id) const {
  const auto* g = group_by_name(name, domain);
  if (!g || g->id == self_id) return std::nullopt;
  return duplicate_name("group", name, domain);
}

std::optional<domain_error> identity_directory::domain_name_taken(
    const std::string& name, const std::string& self_id) const {
  for (const auto& d : domains())
    if (d.name == name && d.id != self_id) return duplicate_name("domain", name, "");
  return std::nullopt;
}

std::optional<domain_error> identity_directory::role_name_taken(const std::string& name,
                                                                const std::string& self_id) const {
  const auto* r = role_by_name(name);
  if (!r || r->id == self_id) return std::nullopt;
  return duplicate_name("role", name, "");
}

outcome<const user_state*> identity_directory::find_user(const auth_request& req) const {
  if (!req.user_id.empty()) {
    if (const auto* u = user(req.user_id)) return u;
    return unauthorized("no user with id " + req.user_id);
  }
  if (req.user_name.empty()) return unauthorized("the password method names no user");
  auto domain = domain_id_of(req.user_domain_id, req.user_domain_name);
  if (!domain) return unauthorized("unknown domain of user " + req.user_name);
  if (const auto* u = user_by_name(req.user_name, *domain)) return u;
  return unauthorized("no user named " + req.user_name + " in domain " + *domain);
}

outcome<token_info> identity_directory::scope(const user_state& u, const auth_request& req) const {
  token_info info;
  info.user = u;
  const auto* ud = domain(u.domain_id);
  if (!ud || !ud->enabled) return unauthorized("the domain of user " + u.id + " is disabled");
  info.user_domain_name = ud->name;
  const project_state* p = nullptr;
  if (req.has_project_scope()) {
    if (!req.project_id.empty()) {
      p = project(req.project_id);
      if (!p) return unauthorized("no project with id " + req.project_id);
    } else {
      auto domain = domain_id_of(req.project_domain_id, req.project_domain_name);
      if (!domain) return unauthorized("unknown domain of project " + req.project_name);
      p = project_by_name(req.project_name, *domain);
      if (!p) return unauthorized("no project named " + req.project_name + " in " + *domain);
    }
  } else if (!req.unscoped && !u.default_project_id.empty()) {
    // Keystone scopes a token that asks for nothing to the user's default
    // project, when the user holds a role there; else it stays unscoped.
    p = project(u.default_project_id);
    if (p && (!p->enabled || roles_on(u.id, p->id).empty())) p = nullptr;
  }
  if (!p) return info;
  if (!p->enabled) return unauthorized("project " + p->id + " is disabled");
  const auto* pd = domain(p->domain_id);
  if (!pd || !pd->enabled) return unauthorized("the domain of project " + p->id + " is disabled");
  info.project_domain_name = pd->name;
  info.roles = roles_on(u.id, p->id);
  if (info.roles.empty())
    return unauthorized("User " + u.id + " has no access to project " + p->id);
  info.project = *p;
  return info;
}

outcome<identity_directory::found_application_credential>
identity_directory::find_application_credential(const auth_request& req) const {
  if (!req.application_credential_id.empty()) {
    for (const auto& [id, u] : users_)
      if (auto it = u.application_credentials.find(req.application_credential_id);
          it != u.application_credentials.end())
        return found_application_credential{&u, &it->second};
    return unauthorized("no application credential " + req.application_credential_id);
  }
  const user_state* u = nullptr;
  if (!req.user_id.empty()) {
    u = user(req.user_id);
  } else if (auto domain = domain_id_of(req.user_domain_id, req.user_domain_name)) {
    u = user_by_name(req.user_name, *domain);
  }
  if (!u)
    return unauthorized("no user for application credential " + req.application_credential_name);
  for (const auto& [id, a] : u->application_credentials)
    if (a.name == req.application_credential_name) return found_application_credential{u, &a};
  return unauthorized("user " + u->id + " has no application credential named " +
                      req.application_credential_name);
}

namespace {

// The roles of an application credential, each still held (or implied) by
// its user on its project; unauthorized otherwise, as Keystone refuses a
// credential whose user lost a role it delegates.
outcome<std::vector<role_state>> delegated_roles(const identity_directory& dir, const user_state& u,
                                                 const application_credential& a) {
  std::set<std::string> held;
  for (const auto& r : dir.roles_on(u.id, a.project_id)) held.insert(r.name);
  add_implied_roles(held);
  std::vector<role_state> out;
  for (const auto& id : a.role_ids) {
    const auto* r = dir.role(id);
    if (!r || !held.count(r->name))
      return unauthorized("user " + u.id + " no longer holds role " + id + " on project " +
                          a.project_id + " that application credential " + a.id + " delegates");
    out.push_back(*r);
  }
  if (out.empty()) return unauthorized("application credential " + a.id + " delegates no role");
  return out;
}

}  // namespace

outcome<token_info> identity_directory::scope(const user_state& u, const application_credential& a,
                                              std::int64_t now_us) const {
  if (a.expired(now_us)) return unauthorized("application credential " + a.id + " expired");
  if (!u.enabled) return unauthorized("user " + u.id + " is disabled");
  auth_request req;
  req.project_id = a.project_id;
  auto info = scope(u, req);
  if (!info) return info;
  auto roles = delegated_roles(*this, u, a);
  if (!roles) return roles.error();
  info.value().roles = std::move(roles.value());
  info.value().via_application_credential = a;
  info.value().via_application_credential->secret_hash.clear();
  return info;
}

application_credential_view identity_directory::view_of(const user_state& u,
                                                        const application_credential& a) const {
  application_credential_view v{u.id, a, {}};
  v.credential.secret_hash.clear();
  for (const auto& id : a.role_ids)
    if (const auto* r = role(id)) v.roles.push_back(*r);
  return v;
}

outcome<token_info> identity_directory::validate(const std::optional<token_payload>& payload,
                                                 const std::string& token,
                                                 std::int64_t now_us) const {
  if (!payload) return unauthorized("the token is malformed or not ours");
  if (payload->expired(now_us)) return unauthorized("the token expired");
  const auto* u = user(payload->user_id);
  if (!u) return unauthorized("the token's user " + payload->user_id + " no longer exists");
  if (!u->enabled) return unauthorized("the token's user " + u->id + " is disabled");
  if (payload->issued_at_us < u->password_set_at_us())
    return unauthorized("the password of user " + u->id + " changed after the token was issued");
  if (payload->issued_at_us <= u->tokens_revoked_before_us)
    return unauthorized("user " + u->id + " was disabled after the token was issued");
  if (u->token_revoked(payload->audit_id)) return unauthorized("the token was revoked");
  token_info info;
  info.token = token;
  info.user = *u;
  const auto* ud = domain(u->domain_id);
  if (!ud || !ud->enabled) return unauthorized("the domain of user " + u->id + " is disabled");
  info.user_domain_name = ud->name;
  if (!payload->project_id.empty()) {
    const auto* p = project(payload->project_id);
    if (!p) return unauthorized("the token's project " + payload->project_id + " no longer exists");
    if (!p->enabled) return unauthorized("the token's project " + p->id + " is disabled");
    const auto* pd = domain(p->domain_id);
    if (!pd || !pd->enabled) return unauthorized("the domain of project " + p->id + " is disabled");
    info.project_domain_name = pd->name;
    info.roles = roles_on(u->id, p->id);
    if (info.roles.empty())
      return unauthorized("user " + u->id + " no longer holds a role on project " + p->id);
    if (role_removed_since(u->id, *p, payload->issued_at_us))
      return unauthorized("a role of user " + u->id + " on project " + p->id +
                          " was removed after the token was issued");
    info.project = *p;
  }
  if (!payload->application_credential_id.empty()) {
    auto it = u->application_credentials.find(payload->application_credential_id);
    if (it == u->application_credentials.end())
      return unauthorized("the token's application credential " +
                          payload->application_credential_id + " was deleted");
    if (it->second.expired(now_us))
      return unauthorized("the token's application credential " + it->first + " expired");
    auto roles = delegated_roles(*this, *u, it->second);
    if (!roles) return roles.error();
    info.roles = std::move(roles.value());
    info.via_application_credential = it->second;
    info.via_application_credential->secret_hash.clear();
  }
  info.payload = std::move(*payload);
  return info;
}

}  // namespace cumulo
