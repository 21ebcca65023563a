// `cumulo replay`: reads the event log of a data dir (live, or copied from a
// broken system) and shows the streams, the events of one stream, the state
// folded up to any sequence number or time, and `replay verify` checks that
// every event of the log decodes and applies. It never writes to the log.
//
// Exit codes: 0 ok; 1 the log does not fold (verify's finding); 2 the
// command cannot run (bad arguments, missing or corrupted database).
#include <CLI/CLI.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/replay_print.hpp"
#include "cli/replay_story.hpp"
#include "engine/clock.hpp"
#include "engine/codec.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "engine/log_fold.hpp"

namespace cumulo::cli {
namespace {

namespace fs = std::filesystem;

constexpr int exit_ok = 0;
constexpr int exit_does_not_fold = 1;
constexpr int exit_cannot_run = 2;

// A reason the command cannot run at all: exit 2 with a one-line message.
class replay_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct replay_options {
  std::string data_dir = "cumulo-data";
  std::string stream;
  std::string at;
  bool json = false;
  bool has_stream = false;  // given, even if empty: `--at ""` is a bad value, not no value
  bool has_at = false;
  bool follow = false;
  bool story = false;              // --json of an instance stream: its story, not only its events
  std::int64_t from = 0;           // --follow: the first seq shown (0: the last few)
  std::int64_t max_events = 0;     // --follow: stop after so many (0: never)
  std::vector<std::int64_t> diff;  // --diff SEQ1 SEQ2
};

// The event log of a data dir, opened read-only.
//
// Reading a WAL database needs its -shm index and -wal beside it. On a
// read-only open SQLite creates them (an empty -wal) when the folder is
// writable: that leaves events.db itself untouched, so it is what we do.
// In a folder we may not write to (a copy on read-only media, someone
// else's data dir) the open fails with "attempt to write a readonly
// database" unless both files already exist, as they do beside a live
// writer. `immutable=1` would open it but ignores the -wal, i.e. committed
// events, and event_store takes a path, not a URI; so there we read a
// private copy of events.db (and its -wal) in a temp folder instead.
class log_reader {
 public:
  explicit log_reader(const fs::path& root) : file_(data_dir::events_db_of(root)) {
    std::error_code ec;
    if (!fs::exists(root, ec))
      throw replay_error("no data dir at " + root.string() + " (give one with --data-dir)");
    if (!fs::is_directory(root, ec))
      throw replay_error("the data dir " + root.string() + " is not a directory");
    if (!fs::exists(file_, ec))
      throw replay_error("no event database at " + file_.string() + " (is " + root.string() +
                         " a cumulo data dir?)");
    if (!fs::is_regular_file(file_, ec))
      throw replay_error("the event database " + file_.string() + " is not a file");

    const bool writable = access(root.c_str(), W_OK) == 0;
    const bool side_files = fs::exists(wal_of(file_), ec) && fs::exists(shm_of(file_), ec);
    if (writable) {
      open(file_);
      return;
    }
    if (side_files) {
      try {
        open(file_);
        return;
      } catch (const store_error&) {
        // e.g. a -wal left by a crash that a read-only connection cannot recover
      }
    }
    open_copy();
  }

  log_reader(const log_reader&) = delete;
  log_reader& operator=(const log_reader&) = delete;

  const event_store& store() const { return *store_; }
  // The file the user named, even when a copy is read.
  const fs::path& file() const { return file_; }
  // The file actually opened.
  const fs::path& opened() const { return store_->file(); }

 private:
  static fs::path wal_of(const fs::path& f) { return f.string() + "-wal"; }
  static fs::path shm_of(const fs::path& f) { return f.string() + "-shm"; }

  void open(const fs::path& f) {
    store_options opts;
    opts.read_only = true;
    try {
      store_ = std::make_unique<event_store>(f, opts);
    } catch (const store_error& e) {
      // Name the user's file, not the copy's.
      std::string msg = e.what();
      const std::string copy = f.string(), user = file_.string();
      if (copy != user)
        for (auto at = msg.find(copy); at != std::string::npos;
             at = msg.find(copy, at + user.size()))
          msg.replace(at, copy.size(), user);
      throw store_error(msg);
    }
  }

  void open_copy() {
    std::string tmpl = (fs::temp_directory_path() / "cumulo-replay-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw replay_error(file_.parent_path().string() +
                         " is not writable and no temp folder could be made for a copy");
    copy_dir_.path = tmpl;
    std::cerr << "cumulo replay: " << file_.parent_path().string()
              << " is not writable: reading a private copy of events.db\n";
    const fs::path copy = copy_dir_.path / "events.db";
    fs::copy_file(file_, copy);
    std::error_code ec;
    if (fs::exists(wal_of(file_), ec)) fs::copy_file(wal_of(file_), wal_of(copy));
    open(copy);
  }

  // Removes the copy, also when the constructor throws after making it.
  struct scratch_dir {
    fs::path path;
    ~scratch_dir() {
      std::error_code ec;
      if (!path.empty()) fs::remove_all(path, ec);
    }
  };

  fs::path file_;
  scratch_dir copy_dir_;  // declared before store_: outlives it
  std::unique_ptr<event_store> store_;
};

// --at: a sequence number (digits) or an ISO 8601 UTC time.
struct point {
  bool by_time = false;
  std::int64_t value = 0;  // seq, or µs since the epoch
  std::string text;

  bool includes(const recorded_event& r) const {
    return by_time ? r.time_us <= value : r.seq <= value;
  }
};

point parse_at(const std::string& text) {
  point p;
  p.text = text;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, p.value);
  if (!text.empty() && ptr == end && ec == std::errc() && p.value >= 0) return p;
  if (auto t = parse_iso8601(text)) {
    p.by_time = true;
    p.value = *t;
    p.text = format_iso8601_us(*t);
    return p;
  }
  throw replay_error("--at '" + text +
                     "' is neither an event sequence number nor a UTC time such as "
                     "2026-11-25T10:00:00Z");
}

// Applies one event; the fold is unchanged when it does not apply.
std::optional<fold_failure> apply(log_fold& fold, const recorded_event& r) {
  try {
    fold.apply(r);
    return std::nullopt;
  } catch (const std::exception& e) {  // decode_error, invalid_event, or a bug: all are findings
    return fold_failure{r.seq, r.stream, r.version, r.type, e.what()};
  }
}

void require_stream(const log_reader& log, const std::string& stream) {
  if (log.store().stream_version(stream) == 0)
    throw replay_error("no stream '" + stream + "' in " + log.file().string() +
                       " (streams are named like instance/<id>; `cumulo replay` lists them)");
}

int list_streams(const log_reader& log, const replay_options& o) {
  const auto streams = log.store().streams();
  if (o.json)
    std::cout << streams_json(streams).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    print_streams(std::cout, streams);
  return exit_ok;
}

int show_stream(const log_reader& log, const replay_options& o) {
  require_stream(log, o.stream);
  const recorded_events events = log.store().read_stream(o.stream);
  const bool instance = stream_kind(o.stream) == instance_machine::kind;
  if (o.json) {
    json list = json::array();
    for (const auto& r : events) list.push_back(event_json(r));
    // --story: an instance's story across the other actors' streams.
    if (instance && o.story) {
      json story = instance_story_json(log.store(), log.opened(), o.stream);
      story["stream_events"] = std::move(list);
      std::cout << story.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return exit_ok;
    }
    std::cout << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return exit_ok;
  }
  std::cout << o.stream << ": " << count(static_cast<std::int64_t>(events.size()), "event") << "\n";
  log_fold fold;
  std::optional<fold_failure> failure;
  for (const auto& r : events) {
    print_event(std::cout, r);
    if (!failure) failure = apply(fold, r);
  }
  if (failure) {
    std::cerr << "cumulo replay: the stream does not fold: " << describe(*failure) << "\n";
    return exit_does_not_fold;
  }
  std::cout << "state now (version " << events.back().version << ", after seq " << events.back().seq
            << "):\n";
  print_state(std::cout, fold.state_json(o.stream), 2);
  if (instance) print_instance_story(std::cout, log.store(), log.opened(), o.stream);
  return exit_ok;
}

int show_diff(const log_reader& log, const replay_options& o) {
  json d;
  try {
    d = diff_json(log.store(), o.diff[0], o.diff[1]);
  } catch (const std::runtime_error& e) {
    std::cerr << "cumulo replay: " << e.what() << "\n";
    return exit_does_not_fold;
  }
  if (o.json)
    std::cout << d.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    print_diff(std::cout, d);
  return exit_ok;
}

int follow_log(const log_reader& log, const replay_options& o) {
  if (o.has_stream && o.stream.empty()) throw replay_error("--stream needs a stream name");
  return follow(std::cout, log.store(), o.from, 10, o.stream, o.max_events, o.json);
}

int show_state_at(const log_reader& log, const replay_options& o) {
  const point at = parse_at(o.at);
  log_fold fold;
  std::optional<fold_failure> failure;
  std::int64_t last_time = 0;
  auto visit = [&](const recorded_event& r) {
    if (!at.includes(r)) return false;
    failure = apply(fold, r);
    last_time = r.time_us;
    return !failure;
  };
  if (o.has_stream) {
    require_stream(log, o.stream);
    for (const auto& r : log.store().read_stream(o.stream))
      if (!visit(r)) break;
  } else if (at.by_time) {
    log.store().for_each_until_time(at.value, visit);
  } else {
    log.store().for_each_until_seq(at.value, visit);
  }
  if (failure) {
    std::cerr << "cumulo replay: the log does not fold up to " << at.text << ": "
              << describe(*failure) << " (the state before it is --at " << failure->seq - 1
              << ")\n";
    return exit_does_not_fold;
  }

  std::vector<std::string> streams = fold.streams();
  if (o.has_stream) streams = {o.stream};
  if (o.json) {
    json states = json::object();
    for (const auto& s : streams) states[s] = json(fold.state_json(s));
    std::cout << states.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return exit_ok;
  }
  std::cout << "state at " << at.text << ": ";
  if (fold.events() == 0) {
    std::cout << "no events yet\n";
    return exit_ok;
  }
  std::cout << count(fold.events(), "event") << " folded, the last seq " << fold.last_seq()
            << " at " << format_iso8601_us(last_time) << "\n";
  for (const auto& s : streams) {
    const auto* state = fold.find(s);
    const char* status = !state ? "no events yet" : fold.live(s) ? "live" : "deleted";
    std::cout << "\n" << s << " (" << status << "):\n";
    if (state) print_state(std::cout, fold.state_json(s), 2);
  }
  return exit_ok;
}

// SQLite's own page-level check: catches corruption the scan of the events
// table in sequence order would not touch (e.g. the (stream, version) index).
void check_pages(const log_reader& log) {
  std::string result;
  try {
    SQLite::Database db(log.opened().string(), SQLite::OPEN_READONLY);
    result = db.execAndGet("PRAGMA quick_check(1)").getString();
  } catch (const SQLite::Exception& e) {
    result = e.what();
  }
  if (result == "ok") return;
  const std::string banner = "*** in database main ***\n";
  if (result.rfind(banner, 0) == 0) result.erase(0, banner.size());
  throw store_error("event database " + log.file().string() + ": the database is corrupted (" +
                    result + ")");
}

int verify(const log_reader& log, const replay_options& o) {
  check_pages(log);
  log_fold fold;
  std::optional<fold_failure> failure;
  std::int64_t last_time = std::numeric_limits<std::int64_t>::min();
  log.store().for_each(1, [&](const recorded_event& r) {
    // --at TIME reads a prefix of the log: that needs times in log order.
    if (r.time_us < last_time)
      failure = fold_failure{r.seq, r.stream, r.version, r.type,
                             "its time " + format_iso8601_us(r.time_us) +
                                 " is before the previous event's " + format_iso8601_us(last_time)};
    else
      failure = apply(fold, r);
    last_time = r.time_us;
    return !failure;
  });
  const auto streams = static_cast<std::int64_t>(fold.streams().size());
  if (o.json) {
    json report{{"ok", !failure},
                {"events", fold.events()},
                {"streams", streams},
                {"last_seq", fold.last_seq()}};
    if (failure) report["failure"] = failure_json(*failure);
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (failure) {
    std::cout << "verify failed at " << describe(*failure) << "\n"
              << count(fold.events(), "event") << " before it folded without error\n";
  } else {
    std::cout << "verified " << count(fold.events(), "event") << " in " << count(streams, "stream")
              << ", last seq " << fold.last_seq() << ": OK\n";
  }
  return failure ? exit_does_not_fold : exit_ok;
}

// Runs a command; any reason it cannot is one line on stderr and exit 2.
template <class Command>
int run(const char* name, const replay_options& o, Command command) {
  try {
    log_reader log(o.data_dir);
    return command(log, o);
  } catch (const std::exception& e) {  // replay_error, store_error, filesystem_error
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');  // one line, whatever SQLite says
    std::cerr << name << ": " << message << "\n";
    return exit_cannot_run;
  }
}

int replay(const replay_options& o) {
  if (!o.diff.empty()) {
    if (o.diff.size() != 2 || o.diff[0] < 0 || o.diff[1] < 0) {
      std::cerr << "cumulo replay: --diff takes two event sequence numbers\n";
      return exit_cannot_run;
    }
    return run("cumulo replay", o, show_diff);
  }
  if (o.follow) return run("cumulo replay", o, follow_log);
  if (o.has_at) {
    try {
      parse_at(o.at);  // a bad --at is reported before the database is opened
    } catch (const replay_error& e) {
      std::cerr << "cumulo replay: " << e.what() << "\n";
      return exit_cannot_run;
    }
    return run("cumulo replay", o, show_state_at);
  }
  if (o.has_stream) return run("cumulo replay", o, show_stream);
  return run("cumulo replay", o, list_streams);
}

}  // namespace

void add_replay(CLI::App& app) {
  auto o = std::make_shared<replay_options>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Show the event log of a data dir: its streams, one stream's events, or the "
      "state at any event or time. Never writes to the data dir.");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--data-dir", o->data_dir, "The data dir to read")->capture_default_str();
  auto* stream =
      cmd->add_option("--stream", o->stream, "One stream, e.g. instance/<id>: its events");
  auto* at = cmd->add_option("--at", o->at,
                             "The state at this event sequence number or UTC time "
                             "(e.g. 2026-11-25T10:00:00Z), of --stream or of every stream");
  cmd->add_flag("--json", o->json, "Print JSON instead of text");
  cmd->add_flag("--story", o->story,
                "With --json and an instance stream: its whole story as one JSON object "
                "(the text view always ends with it)");
  auto* follow_flag =
      cmd->add_flag("--follow", o->follow,
                    "Print events as a live cloud commits them (the last 10 first); Ctrl-C stops");
  cmd->add_option("--from", o->from, "--follow: start at this event sequence number")
      ->needs(follow_flag);
  cmd->add_option("--count", o->max_events, "--follow: stop after this many events")
      ->needs(follow_flag);
  cmd->add_option("--diff", o->diff, "What changed between two event sequence numbers: SEQ1 SEQ2")
      ->expected(2)
      ->excludes(follow_flag)
      ->excludes(at);

  auto* check = cmd->add_subcommand(
      "verify", "Fold the whole log; report the first event that does not decode or apply");
  // The same storage as replay's own option: `replay --data-dir D verify`
  // and `replay verify --data-dir D` both work.
  check->add_option("--data-dir", o->data_dir, "The data dir to read")->capture_default_str();
  check->add_flag("--json", o->json, "Print the report as JSON");
  check->callback([o] { set_exit_code(run("cumulo replay verify", *o, verify)); });

  cmd->callback([o, check, stream, at] {
    if (check->parsed()) return;  // verify ran
    o->has_stream = stream->count() > 0;
    o->has_at = at->count() > 0;
    set_exit_code(replay(*o));
  });
}

}  // namespace cumulo::cli
