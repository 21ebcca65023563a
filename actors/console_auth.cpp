#include "actors/console_auth.hpp"

#include <caf/all.hpp>
#include <sodium.h>

#include <deque>
#include <unordered_map>
#include <utility>

#include "actors/errors.hpp"
#include "store/ids.hpp"

namespace cumulo {
namespace {

using clock_type = std::chrono::steady_clock;

// How long the host may take to say where a console is.
constexpr auto host_timeout = std::chrono::seconds(10);

struct token_entry {
  remote_console_request request;
  clock_type::time_point expires;
};

struct console_auth_state {
  std::shared_ptr<const host_directory> hosts;
  console_auth_options opts;
  // By the token's SHA-256: the token itself is never kept.
  std::unordered_map<std::string, token_entry> tokens;
  // The same hashes in the order they were issued (= the order they
  // expire, the TTL being one for all).
  std::deque<std::string> issued;
};

using console_auth_actor = caf::stateful_actor<console_auth_state>;

std::string token_hash(const std::string& token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// Drops the expired tokens, and the oldest beyond the bound.
void purge(console_auth_actor* self) {
  auto& st = self->state;
  const auto now = clock_type::now();
  while (!st.issued.empty()) {
    auto it = st.tokens.find(st.issued.front());
    const bool over = st.tokens.size() > st.opts.max_tokens;
    if (it != st.tokens.end() && it->second.expires > now && !over) break;
    if (it != st.tokens.end()) st.tokens.erase(it);
    st.issued.pop_front();
  }
}

// Asks the server's host where its console is now, then
// on_found(console_connection&) delivers through `promise`; the host's
// refusal is delivered as the client's error.
template <class Reply, class OnFound>
caf::result<Reply> ask_host(console_auth_actor* self, const remote_console_request& req,
                            OnFound on_found) {
  auto host = req.host.empty() ? caf::actor{} : self->state.hosts->get(req.host);
  if (!host) return to_caf_error({errc::conflict, "Instance " + req.instance_id + " is not ready"});
  auto promise = self->make_response_promise<Reply>();
  self->request(host, host_timeout, console_atom::value, req.instance_id, req.protocol)
      .then([promise, on_found](console_connection& c) mutable { on_found(promise, c); },
            [promise, type = req.type](caf::error& e) mutable {
              auto de = from_caf_error(e);
              // The host names the protocol; Nova's message names the type.
              if (de.code == errc::bad_request)
                de.message = "Unavailable console type " + type + ".";
              promise.deliver(to_caf_error(de));
            });
  return promise;
}

}  // namespace

caf::actor spawn_console_auth(caf::actor_system& sys, std::shared_ptr<const host_directory> hosts,
                              console_auth_options opts) {
  return sys.spawn([hosts = std::move(hosts), opts](console_auth_actor* self) -> caf::behavior {
    self->state.hosts = hosts;
    self->state.opts = opts;
    return {
        [self](console_atom, remote_console_request& req) -> caf::result<console_grant> {
          return ask_host<console_grant>(
              self, req,
              [self, req](caf::typed_response_promise<console_grant>& promise,
                          console_connection&) {
                auto& st = self->state;
                auto token = new_random_uuid();
                auto hash = token_hash(token);
                st.tokens[hash] = {req, clock_type::now() + st.opts.ttl};
                st.issued.push_back(std::move(hash));
                purge(self);
                promise.deliver(console_grant{std::move(token)});
              });
        },
        [self](console_atom, caf::get_atom,
               const std::string& token) -> caf::result<console_authorization> {
          purge(self);
          auto it = self->state.tokens.find(token_hash(token));
          if (it == self->state.tokens.end())
            return to_caf_error({errc::not_found, "Token not found"});
          const auto req = it->second.request;
          return ask_host<console_authorization>(
              self, req,
              [req](caf::typed_response_promise<console_authorization>& promise,
                    console_connection& c) {
                promise.deliver(console_authorization{req.instance_id, req.host, req.type, c});
              });
        },
    };
  });
}

}  // namespace cumulo
