// Neutron's tags at the networking door (actors/networking_tags.hpp). A
// request first asks the door, as its caller, for the resource (so the
// caller sees exactly what a GET of it shows, or the same 404), checks
// <action>_<member>:tags on it, then has the resource's own actor change
// the tags through the door's internal command, as any other change.
//
// One line of taggables() per kind: how to ask for a resource of it as a
// caller, what the rules compare and its tags, and the command that sets
// them.
#include <algorithm>
#include <functional>

#include "actors/networking_internal.hpp"

namespace cumulo::networking_detail {
namespace {

// What the rules of a resource compare, and its tags.
struct tagged {
  target rules_target;
  std::vector<std::string> tags;
};

using found_fn = std::function<void(outcome<tagged>)>;
using changed_fn = std::function<void(outcome<std::vector<std::string>>)>;

struct taggable {
  const char* collection;  // Neutron's collection name (security_groups)
  const char* member;      // the rules' name of one (get_security_group:tags)
  std::function<void(networking_actor*, const std::string& id, const caller&, found_fn)> find;
  std::function<void(networking_actor*, const std::string& id, tagging::change,
                     const event_metadata&, changed_fn)>
      change;
};

// Asks the door itself (each step is the message any caller sends) and
// hands the answer, or its refusal, to k.
template <class State, class K, class... Ts>
void ask_door(networking_actor* self, K k, Ts&&... msg) {
  self->request(caf::actor_cast<caf::actor>(self), caf::infinite, std::forward<Ts>(msg)...)
      .then([k](State& s) mutable { k(outcome<State>(std::move(s))); },
            [k](caf::error& e) mutable { k(outcome<State>(from_caf_error(e))); });
}

// A kind with a stream of its own (routers, floating IPs, groups): asked
// by (get_atom, Atom, id, caller), changed by (command_atom, id,
// Command{SetTags}).
template <class State, class Command, class SetTags, class Atom>
taggable own_stream(const char* collection, const char* member, Atom atom) {
  return {collection, member,
          [atom](networking_actor* self, const std::string& id, const caller& who, found_fn k) {
            ask_door<State>(
                self,
                [k](outcome<State> s) {
                  if (!s) return k(s.error());
                  k(tagged{owner_target(s.value().project_id), s.value().tags});
                },
                caf::get_atom::value, atom, id, who);
          },
          [](networking_actor* self, const std::string& id, tagging::change c,
             const event_metadata& m, changed_fn k) {
            ask_door<State>(
                self,
                [k](outcome<State> s) {
                  if (!s) return k(s.error());
                  k(s.value().tags);
                },
                command_atom::value, id, Command{SetTags{std::move(c)}}, m);
          }};
}

// A network, or a subnet or port it holds: asked by (get_atom, Atom, id,
// caller), which answers with the network; `pick` finds the resource in it.
template <class Atom, class Pick, class Make>
taggable held_by_network(const char* collection, const char* member, Atom atom, Pick pick,
                         Make command) {
  return {
      collection, member,
      [atom, pick](networking_actor* self, const std::string& id, const caller& who, found_fn k) {
        ask_door<network_state>(
            self,
            [k, pick, id, who](outcome<network_state> n) {
              if (!n) return k(n.error());
              k(pick(n.value(), id, who));
            },
            caf::get_atom::value, atom, id, who);
      },
      [atom, pick, command](networking_actor* self, const std::string& id, tagging::change c,
                            const event_metadata& m, changed_fn k) {
        auto then = [k, pick, id](outcome<network_state> n) {
          if (!n) return k(n.error());
          k(pick(n.value(), id, caller{}).tags);
        };
        network::command cmd = command(id, std::move(c));
        if constexpr (std::is_same_v<Atom, network_atom>)
          ask_door<network_state>(self, then, command_atom::value, id, std::move(cmd), m);
        else
          ask_door<network_state>(self, then, command_atom::value, atom, id, std::move(cmd), m);
      }};
}

// The targets are as the caller sees the network (networks:shared is what
// the RBAC policies give its project).
tagged network_tags(const network_state& n, const std::string&, const caller& who) {
  return {network_target(n, n.project_id, who), n.tags};
}
tagged subnet_tags(const network_state& n, const std::string& id, const caller& who) {
  const auto* s = n.find_subnet(id);
  if (!s) return {network_target(n, n.project_id, who), {}};
  return {network_target(n, s->project_id.empty() ? n.project_id : s->project_id, who), s->tags};
}
tagged port_tags(const network_state& n, const std::string& id, const caller& who) {
  const auto* p = n.find_port(id);
  if (!p) return {network_target(n, n.project_id, who), {}};
  return {network_target(n, p->project_id, who), p->tags};
}

const std::vector<taggable>& taggables() {
  static const std::vector<taggable> kinds{
      held_by_network("networks", "network", network_atom::value, network_tags,
                      [](const std::string&, tagging::change c) {
                        return network::command{network::set_tags{std::move(c)}};
                      }),
      held_by_network("subnets", "subnet", subnet_atom::value, subnet_tags,
                      [](const std::string& id, tagging::change c) {
                        return network::command{network::set_subnet_tags{id, std::move(c)}};
                      }),
      held_by_network("ports", "port", port_atom::value, port_tags,
                      [](const std::string& id, tagging::change c) {
                        return network::command{network::set_port_tags{id, std::move(c)}};
                      }),
      own_stream<router_state, router::command, router::set_tags>("routers", "router",
                                                                  router_atom::value),
      own_stream<floatingip_state, floatingip::command, floatingip::set_tags>(
          "floatingips", "floatingip", floatingip_atom::value),
      own_stream<security_group_state, security_group::command, security_group::set_tags>(
          "security_groups", "security_group", security_group_atom::value),
  };
  return kinds;
}

const taggable* taggable_of(const std::string& collection) {
  const auto& kinds = taggables();
  auto it = std::find_if(kinds.begin(), kinds.end(),
                         [&](const taggable& t) { return collection == t.collection; });
  return it == kinds.end() ? nullptr : &*it;
}

}  // namespace

caf::message_handler tags_gate(networking_actor* self, std::shared_ptr<const policy> rules) {
  return {
      [self, rules](tags_atom, tag_request& req, event_metadata& m,
                    const caller& who) -> caf::result<std::vector<std::string>> {
        const taggable* kind = taggable_of(req.collection);
        if (!kind)
          return to_caf_error(make_neutron_error(errc::not_found, "NotFound",
                                                 "No tags on " + req.collection + "."));
        auto promise = self->make_response_promise<std::vector<std::string>>();
        kind->find(self, req.id, who,
                   [self, rules, kind, req, m, who, promise](outcome<tagged> found) mutable {
                     if (!found) {
                       promise.deliver(to_caf_error(found.error()));
                       return;
                     }
                     const std::string rule = req.action + "_" + kind->member + ":tags";
                     if (!rules->allowed(rule, who, found.value().rules_target)) {
                       promise.deliver(to_caf_error(forbidden(rule)));
                       return;
                     }
                     if (!req.change) {
                       promise.deliver(found.value().tags);
                       return;
                     }
                     kind->change(self, req.id, std::move(*req.change), m,
                                  [promise](outcome<std::vector<std::string>> tags) mutable {
                                    if (tags)
                                      promise.deliver(tags.value());
                                    else
                                      promise.deliver(to_caf_error(tags.error()));
                                  });
                   });
        return promise;
      },
  };
}

}  // namespace cumulo::networking_detail
