#include "api/routing.hpp"

#include <sstream>

#include "engine/ids.hpp"

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

// The one place the request id headers are added: every answer goes
// through pistache_responder::send.
void add_request_id_headers(Http::ResponseWriter& w, service svc, const std::string& id) {
  w.headers().add<openstack_request_id>(id);
  if (svc == service::compute) w.headers().add<compute_request_id>(id);
}

class pistache_responder final : public responder {
 public:
  pistache_responder(service svc, Http::ResponseWriter w, std::shared_ptr<in_flight> flight)
      : responder(svc, new_request_id()), w_(std::move(w)), flight_(std::move(flight)) {
    flight_->begin();
  }
  ~pistache_responder() override {
    if (!sent_) {
      log().error("handler ended without answering");
      send(500, error_body(svc(), 500, "The request was not answered."));
    }
  }

  void send(int status, const nlohmann::json& body) override {
    if (sent_.exchange(true)) return;
    if (!flight_->closed()) {
      add_request_id_headers(w_, svc(), request_id());
      w_.send(static_cast<Http::Code>(status), body.dump(), MIME(Application, Json));
    } else {
      log().warn("answer {} dropped: the server is already shut down", status);
    }
    flight_->end();
  }

 private:
  Http::ResponseWriter w_;
  std::shared_ptr<in_flight> flight_;
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

// Creates the responder, logs the request line, refuses while shutting
// down, and turns an exception into a 500.
void dispatch(server_context& ctx, service svc, const Rest::Request& req, Http::ResponseWriter w,
              const api_handler& handler) {
  auto r = std::make_shared<pistache_responder>(svc, std::move(w), ctx.flight);
  r->log().info("{} {}", Http::methodString(req.method()), req.resource());
  if (!ctx.flight->accepting()) {
    respond_error(*r, 503, "The server is shutting down; try again later.");
    return;
  }
  try {
    handler(req, r);
  } catch (const std::exception& e) {
    r->log().error("handler failed: {}", e.what());
    respond_error(*r, 500, "An unexpected error prevented the request from being answered.");
  }
}

}  // namespace

void add_route(Rest::Router& router, server_context& ctx, http_method method,
               const std::string& path, service svc, api_handler handler) {
  router.addRoute(
      to_pistache(method), path,
      [&ctx, svc, handler = std::move(handler)](const Rest::Request& req, Http::ResponseWriter w) {
        dispatch(ctx, svc, req, std::move(w), handler);
        return Rest::Route::Result::Ok;
      });
}

void set_not_found(Rest::Router& router, server_context& ctx) {
  router.addNotFoundHandler([&ctx](const Rest::Request& req, Http::ResponseWriter w) {
    dispatch(ctx, service_of_path(req.resource()), req, std::move(w),
             [](const Rest::Request& rq, std::shared_ptr<responder> r) {
               respond_error(*r, 404, "The resource could not be found: " + rq.resource());
             });
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

const std::string& body_of(const Rest::Request& req) {
  return req.body();
}

std::string base_url(const Rest::Request& req, const server_context& ctx) {
  std::string host = header_of(req, "Host");
  if (host.empty()) host = ctx.opts.host + ":" + std::to_string(ctx.port);
  return "http://" + host;
}

}  // namespace cumulo::api
