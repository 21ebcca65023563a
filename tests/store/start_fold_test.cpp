// What a start folds: the streams whose last event deletes them are found
// by the store, their rows are passed over, and a deleted placeholder takes
// their place; the result agrees with the fold of every event on what the
// start uses (which streams exist and are live, the states of live ones,
// the count of events and the last seq).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/codec.hpp"
#include "store/event_store.hpp"
#include "engine/log_fold.hpp"
#include "engine/project_state.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

template <class Event>
void append(event_store& store, const std::string& stream, const Event& e) {
  auto r = store.append(
      append_request{stream, event_store::any_version, {encode(e)}, {"req-1", "user-1"}});
  ASSERT_FALSE(r.error) << r.error->message;
}

TEST(StartFold, SkipsStreamsThatEndDeletedAndAgreesWithTheFullFold) {
  temp_dir dir;
  event_store store(dir.path() / "events.db");
  append(store, "project/a", project_created{"a", "default", "", true, {}});
  append(store, "project/b", project_created{"b", "default", "", true, {}});
  append(store, "project/a", project_updated{std::string("a2"), {}, {}, {}});
  append(store, "project/b", project_deleted{});
  append(store, "project/c", project_created{"c", "default", "", true, {}});

  const auto deleted = store.deleted_streams();
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].stream, "project/b");
  EXPECT_EQ(deleted[0].version, 2);
  EXPECT_EQ(deleted[0].seq, 4);

  std::vector<std::string> seen;
  store.for_each_except({"project/b"}, [&](recorded_event& r) {
    seen.push_back(r.stream + "@" + std::to_string(r.seq));
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"project/a@1", "project/a@3", "project/c@5"}));

  log_fold full;
  store.for_each(1, [&](recorded_event& r) {
    full.apply(r);
    return true;
  });
  log_fold start;
  store.for_each_except({"project/b"}, [&](recorded_event& r) {
    start.apply(r);
    return true;
  });
  for (const auto& d : deleted) start.skip_deleted(d.stream, d.version, d.seq);

  EXPECT_EQ(start.events(), full.events());
  EXPECT_EQ(start.last_seq(), full.last_seq());
  for (const char* s : {"project/a", "project/b", "project/c"}) {
    EXPECT_TRUE(start.has(s)) << s;
    EXPECT_EQ(start.live(s), full.live(s)) << s;
  }
  EXPECT_FALSE(start.live("project/b"));
  ASSERT_NE(start.get<project_state>("project/b"), nullptr);
  EXPECT_EQ(start.get<project_state>("project/b")->version, 2);
  EXPECT_EQ(start.state_json("project/a"), full.state_json("project/a"));
  EXPECT_EQ(start.state_json("project/c"), full.state_json("project/c"));
}

TEST(StartFold, AnEmptyLogHasNoDeletedStream) {
  temp_dir dir;
  event_store store(dir.path() / "events.db");
  EXPECT_TRUE(store.deleted_streams().empty());
  int visited = 0;
  store.for_each_except({}, [&](recorded_event&) {
    ++visited;
    return true;
  });
  EXPECT_EQ(visited, 0);
}

}  // namespace
}  // namespace cumulo
