#include "engine/keypair_state.hpp"

#include <cctype>

#include "engine/ssh_public_key.hpp"

namespace cumulo {
namespace {

struct decider {
  const keypair_state& s;

  decision<keypair_event> operator()(const keypair::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Key pair '" + c.name + "' already exists.");
    if (auto e = check_keypair_name(c.name)) return *e;
    if (c.user_id.empty()) return make_domain_error(errc::bad_request, "A keypair needs a user.");
    if (c.type != "ssh")
      return make_domain_error(errc::bad_request,
                               "Keypair data is invalid: only ssh keypairs are supported");
    auto key = parse_ssh_public_key(c.public_key);
    if (!key) return key.error();
    return std::vector<keypair_event>{
        keypair_created{c.name, c.user_id, c.type, c.public_key, ssh_fingerprint(key.value())}};
  }

  decision<keypair_event> operator()(const keypair::remove&) const {
    if (!s.exists()) return keypair_not_found(s.name.empty() ? s.id : s.name, s.user_id);
    return std::vector<keypair_event>{keypair_deleted{}};
  }
};

struct applier {
  keypair_state& s;

  void operator()(const keypair_created& e) {
    if (s.version > 0) throw invalid_event("keypair.created on a keypair that exists");
    s.name = e.name;
    s.user_id = e.user_id;
    s.type = e.type;
    s.public_key = e.public_key;
    s.fingerprint = e.fingerprint;
  }
  void operator()(const keypair_deleted&) {
    if (!s.exists()) throw invalid_event("keypair.deleted on a keypair that does not exist");
    s.deleted = true;
  }
};

}  // namespace

std::optional<domain_error> check_keypair_name(const std::string& name) {
  bool only_spaces = true;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == ' ' || c == '.' || c == '_' || c == '-' || c == '@'))
      return make_domain_error(errc::bad_request,
                               "Keypair data is invalid: Keypair name contains unsafe characters");
    only_spaces = only_spaces && c == ' ';
  }
  if (name.empty() || name.size() > 255 || only_spaces)
    return make_domain_error(
        errc::bad_request,
        "Keypair data is invalid: Keypair name must be string and between 1 and 255 characters "
        "long");
  return std::nullopt;
}

domain_error keypair_not_found(const std::string& name, const std::string& user_id) {
  return make_domain_error(errc::not_found, "Keypair " + name + " not found for user " + user_id);
}

decision<keypair_event> keypair_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

keypair_state keypair_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const keypair_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["user_id"] = s.user_id;
  j["type"] = s.type;
  j["public_key"] = s.public_key;
  j["fingerprint"] = s.fingerprint;
}

}  // namespace cumulo
