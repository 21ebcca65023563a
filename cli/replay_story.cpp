// An instance's whole story, from the log alone: its stream, the events of
// other streams that name it or its ports (a host's claim and release, the
// ports networking made and deleted for it), and what those imply: the
// scheduler's decision with each host's reason, the image as it was at the
// launch, the ports, the host, each status change and the faults.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "cli/replay_story.hpp"
#include "engine/clock.hpp"
#include "engine/codec.hpp"
#include "engine/fold.hpp"
#include "engine/host_state.hpp"
#include "engine/image_state.hpp"
#include "engine/instance_state.hpp"
#include "engine/scheduling.hpp"

namespace cumulo::cli {
namespace {

json payload_json(const recorded_event& r) {
  return json::parse(payload_to_json(r.payload), nullptr, false);
}

recorded_event event_at(const event_store& store, std::int64_t seq) {
  recorded_event out;
  store.for_each(seq, [&](recorded_event& r) {
    out = std::move(r);
    return false;
  });
  return out;
}

// The seqs of events of other streams whose payload holds one of the ids.
// msgpack keeps strings as their bytes, so a byte search of the BLOBs
// finds them without decoding the whole log.
std::vector<std::int64_t> mentioning(const std::filesystem::path& db, const std::string& stream,
                                     const std::set<std::string>& ids) {
  std::set<std::int64_t> seqs;
  SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(conn, "SELECT seq FROM events WHERE stream != ? AND instr(payload, ?) > 0");
  for (const auto& id : ids) {
    q.reset();
    q.bind(1, stream);
    q.bind(2, static_cast<const void*>(id.data()), static_cast<int>(id.size()));
    while (q.executeStep()) seqs.insert(q.getColumn(0).getInt64());
  }
  return {seqs.begin(), seqs.end()};
}

// The hosts as the scheduler saw them just before `seq`, and its filters
// run on them again for the instance's flavor.
json scheduler_decision(const event_store& store, const instance_state& s, std::int64_t seq,
                        const std::string& chosen) {
  std::map<std::string, host_state> hosts;
  for (const auto& info : store.streams()) {
    if (stream_kind(info.stream) != host_machine::kind || info.first_seq >= seq) continue;
    host_state h;
    h.id = stream_id(info.stream);
    for (const auto& r : store.read_stream(info.stream)) {
      if (r.seq >= seq) break;
      h = fold<host_machine>(std::move(h), r);
    }
    if (h.exists()) hosts.emplace(h.id, std::move(h));
  }
  std::vector<const host_state*> candidates;
  for (const auto& [name, h] : hosts) candidates.push_back(&h);
  const auto result = select_destination(candidates, make_request_spec(s.id, s.flavor));
  json out{{"before_seq", seq}, {"chosen", chosen.empty() ? json(nullptr) : json(chosen)}};
  json per_host = json::array();
  for (const auto& [name, h] : hosts) {
    json one{{"host", name},
             {"free_ram_mb", h.memory_mb - h.memory_mb_used()},
             {"vcpus_used", h.vcpus_used()},
             {"instances", h.running_vms()}};
    auto rejected = std::find_if(result.rejections.begin(), result.rejections.end(),
                                 [&](const auto& p) { return p.first == name; });
    if (rejected != result.rejections.end())
      one["rejected"] = rejected->second;
    else
      one["passed"] = true;
    per_host.push_back(std::move(one));
  }
  out["hosts"] = std::move(per_host);
  return out;
}

json image_at(const event_store& store, const std::string& image_id, std::int64_t seq) {
  const std::string stream = make_stream(image_machine::kind, image_id);
  if (store.stream_version(stream) == 0) return json{{"id", image_id}, {"found", false}};
  image_state img;
  img.id = image_id;
  for (const auto& r : store.read_stream(stream)) {
    if (r.seq > seq) break;
    img = fold<image_machine>(std::move(img), r);
  }
  return json{{"id", image_id},
              {"name", img.name},
              {"status", img.exists() ? img.status : std::string("not created yet")},
              {"size", img.size ? json(*img.size) : json(nullptr)}};
}

// A one-line summary of an event of another stream.
std::string summary_of(const recorded_event& r) {
  const json p = payload_json(r);
  if (r.type == "host.claimed")
    return "claimed " + std::to_string(p.value("vcpus", 0)) + " vCPU, " +
           std::to_string(p.value("memory_mb", 0)) + " MB, " +
           std::to_string(p.value("disk_gb", 0)) + " GB on " + stream_id(r.stream);
  if (r.type == "host.released") return "claim released on " + stream_id(r.stream);
  if (r.type == "network.port_created") {
    std::string ips;
    for (const auto& f : p.value("fixed_ips", json::array()))
      ips += " " + f.value("ip_address", "");
    return "port " + p.value("port_id", "") + " made for " + p.value("device_id", "") + ":" + ips +
           " " + p.value("mac_address", "");
  }
  if (r.type == "network.port_deleted") return "port " + p.value("port_id", "") + " deleted";
  return p.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

json build_story(const event_store& store, const std::filesystem::path& db,
                 const std::string& stream) {
  const recorded_events own = store.read_stream(stream);
  instance_state s;
  s.id = stream_id(stream);
  std::set<std::string> ids{s.id};
  for (const auto& r : own)
    if (r.type == instance_port_bound::type_name)
      ids.insert(payload_json(r).value("port_id", std::string()));
  ids.erase("");

  std::map<std::int64_t, recorded_event> timeline;
  for (const auto& r : own) timeline.emplace(r.seq, r);
  for (auto seq : mentioning(db, stream, ids)) timeline.emplace(seq, event_at(store, seq));

  json events = json::array(), states = json::array(), faults = json::array();
  std::string last_status;
  std::int64_t decision_seq = 0, requested_seq = 0;
  std::set<std::string> ports_seen;
  for (const auto& [seq, r] : timeline) {
    json e{{"seq", seq},
           {"time", format_iso8601_us(r.time_us)},
           {"stream", r.stream},
           {"type", r.type},
           {"request_id", r.request_id}};
    if (r.stream == stream) {
      s = fold<instance_machine>(std::move(s), r);
      e["payload"] = payload_json(r);
      const std::string status = api_status(s);
      const std::string task = to_string(s.task_state);
      const std::string now = status + (task == "none" ? "" : " (" + task + ")");
      if (now != last_status) {
        e["status"] = now;
        states.push_back({{"seq", seq}, {"status", now}});
        last_status = now;
      }
      if (r.type == instance_requested::type_name) requested_seq = seq;
      if (r.type == instance_error::type_name) {
        faults.push_back({{"seq", seq}, {"fault", e["payload"]}});
        const std::string reason = e["payload"].value("reason", "");
        if (!decision_seq && reason.rfind("No valid host", 0) == 0) decision_seq = seq;
      }
    } else {
      e["summary"] = summary_of(r);
      if (r.type == host_claimed::type_name && !decision_seq) decision_seq = seq;
    }
    events.push_back(std::move(e));
  }

  json story{{"stream", stream}, {"name", s.name}, {"status", api_status(s)}};
  story["flavor"] = {{"name", s.flavor.name},
                     {"vcpus", s.flavor.vcpus},
                     {"memory_mb", s.flavor.memory_mb},
                     {"disk_gb", make_request_spec(s.id, s.flavor).disk_gb}};
  story["host"] = s.host.empty() ? json(nullptr) : json(s.host);
  if (decision_seq) story["scheduler"] = scheduler_decision(store, s, decision_seq, s.host);
  if (!s.image_id.empty()) story["image"] = image_at(store, s.image_id, requested_seq);
  json ports = json::array();
  for (const auto& a : s.addresses)
    ports.push_back({{"port_id", a.port_id},
                     {"network", a.network_name},
                     {"ip_address", a.ip_address},
                     {"mac_address", a.mac_address}});
  story["ports"] = std::move(ports);
  story["states"] = std::move(states);
  story["faults"] = std::move(faults);
  story["events"] = std::move(events);
  return story;
}

}  // namespace

json instance_story_json(const event_store& store, const std::filesystem::path& db,
                         const std::string& stream) {
  return build_story(store, db, stream);
}

void print_instance_story(std::ostream& out, const event_store& store,
                          const std::filesystem::path& db, const std::string& stream) {
  const json story = build_story(store, db, stream);
  out << "\nthe story of " << stream << " (" << story["name"].get<std::string>() << "), now "
      << story["status"].get<std::string>() << ":\n";
  for (const auto& e : story["events"]) {
    out << "  seq " << e["seq"].get<std::int64_t>() << "  " << e["time"].get<std::string>() << "  "
        << e["type"].get<std::string>();
    if (e["stream"] != stream)
      out << "  [" << e["stream"].get<std::string>() << "] " << e["summary"].get<std::string>();
    if (e.contains("status")) out << "  -> " << e["status"].get<std::string>();
    out << "\n";
  }
  const auto& f = story["flavor"];
  out << "flavor: " << f["name"].get<std::string>() << " (" << f["vcpus"].get<int>() << " vCPU, "
      << f["memory_mb"].get<std::int64_t>() << " MB RAM, " << f["disk_gb"].get<std::int64_t>()
      << " GB disk)\n";
  if (story.contains("scheduler")) {
    const auto& d = story["scheduler"];
    out << "scheduler (hosts as they were before seq " << d["before_seq"].get<std::int64_t>()
        << "):\n";
    for (const auto& h : d["hosts"]) {
      out << "  " << h["host"].get<std::string>() << ": ";
      if (h.contains("rejected"))
        out << "rejected: " << h["rejected"].get<std::string>();
      else
        out << "passed (" << h["free_ram_mb"].get<std::int64_t>() << " MB RAM free)";
      if (d["chosen"] == h["host"]) out << "  <- chosen";
      out << "\n";
    }
    if (d["hosts"].empty()) out << "  no compute host was registered\n";
  } else {
    out << "scheduler: no decision recorded yet\n";
  }
  if (story.contains("image")) {
    const auto& i = story["image"];
    out << "image: " << i["id"].get<std::string>();
    if (i.value("found", true))
      out << " (" << i["name"].get<std::string>() << ", " << i["status"].get<std::string>()
          << " at the launch)";
    else
      out << " (no such image in the log)";
    out << "\n";
  }
  out << "host: " << (story["host"].is_null() ? "-" : story["host"].get<std::string>()) << "\n";
  for (const auto& p : story["ports"])
    out << "port: " << p["port_id"].get<std::string>() << " on " << p["network"].get<std::string>()
        << ", " << p["ip_address"].get<std::string>() << ", " << p["mac_address"].get<std::string>()
        << "\n";
  out << "states:";
  for (const auto& st : story["states"]) out << " " << st["status"].get<std::string>() << " ->";
  out << " now\n";
  for (const auto& fault : story["faults"]) {
    const auto& p = fault["fault"];
    out << "fault at seq " << fault["seq"].get<std::int64_t>() << ": " << p.value("reason", "")
        << " (code " << p.value("code", 0) << ")";
    if (!p.value("details", "").empty()) out << ": " << p.value("details", "");
    out << "\n";
  }
}

}  // namespace cumulo::cli
