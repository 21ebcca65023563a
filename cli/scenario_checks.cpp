// wait, expect and request: the verbs that look at what the cloud shows.
#include <curl/curl.h>

#include <regex>

#include "cli/scenario_cloud.hpp"
#include "cli/scenario_session.hpp"
#include "engine/codec.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"

namespace cumulo::cli {

void wait_for_server(session& s, const std::string& id, const std::string& status, double within);

namespace {

std::string str(const json& p, const std::string& key, const std::string& fallback = "") {
  if (!p.contains(key) || p[key].is_null()) return fallback;
  return text_of(p[key]);
}

// The kind a wait/expect names (server: vm1) and the reference.
std::pair<std::string, std::string> named(const json& p) {
  for (const auto& kind : kind_names())
    if (p.contains(kind)) return {kind, str(p, kind)};
  return {"", ""};
}

// One resource as the API shows it now; null when it is 404.
json fetch(session& s, const std::string& kind, const std::string& id) {
  const auto& k = kind_of(kind);
  auto r = s.raw("GET", k.collection + "/" + id, "", {});
  if (r.status == 404) return nullptr;
  if (r.status != 200)
    throw step_failure("GET " + k.collection + "/" + id + ": " + std::to_string(r.status) + " " +
                       r.error_message());
  auto body = r.json();
  return k.one.empty() ? body : body[k.one];
}

std::string escape(const std::string& v) {
  char* e = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
  std::string out = e ? e : v;
  curl_free(e);
  return out;
}

// Every item of a list, following pages (Nova's servers_links, Glance's
// next, limit/marker).
std::vector<json> list_all(session& s, const std::string& kind, const json& where) {
  const auto& k = kind_of(kind);
  std::string query;
  if (where.is_object())
    for (const auto& [key, v] : where.items())
      query += "&" + escape(key) + "=" + escape(text_of(v));
  std::vector<json> out;
  std::string marker;
  for (int page = 0; page < 1000; ++page) {
    std::string path = k.list + "?limit=1000" + query;
    if (!marker.empty()) path += "&marker=" + marker;
    auto body = s.call("GET", path).json();
    const auto items = body[k.many];
    if (!items.is_array() || items.empty()) break;
    for (const auto& x : items) out.push_back(x);
    if (items.size() < 1000 || !items.back().contains("id")) break;
    marker = text_of(items.back()["id"]);
  }
  return out;
}

std::string describe(const json& v) {
  return v.is_null() ? "nothing" : text_of(v);
}

// Checks `field` of body against equals/contains; throws with both sides.
void check_field(const json& body, const json& p, const std::string& what) {
  const std::string field = str(p, "field", "status");
  const json got = field_at(body, field);
  if (p.contains("equals") && got != p["equals"] && text_of(got) != text_of(p["equals"]))
    throw step_failure(what + " " + field + ": expected " + text_of(p["equals"]) + ", got " +
                       describe(got));
  if (p.contains("contains") && text_of(got).find(str(p, "contains")) == std::string::npos)
    throw step_failure(what + " " + field + ": expected it to contain \"" + str(p, "contains") +
                       "\", got " + describe(got));
}

// expect's `event`: what the API does not show (Cinder's volume body has no
// error reason) the event log does. The resource's stream in the log of the
// cloud the runner started, read as `cumulo replay --data-dir D --stream
// <stream>/<id>` reads it (read-only, beside the live writer), has an event
// of that type whose payload contains `contains`; the latest one is shown.
std::string expect_event(session& s, const std::string& kind, const std::string& name,
                         const std::string& id, const json& p) {
  const std::string type = str(p, "event");
  if (!s.cloud())
    throw step_failure(
        "expect event: needs the cloud the runner started (its event log), not --url");
  const auto& k = kind_of(kind);
  if (k.stream.empty()) throw step_failure("expect event: a " + kind + " has no stream of its own");
  const std::string stream = k.stream + "/" + id;
  store_options opts;
  opts.read_only = true;
  recorded_events events;
  try {
    event_store log(data_dir::events_db_of(s.cloud()->data_dir()), opts);
    events = log.read_stream(stream);
  } catch (const std::exception& e) {
    throw step_failure("reading the event log: " + std::string(e.what()));
  }
  std::string seen, payload;
  bool found = false;
  for (const auto& e : events) {
    seen += (seen.empty() ? "" : ", ") + e.type;
    if (e.type != type) continue;
    found = true;
    payload = payload_to_json(e.payload);
  }
  if (!found)
    throw step_failure(kind + " " + name + ": no " + type + " in " + stream +
                       " (its events: " + (seen.empty() ? std::string("none") : seen) + ")");
  const std::string part = str(p, "contains");
  if (payload.find(part) == std::string::npos)
    throw step_failure(kind + " " + name + ": " + type + " " + payload + " does not contain \"" +
                       part + "\"");
  return kind + " " + name + " " + type + " " + payload;
}

// A volume (or its snapshot) that failed ends the wait: it will not become
// what was awaited without someone's action.
bool failed_for_good(const std::string& kind, const std::string& status,
                     const std::string& awaited) {
  return (kind == "volume" || kind == "volume_snapshot") && status.rfind("error", 0) == 0 &&
         status != awaited;
}

std::string wait(session& s, const scenario_step&, const json& p, const variables&) {
  const double within = p.value("within", 60.0);
  const std::string status = str(p, "status");
  if (p.contains("list")) {
    if (status.empty()) throw step_failure("wait: a list needs status and count");
    const std::string kind = str(p, "list");
    const std::size_t count = p.value("count", 1);
    std::size_t seen = 0, errors = 0;
    const bool ok = poll_until(std::chrono::duration<double>(within), [&] {
      seen = errors = 0;
      for (const auto& x : list_all(s, kind, p.value("where", json()))) {
        if (x.value("status", "") == status) ++seen;
        if (x.value("status", "") == "ERROR") ++errors;
      }
      if (errors && status != "ERROR")
        throw step_failure(std::to_string(errors) + " " + kind + "s in ERROR while waiting for " +
                           std::to_string(count) + " " + status);
      return seen == count;
    });
    if (!ok)
      throw step_failure("expected " + std::to_string(count) + " " + kind + "s " + status +
                         " within " + std::to_string(within) + " s, got " + std::to_string(seen));
    return std::to_string(count) + " " + kind + "s " + status;
  }
  const auto [kind, name] = named(p);
  if (kind.empty()) throw step_failure("wait: name a resource (server: vm1) or a list");
  const std::string id = s.resolve(kind, name);
  if (p.contains("field")) {
    // A field reaching a value (a task_state, a host...).
    const std::string field = str(p, "field");
    json got;
    const bool ok = poll_until(std::chrono::duration<double>(within), [&] {
      got = field_at(fetch(s, kind, id), field);
      return got == p.value("equals", json()) || text_of(got) == str(p, "equals");
    });
    if (!ok)
      throw step_failure(kind + " " + name + " " + field + ": expected " + str(p, "equals") +
                         " within " + std::to_string(within) + " s, got " + describe(got));
    return kind + " " + name + " " + field + " " + str(p, "equals");
  }
  if (status.empty()) throw step_failure("wait: needs status, or field and equals");
  if (kind == "server") {
    wait_for_server(s, id, status, within);
  } else {
    std::string last;
    const bool ok = poll_until(std::chrono::duration<double>(within), [&] {
      auto body = fetch(s, kind, id);
      last = body.is_null() ? "DELETED" : body.value("status", "?");
      if (failed_for_good(kind, last, status))
        throw step_failure(kind + " " + name + ": expected " + status + ", got " + last);
      return last == status;
    });
    if (!ok)
      throw step_failure(kind + " " + name + ": expected " + status + " within " +
                         std::to_string(within) + " s, got " + last);
  }
  if (s.has_ref(name) && status != "DELETED") s.put_ref(name, kind, fetch(s, kind, id));
  return kind + " " + name + " " + status;
}

std::string expect(session& s, const scenario_step&, const json& p, const variables&) {
  if (p.contains("list")) {
    const std::string kind = str(p, "list");
    auto items = list_all(s, kind, p.value("where", json()));
    std::size_t n = 0;
    for (const auto& x : items)
      if (!p.contains("status") || x.value("status", "") == str(p, "status")) ++n;
    const std::size_t want = p.value("count", 0);
    if (n != want)
      throw step_failure("expected " + std::to_string(want) + " " + kind + "s" +
                         (p.contains("status") ? " " + str(p, "status") : "") + ", got " +
                         std::to_string(n));
    return std::to_string(n) + " " + kind + "s";
  }
  const auto [kind, name] = named(p);
  if (kind.empty()) throw step_failure("expect: name a resource (server: vm1) or a list");
  const std::string id = s.resolve(kind, name);
  const json body = fetch(s, kind, id);
  if (p.value("absent", false)) {
    if (!body.is_null()) throw step_failure(kind + " " + name + ": expected 404, got it");
    return kind + " " + name + " is not visible";
  }
  if (body.is_null()) throw step_failure(kind + " " + name + ": expected it, got 404");
  if (s.has_ref(name)) s.put_ref(name, kind, body);
  if (p.contains("status") && body.value("status", "") != str(p, "status")) {
    std::string extra;
    if (body.contains("fault"))
      extra = " (fault: " + text_of(body["fault"].value("message", json(""))) + ")";
    throw step_failure(kind + " " + name + ": expected status " + str(p, "status") + ", got " +
                       body.value("status", "?") + extra);
  }
  if (p.contains("event")) {
    const auto shown = expect_event(s, kind, name, id, p);
    return p.contains("status") ? shown + " (" + str(p, "status") + ")" : shown;
  }
  if (p.contains("field") || p.contains("equals") || p.contains("contains"))
    check_field(body, p, kind + " " + name);
  return kind + " " + name + (p.contains("field") ? " " + str(p, "field") : "") +
         (p.contains("status") ? " " + str(p, "status") : "");
}

// request: a raw REST call (at a compute microversion, if given), its
// status and fields of its JSON answer.
std::string request(session& s, const scenario_step&, const json& p, const variables&) {
  const std::string method = str(p, "method");
  const std::string path = str(p, "path");
  std::map<std::string, std::string> headers;
  if (p.contains("microversion"))
    headers["OpenStack-API-Version"] = "compute " + str(p, "microversion");
  std::string body;
  if (p.contains("body")) {
    body = p["body"].is_string() ? p["body"].get<std::string>() : p["body"].dump();
    headers["Content-Type"] = "application/json";
  }
  auto r = s.raw(method, path, body, headers);
  const int want = p.value("status", 0);
  const bool ok = want ? r.status == want : r.status >= 200 && r.status < 300;
  if (!ok)
    throw step_failure(method + " " + path + ": expected HTTP " +
                       (want ? std::to_string(want) : std::string("2xx")) + ", got " +
                       std::to_string(r.status) + " " + r.error_message());
  const json answer = r.json();
  if (p.contains("json"))
    for (const auto& [field, expected] : p["json"].items()) {
      const json got = field_at(answer, field);
      if (got != expected && text_of(got) != text_of(expected))
        throw step_failure(method + " " + path + ": " + field + " expected " + text_of(expected) +
                           ", got " + describe(got));
    }
  if (p.contains("contains") && r.body.find(str(p, "contains")) == std::string::npos &&
      r.error_message().find(str(p, "contains")) == std::string::npos)
    throw step_failure(method + " " + path + ": expected the answer to contain \"" +
                       str(p, "contains") + "\", got " + r.body.substr(0, 300));
  if (p.contains("ref")) {
    json kept = answer;
    // {"server": {...}} is kept as the server itself, so ${ref.id} works.
    if (kept.is_object() && kept.size() == 1 && kept.begin()->is_object()) kept = *kept.begin();
    s.put_ref(str(p, "ref"), "raw", kept);
  }
  return method + " " + path + " " + std::to_string(r.status);
}

}  // namespace

const std::map<std::string, verb_fn>& check_verbs() {
  static const std::map<std::string, verb_fn> verbs{
      {"wait", wait}, {"expect", expect}, {"request", request}};
  return verbs;
}

}  // namespace cumulo::cli
