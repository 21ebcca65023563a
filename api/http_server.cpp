#include "api/http_server.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "engine/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using namespace Pistache;

// addRaw() headers are silently dropped by Pistache 0.0.5: custom headers
// need a typed header class.
class request_id_header : public Http::Header::Header {
 public:
  NAME("X-OpenStack-Request-Id")
  request_id_header() = default;
  explicit request_id_header(std::string id) : id_(std::move(id)) {}
  void parse(const std::string& data) override { id_ = data; }
  void write(std::ostream& os) const override { os << id_; }

 private:
  std::string id_;
};

}  // namespace

struct http_server::impl {
  caf::actor_system& sys;
  caf::actor conductor;
  server_options opts;
  std::unique_ptr<Http::Endpoint> endpoint;
  Rest::Router router;

  impl(caf::actor_system& s, caf::actor c, server_options o)
      : sys(s), conductor(std::move(c)), opts(std::move(o)) {}

  // Sends a JSON answer with the request id, and counts the request done.
  void reply(Http::ResponseWriter& w, Http::Code code, const nlohmann::json& body,
             const std::string& request_id) {
    w.headers().add<request_id_header>(request_id);
    w.send(code, body.dump(), MIME(Application, Json));
  }

  void routes() {
    // Version discovery of the identity service arrives with the identity
    // issue; until then the root lists no versions.
    Rest::Routes::Get(router, "/", [this](const Rest::Request&, Http::ResponseWriter w) {
      const std::string rid = new_request_id();
      reply(w, Http::Code::Multiple_Choices, {{"versions", {{"values", nlohmann::json::array()}}}},
            rid);
      return Rest::Route::Result::Ok;
    });
    router.addNotFoundHandler([this](const Rest::Request& req, Http::ResponseWriter w) {
      const std::string rid = new_request_id();
      spdlog::info("[{}] {} {} -> 404", rid, Http::methodString(req.method()), req.resource());
      reply(w, Http::Code::Not_Found,
            {{"error",
              {{"code", 404},
               {"title", "Not Found"},
               {"message", "The resource could not be found: " + req.resource()}}}},
            rid);
      return Rest::Route::Result::Ok;
    });
  }
};

http_server::http_server(caf::actor_system& sys, caf::actor conductor, server_options opts)
    : impl_(std::make_unique<impl>(sys, std::move(conductor), std::move(opts))) {}

http_server::~http_server() { shutdown(); }

void http_server::start() {
  auto& s = *impl_;
  Address addr(s.opts.host, Port(s.opts.port));
  s.endpoint = std::make_unique<Http::Endpoint>(addr);
  s.endpoint->init(Http::Endpoint::options()
                       .threads(static_cast<int>(s.opts.threads))
                       .flags(Tcp::Options::ReuseAddr)
                       .maxRequestSize(s.opts.max_request_bytes));
  s.routes();
  s.endpoint->setHandler(s.router.handler());
  try {
    s.endpoint->serveThreaded();
  } catch (const std::exception& e) {
    s.endpoint.reset();
    throw std::runtime_error("cannot listen on " + s.opts.host + ":" +
                             std::to_string(s.opts.port) + ": " + e.what());
  }
}

void http_server::shutdown() {
  auto& s = *impl_;
  if (!s.endpoint) return;
  s.endpoint->shutdown();
  s.endpoint.reset();
}

std::uint16_t http_server::port() const {
  return impl_->endpoint ? static_cast<std::uint16_t>(impl_->endpoint->getPort())
                         : 0;
}

void parse_listen(const std::string& text, server_options& opts) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument("--listen wants HOST:PORT, e.g. 127.0.0.1:5000, not '" + text +
                                "'");
  const std::string port = text.substr(colon + 1);
  std::size_t used = 0;
  unsigned long p = 0;
  try {
    p = std::stoul(port, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != port.size() || p > 65535)
    throw std::invalid_argument("--listen: '" + port + "' is not a port number");
  opts.host = text.substr(0, colon);
  opts.port = static_cast<std::uint16_t>(p);
}

}  // namespace cumulo::api
