// `cumulo replay` as a user runs it: the real binary on data dirs written
// by the real event store, and on broken ones. Every run must leave the
// event database byte for byte as it was.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/clock.hpp"
#include "engine/codec.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "engine/instance_state.hpp"
#include "engine/project_state.hpp"
#include "tests/support/run_command.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::int64_t t0 = *parse_iso8601("2026-11-25T10:00:00Z");
constexpr std::int64_t second = 1000000;

const std::string p1 = "project/0b4e5a4e-1f53-4c1e-9a55-3f0e4d1a0001";
const std::string p2 = "project/0b4e5a4e-1f53-4c1e-9a55-3f0e4d1a0002";
const std::string i1 = "instance/6a1f2c3d-4b5e-4f60-8a71-92b3c4d5e001";

command_result replay(std::vector<std::string> args) {
  args.insert(args.begin(), {CUMULO_BINARY, "replay"});
  return run_command(args);
}

// FNV-1a over the whole file: a change of any byte changes it.
std::uint64_t checksum(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::uint64_t h = 1469598103934665603ull;
  for (char c; in.get(c);) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::size_t lines(const std::string& s) {
  return std::count(s.begin(), s.end(), '\n');
}

// Writes a log through the real store; each event is one second after the
// previous one, so event seq N is at t0 + N-1 seconds.
class log_writer {
 public:
  explicit log_writer(const fs::path& root)
      : time_(std::make_shared<std::int64_t>(t0 - second)), store_(make(root, time_)) {}

  template <class... Events>
  void append(const std::string& stream, const std::string& request, const std::string& user,
              const Events&... events) {
    append_request req{stream, event_store::any_version, {encode(events)...}, {request, user}};
    auto result = store_.append(std::move(req));
    ASSERT_FALSE(result.error) << result.error->message;
  }
  event_store& store() { return store_; }

 private:
  static event_store make(const fs::path& root, std::shared_ptr<std::int64_t> time) {
    fs::create_directories(root);
    store_options opts;
    opts.sync = durability::normal;
    opts.clock = [time] { return *time += second; };
    return event_store(data_dir::events_db_of(root), opts);
  }
  std::shared_ptr<std::int64_t> time_;
  event_store store_;
};

// A small cloud: two projects and an instance that went ACTIVE.
//   seq 1 p1 created, 2 p2 created, 3-6 i1 requested/scheduled/spawning/
//   active, 7 p1 renamed, 8 p2 deleted.
void write_cloud(const fs::path& root) {
  log_writer w(root);
  w.append(p1, "req-1", "admin", project_created{"demo", "default", "the demo", true, {"a"}});
  w.append(p2, "req-2", "admin", project_created{"scratch", "default"});
  instance_requested requested;
  requested.name = "vm1";
  requested.project_id = "0b4e5a4e-1f53-4c1e-9a55-3f0e4d1a0001";
  requested.flavor = {"1", "m1.tiny", 1, 512, 1};
  requested.image_id = "cirros";
  w.append(i1, "req-3", "demo-user", requested);
  w.append(i1, "", "", instance_scheduled{"host-1", "node-1"}, instance_spawning{},
           instance_active{t0 + 5 * second});
  w.append(p1, "req-4", "admin", project_updated{std::string("demo-renamed")});
  w.append(p2, "req-5", "admin", project_deleted{});
}

// Appends one raw row, as a buggy or foreign writer might have.
void insert_raw(const fs::path& root, const std::string& stream, std::int64_t version,
                const std::string& type, const std::string& payload,
                std::int64_t time = t0 + 100 * second) {
  SQLite::Database db(data_dir::events_db_of(root).string(), SQLite::OPEN_READWRITE);
  SQLite::Statement q(db,
                      "INSERT INTO events(stream, version, type, schema_version, time, "
                      "request_id, user_id, payload) VALUES(?, ?, ?, 1, ?, 'req-x', 'mallory', ?)");
  q.bind(1, stream);
  q.bind(2, static_cast<std::int64_t>(version));
  q.bind(3, type);
  q.bind(4, static_cast<std::int64_t>(time));
  q.bind(5, static_cast<const void*>(payload.data()), static_cast<int>(payload.size()));
  q.exec();
}

class replay_test : public ::testing::Test {
 protected:
  fs::path root() const { return dir_.path() / "cumulo-data"; }
  fs::path db() const { return data_dir::events_db_of(root()); }

  // Runs replay on root() and checks that the database did not change.
  command_result run(std::vector<std::string> args) {
    const bool had_db = fs::exists(db());
    const std::uint64_t before = had_db ? checksum(db()) : 0;
    args.insert(args.begin(), {"--data-dir", root().string()});
    // `replay verify ...`: the subcommand comes first.
    if (args.size() > 2 && args[2] == "verify")
      std::rotate(args.begin(), args.begin() + 2, args.begin() + 3);
    command_result r = replay(args);
    if (had_db) {
      EXPECT_EQ(checksum(db()), before) << "replay changed " << db();
    }
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2)
        << "exit " << r.exit_code << "\n"
        << r.err;
    return r;
  }

  temp_dir dir_;
};

// The line of the streams table that starts with `stream`, split on spaces.
std::vector<std::string> table_row(const std::string& out, const std::string& stream) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(stream + " ", 0) != 0) continue;
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    return row;
  }
  return {};
}

TEST_F(replay_test, ListsEveryStreamWithItsEventCountAndATotal) {
  write_cloud(root());
  auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("STREAM"), std::string::npos) << r.out;
  EXPECT_EQ(table_row(r.out, p1),
            (std::vector<std::string>{p1, "2", "1", "7", "2026-11-25T10:00:06.000000Z"}));
  EXPECT_EQ(table_row(r.out, p2),
            (std::vector<std::string>{p2, "2", "2", "8", "2026-11-25T10:00:07.000000Z"}));
  EXPECT_EQ(table_row(r.out, i1),
            (std::vector<std::string>{i1, "4", "3", "6", "2026-11-25T10:00:05.000000Z"}));
  EXPECT_NE(r.out.find("total: 8 events in 3 streams, last seq 8"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(replay_test, ListsStreamsAsJson) {
  write_cloud(root());
  auto r = run({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["events"], 8);
  EXPECT_EQ(j["last_seq"], 8);
  ASSERT_EQ(j["streams"].size(), 3u);
  EXPECT_EQ(j["streams"][2]["stream"], i1);
  EXPECT_EQ(j["streams"][2]["events"], 4);
  EXPECT_EQ(j["streams"][2]["first_seq"], 3);
  EXPECT_EQ(j["streams"][2]["last_seq"], 6);
  EXPECT_EQ(j["streams"][2]["last_time"], "2026-11-25T10:00:05.000000Z");
}

TEST_F(replay_test, ShowsTheEventsOfOneStreamInOrderAndItsStateNow) {
  write_cloud(root());
  auto r = run({"--stream", p1});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto first = r.out.find("seq 1  2026-11-25T10:00:00.000000Z  project.created (schema 1)");
  const auto second = r.out.find("seq 7  2026-11-25T10:00:06.000000Z  project.updated (schema 1)");
  ASSERT_NE(first, std::string::npos) << r.out;
  ASSERT_NE(second, std::string::npos) << r.out;
  EXPECT_LT(first, second);
  EXPECT_NE(r.out.find("request req-1  user admin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"name\":\"demo\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"name\":\"demo-renamed\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("scratch"), std::string::npos) << "another stream's event:\n" << r.out;
  const auto now = r.out.find("state now (version 2, after seq 7):");
  ASSERT_NE(now, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"name\": \"demo-renamed\"", now), std::string::npos) << r.out;
}

TEST_F(replay_test, ShowsTheEventsOfOneStreamAsJson) {
  write_cloud(root());
  auto r = run({"--stream", i1, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json events = json::parse(r.out);
  ASSERT_EQ(events.size(), 4u);
  const json& e = events[0];
  EXPECT_EQ(e["seq"], 3);
  EXPECT_EQ(e["stream"], i1);
  EXPECT_EQ(e["version"], 1);
  EXPECT_EQ(e["type"], "instance.requested");
  EXPECT_EQ(e["schema_version"], 1);
  EXPECT_EQ(e["time"], "2026-11-25T10:00:02.000000Z");
  EXPECT_EQ(e["request_id"], "req-3");
  EXPECT_EQ(e["user_id"], "demo-user");
  ASSERT_TRUE(e["payload"].is_object()) << e.dump();
  EXPECT_EQ(e["payload"]["name"], "vm1");
  EXPECT_EQ(e["payload"]["flavor"]["memory_mb"], 512);
  EXPECT_EQ(events[3]["type"], "instance.active");
  EXPECT_EQ(events[3]["version"], 4);
}

TEST_F(replay_test, StateOfOneStreamAtASequenceNumber) {
  write_cloud(root());
  auto before = run({"--stream", p1, "--at", "6", "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(json::parse(before.out)[p1]["name"], "demo");
  EXPECT_EQ(json::parse(before.out).size(), 1u);

  auto after = run({"--stream", p1, "--at", "7", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(json::parse(after.out)[p1]["name"], "demo-renamed");
  EXPECT_EQ(json::parse(after.out)[p1]["version"], 2);

  auto text = run({"--stream", p1, "--at", "6"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("state at 6: 1 event folded, the last seq 1"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find(p1 + " (live):"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\"name\": \"demo\""), std::string::npos) << text.out;
}

TEST_F(replay_test, StateOfEveryStreamAtATime) {
  write_cloud(root());
  // seq 5 (instance.spawning) is at 10:00:04
  auto r = run({"--at", "2026-11-25T10:00:04.5Z", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json states = json::parse(r.out);
  ASSERT_EQ(states.size(), 3u) << r.out;
  EXPECT_EQ(states[i1]["vm_state"], "building");
  EXPECT_EQ(states[i1]["task_state"], "spawning");
  EXPECT_EQ(states[p1]["name"], "demo");
  EXPECT_EQ(states[p2]["deleted"], false);

  r = run({"--at", "2026-11-25T10:00:07Z", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  states = json::parse(r.out);
  EXPECT_EQ(states[i1]["vm_state"], "active");
  EXPECT_EQ(states[i1]["host"], "host-1");
  EXPECT_EQ(states[p1]["name"], "demo-renamed");
  EXPECT_EQ(states[p2]["deleted"], true);

  r = run({"--at", "2026-11-25T09:00:00Z", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::object());
}

TEST_F(replay_test, StateOfEveryStreamAsText) {
  write_cloud(root());
  auto r = run({"--at", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("state at 8: 8 events folded, the last seq 8 at "
                       "2026-11-25T10:00:07.000000Z"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(p1 + " (live):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(p2 + " (deleted):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(i1 + " (live):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"vm_state\": \"active\""), std::string::npos) << r.out;
}

TEST_F(replay_test, StateOfAStreamBeforeItsFirstEvent) {
  write_cloud(root());
  auto r = run({"--stream", i1, "--at", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(r.out)[i1].is_null()) << r.out;
  r = run({"--stream", i1, "--at", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("state at 2: no events yet"), std::string::npos) << r.out;
}

TEST_F(replay_test, VerifyFoldsTheWholeLog) {
  write_cloud(root());
  auto r = run({"verify"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "verified 8 events in 3 streams, last seq 8: OK\n");
  // --data-dir before the subcommand works too.
  r = replay({"--data-dir", root().string(), "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "verified 8 events in 3 streams, last seq 8: OK\n");

  r = run({"verify", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["events"], 8);
  EXPECT_EQ(report["streams"], 3);
  EXPECT_EQ(report["last_seq"], 8);
}

TEST_F(replay_test, VerifyReportsAPayloadThatDoesNotDecode) {
  write_cloud(root());
  insert_raw(root(), p1, 3, "project.updated", "\xc1\xc1 not msgpack");
  auto r = run({"verify"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("verify failed at event seq 9 (stream " + p1 +
                       ", version 3, type project.updated): project.updated payload does not "
                       "decode"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("8 events before it folded without error"), std::string::npos) << r.out;

  r = run({"verify", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  const json report = json::parse(r.out);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["failure"]["seq"], 9);
  EXPECT_EQ(report["failure"]["stream"], p1);
  EXPECT_EQ(report["failure"]["type"], "project.updated");

  // The state up to the event before it is still there.
  r = run({"--at", "9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("event seq 9"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--at 8"), std::string::npos) << r.err;
  EXPECT_EQ(run({"--at", "8"}).exit_code, 0);
  // The event itself is still shown, with what can be said of its payload.
  r = run({"--stream", p1});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("seq 9  2026-11-25T10:01:40.000000Z  project.updated"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<undecodable payload>"), std::string::npos) << r.out;
  EXPECT_EQ(run({"--stream", p1, "--json"}).exit_code, 0);
}

TEST_F(replay_test, VerifyReportsAnEventThatDoesNotApply) {
  write_cloud(root());
  const std::string p3 = "project/0b4e5a4e-1f53-4c1e-9a55-3f0e4d1a0003";
  insert_raw(root(), p3, 1, "project.deleted", "\x80");  // an empty msgpack map
  auto r = run({"verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("event seq 9 (stream " + p3 +
                       ", version 1, type project.deleted): project.deleted on a project that "
                       "does not exist"),
            std::string::npos)
      << r.out;
}

TEST_F(replay_test, VerifyReportsAStreamOfNoKnownKindAndAVersionGap) {
  write_cloud(root());
  insert_raw(root(), p1, 5, "project.updated", "\x80");
  auto r = run({"verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("event seq 9 (stream " + p1 + ", version 5, type project.updated)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("version 5 follows version 2"), std::string::npos) << r.out;

  temp_dir other;
  write_cloud(other.path());
  insert_raw(other.path(), "share/v1", 1, "share.created", "\x80");
  r = replay({"verify", "--data-dir", other.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("stream share/v1 is of no known kind"), std::string::npos) << r.out;
}

// --at TIME reads a prefix of the log: a time that goes back breaks that.
TEST_F(replay_test, VerifyReportsATimeThatGoesBackwards) {
  write_cloud(root());
  insert_raw(root(), p1, 3, "project.updated", "\x80", t0 - 3600 * second);
  auto r = run({"verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("event seq 9 (stream " + p1 +
                       ", version 3, type project.updated): its time 2026-11-25T09:00:00.000000Z "
                       "is before the previous event's 2026-11-25T10:00:07.000000Z"),
            std::string::npos)
      << r.out;
}

TEST_F(replay_test, AnEmptyLog) {
  { log_writer w(root()); }
  auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("total: 0 events in 0 streams, last seq 0"), std::string::npos) << r.out;
  r = run({"verify"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "verified 0 events in 0 streams, last seq 0: OK\n");
  r = run({"--at", "5"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "state at 5: no events yet\n");
}

TEST_F(replay_test, AMissingDataDirIsOneLineAndExit2) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{}, {"verify"}, {"--stream", p1}, {"--at", "3"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no data dir at " + root().string()), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(fs::exists(root())) << "replay created the data dir";
}

TEST_F(replay_test, ADataDirWithoutADatabase) {
  fs::create_directories(root());
  auto r = run({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no event database at " + db().string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(db())) << "replay created the database";
}

TEST_F(replay_test, AFileOfJunkIsNotADatabase) {
  fs::create_directories(root());
  {
    std::ofstream out(db(), std::ios::binary);
    std::uint32_t x = 12345;
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>((x = x * 1103515245 + 12345) >> 16));
  }
  for (std::vector<std::string> args :
       {std::vector<std::string>{}, {"verify"}, {"--stream", p1}, {"--at", "3"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(db().string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("file is not a database"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST_F(replay_test, ADatabaseThatIsNotOurs) {
  fs::create_directories(root());
  {
    SQLite::Database other(db().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE songs(title TEXT)");
  }
  auto r = run({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a cumulo event database"), std::string::npos) << r.err;

  fs::resize_file(db(), 0);  // an empty file opens as an empty database
  r = run({"verify"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a cumulo event database"), std::string::npos) << r.err;
}

// 2000 events in 1000 projects, all checkpointed into events.db itself, so
// that damage to the file hits events.
void write_many(const fs::path& root) {
  {
    log_writer w(root);
    for (int batch = 0; batch < 20; ++batch) {
      std::vector<append_request> requests;
      for (int i = 0; i < 50; ++i) {
        const std::string id = "project/p-" + std::to_string(batch * 50 + i);
        requests.push_back({id,
                            event_store::no_stream,
                            {encode(project_created{"project " + id, "default", "x"}),
                             encode(project_updated{std::string("renamed " + id)})},
                            {"req-" + id, "admin"}});
      }
      w.store().append(std::move(requests));
    }
    ASSERT_EQ(w.store().event_count(), 2000);
  }
  const fs::path file = data_dir::events_db_of(root);
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  fs::remove(file.string() + "-wal");
  fs::remove(file.string() + "-shm");
}

TEST_F(replay_test, ATruncatedDatabaseIsReportedAsCorrupted) {
  write_many(root());
  fs::resize_file(db(), fs::file_size(db()) / 2);

  for (std::vector<std::string> args :
       {std::vector<std::string>{}, {"verify"}, {"--at", "2000"}, {"--json"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.err.find(db().string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("corrupted"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

// A page of junk in the middle: whatever a command reads, it ends with
// exit 0 or a one-line "corrupted" and exit 2, never a crash; verify checks
// every page, so it always finds it.
TEST_F(replay_test, AJunkPageInTheMiddleIsFoundByVerify) {
  write_many(root());
  const auto size = fs::file_size(db());
  {
    std::fstream f(db(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(0xA5 ^ i));
  }
  auto r = run({"verify"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("the database is corrupted"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  for (std::vector<std::string> args : {std::vector<std::string>{},
                                        {"--at", "2000"},
                                        {"--stream", "project/p-500"},
                                        {"--stream", "project/p-999", "--json"}}) {
    r = run(args);  // checks the exit code is 0, 1 or 2, and the checksum
    if (r.exit_code != 0) {
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_NE(r.err.find("corrupted"), std::string::npos) << r.err;
    }
  }
}

TEST_F(replay_test, ABadAtOrAnUnknownStreamIsExit2) {
  write_cloud(root());
  for (const std::string at : {"yesterday", "-3", "2026-13-01T00:00:00Z", "12abc", ""}) {
    auto r = run({"--at", at});
    EXPECT_EQ(r.exit_code, 2) << at;
    EXPECT_NE(r.err.find("is neither an event sequence number nor a UTC time"), std::string::npos)
        << at << ": " << r.err;
  }
  for (std::vector<std::string> args : {std::vector<std::string>{"--stream", "instance/nope"},
                                        {"--stream", "instance/nope", "--at", "3"},
                                        {"--stream", "nope"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no stream '" + args[1] + "'"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST_F(replay_test, ReadsALogWhoseWriterIsStillOpen) {
  log_writer w(root());
  w.append(p1, "req-1", "admin", project_created{"demo", "default"});
  w.append(p1, "req-2", "admin", project_updated{std::string("live")});
  // The events are in the -wal, not yet in events.db.
  auto r = replay({"--data-dir", root().string(), "--stream", p1, "--at", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)[p1]["name"], "live");
  w.append(p1, "req-3", "admin", project_updated{std::string("later")});
  r = replay({"--data-dir", root().string(), "verify"});
  EXPECT_EQ(r.out, "verified 3 events in 1 stream, last seq 3: OK\n");
}

// A data dir we may not write to (read-only media, someone else's): SQLite
// cannot create the WAL index beside the database, so replay reads a copy.
TEST_F(replay_test, ReadsADataDirItMayNotWriteTo) {
  write_cloud(root());
  ASSERT_FALSE(fs::exists(db().string() + "-wal"));  // the writer checkpointed at close
  std::vector<std::string> prefix;
  if (geteuid() == 0) {
    // root writes anywhere: run as nobody to see what a user would.
    if (!fs::exists("/usr/bin/setpriv")) GTEST_SKIP() << "running as root without setpriv";
    prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    if (access(CUMULO_BINARY, X_OK) != 0 ||
        run_command({prefix[0], "--reuid=65534", "--regid=65534", "--clear-groups", CUMULO_BINARY,
                     "--version"})
                .exit_code != 0)
      GTEST_SKIP() << "nobody cannot run " << CUMULO_BINARY;
  }
  fs::permissions(dir_.path(), fs::perms(0755));
  fs::permissions(root(), fs::perms(0555));
  fs::permissions(db(), fs::perms(0444));
  const std::uint64_t before = checksum(db());
  auto as_user = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {CUMULO_BINARY, "replay", "--data-dir", root().string()});
    args.insert(args.begin(), prefix.begin(), prefix.end());
    return run_command(args);
  };
  auto r = as_user({"--at", "8", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("is not writable: reading a private copy"), std::string::npos) << r.err;
  EXPECT_EQ(json::parse(r.out)[p1]["name"], "demo-renamed");
  r = as_user({"verify"});
  EXPECT_EQ(r.out, "verified 8 events in 3 streams, last seq 8: OK\n") << r.err;
  fs::permissions(root(), fs::perms(0755));
  EXPECT_EQ(checksum(db()), before);
  EXPECT_FALSE(fs::exists(db().string() + "-shm"));
}

}  // namespace
}  // namespace cumulo
