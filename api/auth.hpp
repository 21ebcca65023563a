// The façade's auth middleware, shared by every service: the caller's
// X-Auth-Token is validated by the identity actor (never on a reactor
// thread), and the policy engine decides what the token may do.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "actors/identity.hpp"
#include "api/responder.hpp"
#include "api/server_context.hpp"
#include "engine/policy.hpp"

namespace Pistache::Rest {
class Request;
}

namespace cumulo::api {

// The caller's X-Auth-Token, "" when absent.
std::string auth_token_of(const Pistache::Rest::Request& req);

using token_handler = std::function<void(std::shared_ptr<responder>, token_info&)>;

// Calls `then` (on a CAF thread) with the caller's valid token; a missing
// or invalid one is answered with 401 in the responder's service format
// (the reason goes to the log, never to the client).
void with_token(server_context& ctx, const std::string& token, std::shared_ptr<responder> r,
                token_handler then);

// Whether `rule` allows the caller; if not, answers 403 in the service's
// words ("You are not authorized to perform the requested action: rule.",
// "Policy doesn't allow rule to be performed.").
bool enforce(responder& r, const server_context& ctx, const token_info& t, const std::string& rule,
             const target& tg = {});

// 403 in the service's words for a rule that does not allow the caller.
void respond_forbidden(responder& r, const std::string& rule);

// Answers a 401 of an authentication: Keystone's generic message, the
// reason (which user, which check) in the log only.
void respond_unauthenticated(responder& r, const std::string& reason);
// A domain error from the identity actor: unauthorized as above, anything
// else as it is.
void respond_identity_error(responder& r, const domain_error& e);

}  // namespace cumulo::api
