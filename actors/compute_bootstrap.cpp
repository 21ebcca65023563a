// Compute bootstrap: blocking requests from a scoped actor, run once at
// start before the APIs listen (as the identity bootstrap).
#include "actors/compute_bootstrap.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "actors/cloud.hpp"
#include "actors/compute.hpp"
#include "actors/errors.hpp"
#include "store/ids.hpp"

namespace cumulo {

std::vector<std::string> bootstrap_flavors(cloud& c) {
  constexpr std::chrono::seconds timeout{60};
  caf::scoped_actor self{c.system()};
  const event_metadata meta{"req-bootstrap-" + new_uuid(), "cumulo-bootstrap"};
  std::vector<std::string> created;
  for (const auto& d : default_flavors) {
    const std::string id = d.id;
    std::string failure;
    bool ever = true;
    // The journal, not the compute actor: a deleted flavor is gone from the
    // index but its stream stays.
    self->request(c.journal(), timeout, read_atom::value, make_stream(flavor_machine::kind, id))
        .receive([&](recorded_events& events) { ever = !events.empty(); },
                 [&](caf::error& e) { failure = from_caf_error(e).message; });
    if (!failure.empty()) throw std::runtime_error("flavor bootstrap: " + failure);
    if (ever) continue;
    flavor::create f;
    f.name = d.name;
    f.ram = d.ram;
    f.vcpus = d.vcpus;
    f.disk = d.disk;
    self->request(c.compute(), timeout, command_atom::value, id, flavor::command{f}, meta)
        .receive(
            [&](flavor_state& s) {
              spdlog::info("bootstrap: created flavor {} ({})", s.name, s.id);
              created.push_back(s.id);
            },
            [&](caf::error& e) { failure = from_caf_error(e).message; });
    if (!failure.empty())
      throw std::runtime_error("flavor bootstrap: " + std::string(d.name) + ": " + failure);
  }
  return created;
}

}  // namespace cumulo
