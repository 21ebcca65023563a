#include "api/metadata_service.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "actors/errors.hpp"
#include "actors/metadata_messages.hpp"
#include "virt/netns_socket.hpp"

namespace cumulo::api {
namespace {

struct metadata_front_state {
  metadata_service_options opts;
  // Each network's namespace as served: its name and which namespace that
  // name was (netns_inode).
  std::map<std::string, std::pair<std::string, std::uint64_t>> served;
  // Destroyed with the actor's state when it exits: the thread stops and
  // every socket is closed.
  std::unique_ptr<metadata_server> server;
  static inline const char* name = "metadata";
};

using metadata_front = caf::stateful_actor<metadata_front_state>;

caf::behavior metadata_front_actor(metadata_front* self, caf::actor compute,
                                   metadata_service_options opts) {
  self->state.opts = opts;
  self->state.server = std::make_unique<metadata_server>(
      compute_door_lookup(self->system(), std::move(compute), opts.lookup_timeout), opts.server);
  return {
      [self](metadata_atom, caf::add_atom, const std::string& network_id,
             const std::string& netns) -> caf::result<caf::ok_atom> {
        const auto& o = self->state.opts;
        // The network host says it again at each reconcile: a namespace
        // served already is left as it is, one made anew is served anew.
        const auto inode = netns_inode(netns);
        auto it = self->state.served.find(network_id);
        if (it != self->state.served.end() && it->second.first == netns && inode != 0 &&
            it->second.second == inode)
          return caf::ok_atom::value;
        try {
          const int fd = listen_in_netns(netns, o.address, o.port);
          self->state.server->serve(network_id, fd);
          self->state.served[network_id] = {netns, inode};
        } catch (const std::exception& e) {
          spdlog::error("metadata: cannot listen on {}:{} in {} for network {}: {}", o.address,
                        o.port, netns, network_id, e.what());
          return to_caf_error(
              {errc::internal, "The metadata service cannot listen in " + netns + ": " + e.what()});
        }
        spdlog::info("metadata: network {} served on {}:{} in {}", network_id, o.address, o.port,
                     netns.empty() ? std::string("cumulo's namespace") : netns);
        return caf::ok_atom::value;
      },
      [self](metadata_atom, caf::delete_atom, const std::string& network_id) {
        self->state.served.erase(network_id);
        self->state.server->stop_serving(network_id);
        return caf::ok_atom::value;
      },
      [self](metadata_atom, list_atom) { return self->state.server->networks(); },
  };
}

}  // namespace

metadata_lookup compute_door_lookup(caf::actor_system& sys, caf::actor compute,
                                    std::chrono::milliseconds timeout) {
  return [&sys, compute, timeout](const std::string& network_id, const std::string& ip,
                                  std::function<void(metadata_lookup_result)> done) {
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(compute, timeout, metadata_atom::value, caf::get_atom::value, network_id, ip)
          .then(
              [done](instance_metadata& md) {
                done({200, std::move(md)});
              },
              [done, network_id, ip](caf::error& e) {
                const auto why = from_caf_error(e);
                if (why.code == errc::not_found) {
                  done({404, {}});
                  return;
                }
                spdlog::warn("metadata: who has {} on network {}: {}", ip, network_id, why.message);
                done({503, {}});
              });
    });
  };
}

metadata_service::metadata_service(caf::actor_system& sys, caf::actor compute,
                                   metadata_service_options opts) {
  // Detached: making a socket inside a namespace starts and joins a thread.
  actor_ = sys.spawn<caf::detached>(metadata_front_actor, std::move(compute), std::move(opts));
}

metadata_service::~metadata_service() {
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
}

}  // namespace cumulo::api
