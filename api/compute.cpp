// Nova's root: version discovery, microversion negotiation, and the route
// registration every compute file uses.
#include "api/compute.hpp"

#include <cctype>

#include "api/auth.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

std::string trimmed(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// The compute entry of "compute 2.61, image 2.5" ("" when none).
std::string compute_entry(const std::string& header) {
  std::size_t start = 0;
  while (start <= header.size()) {
    auto comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    const std::string item = trimmed(header.substr(start, comma - start));
    std::string lower;
    for (char c : item) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("compute ", 0) == 0) return trimmed(item.substr(8));
    start = comma + 1;
  }
  return "";
}

nlohmann::json v21_document(const std::string& base) {
  return {
      {"id", "v2.1"},
      {"status", "CURRENT"},
      {"version", max_microversion.text()},
      {"min_version", min_microversion.text()},
      {"updated", "2013-07-23T11:33:21Z"},
      {"links",
       {{{"rel", "self"}, {"href", base + compute_root + "/"}},
        {{"rel", "describedby"}, {"type", "text/html"}, {"href", "http://docs.openstack.org/"}}}},
      {"media-types",
       {{{"base", "application/json"},
         {"type", "application/vnd.openstack.compute+json;version=2.1"}}}}};
}

}  // namespace

microversion_result parse_microversion(const std::string& openstack_api_version,
                                       const std::string& nova_api_version) {
  std::string text = compute_entry(openstack_api_version);
  if (text.empty()) text = trimmed(nova_api_version);
  microversion_result out;
  if (text.empty()) return out;  // 2.1
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "latest") {
    out.version = max_microversion;
    return out;
  }
  const auto dot = text.find('.');
  auto digits = [](const std::string& s) {
    if (s.empty() || s.size() > 6 || (s.size() > 1 && s[0] == '0')) return false;
    for (char c : s)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
  };
  if (dot == std::string::npos || !digits(text.substr(0, dot)) || !digits(text.substr(dot + 1))) {
    out.status = 400;
    out.error = "API Version String " + text +
                " is of invalid format. Must be of format MajorNum.MinorNum.";
    return out;
  }
  const int major = std::stoi(text.substr(0, dot));
  const int minor = std::stoi(text.substr(dot + 1));
  if (major != 2 || minor < min_microversion.minor || minor > max_microversion.minor) {
    out.status = 406;
    out.error = "Version " + text + " is not supported by the API. Minimum is " +
                min_microversion.text() + " and maximum is " + max_microversion.text() + ".";
    return out;
  }
  out.version.minor = minor;
  return out;
}

void add_compute_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                       const std::string& path, compute_handler handler) {
  add_route(router, ctx, method, path, service::compute,
            [handler = std::move(handler)](const Request& req, std::shared_ptr<responder> r) {
              auto v = parse_microversion(header_of(req, "OpenStack-API-Version"),
                                          header_of(req, "X-OpenStack-Nova-API-Version"));
              r->add_header("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
              if (v.status) {
                respond_error(*r, v.status, v.error);
                return;
              }
              r->add_header("OpenStack-API-Version", "compute " + v.version.text());
              r->add_header("X-OpenStack-Nova-API-Version", v.version.text());
              handler(req, std::move(r), v.version);
            });
}

query_int query_number(const Request& req, responder& r, const std::string& name) {
  auto text = query_of(req, name);
  if (!text) return {};
  bool digits = !text->empty() && text->size() < 18;
  for (char c : *text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    respond_error(r, 400,
                  "Invalid input for query parameters " + name + ". Value: " + *text + ". '" +
                      *text + "' does not match '^[0-9]*$'");
    return {false, std::nullopt};
  }
  return {true, std::stoll(*text)};
}

std::string project_of(const token_info& t) {
  return t.project ? t.project->id : "";
}

void add_compute_routes(Pistache::Rest::Router& router, server_context& ctx) {
  // GET /compute: Nova's root answers 200 with both versions (tempest
  // rejects a 300 here).
  add_route(router, ctx, http_method::get, "/compute", service::compute,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              nlohmann::json v20 = {
                  {"id", "v2.0"},
                  {"status", "SUPPORTED"},
                  {"version", ""},
                  {"min_version", ""},
                  {"updated", "2011-01-21T11:33:21Z"},
                  {"links", {{{"rel", "self"}, {"href", base + "/compute/v2/"}}}}};
              respond(*r, 200, {{"versions", {v20, v21_document(base)}}});
            });
  add_compute_route(router, ctx, http_method::get, compute_root,
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
                      respond(*r, 200, {{"version", v21_document(base_url(req, ctx))}});
                    });
  // Nova's extension list, kept at v2.1 for old clients: the features
  // cumulo has, by their v2 names.
  static const std::vector<std::pair<const char*, const char*>> extensions{
      {"os-keypairs", "Keypairs"},
      {"os-hypervisors", "Hypervisors"},
      {"os-services", "Services"},
      {"os-quota-sets", "Quotas"},
      {"os-flavor-extra-specs", "FlavorExtraSpecs"},
      {"os-instance-actions", "InstanceActions"},
      {"os-lock-server", "LockServer"},
      {"os-pause-server", "PauseServer"},
      {"os-suspend-server", "SuspendServer"},
      {"os-console-output", "ConsoleOutput"},
      {"os-server-diagnostics", "ServerDiagnostics"},
      {"os-extended-status", "ExtendedStatus"},
      {"os-extended-ips", "ExtendedIps"},
      {"os-availability-zone", "AvailabilityZone"},
  };
  auto extension = [](const char* alias, const char* name) {
    return nlohmann::json{{"alias", alias},
                          {"name", name},
                          {"description", std::string(name) + " support."},
                          {"namespace", "http://docs.openstack.org/compute/ext/fake_xml"},
                          {"updated", "2014-12-03T00:00:00Z"},
                          {"links", nlohmann::json::array()}};
  };
  add_compute_route(
      router, ctx, http_method::get, compute_root + "/extensions",
      [&ctx, extension](const Request& req, std::shared_ptr<responder> r, microversion) {
        with_token(ctx, auth_token_of(req), r,
                   [extension](std::shared_ptr<responder> rr, token_info&) {
                     nlohmann::json list = nlohmann::json::array();
                     for (const auto& [alias, name] : extensions)
                       list.push_back(extension(alias, name));
                     respond(*rr, 200, {{"extensions", list}});
                   });
      });
  add_compute_route(
      router, ctx, http_method::get, compute_root + "/extensions/:alias",
      [&ctx, extension](const Request& req, std::shared_ptr<responder> r, microversion) {
        const std::string alias = param_of(req, ":alias");
        with_token(ctx, auth_token_of(req), r,
                   [extension, alias](std::shared_ptr<responder> rr, token_info&) {
                     for (const auto& [a, name] : extensions)
                       if (alias == a)
                         return respond(*rr, 200, {{"extension", extension(a, name)}});
                     respond_error(*rr, 404, "The resource could not be found.");
                   });
      });
  add_flavor_routes(router, ctx);
  add_keypair_routes(router, ctx);
  add_server_group_routes(router, ctx);
  add_migration_routes(router, ctx);
  add_usage_routes(router, ctx);
  add_limits_routes(router, ctx);
  add_hypervisor_routes(router, ctx);
}

}  // namespace cumulo::api
