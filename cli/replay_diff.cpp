// `cumulo replay --diff SEQ1 SEQ2`: what changed in the cloud between the
// state after SEQ1 and the state after SEQ2. Only the streams with events
// in between are looked at; each is captured just before its first event
// there, so the whole log is folded once.
#include <map>
#include <ostream>
#include <stdexcept>

#include "cli/replay_story.hpp"
#include "engine/log_fold.hpp"

namespace cumulo::cli {
namespace {

struct before {
  bool live = false;
  nlohmann::json state;
};

// Fields that change with every event: noise in a diff.
bool bookkeeping(const std::string& key) {
  return key == "version" || key == "updated_at";
}

}  // namespace

json diff_json(const event_store& store, std::int64_t from, std::int64_t to) {
  if (from > to) std::swap(from, to);
  log_fold fold;
  std::map<std::string, before> touched;
  std::vector<std::string> order;
  std::int64_t events = 0;
  store.for_each_until_seq(to, [&](const recorded_event& r) {
    if (r.seq > from && !touched.count(r.stream)) {
      touched[r.stream] = before{fold.live(r.stream), fold.state_json(r.stream)};
      order.push_back(r.stream);
    }
    if (r.seq > from) ++events;
    try {
      fold.apply(r);
    } catch (const std::exception& e) {
      throw std::runtime_error("event seq " + std::to_string(r.seq) + " (" + r.stream + ", " +
                               r.type + ") does not fold: " + e.what());
    }
    return true;
  });
  json created = json::array(), deleted = json::array(), changed = json::array();
  for (const auto& stream : order) {
    const auto& was = touched[stream];
    const bool live = fold.live(stream);
    const nlohmann::json now = fold.state_json(stream);
    if (!was.live && live) {
      created.push_back({{"stream", stream}, {"state", now}});
    } else if (was.live && !live) {
      deleted.push_back({{"stream", stream}, {"state", was.state}});
    } else if (was.live && live) {
      json fields = json::object();
      for (const auto& [key, value] : now.items()) {
        if (bookkeeping(key)) continue;
        const auto old = was.state.find(key);
        if (old == was.state.end() || *old != value)
          fields[key] = {{"old", old == was.state.end() ? nlohmann::json(nullptr) : *old},
                         {"new", value}};
      }
      if (!fields.empty()) changed.push_back({{"stream", stream}, {"fields", fields}});
    }
    // Created and deleted in between: nothing of it is in either state.
  }
  return json{{"from", from},       {"to", to},           {"events", events},
              {"created", created}, {"deleted", deleted}, {"changed", changed}};
}

void print_diff(std::ostream& out, const json& d) {
  out << "from seq " << d["from"].get<std::int64_t>() << " to seq " << d["to"].get<std::int64_t>()
      << ": " << count(d["events"].get<std::int64_t>(), "event") << ", " << d["created"].size()
      << " created, " << d["deleted"].size() << " deleted, " << d["changed"].size() << " changed\n";
  auto name_of = [](const nlohmann::json& state) {
    return state.is_object() && state.contains("name") && state["name"].is_string()
               ? " (" + state["name"].get<std::string>() + ")"
               : std::string();
  };
  for (const auto& c : d["created"])
    out << "+ " << c["stream"].get<std::string>() << name_of(c["state"]) << "\n";
  for (const auto& c : d["deleted"])
    out << "- " << c["stream"].get<std::string>() << name_of(c["state"]) << "\n";
  for (const auto& c : d["changed"]) {
    out << "~ " << c["stream"].get<std::string>() << "\n";
    for (const auto& [key, v] : c["fields"].items())
      out << "    " << key << ": " << v["old"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << " -> " << v["new"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
}

}  // namespace cumulo::cli
