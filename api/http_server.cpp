#include "api/http_server.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "api/compute.hpp"
#include "api/compute_servers.hpp"
#include "api/dashboard.hpp"
#include "api/faults.hpp"
#include "api/identity.hpp"
#include "api/image.hpp"
#include "api/image_upload.hpp"
#include "api/network.hpp"
#include "api/routing.hpp"
#include "api/server_context.hpp"
#include "api/version.hpp"
#include "api/volume.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

namespace cumulo::api {

using namespace Pistache;

struct http_server::impl {
  server_context ctx;
  std::unique_ptr<Http::Endpoint> endpoint;
  Rest::Router router;

  impl(caf::actor_system& s, service_actors a, server_options o)
      : ctx{s,
            std::move(a.conductor),
            std::move(a.identity),
            std::move(a.networking),
            std::move(a.image_registry),
            std::move(a.compute),
            std::move(a.journal),
            o,
            bridge(s, o.actor_timeout),
            schema_set(o.schema_dir),
            std::move(a.compute_hosts),
            std::move(a.console_auth)} {
    // After the members with defaults, so not in the aggregate above.
    ctx.block_storage = std::move(a.block_storage);
  }

  void routes() {
    add_version_routes(router, ctx);
    add_identity_routes(router, ctx);
    add_network_routes(router, ctx);
    add_image_routes(router, ctx);
    add_compute_routes(router, ctx);
    add_server_routes(router, ctx);
    add_volume_routes(router, ctx);
    add_dashboard_routes(router, ctx);
    if (ctx.opts.faults) add_fault_routes(router, ctx);
    set_method_not_allowed(router, ctx);
    set_not_found(router, ctx);
  }
};

http_server::http_server(caf::actor_system& sys, service_actors actors, server_options opts)
    : impl_(std::make_unique<impl>(sys, std::move(actors), std::move(opts))) {}

http_server::~http_server() {
  shutdown();
}

void http_server::start() {
  auto& s = *impl_;
  const auto& opts = s.ctx.opts;
  Address addr(opts.host, Port(opts.port));
  s.endpoint = std::make_unique<Http::Endpoint>(addr);
  s.endpoint->init(Http::Endpoint::options()
                       .threads(static_cast<int>(opts.threads))
                       .flags(Tcp::Options::ReuseAddr)
                       .maxRequestSize(opts.max_request_bytes));
  s.routes();
  // Image uploads stream past Pistache, which would buffer whole bodies.
  s.endpoint->setHandler(make_upload_handler(s.router, s.ctx));
  try {
    s.endpoint->serveThreaded();
  } catch (const std::exception& e) {
    s.endpoint.reset();
    throw std::runtime_error("cannot listen on " + opts.host + ":" + std::to_string(opts.port) +
                             ": " + e.what());
  }
  s.ctx.port = static_cast<std::uint16_t>(s.endpoint->getPort());
}

void http_server::shutdown() {
  auto& s = *impl_;
  if (!s.endpoint) return;
  if (!s.ctx.flight->drain(s.ctx.opts.drain_timeout))
    spdlog::warn("http: {} requests still unanswered after {} ms; shutting down anyway",
                 s.ctx.flight->count(), s.ctx.opts.drain_timeout.count());
  s.endpoint->shutdown();
  s.endpoint.reset();
}

std::uint16_t http_server::port() const {
  return impl_->ctx.port;
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
