#include "api/routing.hpp"

#include <cctype>
#include <set>
#include <sstream>

#include "api/auth.hpp"
#include "api/glance_errors.hpp"
#include "api/query.hpp"
#include "engine/utf8.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/http.h>
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using namespace Pistache;

// addRaw() response headers are silently dropped by Pistache 0.0.5: custom
// headers need a typed header class.
class openstack_request_id : public Http::Header::Header {
 public:
  NAME("X-OpenStack-Request-Id")
  openstack_request_id() = default;
  explicit openstack_request_id(std::string id) : id_(std::move(id)) {}
  void parse(const std::string& data) override { id_ = data; }
  void write(std::ostream& os) const override { os << id_; }

 private:
  std::string id_;
};

class compute_request_id : public Http::Header::Header {
 public:
  NAME("X-Compute-Request-Id")
  compute_request_id() = default;
  explicit compute_request_id(std::string id) : id_(std::move(id)) {}
  void parse(const std::string& data) override { id_ = data; }
  void write(std::ostream& os) const override { os << id_; }

 private:
  std::string id_;
};

// Any other header, named at run time (X-Subject-Token, WWW-Authenticate).
class named_header : public Http::Header::Header {
 public:
  named_header(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override {
    return Http::Header::detail::hash(name_.c_str());
  }
#endif
  void parse(const std::string& data) override {
    value_ = data;
  }
  void write(std::ostream& os) const override {
    os << value_;
  }

 private:
  std::string name_;
  std::string value_;
};

// Neutron's ?fields= projection of a 200 body (defined below).
std::string projected(const std::string& body, const std::set<std::string>& fields);

// The one place the request id headers are added: every answer goes
// through pistache_responder::send.
void add_request_id_headers(Http::ResponseWriter& w, service svc, const std::string& id) {
  w.headers().add<openstack_request_id>(id);
  if (svc == service::compute) w.headers().add<compute_request_id>(id);
}

class pistache_responder final : public responder {
 public:
  // html_errors: errors go out as Glance's HTML page (api/glance_errors.hpp).
  pistache_responder(service svc, Http::ResponseWriter w, std::shared_ptr<in_flight> flight,
                     bool keep_alive, bool html_errors)
      : responder(svc, new_request_id()),
        w_(std::move(w)),
        flight_(std::move(flight)),
        keep_alive_(keep_alive),
        html_errors_(html_errors) {
    flight_->begin();
  }
  ~pistache_responder() override {
    if (!sent_) {
      log().error("handler ended without answering");
      send(500, error_body(svc(), 500, "The request was not answered."), {});
    }
  }

  void send_file(const std::string& path, const header_list& headers) override {
    if (sent_.exchange(true)) return;
    if (!flight_->closed()) {
      add_headers(headers);
      try {
        // sendfile(2) from the page cache: the bytes never pass through us.
        Http::serveFile(w_, path, MIME(Application, OctetStream));
      } catch (const std::exception& e) {
        log().error("cannot send {}: {}", path, e.what());
        w_.headers().remove<Http::Header::ContentType>();
        w_.send(Http::Code::Internal_Server_Error,
                error_body(svc(), 500, "The image data could not be read.").dump(),
                MIME(Application, Json));
      }
    }
    flight_->end();
  }

  void send_typed(int status, std::string body, const std::string& content_type,
                  const header_list& headers) override {
    if (sent_.exchange(true)) return;
    if (!flight_->closed()) {
      add_headers(headers);
      w_.send(static_cast<Http::Code>(status), body,
              Http::Mime::MediaType::fromString(content_type));
    }
    flight_->end();
  }

  // Only these fields of a 200 body's resources go out (Neutron's ?fields=).
  void project_fields(std::set<std::string> fields) { fields_ = std::move(fields); }

  void send_text(int status, std::string body, const header_list& headers) override {
    if (sent_.exchange(true)) return;
    if (!flight_->closed()) {
      add_headers(headers);
      if (body.empty())
        w_.send(static_cast<Http::Code>(status));
      else if (html_errors_ && status >= 400)
        w_.send(static_cast<Http::Code>(status), glance_error_page(status, body),
                Http::Mime::MediaType::fromString("text/html; charset=UTF-8"));
      else if (status == 200 && !fields_.empty())
        w_.send(static_cast<Http::Code>(status), projected(body, fields_), MIME(Application, Json));
      else
        w_.send(static_cast<Http::Code>(status), body, MIME(Application, Json));
    } else {
      log().warn("answer {} dropped: the server is already shut down", status);
    }
    flight_->end();
  }

 private:
  void add_headers(const header_list& headers) {
    add_request_id_headers(w_, svc(), request_id());
    if (keep_alive_) {
      // Pistache 0.0.5 closes a connection whose request named no
      // Connection, though HTTP/1.1 keeps it open by default (wrk,
      // curl): without this every request would pay a new connection.
      w_.headers().remove<Http::Header::Connection>();
      w_.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
    }
    for (const auto& [name, value] : headers)
      w_.headers().add(std::make_shared<named_header>(name, value));
    for (const auto& [name, value] : extra_headers())
      w_.headers().add(std::make_shared<named_header>(name, value));
  }

  Http::ResponseWriter w_;
  std::shared_ptr<in_flight> flight_;
  bool keep_alive_;
  bool html_errors_;
  std::set<std::string> fields_;
  std::atomic<bool> sent_{false};
};

Http::Method to_pistache(http_method m) {
  switch (m) {
    case http_method::get:
      return Http::Method::Get;
    case http_method::post:
      return Http::Method::Post;
    case http_method::put:
      return Http::Method::Put;
    case http_method::patch:
      return Http::Method::Patch;
    case http_method::del:
      return Http::Method::Delete;
    case http_method::head:
      return Http::Method::Head;
  }
  return Http::Method::Get;
}

// HTTP/1.1 keeps a connection open unless the request says close.
bool keeps_alive(const Rest::Request& req) {
  if (req.version() != Http::Version::Http11) return false;
  auto c = req.headers().tryGet<Http::Header::Connection>();
  return !c || c->control() != Http::ConnectionControl::Close;
}

// Every path segment, query key and value is valid UTF-8 once decoded:
// what is not would be stored, then fail to render as JSON forever.
bool url_is_utf8(const Rest::Request& req) {
  if (!valid_utf8(percent_decoded(req.resource(), false))) return false;
  for (const auto& [key, value] : query_list(req))
    if (!valid_utf8(key) || !valid_utf8(value)) return false;
  return true;
}

// Neutron's ?fields=: a GET's 200 body shows only those fields of its
// resource (or of each resource of a list). A projection of whatever the
// route rendered, so every Neutron list and show has it.
std::set<std::string> neutron_fields(service svc, const Rest::Request& req) {
  if (svc != service::network || req.method() != Http::Method::Get) return {};
  return query_values(query_list(req), "fields");
}

nlohmann::json only_fields(const nlohmann::json& resource, const std::set<std::string>& fields) {
  if (!resource.is_object()) return resource;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : fields)
    if (auto it = resource.find(f); it != resource.end()) out[f] = *it;
  return out;
}

std::string projected(const std::string& body, const std::set<std::string>& fields) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return body;
  for (auto& [key, value] : doc.items()) {
    if (value.is_array()) {
      for (auto& item : value) item = only_fields(item, fields);
    } else {
      value = only_fields(value, fields);
    }
  }
  return doc.dump();
}

// The exception's text goes to the log only: C++ text is no answer.
void refuse_input(responder& r, const std::exception& e) {
  r.log().info("handler refused the input: {}", e.what());
  respond_error(r, 400,
                "Invalid input: a value in the request is out of range or of the wrong type.");
}

// Creates the responder, logs the request line, refuses while shutting
// down and what is not UTF-8, and turns an exception into a 500.
// Runs a route's handler; what it throws is answered here.
void run_handler(const api_handler& handler, const Rest::Request& req,
                 const std::shared_ptr<responder>& r) {
  try {
    handler(req, r);
  } catch (const std::logic_error& e) {
    // A value the schema let through but that does not fit what the route
    // reads it into (a number past 64 bits, a string where a number was
    // expected): the client's mistake, not ours. std::stoll's out_of_range
    // and invalid_argument are logic_errors; nlohmann's own below.
    refuse_input(*r, e);
  } catch (const nlohmann::json::exception& e) {
    refuse_input(*r, e);
  } catch (const std::exception& e) {
    r->log().error("handler failed: {}", e.what());
    respond_error(*r, 500, "An unexpected error prevented the request from being answered.");
  }
}

// token_first: a body is read only once the caller's token is valid, as
// keystonemiddleware does in front of every OpenStack service, so an
// anonymous client costs a token check, never a parse and a schema walk of
// its body (issue 22, item 15). The handler then runs on a CAF thread with
// its own copy of the request; it checks the token again as it always
// does (a second ask of the identity actor, for requests with a body only).
// Pistache's router ignores a trailing slash; Glance's routes are exact
// ("GET /v2/images/" is a 404 there, not the list). Version discovery
// ("/image/", "/image/v2/") is left alone: clients build those URLs.
bool glance_trailing_slash(const std::string& resource) {
  const std::string prefix = "/image/v2/";
  return resource.size() > prefix.size() && resource.compare(0, prefix.size(), prefix) == 0 &&
         resource.back() == '/';
}

void dispatch(server_context& ctx, service svc, const Rest::Request& req, Http::ResponseWriter w,
              const api_handler& handler, bool token_first) {
  const bool html_errors = svc == service::image && !prefers_json(header_of(req, "Accept"));
  auto r = std::make_shared<pistache_responder>(svc, std::move(w), ctx.flight, keeps_alive(req),
                                                html_errors);
  r->set_request_line(std::string(Http::methodString(req.method())) + " " + req.resource());
  if (!ctx.flight->accepting()) {
    respond_error(*r, 503, "The server is shutting down; try again later.");
    return;
  }
  if (!url_is_utf8(req)) {
    respond_error(*r, 400, "The request's URL is not valid UTF-8 once percent-decoded.");
    return;
  }
  r->project_fields(neutron_fields(svc, req));
  if (svc == service::image && glance_trailing_slash(req.resource())) {
    respond_error(*r, 404, "The resource could not be found.");
    return;
  }
  if (token_first && !req.body().empty()) {
    with_token(
        ctx, auth_token_of(req), r,
        [handler, copy = std::make_shared<const Rest::Request>(req)](
            std::shared_ptr<responder> rr, token_info&) { run_handler(handler, *copy, rr); });
    return;
  }
  run_handler(handler, req, r);
}

}  // namespace

namespace {

void register_route(Rest::Router& router, server_context& ctx, http_method method,
                    const std::string& path, service svc, api_handler handler, bool token_first) {
  auto& entry = ctx.methods_of_path[path];
  entry.first = static_cast<int>(svc);
  entry.second.insert(Http::methodString(to_pistache(method)));
  router.addRoute(to_pistache(method), path,
                  [&ctx, svc, handler = std::move(handler), token_first](const Rest::Request& req,
                                                                         Http::ResponseWriter w) {
                    dispatch(ctx, svc, req, std::move(w), handler, token_first);
                    return Rest::Route::Result::Ok;
                  });
}

}  // namespace

void add_route(Rest::Router& router, server_context& ctx, http_method method,
               const std::string& path, service svc, api_handler handler) {
  register_route(router, ctx, method, path, svc, std::move(handler), true);
}

void add_public_route(Rest::Router& router, server_context& ctx, http_method method,
                      const std::string& path, service svc, api_handler handler) {
  register_route(router, ctx, method, path, svc, std::move(handler), false);
}

void set_method_not_allowed(Rest::Router& router, server_context& ctx) {
  for (const auto& [path, entry] : ctx.methods_of_path) {
    const service svc = static_cast<service>(entry.first);
    std::string allow;
    for (const auto& m : entry.second) allow += (allow.empty() ? "" : ", ") + m;
    for (auto m : {http_method::get, http_method::post, http_method::put, http_method::patch,
                   http_method::del, http_method::head}) {
      if (entry.second.count(Http::methodString(to_pistache(m)))) continue;
      router.addRoute(
          to_pistache(m), path,
          [&ctx, svc, allow](const Rest::Request& req, Http::ResponseWriter w) {
            dispatch(
                ctx, svc, req, std::move(w),
                [allow](const Rest::Request& rq, std::shared_ptr<responder> r) {
                  (void)rq;
                  r->log().info("{} -> 405 (not allowed here)", r->request_line());
                  r->send(
                      405,
                      error_body(r->svc(), 405, "The method is not allowed for the requested URL."),
                      {{"Allow", allow}});
                },
                false);
            return Rest::Route::Result::Ok;
          });
    }
  }
}

void set_not_found(Rest::Router& router, server_context& ctx) {
  router.addNotFoundHandler([&ctx](const Rest::Request& req, Http::ResponseWriter w) {
    dispatch(
        ctx, service_of_path(req.resource()), req, std::move(w),
        [](const Rest::Request& rq, std::shared_ptr<responder> r) {
          respond_error(*r, 404, "The resource could not be found: " + rq.resource());
        },
        false);
    return Rest::Route::Result::Ok;
  });
}

std::string header_of(const Rest::Request& req, const std::string& name) {
  if (auto raw = req.headers().tryGetRaw(name)) return raw->value();
  if (auto typed = req.headers().tryGet(name)) {
    std::ostringstream os;
    typed->write(os);
    return os.str();
  }
  return "";
}


std::string param_of(const Rest::Request& req, const std::string& name) {
  // Pistache hands path segments over as sent: names (a key pair's, an
  // extra spec's key) may hold escaped characters.
  return percent_decoded(req.param(name).as<std::string>(), false);
}

std::optional<std::string> query_of(const Rest::Request& req, const std::string& name) {
  auto v = req.query().get(name);
  if (!v) return v;
  return percent_decoded(*v);
}

std::map<std::string, std::string> query_params(const Rest::Request& req) {
  std::map<std::string, std::string> out;
  for (auto& [key, value] : query_list(req)) out.emplace(std::move(key), std::move(value));
  return out;
}

query_pairs query_list(const Rest::Request& req) {
  if (auto raw = req.headers().tryGetRaw(raw_query_header_name)) return parse_query(raw->value());
  query_pairs out;
  for (const auto& key : req.query().parameters())
    out.emplace_back(percent_decoded(key), percent_decoded(req.query().get(key).value_or("")));
  return out;
}

std::optional<nlohmann::json> json_request(const server_context& ctx, const Rest::Request& req,
                                           responder& r, const std::string& schema) {
  auto body = read_json_body(req.body(), header_of(req, "Content-Type"), ctx.schemas, schema,
                             ctx.opts.max_json_body_bytes);
  if (!body) {
    respond_error(r, body.error->status, body.error->message);
    return std::nullopt;
  }
  return std::move(body.value);
}

std::optional<std::string> optional_text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

bool query_flag(const std::string& value) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !(v == "0" || v == "false" || v == "no" || v == "off");
}

bool is_small_integer(const std::string& text, bool allow_negative) {
  const std::size_t sign = allow_negative && !text.empty() && text[0] == '-' ? 1 : 0;
  const std::size_t digits = text.size() - sign;
  if (digits < 1 || digits > 9) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(sign), text.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

const std::string& body_of(const Rest::Request& req) {
  return req.body();
}

std::string base_url(const Rest::Request& req, const server_context& ctx) {
  std::string host = header_of(req, "Host");
  if (host.empty()) host = ctx.opts.host + ":" + std::to_string(ctx.port);
  return "http://" + host;
}

}  // namespace cumulo::api
