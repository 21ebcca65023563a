#include "actors/compute_metadata.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>

#include "actors/conductor.hpp"
#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "actors/networking.hpp"

namespace cumulo {

instance_addresses addresses_of(const instance_state& s) {
  instance_addresses a;
  a.instance_id = s.id;
  a.version = s.version;
  a.exists = s.exists();
  if (a.exists)
    for (const auto& x : s.addresses) a.addresses.emplace_back(x.network_id, x.ip_address);
  return a;
}

void instance_address_index::drop(const std::string& instance_id, const entry& e) {
  for (const auto& key : e.addresses) {
    auto it = by_address_.find(key);
    if (it != by_address_.end() && it->second == instance_id) by_address_.erase(it);
  }
}

void instance_address_index::put(const instance_addresses& a) {
  auto it = of_instance_.find(a.instance_id);
  if (it != of_instance_.end()) {
    if (it->second.version > a.version) return;
    drop(a.instance_id, it->second);
    of_instance_.erase(it);
  }
  if (!a.exists) return;
  entry e{a.version, a.addresses};
  for (const auto& key : e.addresses) by_address_[key] = a.instance_id;
  of_instance_.emplace(a.instance_id, std::move(e));
}

std::string instance_address_index::find(const std::string& network_id,
                                         const std::string& ip) const {
  auto it = by_address_.find({network_id, ip});
  return it == by_address_.end() ? std::string() : it->second;
}

namespace {

caf::error nobody_at(const std::string& network_id, const std::string& ip) {
  return to_caf_error(
      {errc::not_found, "No instance has the address " + ip + " on network " + network_id + "."});
}

// What metadata_of needs besides the instance, gathered from networking.
struct gathering {
  instance_state s;
  std::vector<network_state> networks;
  std::vector<floatingip_state> floating_ips;
  std::size_t waiting = 0;
};

}  // namespace

namespace {

// Gathers what metadata_of needs besides the instance, then k.
void gather(caf::event_based_actor* self, const metadata_links& links, instance_state s,
            std::function<void(instance_metadata)> k) {
  auto g = std::make_shared<gathering>();
  g->s = std::move(s);
  std::set<std::string> network_ids;
  for (const auto& a : g->s.addresses) network_ids.insert(a.network_id);
  g->waiting = network_ids.size() + 1;
  auto keypair = links.keypair;
  auto one_done = [g, k, keypair] {
    if (--g->waiting > 0) return;
    std::optional<keypair_state> key;
    if (!g->s.key_name.empty() && keypair) key = keypair(g->s.user_id, g->s.key_name);
    k(metadata_of(g->s, key ? &*key : nullptr, g->networks, g->floating_ips));
  };
  // Networking answers from its index: no timeout of ours (door.hpp's reason).
  for (const auto& id : network_ids)
    self->request(links.networking, conductor_timeout, caf::get_atom::value, network_atom::value,
                  id)
        .then(
            [g, one_done](network_state& n) {
              g->networks.push_back(std::move(n));
              one_done();
            },
            [one_done, id](caf::error& e) {
              spdlog::info("metadata: network {} left out: {}", id, from_caf_error(e).message);
              one_done();
            });
  self->request(links.networking, conductor_timeout, list_atom::value, floatingip_atom::value)
      .then(
          [g, one_done](std::vector<floatingip_state>& all) {
            g->floating_ips = std::move(all);
            one_done();
          },
          [one_done](caf::error& e) {
            spdlog::info("metadata: floating IPs left out: {}", from_caf_error(e).message);
            one_done();
          });
}

}  // namespace

caf::result<instance_metadata> metadata_of_instance(caf::event_based_actor* self,
                                                    const metadata_links& links, instance_state s) {
  auto promise = self->make_response_promise<instance_metadata>();
  gather(self, links, std::move(s),
         [promise](instance_metadata md) mutable { promise.deliver(std::move(md)); });
  return promise;
}

caf::result<instance_metadata> metadata_of_address(caf::event_based_actor* self,
                                                   const metadata_links& links,
                                                   const std::string& instance_id,
                                                   const std::string& network_id,
                                                   const std::string& ip) {
  auto promise = self->make_response_promise<instance_metadata>();
  self->request(links.conductor, conductor_timeout, caf::get_atom::value, instance_atom::value,
                instance_id)
      .then(
          [self, links, network_id, ip, promise](instance_state& s) mutable {
            const bool there =
                s.exists() && std::any_of(s.addresses.begin(), s.addresses.end(),
                                          [&](const instance::address& a) {
                                            return a.network_id == network_id && a.ip_address == ip;
                                          });
            if (!there) {
              promise.deliver(nobody_at(network_id, ip));
              return;
            }
            gather(self, links, std::move(s),
                   [promise](instance_metadata md) mutable { promise.deliver(std::move(md)); });
          },
          [network_id, ip, promise](caf::error& e) mutable {
            if (from_caf_error(e).code == errc::not_found)
              promise.deliver(nobody_at(network_id, ip));
            else
              promise.deliver(e);
          });
  return promise;
}

}  // namespace cumulo
