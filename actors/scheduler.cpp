#include "actors/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/errors.hpp"
#include "actors/resource_actor.hpp"

namespace cumulo {
namespace {

using scheduler_actor = caf::stateful_actor<scheduler_state>;

// Decides a host command, appends its events and answers with the host's
// new state. await: the next request is looked at only once this claim is
// durable and applied, which is what keeps parallel launches honest.
// `answer` turns the host's new state into the reply.
template <class Reply, class Answer>
caf::result<Reply> run_host_command(scheduler_actor* self, const std::string& hostname,
                                    const host::command& command, event_metadata meta,
                                    Answer answer) {
  auto& hosts = self->state.hosts;
  host_state current;
  if (auto it = hosts.find(hostname); it != hosts.end()) current = it->second;
  current.id = hostname;
  auto decided = host_machine::decide(current, command);
  if (!decided) return to_caf_error(decided.error());
  if (decided.value().empty()) return answer(current);
  append_request request{
      make_stream(host_machine::kind, hostname), current.version, {}, std::move(meta)};
  for (const auto& e : decided.value()) request.events.push_back(encode(e));
  auto promise = self->template make_response_promise<Reply>();
  self->request(self->state.journal, journal_timeout, append_atom::value, std::move(request))
      .await(
          [self, promise, hostname, current, answer,
           events = std::move(decided.value())](recorded_events& records) mutable {
            self->state.hosts[hostname] =
                apply_appended<host_machine>(std::move(current), events, records);
            promise.deliver(answer(self->state.hosts[hostname]));
          },
          [promise](caf::error& e) mutable { promise.deliver(e); });
  return promise;
}

host_state same(const host_state& h) {
  return h;
}

// An instance that holds no claim any more (released, or never placed) no
// longer counts for its group; a group left without members is dropped.
void forget_member(scheduler_state& st, const std::string& instance_id) {
  for (auto it = st.group_members.begin(); it != st.group_members.end();) {
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), instance_id), ids.end());
    it = ids.empty() ? st.group_members.erase(it) : std::next(it);
  }
}

}  // namespace

caf::behavior scheduler(scheduler_actor* self, caf::actor journal, std::vector<host_state> hosts) {
  self->state.journal = std::move(journal);
  for (auto& h : hosts) self->state.hosts[h.id] = std::move(h);
  return {
      [self](command_atom, const std::string& hostname, host::command& command,
             event_metadata& meta) {
        return run_host_command<host_state>(self, hostname, command, std::move(meta), same);
      },
      [self](select_atom, const request_spec& spec,
             event_metadata& meta) -> caf::result<std::string> {
        std::vector<const host_state*> candidates;
        for (const auto& [name, h] : self->state.hosts)
          if (h.exists()) candidates.push_back(&h);
        // The scheduler learns a group's members as it places them (and
        // from the live instances at a start): one request at a time, so two
        // members placed at once still see each other.
        static const std::vector<std::string> no_members;
        const std::vector<std::string>* members = &no_members;
        if (!spec.group_id.empty()) {
          auto& m = self->state.group_members[spec.group_id];
          if (std::find(m.begin(), m.end(), spec.instance_id) == m.end())
            m.push_back(spec.instance_id);
          members = &m;
        }
        auto chosen = select_destination(candidates, spec, *members);
        if (!chosen.host) {
          forget_member(self->state, spec.instance_id);
          std::string reasons;
          for (const auto& [host, reason] : chosen.rejections) {
            spdlog::info("[{}] scheduler: {} rejected for instance {}: {}", meta.request_id, host,
                         spec.instance_id, reason);
            reasons += (reasons.empty() ? "" : "; ") + host + ": " + reason;
          }
          // The per-host reasons ride in the error's second field, for the
          // instance to record in its fault (replay shows them).
          return to_caf_error({errc::no_valid_host, no_valid_host_message(), reasons});
        }
        // The claim is decided against the host's capacity once more and
        // recorded before the answer.
        const std::string hostname = *chosen.host;
        return run_host_command<std::string>(
            self, hostname,
            host::command{host::claim{spec.instance_id, spec.vcpus, spec.memory_mb, spec.disk_gb}},
            std::move(meta), [hostname](const host_state&) { return hostname; });
      },
      [self](caf::put_atom, server_group_atom, group_membership& members) {
        for (auto& [group, ids] : members) {
          auto& m = self->state.group_members[group];
          for (auto& id : ids)
            if (std::find(m.begin(), m.end(), id) == m.end()) m.push_back(std::move(id));
        }
      },
      [self](release_atom, const std::string& hostname, const std::string& instance_id,
             event_metadata& meta) {
        // A released instance no longer holds its group's place.
        forget_member(self->state, instance_id);
        return run_host_command<host_state>(
            self, hostname, host::command{host::release{instance_id}}, std::move(meta), same);
      },
      [self](caf::get_atom) {
        std::vector<host_state> out;
        for (const auto& [name, h] : self->state.hosts)
          if (h.exists()) out.push_back(h);
        return out;
      },
  };
}

}  // namespace cumulo
