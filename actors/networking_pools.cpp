// The networking door's flows of Neutron's subnet pools and address
// scopes (the caller's rules are networking_pools_gate.cpp's): what spans
// resources and so is the door's to serialise. One default pool per family;
// the pools of an address scope never overlap; a prefix goes to one subnet
// of a pool; the subnets of one family on a network come from one pool, or
// from pools of one scope; a pool or scope in use stays. Every check counts what
// is in flight (networking_state's claims, pools_in_flight, going) as done.
#include <caf/all.hpp>

#include "actors/networking_internal.hpp"
#include "engine/ipam.hpp"

namespace cumulo::networking_detail {

domain_error subnetpool_not_found(const std::string& id) {
  return not_found("SubnetPoolNotFound", "Subnet pool", id);
}
domain_error address_scope_not_found(const std::string& id) {
  return not_found("AddressScopeNotFound", "Address scope", id);
}

namespace {

// Neutron's BadRequest of a resource: "Bad subnets request: ...".
domain_error bad_subnets_request(const std::string& why) {
  return make_neutron_error(errc::bad_request, "BadRequest", "Bad subnets request: " + why + ".");
}

const subnetpool_state* pool_of(const networking_state& st, const std::string& id) {
  if (id.empty() || st.going.count(id)) return nullptr;
  auto it = st.subnetpools.find(id);
  return it == st.subnetpools.end() ? nullptr : &it->second;
}

// The address scope of a pool ("" for none, or no pool).
std::string scope_of_pool(const networking_state& st, const std::string& pool_id) {
  const auto* p = pool_of(st, pool_id);
  return p ? p->address_scope_id : "";
}

// Every pool as it is or will be once the changes in flight are made,
// but pool `except`.
template <class F>
void each_pool(const networking_state& st, const std::string& except, F f) {
  for (const auto& [id, p] : st.subnetpools)
    if (id != except && !st.going.count(id)) f(p);
  for (const auto& [n, p] : st.pools_in_flight)
    if (p.id != except) f(p);
}

// Neutron's _validate_network_subnetpools: on one network the subnets of a
// family come from one pool (or none), unless they share an address scope;
// then every one of that family must come from a pool of that scope.
std::optional<domain_error> check_network_pools(const networking_state& st, const network_state& n,
                                                int ip_version, const subnetpool_state* pool) {
  std::string network_scope;
  for (const auto& s : n.subnets)
    if (s.ip_version == ip_version && network_scope.empty())
      network_scope = scope_of_pool(st, s.subnetpool_id);
  if (!network_scope.empty() && pool && pool->address_scope_id != network_scope)
    return make_neutron_error(errc::bad_request, "NetworkAddressScopeAffinityError",
                              "Subnets of the same address family hosted on the same network "
                              "must all participate in the same address scope.");
  for (const auto& s : n.subnets) {
    if (s.ip_version != ip_version) continue;
    const bool other =
        pool ? s.subnetpool_id != pool->id && network_scope.empty() : !s.subnetpool_id.empty();
    if (other)
      return make_neutron_error(errc::bad_request, "NetworkSubnetPoolAffinityError",
                                "Subnets hosted on the same network must be allocated from the "
                                "same subnet pool.");
  }
  return std::nullopt;
}

// The ip_version a subnet asks for: the one it names, else its cidr's.
int requested_version(const network::add_subnet& c) {
  if (c.ip_version != 0) return c.ip_version;
  auto net = ipam::parse_cidr(c.cidr);
  return net ? net->network.version : 0;
}

// Neutron's _check_subnetpool_address_scope_network_affinity: a pool moved
// to another scope must not leave a network of its subnets with subnets of
// that family from elsewhere.
std::optional<domain_error> check_rescoping(const networking_state& st, const std::string& pool_id,
                                            int ip_version) {
  for (const auto& [_, n] : st.networks) {
    bool has = false, others = false;
    for (const auto& s : n.subnets) {
      if (s.ip_version != ip_version) continue;
      (s.subnetpool_id == pool_id ? has : others) = true;
    }
    if (has && others)
      return make_neutron_error(errc::bad_request, "NetworkAddressScopeAffinityError",
                                "Subnets of the same address family hosted on the same network "
                                "must all participate in the same address scope.");
  }
  return std::nullopt;
}

// What a pool will be after `c` must keep the rules across pools. `before`:
// as it is (an empty state with its id for a create).
std::optional<domain_error> check_pool_change(const networking_state& st,
                                              const subnetpool_state& before,
                                              const subnetpool_state& after) {
  if (after.is_default && !before.is_default) {
    bool taken = false;
    each_pool(st, after.id, [&](const subnetpool_state& p) {
      taken |= p.is_default && p.ip_version == after.ip_version;
    });
    if (taken)
      return make_neutron_error(errc::bad_request, "InvalidInput",
                                "Invalid input for operation: A default subnetpool for this IP "
                                "family has already been set. Only one default may exist per IP "
                                "family.");
  }
  if (after.address_scope_id.empty()) return std::nullopt;
  auto scope = st.address_scopes.find(after.address_scope_id);
  if (scope == st.address_scopes.end() || st.going.count(after.address_scope_id))
    return address_scope_not_found(after.address_scope_id);
  if (scope->second.ip_version != after.ip_version)
    return make_neutron_error(errc::bad_request,
                              "IllegalSubnetPoolIpVersionAssociationToAddressScope",
                              "Illegal subnetpool association: subnetpool " + after.id +
                                  " cannot associate with address scope " + after.address_scope_id +
                                  " because subnetpool ip_version is not " +
                                  std::to_string(scope->second.ip_version) + ".");
  if (after.address_scope_id != before.address_scope_id)
    if (auto e = check_rescoping(st, after.id, after.ip_version)) return e;
  const auto mine = subnet_alloc::read_prefixes(after.prefixes);
  bool overlap = false;
  each_pool(st, after.id, [&](const subnetpool_state& p) {
    overlap |= p.address_scope_id == after.address_scope_id &&
               subnet_alloc::intersects(subnet_alloc::read_prefixes(p.prefixes), mine);
  });
  if (overlap)
    return make_neutron_error(errc::conflict, "AddressScopePrefixConflict",
                              "Failed to associate address scope: subnetpools within an address "
                              "scope must have unique prefixes.");
  return std::nullopt;
}

// A command to a pool or scope; `done` runs first on its answer, whatever it is.
template <class State, class Command>
caf::result<State> command_then(networking_actor* self, const std::string& id, Command c,
                                event_metadata meta, std::function<void()> done) {
  auto promise = self->make_response_promise<State>();
  resource_command<State>(
      self, id, std::move(c), std::move(meta),
      [promise, done](State& s) mutable {
        done();
        promise.deliver(s);
      },
      [promise, done](const caf::error& e) mutable {
        done();
        promise.deliver(e);
      });
  return promise;
}

// The pool a command makes of `before`, as its machine decides it.
outcome<subnetpool_state> what_if(subnetpool_state before, const subnetpool::command& c) {
  auto decided = subnetpool_machine::decide(before, c);
  if (!decided) return decided.error();
  for (const auto& e : decided.value()) {
    before = subnetpool_machine::apply(std::move(before), e);
    ++before.version;
  }
  return before;
}

}  // namespace

void networking_state::address_scopes_into(network_state& n) const {
  n.ipv4_address_scope.clear();
  n.ipv6_address_scope.clear();
  for (const auto& s : n.subnets) {
    auto& scope = s.ip_version == 6 ? n.ipv6_address_scope : n.ipv4_address_scope;
    if (scope.empty()) scope = scope_of_pool(*this, s.subnetpool_id);
  }
}

// A pool's scope may have changed: the networks of its subnets show it.
void networking_state::put(const subnetpool_state& s) {
  put_latest(subnetpools, s);
  for (auto& [_, n] : networks) address_scopes_into(n);
}

outcome<std::string> default_subnetpool(
    const networking_state& st, const network::add_subnet& c,
    const std::function<bool(const subnetpool_state&)>& usable) {
  const int ip_version = requested_version(c);
  for (const auto& [id, p] : st.subnetpools)
    if (p.is_default && p.ip_version == ip_version && !st.going.count(id) && usable(p)) return id;
  return bad_subnets_request("No default subnetpool found for IPv" + std::to_string(ip_version));
}

std::vector<subnet_alloc::allocation> allocations_of(const networking_state& st,
                                                     const std::string& id) {
  std::vector<subnet_alloc::allocation> out;
  for (const auto& [_, n] : st.networks)
    for (const auto& s : n.subnets)
      if (s.subnetpool_id == id)
        if (auto c = ipam::parse_cidr(s.cidr))
          out.push_back({*c, s.project_id.empty() ? n.project_id : s.project_id});
  for (const auto& [_, claim] : st.claims)
    if (claim.subnetpool_id == id) out.push_back(claim.allocation);
  return out;
}

std::optional<domain_error> claim_prefix(networking_state& st, const std::string& network_id,
                                         network::add_subnet& c) {
  if (c.use_default_subnetpool && c.subnetpool_id.empty()) {
    auto id = default_subnetpool(st, c, [](const subnetpool_state&) { return true; });
    if (!id) return id.error();
    c.subnetpool_id = id.value();
  }
  const subnetpool_state* pool = nullptr;
  if (!c.subnetpool_id.empty()) {
    pool = pool_of(st, c.subnetpool_id);
    if (!pool) return subnetpool_not_found(c.subnetpool_id);
    if (c.ip_version == 0) c.ip_version = pool->ip_version;
    if (c.ip_version != pool->ip_version)
      return bad_subnets_request("Cannot allocate IPv" + std::to_string(c.ip_version) +
                                 " subnet from IPv" + std::to_string(pool->ip_version) +
                                 " subnet pool");
    if (c.cidr.empty() && !c.allocation_pools.empty())
      return bad_subnets_request("allocation_pools allowed only for specific subnet requests");
  }
  // A network the index does not know is the network's own refusal.
  auto n = st.networks.find(network_id);
  if (n == st.networks.end()) return std::nullopt;
  if (auto e = check_network_pools(st, n->second, requested_version(c), pool)) return e;
  if (!pool) return std::nullopt;
  subnet_alloc::subnet_request request{std::nullopt, c.prefixlen,
                                       c.project_id.empty() ? n->second.project_id : c.project_id};
  if (!c.cidr.empty()) {
    // A cidr that does not parse is the network's to refuse, in its words.
    request.cidr = ipam::parse_cidr(c.cidr);
    if (!request.cidr) return std::nullopt;
  }
  auto given =
      subnet_alloc::allocate(allocation_pool(*pool), allocations_of(st, pool->id), request);
  if (!given) return given.error();
  if (c.cidr.empty()) c.cidr = ipam::to_string(given.value());
  st.claims[c.subnet_id] = pool_claim{pool->id, {given.value(), request.project_id}};
  return std::nullopt;
}

void release_prefix(networking_state& st, const std::string& subnet_id) {
  st.claims.erase(subnet_id);
}

caf::result<subnetpool_state> on_subnetpool(networking_actor* self, const std::string& id,
                                            subnetpool::command& c, event_metadata& meta) {
  auto& st = self->state;
  subnetpool_state before;
  before.id = id;
  if (!std::holds_alternative<subnetpool::create>(c)) {
    const auto* p = pool_of(st, id);
    if (!p) return to_caf_error(subnetpool_not_found(id));
    before = *p;
  }
  const bool removal = std::holds_alternative<subnetpool::remove>(c);
  if (removal && !allocations_of(st, id).empty())
    return to_caf_error(
        make_neutron_error(errc::bad_request, "SubnetPoolDeleteError",
                           "Unable to delete subnet pool: Subnet pool has existing allocations."));
  if (auto* r = std::get_if<subnetpool::remove_prefixes>(&c)) {
    r->in_use.clear();
    for (const auto& a : allocations_of(st, id)) r->in_use.push_back(ipam::to_string(a.cidr));
  }
  std::optional<std::uint64_t> change;
  if (!removal) {
    auto after = what_if(before, c);
    if (!after) return to_caf_error(after.error());
    if (auto e = check_pool_change(st, before, after.value())) return to_caf_error(*e);
    change = ++st.pool_changes;
    st.pools_in_flight[*change] = after.value();
  } else {
    st.going.insert(id);
  }
  auto done = [self, id, change, removal] {
    if (change) self->state.pools_in_flight.erase(*change);
    if (removal) self->state.going.erase(id);
  };
  return command_then<subnetpool_state>(self, id, std::move(c), std::move(meta), done);
}

caf::result<address_scope_state> on_address_scope(networking_actor* self, const std::string& id,
                                                  address_scope::command& c, event_metadata& meta) {
  auto& st = self->state;
  const bool removal = std::holds_alternative<address_scope::remove>(c);
  if (!std::holds_alternative<address_scope::create>(c) &&
      (!st.address_scopes.count(id) || st.going.count(id)))
    return to_caf_error(address_scope_not_found(id));
  if (removal) {
    bool used = false;
    each_pool(st, "", [&](const subnetpool_state& p) { used |= p.address_scope_id == id; });
    if (used)
      return to_caf_error(make_neutron_error(errc::conflict, "AddressScopeInUse",
                                             "Unable to complete operation on address scope " + id +
                                                 ". There are one or more subnet pools in use on "
                                                 "the address scope."));
    st.going.insert(id);
  }
  auto done = [self, id, removal] {
    if (removal) self->state.going.erase(id);
  };
  return command_then<address_scope_state>(self, id, std::move(c), std::move(meta), done);
}

}  // namespace cumulo::networking_detail
