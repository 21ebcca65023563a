// Nova's server tags (2.26; 404 before): list, replace all, delete all,
// check, add and remove one. The instance decides: a tag is 1 to 60
// characters without '/' or ',', at most 50 per server, and tags change
// only while the server is settled (409 in Nova's words).
#include "api/auth.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string tags_path = servers_path + "/:id/tags";

// A tags route: 404 before 2.26 (Nova's VersionNotFoundForAPIMethod), then
// the server and the rule.
void on_tagged_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                      int minor, const char* rule, one_server_handler then) {
  if (minor < 26) return respond_error(*r, 404, "The resource could not be found.");
  on_visible_server(ctx, req, std::move(r), rule, std::move(then));
}

void answer_tags(std::shared_ptr<responder> r, instance_state& s) {
  respond(*r, 200, {{"tags", s.tags}});
}

void no_content(std::shared_ptr<responder> r, instance_state&) {
  respond(*r, 204, no_body);
}

}  // namespace

void add_server_tag_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::get, tags_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     on_tagged_server(ctx, req, r, minor, "os_compute_api:os-server-tags:index",
                                      [](std::shared_ptr<responder> rr, const token_info&,
                                         instance_state& s) { answer_tags(rr, s); });
                   });
  add_server_route(
      router, ctx, http_method::put, tags_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        if (minor < 26) return respond_error(*r, 404, "The resource could not be found.");
        auto body = json_request(ctx, req, *r, "compute_server_tags");
        if (!body) return;
        auto tags = (*body)["tags"].get<std::vector<std::string>>();
        on_tagged_server(
            ctx, req, r, minor, "os_compute_api:os-server-tags:update_all",
            [&ctx, tags](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
              change_server(ctx, rr, t, s.id, instance::set_tags{tags}, answer_tags);
            });
      });
  add_server_route(
      router, ctx, http_method::del, tags_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        on_tagged_server(
            ctx, req, r, minor, "os_compute_api:os-server-tags:delete_all",
            [&ctx](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
              change_server(ctx, rr, t, s.id, instance::set_tags{}, no_content);
            });
      });

  add_server_route(
      router, ctx, http_method::get, tags_path + "/:tag",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        const std::string tag = param_of(req, ":tag");
        on_tagged_server(
            ctx, req, r, minor, "os_compute_api:os-server-tags:show",
            [tag](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              if (std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end())
                return respond_error(*rr, 404, "Server " + s.id + " doesn't have tag " + tag);
              respond(*rr, 204, no_body);
            });
      });
  // 201 with the tag's Location when it is new, 204 when the server had it.
  add_server_route(
      router, ctx, http_method::put, tags_path + "/:tag",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        const std::string tag = param_of(req, ":tag");
        const std::string url = compute_url(req, ctx);
        on_tagged_server(
            ctx, req, r, minor, "os_compute_api:os-server-tags:update",
            [&ctx, tag, url](std::shared_ptr<responder> rr, const token_info& t,
                             instance_state& s) {
              const bool had = std::find(s.tags.begin(), s.tags.end(), tag) != s.tags.end();
              change_server(
                  ctx, rr, t, s.id, instance::add_tag{tag},
                  [had, tag, url](std::shared_ptr<responder> r4, instance_state& after) {
                    if (had) return respond(*r4, 204, no_body);
                    respond(*r4, 201, no_body,
                            {{"Location", url + "/v2.1/servers/" + after.id + "/tags/" + tag}});
                  });
            });
      });
  add_server_route(
      router, ctx, http_method::del, tags_path + "/:tag",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        const std::string tag = param_of(req, ":tag");
        on_tagged_server(
            ctx, req, r, minor, "os_compute_api:os-server-tags:delete",
            [&ctx, tag](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
              change_server(ctx, rr, t, s.id, instance::remove_tag{tag}, no_content);
            });
      });
}

}  // namespace cumulo::api
