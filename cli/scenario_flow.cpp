// The verbs that shape a run: who acts (as), loops and load (repeat,
// parallel), faults (fault, restart_cloud) and pauses (sleep).
#include <atomic>
#include <thread>

#include "cli/scenario_cloud.hpp"
#include "cli/scenario_session.hpp"

namespace cumulo::cli {
namespace {

std::string str(const json& p, const std::string& key, const std::string& fallback = "") {
  if (!p.contains(key) || p[key].is_null()) return fallback;
  return text_of(p[key]);
}

// as: admin | {user, password, project, domain}. A user made by an earlier
// step needs no password: the runner remembers it.
std::string act_as(session& s, const scenario_step&, const json& p, const variables&) {
  if (p.is_string()) {
    if (p.get<std::string>() != "admin")
      throw step_failure("as: 'admin' or {user, password, project}");
    s.act_as_admin();
    return "admin";
  }
  credentials c;
  c.username = str(p, "user");
  c.password = str(p, "password", s.password_of(c.username));
  c.project = str(p, "project");
  c.domain = str(p, "domain", "Default");
  s.act_as(c);
  return c.username + (c.project.empty() ? "" : " in " + c.project);
}

// The body runs `times` times, one pass after another; ${i} is 1..times.
std::string repeat(session& s, const scenario_step& step, const json& p, const variables& vars) {
  const long times = p.value("times", 1L);
  for (long i = 1; i <= times; ++i) {
    variables v = vars;
    v["i"] = std::to_string(i);
    for (const auto& inner : step.steps) {
      try {
        run_step(s, inner, v);
      } catch (const step_failure& e) {
        throw step_failure("pass " + std::to_string(i) + ", " + inner.verb + " at " +
                           inner.where() + ": " + e.what());
      }
    }
  }
  return std::to_string(times) + " passes of " + std::to_string(step.steps.size()) + " steps";
}

// With `times`: that many passes of the body (${i} = 1..times), spread over
// `workers` threads (default 8). Without: each step of the body once, all
// at the same time. Every failure is counted; the first few are shown.
std::string parallel(session& s, const scenario_step& step, const json& p, const variables& vars) {
  const bool passes = p.contains("times");
  const long total = passes ? p.value("times", 1L) : static_cast<long>(step.steps.size());
  const long workers = std::max(1L, std::min(total, passes ? p.value("workers", 8L) : total));
  std::atomic<long> next{1};
  std::mutex m;
  std::vector<std::string> failures;
  long failed = 0;
  auto work = [&] {
    for (long i = next++; i <= total; i = next++) {
      variables v = vars;
      v["i"] = std::to_string(i);
      auto run = [&](const scenario_step& inner) {
        try {
          run_step(s, inner, v);
          return true;
        } catch (const std::exception& e) {
          std::lock_guard lock(m);
          ++failed;
          if (failures.size() < 3)
            failures.push_back((passes ? "pass " + std::to_string(i) + ", " : std::string()) +
                               inner.verb + " at " + inner.where() + ": " + e.what());
          return false;
        }
      };
      if (passes) {
        for (const auto& inner : step.steps)
          if (!run(inner)) break;
      } else {
        run(step.steps[static_cast<std::size_t>(i - 1)]);
      }
    }
  };
  std::vector<std::thread> threads;
  for (long w = 0; w < workers; ++w) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (failed) {
    std::string why = std::to_string(failed) + " of " + std::to_string(total) + " failed";
    for (const auto& f : failures) why += "; " + f;
    throw step_failure(why);
  }
  return std::to_string(total) + (passes ? " passes" : " steps") + " on " +
         std::to_string(workers) + " threads";
}

// fault: injects a fault through the cloud's fault API (cumulo serve
// --faults; README "Faults").
std::string fault(session& s, const scenario_step&, const json& p, const variables&) {
  json f;
  std::string note;
  if (p.value("clear", false)) {
    auto r = s.as_admin("DELETE", "/cumulo/v1/faults", nullptr);
    if (r.status != 204)
      throw step_failure("DELETE /cumulo/v1/faults: " + std::to_string(r.status) + " " +
                         r.error_message());
    return "cleared";
  }
  if (p.contains("crash_host")) {
    f = {{"type", "crash_host"}, {"host", str(p, "crash_host")}};
    note = "crashed " + str(p, "crash_host");
  } else if (p.contains("libvirt")) {
    const std::string mode = str(p, "libvirt");
    if (mode != "fail" && mode != "hang") throw step_failure("libvirt: fail or hang");
    f = {{"type", "libvirt_" + mode}, {"host", str(p, "host")}, {"seconds", p.value("for", 30.0)}};
    note = str(p, "host") + " libvirt " + mode + " for " + str(p, "for", "30") + " s";
  } else if (p.contains("image_store")) {
    const std::string state = str(p, "image_store");
    if (state != "full" && state != "ok") throw step_failure("image_store: full or ok");
    f = {{"type", state == "full" ? "image_store_full" : "image_store_ok"}};
    note = "image store " + state;
  } else if (p.contains("volume_backend")) {
    const std::string state = str(p, "volume_backend");
    if (state != "full" && state != "ok") throw step_failure("volume_backend: full or ok");
    f = {{"type", state == "full" ? "volume_backend_full" : "volume_backend_ok"}};
    note = "volume backend " + state;
  } else {
    throw step_failure(
        "fault: crash_host, libvirt (with host, for), image_store, volume_backend or clear");
  }
  auto r = s.as_admin("POST", "/cumulo/v1/faults", {{"fault", f}});
  if (r.status != 202)
    throw step_failure("POST /cumulo/v1/faults: expected 202, got " + std::to_string(r.status) +
                       " " + r.error_message());
  return note;
}

// The whole cloud dies as a crash would (SIGKILL) and starts again on its
// data dir; the step ends once it serves again.
std::string restart_cloud(session& s, const scenario_step&, const json&, const variables&) {
  if (!s.cloud()) throw step_failure("restart_cloud needs a cloud the runner started (not --url)");
  const auto t0 = std::chrono::steady_clock::now();
  s.cloud()->crash_and_restart();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  return "SIGKILL and serving again in " + std::to_string(ms) + " ms";
}

std::string sleep_for(session&, const scenario_step&, const json& p, const variables&) {
  const double seconds = p.is_number() ? p.get<double>() : std::stod(text_of(p));
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return text_of(p) + " s";
}

}  // namespace

const std::map<std::string, verb_fn>& flow_verbs() {
  static const std::map<std::string, verb_fn> verbs{
      {"as", act_as},
      {"repeat", repeat},
      {"parallel", parallel},
      {"fault", fault},
      {"restart_cloud", restart_cloud},
      {"sleep", sleep_for},
  };
  return verbs;
}

}  // namespace cumulo::cli
