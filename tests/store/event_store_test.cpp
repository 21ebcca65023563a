#include "store/event_store.hpp"

#include <gtest/gtest.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <fstream>

#include "engine/project_state.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

new_event ev(const std::string& name) { return encode(project_event{project_created{name}}); }

append_request req(const std::string& stream, std::int64_t expected, int n = 1) {
  append_request r{stream, expected, {}, {"req-1", "user-1"}};
  for (int i = 0; i < n; ++i) r.events.push_back(ev("p" + std::to_string(i)));
  return r;
}

TEST(EventStore, AppendsAndReadsAStream) {
  temp_dir dir;
  event_store store(dir.path() / "events.db");
  auto r = store.append(req("project/a", event_store::no_stream, 2));
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].version, 1);
  EXPECT_EQ(r.events[1].version, 2);
  EXPECT_LT(r.events[0].seq, r.events[1].seq);
  EXPECT_EQ(r.events[0].request_id, "req-1");
  auto back = store.read_stream("project/a");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].payload, r.events[1].payload);
  EXPECT_EQ(back[0].type, "project.created");
  EXPECT_EQ(store.stream_version("project/a"), 2);
  EXPECT_EQ(store.read_stream("project/a", 2).size(), 1u);
}

TEST(EventStore, ExpectedVersionConflictIsAnErrorNotAnOverwrite) {
  temp_dir dir;
  event_store store(dir.path() / "events.db");
  ASSERT_FALSE(store.append(req("project/a", 0)).error);
  auto again = store.append(req("project/a", 0));
  ASSERT_TRUE(again.error);
  EXPECT_EQ(again.error->code, errc::conflict);
  EXPECT_TRUE(again.events.empty());
  EXPECT_TRUE(store.append(req("project/a", 5)).error);
  EXPECT_FALSE(store.append(req("project/a", 1)).error);
  EXPECT_FALSE(store.append(req("project/a", event_store::any_version)).error);
  EXPECT_EQ(store.stream_version("project/a"), 3);
  EXPECT_EQ(store.event_count(), 3);
}

// The writer remembers the versions of the streams written lately only (a
// cache of every stream ever written grew without bound): a stream written
// 20,000 streams ago is checked against the database, and still refuses a
// stale version.
TEST(EventStore, AStreamWrittenLongAgoStillRefusesAStaleVersion) {
  temp_dir dir;
  event_store store(dir.path() / "events.db");
  ASSERT_FALSE(store.append(req("project/old", 0, 2)).error);
  std::vector<append_request> batch;
  for (int i = 0; i < 20000; ++i) batch.push_back(req("project/n" + std::to_string(i), 0));
  for (const auto& r : store.append(std::move(batch))) ASSERT_FALSE(r.error);
  auto stale = store.append(req("project/old", 0));
  ASSERT_TRUE(stale.error);
  EXPECT_EQ(stale.error->code, errc::conflict);
  EXPECT_TRUE(store.append(req("project/old", 1)).error);
  auto next = store.append(req("project/old", 2));
  ASSERT_FALSE(next.error);
  EXPECT_EQ(next.events.at(0).version, 3);
  // And one written in the middle of the batch, then again.
  EXPECT_TRUE(store.append(req("project/n5", 0)).error);
  EXPECT_FALSE(store.append(req("project/n5", 1)).error);
}

TEST(EventStore, ABatchIsOneTransactionAndConflictsStayIndividual) {
  temp_dir dir;
  event_store store(dir.path() / "events.db");
  std::vector<append_request> batch;
  batch.push_back(req("project/a", 0));
  batch.push_back(req("project/a", 1));  // sees the version the first one reached
  batch.push_back(req("project/b", 7));  // conflict
  batch.push_back(req("project/c", 0));
  auto results = store.append(std::move(batch));
  EXPECT_FALSE(results[0].error);
  EXPECT_FALSE(results[1].error);
  EXPECT_TRUE(results[2].error);
  EXPECT_FALSE(results[3].error);
  EXPECT_EQ(store.transactions(), 1u);
  EXPECT_EQ(store.event_count(), 3);
  EXPECT_EQ(store.stream_version("project/b"), 0);
}

TEST(EventStore, PersistsAcrossReopenInWalModeWithBlobPayloads) {
  temp_dir dir;
  auto file = dir.path() / "events.db";
  {
    event_store store(file);
    store.append(req("project/a", 0, 3));
  }
  event_store store(file);
  EXPECT_EQ(store.stream_version("project/a"), 3);
  EXPECT_TRUE(store.append(req("project/a", 2)).error) << "the version cache is rebuilt from disk";
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("SELECT DISTINCT typeof(payload) FROM events").getString(), "blob");
}

TEST(EventStore, ReadsAllFromASequenceUpToASequenceAndUpToATime) {
  temp_dir dir;
  std::int64_t fake_now = 1000;
  store_options opts;
  opts.clock = [&] { return fake_now; };
  event_store store(dir.path() / "events.db", opts);
  for (int i = 0; i < 5; ++i) {
    store.append(req("project/" + std::to_string(i), 0));
    fake_now += 1000;
  }
  std::vector<std::int64_t> seen;
  auto collect = [&](recorded_event& r) {
    seen.push_back(r.seq);
    return true;
  };
  store.for_each(3, collect);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{3, 4, 5}));
  seen.clear();
  store.for_each_until_seq(2, collect);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
  seen.clear();
  store.for_each_until_time(3000, collect);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));
  seen.clear();
  store.for_each(1, [&](recorded_event& r) {
    seen.push_back(r.seq);
    return seen.size() < 2;
  });
  EXPECT_EQ(seen.size(), 2u) << "the visitor stops the scan";
  auto streams = store.streams();
  ASSERT_EQ(streams.size(), 5u);
  EXPECT_EQ(streams[0].stream, "project/0");
  EXPECT_EQ(streams[0].events, 1);
}

TEST(EventStore, TimeNeverGoesBackwards) {
  temp_dir dir;
  std::int64_t fake_now = 5000;
  store_options opts;
  opts.clock = [&] { return fake_now; };
  event_store store(dir.path() / "events.db", opts);
  auto a = store.append(req("project/a", 0));
  fake_now = 1000;  // the wall clock stepped back
  auto b = store.append(req("project/b", 0));
  EXPECT_GE(b.events[0].time_us, a.events[0].time_us);
}

TEST(EventStore, TheLogIsAppendOnlyInTheDatabaseItself) {
  temp_dir dir;
  auto file = dir.path() / "events.db";
  {
    event_store store(file);
    store.append(req("project/a", 0));
  }
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("UPDATE events SET type='x'"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM events"), SQLite::Exception);
}

TEST(EventStore, ReadOnlyOpenNamesTheProblem) {
  temp_dir dir;
  try {
    event_store store(dir.path() / "missing.db", {durability::full, true, {}});
    FAIL() << "opened a missing database";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("no event database"), std::string::npos) << e.what();
  }
  auto junk = dir.path() / "junk.db";
  std::ofstream(junk) << std::string(8192, 'x');
  try {
    event_store store(junk, {durability::full, true, {}});
    FAIL() << "opened garbage";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  }
  auto other = dir.path() / "other.db";
  {
    SQLite::Database db(other.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t(x)");
  }
  try {
    event_store store(other, {durability::full, true, {}});
    FAIL() << "opened a foreign database";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a cumulo event database"), std::string::npos)
        << e.what();
  }
  event_store writer(dir.path() / "ok.db");
  event_store reader(dir.path() / "ok.db", {durability::full, true, {}});
  EXPECT_THROW(reader.append(req("project/a", 0)), store_error);
}

}  // namespace
}  // namespace cumulo
