// `cumulo serve` as a user runs it: a real process on an ephemeral port.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/data_dir.hpp"
#include "engine/event_store.hpp"
#include "engine/project_state.hpp"
#include "tests/cli/run_command.hpp"
#include "tests/cli/served_cloud.hpp"
#include "tests/http_client.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

TEST(Serve, ListensOnLoopbackAndTagsEveryResponseWithARequestId) {
  temp_dir dir;
  served_cloud cloud(dir.path() / "data", dir.path());
  ASSERT_TRUE(cloud.serving()) << cloud.err();
  auto root = http_request("GET", cloud.url("/"));
  EXPECT_EQ(root.status, 300);
  EXPECT_EQ(root.headers["content-type"], "application/json");
  EXPECT_EQ(root.headers["x-openstack-request-id"].rfind("req-", 0), 0u);
  auto missing = http_request("GET", cloud.url("/no/such/thing"));
  EXPECT_EQ(missing.status, 404);
  auto body = nlohmann::json::parse(missing.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << missing.body;
  EXPECT_EQ(body["error"]["code"], 404);
  EXPECT_NE(missing.headers["x-openstack-request-id"], root.headers["x-openstack-request-id"]);
  EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
  EXPECT_NE(cloud.out().find("cumulo stopped"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "events.db"));
}

TEST(Serve, ReplaysTheLogOfTheDataDirAtStart) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "data");
  {
    event_store store(data_dir::events_db_of(dir.path() / "data"));
    for (const char* id : {"a", "b", "c"})
      store.append({std::string("project/") + id, event_store::no_stream,
                    {encode(project_event{project_created{id}})}, {"req-x", "admin"}});
  }
  served_cloud cloud(dir.path() / "data", dir.path());
  ASSERT_TRUE(cloud.serving()) << cloud.err();
  EXPECT_NE(cloud.out().find("3 events replayed"), std::string::npos) << cloud.out();
  EXPECT_EQ(cloud.stop(SIGINT), 0);
}

TEST(Serve, ASecondServeOnTheSameDataDirRefusesToStart) {
  temp_dir dir;
  served_cloud first(dir.path() / "data", dir.path());
  ASSERT_TRUE(first.serving());
  temp_dir logs;
  served_cloud second(dir.path() / "data", logs.path());
  EXPECT_FALSE(second.serving());
  EXPECT_EQ(second.exit_code(), 1);
  EXPECT_NE(second.err().find("in use by another cumulo"), std::string::npos) << second.err();
  EXPECT_EQ(first.stop(), 0);
}

TEST(Serve, ACorruptEventLogStopsTheStartWithTheReason) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "data");
  std::ofstream(data_dir::events_db_of(dir.path() / "data")) << std::string(8192, 'x');
  served_cloud cloud(dir.path() / "data", dir.path());
  EXPECT_FALSE(cloud.serving());
  EXPECT_EQ(cloud.exit_code(), 1);
  EXPECT_NE(cloud.err().find("not a database"), std::string::npos) << cloud.err();
}

TEST(Serve, BadOptionsAreRefusedBeforeAnythingStarts) {
  temp_dir dir;
  auto r = run_command({CUMULO_BINARY, "serve", "--listen", "localhost", "--data-dir",
                        (dir.path() / "d").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "d"));
  r = run_command({CUMULO_BINARY, "serve", "--sync", "sometimes"});
  EXPECT_NE(r.exit_code, 0);
}

TEST(Scenario, AMalformedFileIsReportedWithFileLineAndColumn) {
  temp_dir dir;
  auto file = (dir.path() / "bad.yaml").string();
  std::ofstream(file) << "steps:\n  - launch: {name: [vm1\n";
  auto r = run_command({CUMULO_BINARY, "scenario", "run", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file + ":"), std::string::npos) << r.err;
  auto unknown = (dir.path() / "unknown.yaml").string();
  std::ofstream(unknown) << "steps:\n  - teleport: {to: moon}\n";
  r = run_command({CUMULO_BINARY, "scenario", "run", unknown});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(unknown + ":2:5: unknown verb 'teleport'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cumulo
