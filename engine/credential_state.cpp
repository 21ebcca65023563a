#include "engine/credential_state.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace cumulo {
namespace {

domain_error not_found(const credential_state& s) {
  return make_domain_error(errc::not_found, "Could not find credential: " + s.id + ".");
}

// Keystone's words when a required attribute is missing or empty.
domain_error expecting(const std::string& attribute) {
  return make_domain_error(errc::bad_request,
                           "Expecting to find " + attribute +
                               " in credential. The server could "
                               "not comply with the request since it is either malformed or "
                               "otherwise incorrect. The client is assumed to be in error.");
}

// The identity actor seals every blob before it is decided: a clear one
// here is a bug, and must not reach the log.
std::optional<domain_error> check_sealed(const std::string& blob) {
  if (blob.rfind(sealed_blob_prefix, 0) == 0) return std::nullopt;
  return make_domain_error(errc::internal,
                           "A credential's blob must be sealed before it is "
                           "recorded.");
}

// Keystone's schema: an ec2 credential names its project.
std::optional<domain_error> check_ec2_project(const std::string& type,
                                              const std::string& project_id) {
  if (is_ec2(type) && project_id.empty()) return expecting("project_id");
  return std::nullopt;
}

constexpr int max_blob_depth = 64;

struct decider {
  const credential_state& s;

  decision<credential_event> operator()(const credential::create& c) const {
    // A deleted credential's id may come back: an EC2 access key stored again.
    if (s.exists())
      return make_domain_error(errc::conflict,
                               "Conflict occurred attempting to store credential - Duplicate "
                               "entry found with ID " +
                                   s.id + ".");
    if (c.user_id.empty()) return expecting("user_id");
    if (c.type.empty()) return expecting("type");
    if (auto e = check_ec2_project(c.type, c.project_id)) return *e;
    if (auto e = check_sealed(c.blob)) return *e;
    return std::vector<credential_event>{
        credential_created{c.user_id, c.project_id, c.type, c.blob}};
  }

  decision<credential_event> operator()(const credential::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.user_id && c.user_id->empty()) return expecting("user_id");
    if (c.type && c.type->empty()) return expecting("type");
    if (auto e = check_ec2_project(c.type.value_or(s.type), c.project_id.value_or(s.project_id)))
      return *e;
    if (c.blob)
      if (auto e = check_sealed(*c.blob)) return *e;
    return std::vector<credential_event>{
        credential_updated{c.user_id, c.project_id, c.type, c.blob}};
  }

  decision<credential_event> operator()(const credential::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<credential_event>{credential_deleted{}};
  }
};

struct applier {
  credential_state& s;

  void operator()(const credential_created& e) {
    if (s.exists()) throw invalid_event("credential.created on a credential that exists");
    s.deleted = false;
    s.user_id = e.user_id;
    s.project_id = e.project_id;
    s.type = e.type;
    s.blob = e.blob;
  }
  void operator()(const credential_updated& e) {
    if (!s.exists()) throw invalid_event("credential.updated on a credential that does not exist");
    if (e.user_id) s.user_id = *e.user_id;
    if (e.project_id) s.project_id = *e.project_id;
    if (e.type) s.type = *e.type;
    if (e.blob) s.blob = *e.blob;
  }
  void operator()(const credential_deleted&) {
    if (!s.exists()) throw invalid_event("credential.deleted on a credential that does not exist");
    s.deleted = true;
  }
};

}  // namespace

decision<credential_event> credential_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

credential_state credential_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const credential_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["user_id"] = s.user_id;
  j["project_id"] = s.project_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.project_id);
  j["type"] = s.type;
}

bool is_ec2(const std::string& type) {
  return type.size() == 3 && std::tolower(static_cast<unsigned char>(type[0])) == 'e' &&
         std::tolower(static_cast<unsigned char>(type[1])) == 'c' && type[2] == '2';
}

std::string ec2_credential_id(const std::string& access) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(access.data(), access.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

outcome<nlohmann::json> read_ec2_blob(const std::string& blob) {
  // nlohmann's parser is iterative; what reads the value after it (its
  // comparisons, dump) recurses: no deeper than a request body may be.
  bool too_deep = false;
  const nlohmann::json::parser_callback_t depth = [&too_deep](int d, nlohmann::json::parse_event_t,
                                                              nlohmann::json&) {
    if (d > max_blob_depth) too_deep = true;
    return !too_deep;
  };
  auto j = nlohmann::json::parse(blob, depth, false);
  if (j.is_discarded() || too_deep)
    return make_domain_error(errc::bad_request, "Invalid blob in credential");
  if (!j.is_object() || j.empty()) return expecting("blob");
  auto access = j.find("access");
  if (access == j.end() || access->is_null()) return expecting("access");
  // Its id is the hash of its text.
  if (!access->is_string() || access->get_ref<const std::string&>().empty())
    return expecting("access");
  return j;
}

}  // namespace cumulo
