// Neutron's tags (standard-attr-tag, tag-creation) at
// /v2.0/{resources}/{id}/tags for every taggable collection: list (200),
// replace all (PUT: 200 with the tags), add some (POST: 200 with those
// given), remove all (DELETE: 204); and one tag: check (GET: 204, or 404
// TagNotFound), add (PUT: 201), remove (DELETE: 204, or 404). Each asks
// the networking door one question (actors/networking_tags.hpp), which
// decides who sees and may change the resource's tags.
#include <algorithm>

#include "actors/networking_tags.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;
using tag_list = std::vector<std::string>;

// A taggable collection: its path, and its name at the door. Adding a kind
// is one line here and one in actors/networking_tags.cpp.
struct taggable_path {
  const char* path;
  const char* collection;
};
constexpr taggable_path taggable_paths[] = {
    {"networks", "networks"},
    {"subnets", "subnets"},
    {"ports", "ports"},
    {"routers", "routers"},
    {"floatingips", "floatingips"},
    {"security-groups", "security_groups"},
};

// Asks the door about the tags of the resource the path names, as the
// caller, and answers with `done` once it answered.
template <class Done>
void ask_tags(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
              const std::string& collection, std::string action,
              std::optional<tagging::change> change, Done done) {
  tag_request t{collection, param_of(req, ":id"), std::move(action), std::move(change)};
  with_token(ctx, auth_token_of(req), r,
             [&ctx, t = std::move(t), done](std::shared_ptr<responder> rr, token_info& who) {
               ctx.bridge.ask<tag_list>(rr, ctx.networking, done, tags_atom::value, t,
                                        event_metadata{rr->request_id(), who.user.id}, who.creds());
             });
}

// The tag a path names, or nothing once its 400 is answered.
std::optional<std::string> tag_of(const Request& req, responder& r) {
  std::string tag = param_of(req, ":tag");
  if (auto e = tagging::check_tag(tag)) {
    respond_error(r, *e);
    return std::nullopt;
  }
  return tag;
}

void add_routes_of(Pistache::Rest::Router& router, server_context& ctx, const taggable_path& p) {
  const std::string collection = p.collection;
  const std::string path = std::string("/networking/v2.0/") + p.path + "/:id/tags";

  add_route(router, ctx, http_method::get, path, service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              ask_tags(ctx, req, r, collection, "get", std::nullopt,
                       [](responder& rr, tag_list& t) {
                         respond(rr, 200, {{"tags", t}});
                       });
            });
  add_route(router, ctx, http_method::put, path, service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_tags");
              if (!body) return;
              tagging::change c{tagging::op::replace, (*body)["tags"].get<tag_list>()};
              ask_tags(ctx, req, r, collection, "update", std::move(c),
                       [](responder& rr, tag_list& t) {
                         respond(rr, 200, {{"tags", t}});
                       });
            });
  // tag-creation: adds these, keeps the others; answers with those given.
  add_route(router, ctx, http_method::post, path, service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_tags");
              if (!body) return;
              tag_list given = (*body)["tags"].get<tag_list>();
              ask_tags(ctx, req, r, collection, "create", tagging::change{tagging::op::add, given},
                       [given](responder& rr, tag_list&) {
                         respond(rr, 200, {{"tags", given}});
                       });
            });
  add_route(router, ctx, http_method::del, path, service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              ask_tags(ctx, req, r, collection, "delete", tagging::change{tagging::op::clear, {}},
                       [](responder& rr, tag_list&) { respond(rr, 204, no_body); });
            });

  add_route(router, ctx, http_method::get, path + "/:tag", service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              auto tag = tag_of(req, *r);
              if (!tag) return;
              ask_tags(ctx, req, r, collection, "get", std::nullopt,
                       [tag = *tag](responder& rr, tag_list& t) {
                         if (std::find(t.begin(), t.end(), tag) != t.end())
                           return respond(rr, 204, no_body);
                         respond_error(rr,
                                       make_neutron_error(errc::not_found, "TagNotFound",
                                                          "Tag " + tag + " could not be found."));
                       });
            });
  add_route(router, ctx, http_method::put, path + "/:tag", service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              auto tag = tag_of(req, *r);
              if (!tag) return;
              ask_tags(ctx, req, r, collection, "update", tagging::change{tagging::op::add, {*tag}},
                       [](responder& rr, tag_list&) { respond(rr, 201, no_body); });
            });
  add_route(router, ctx, http_method::del, path + "/:tag", service::network,
            [&ctx, collection](const Request& req, std::shared_ptr<responder> r) {
              auto tag = tag_of(req, *r);
              if (!tag) return;
              ask_tags(ctx, req, r, collection, "delete",
                       tagging::change{tagging::op::remove, {*tag}},
                       [](responder& rr, tag_list&) { respond(rr, 204, no_body); });
            });
}

}  // namespace

std::vector<std::string> tags_of_create(const nlohmann::json& object) {
  auto it = object.find("tags");
  if (it == object.end() || !it->is_array()) return {};
  return it->get<std::vector<std::string>>();
}

void add_tag_routes(Pistache::Rest::Router& router, server_context& ctx) {
  for (const auto& p : taggable_paths) add_routes_of(router, ctx, p);
}

}  // namespace cumulo::api
