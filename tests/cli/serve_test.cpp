// `cumulo serve` as a user runs it: a real process on an ephemeral port.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <regex>

#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "engine/project_state.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/served_cloud.hpp"
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

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  if (stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

// The streams of a kind in `cumulo replay --json` of the data dir.
std::vector<std::string> streams_of_kind(const std::filesystem::path& data,
                                         const std::string& kind) {
  auto r = run_command({CUMULO_BINARY, "replay", "--data-dir", data.string(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& s : j["streams"]) {
    const std::string stream = s["stream"];
    if (stream.rfind(kind + "/", 0) == 0) out.push_back(stream);
  }
  return out;
}

TEST(Serve, TheFirstStartBootstrapsTheAdminAndWritesItsCredentials) {
  temp_dir dir;
  const auto data = dir.path() / "data";
  std::string port;
  {
    served_cloud cloud(data, dir.path(), {"--admin-password", "s3cret"});
    ASSERT_TRUE(cloud.serving()) << cloud.err();
    port = std::to_string(cloud.port());
    EXPECT_NE(cloud.out().find("admin credentials: " + (data / "keystonerc_admin").string()),
              std::string::npos)
        << cloud.out();
    EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
  }
  const auto rc = file_text(data / "keystonerc_admin");
  EXPECT_EQ(file_mode(data / "keystonerc_admin"), 0600u);
  EXPECT_NE(rc.find("export OS_AUTH_URL=http://127.0.0.1:" + port + "/v3\n"), std::string::npos)
      << rc;
  EXPECT_NE(rc.find("export OS_PASSWORD='s3cret'\n"), std::string::npos) << rc;
  EXPECT_NE(rc.find("export OS_USERNAME=admin\n"), std::string::npos) << rc;
  EXPECT_NE(rc.find("export OS_PROJECT_NAME=admin\n"), std::string::npos) << rc;
  EXPECT_NE(rc.find("export OS_IDENTITY_API_VERSION=3\n"), std::string::npos) << rc;
  const auto yaml = file_text(data / "clouds.yaml");
  EXPECT_EQ(file_mode(data / "clouds.yaml"), 0600u);
  EXPECT_NE(yaml.find("auth_url: http://127.0.0.1:" + port + "/v3"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("password: 's3cret'"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("region_name: RegionOne"), std::string::npos) << yaml;

  EXPECT_EQ(streams_of_kind(data, "user").size(), 1u);
  EXPECT_EQ(streams_of_kind(data, "role").size(), 3u);
  EXPECT_EQ(streams_of_kind(data, "project").size(), 1u);
  // The password is in the files written for the admin, never in the log.
  EXPECT_EQ(file_text(data / "events.db").find("s3cret"), std::string::npos);
}

TEST(Serve, ARestartKeepsTheAdminAndItsPassword) {
  temp_dir dir;
  const auto data = dir.path() / "data";
  // One log folder per run: a reused serve.out could show the last run's port.
  for (const char* run : {"run1", "run2", "run3"})
    std::filesystem::create_directories(dir.path() / run);
  {
    served_cloud cloud(data, dir.path() / "run1");  // no --admin-password: one is generated
    ASSERT_TRUE(cloud.serving()) << cloud.err();
    EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
  }
  const auto rc_before = file_text(data / "keystonerc_admin");
  const auto users_before = streams_of_kind(data, "user");
  ASSERT_EQ(users_before.size(), 1u);
  const std::regex password_line(R"(export OS_PASSWORD='([A-Za-z0-9_-]{16})'\n)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rc_before, m, password_line)) << rc_before;
  const std::string generated = m[1];

  std::filesystem::remove(data / "clouds.yaml");
  {
    // The option is for the first start only: the password stays.
    served_cloud cloud(data, dir.path() / "run2", {"--admin-password", "ignored"});
    ASSERT_TRUE(cloud.serving()) << cloud.err();
    EXPECT_NE(cloud.out().find("admin credentials:"), std::string::npos) << cloud.out();
    const auto rc = file_text(data / "keystonerc_admin");
    EXPECT_NE(rc.find("export OS_PASSWORD='" + generated + "'"), std::string::npos) << rc;
    EXPECT_NE(rc.find(":" + std::to_string(cloud.port()) + "/v3"), std::string::npos) << rc;
    EXPECT_NE(file_text(data / "clouds.yaml").find(generated), std::string::npos);
    EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
  }
  EXPECT_EQ(streams_of_kind(data, "user"), users_before);
  EXPECT_EQ(streams_of_kind(data, "role").size(), 3u);

  // Without its keystonerc_admin the password is unknown: the cloud serves
  // but writes no credential file.
  std::filesystem::remove(data / "keystonerc_admin");
  std::filesystem::remove(data / "clouds.yaml");
  served_cloud cloud(data, dir.path() / "run3");
  ASSERT_TRUE(cloud.serving()) << cloud.err();
  EXPECT_FALSE(std::filesystem::exists(data / "keystonerc_admin"));
  EXPECT_EQ(cloud.out().find("admin credentials:"), std::string::npos) << cloud.out();
  EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
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
