#include "api/auth.hpp"

#include "api/routing.hpp"

namespace cumulo::api {

std::string auth_token_of(const Pistache::Rest::Request& req) {
  return header_of(req, "X-Auth-Token");
}

void respond_unauthenticated(responder& r, const std::string& reason) {
  r.log().info("authentication refused: {}", reason);
  respond_error(r, 401, unauthenticated_message);
}

void respond_identity_error(responder& r, const domain_error& e) {
  if (e.code == errc::unauthorized)
    respond_unauthenticated(r, e.message);
  else
    respond_error(r, e);
}

void with_token(server_context& ctx, const std::string& token, std::shared_ptr<responder> r,
                token_handler then) {
  if (token.empty()) {
    respond_unauthenticated(*r, "no X-Auth-Token");
    return;
  }
  ctx.bridge.ask_or<token_info>(
      std::move(r), ctx.identity,
      [then = std::move(then)](std::shared_ptr<responder> rr, token_info& t) { then(rr, t); },
      respond_identity_error, validate_atom::value, token);
}

bool enforce(responder& r, const server_context& ctx, const token_info& t, const std::string& rule,
             const target& tg) {
  if (ctx.rules.allowed(rule, t.creds(), tg)) return true;
  respond_forbidden(r, rule);
  return false;
}

void respond_forbidden(responder& r, const std::string& rule) {
  if (r.svc() == service::network) {
    respond_error(r, 403, "(rule:" + rule + ") is disallowed by policy", "PolicyNotAuthorized");
    return;
  }
  if (r.svc() == service::image) {
    respond_error(r, 403, "You are not authorized to complete " + rule + " action.");
    return;
  }
  respond_error(r, 403,
                r.svc() == service::identity ? keystone_forbidden_message(rule)
                                             : nova_forbidden_message(rule));
}

}  // namespace cumulo::api
