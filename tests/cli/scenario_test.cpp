// `cumulo scenario run` as a user runs it: files checked before anything
// runs, a line per step, the final count, the exit status, JUnit XML, and
// the fault API's guards (absent without --faults, an admin's only).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/run_command.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

std::string write(const temp_dir& dir, const std::string& name, const std::string& text) {
  const auto file = (dir.path() / name).string();
  std::ofstream(file) << text;
  return file;
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

command_result scenario(const std::vector<std::string>& args) {
  std::vector<std::string> all{CUMULO_BINARY, "scenario", "run"};
  all.insert(all.end(), args.begin(), args.end());
  return run_command(all);
}

TEST(ScenarioFile, ErrorsNameFileLineAndColumnBeforeAnythingRuns) {
  temp_dir dir;
  struct bad_case {
    std::string text;
    std::string error;  // after "file:"
  };
  const std::vector<bad_case> cases{
      {"steps:\n  - launch: {name: [vm1\n", ""},  // YAML syntax: the parser's position
      {"steps:\n  - teleport: {to: moon}\n", "2:5: unknown verb 'teleport'"},
      {"steps:\n  - create_network: {name: n}\n  - launch: {name: v, image: i, flavour: f}\n",
       "3:33: 'launch' has no key 'flavour'"},
      {"steps:\n  - launch: {name: v, image: i}\n", "2:13: 'launch' needs 'flavor'"},
      {"steps:\n  - repeat: {times: 2, steps: [{sleep: 0}, {warp: 9}]}\n",
       "2:44: unknown verb 'warp'"},
      {"steps:\n  - sleep: {seconds: 1}\n", "2:12: 'sleep' takes a scalar"},
      {"cloud: {hosts: 2, gpus: 1}\nsteps: []\n", "1:19: 'cloud' has no key 'gpus'"},
      {"stepz: []\n", "1:1: a scenario is a mapping with a 'steps' list"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto file = write(dir, "bad" + std::to_string(i) + ".yaml", cases[i].text);
    const auto r = scenario({file});
    EXPECT_EQ(r.exit_code, 2) << cases[i].text;
    EXPECT_NE(r.err.find(file + ":" + cases[i].error), std::string::npos) << cases[i].text << "\n"
                                                                          << r.err;
    EXPECT_EQ(r.out.find("cloud at"), std::string::npos) << "a cloud started: " << r.out;
  }
  // Found by the scenario fuzzer (issue 22): nodes of another shape than the
  // one read ended the program in std::terminate.
  for (const std::string text : {"name: [a]\nsteps: []\n", "? [a, b]\n: 1\nsteps: []\n",
                                 "steps:\n  - {[a]: 1}\n", "cloud: {[x]: 1}\nsteps: []\n"}) {
    const auto file = write(dir, "shape.yaml", text);
    const auto r = scenario({file});
    EXPECT_EQ(r.exit_code, 2) << text << r.err;
    EXPECT_NE(r.err.find(file + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("a value of the wrong shape here"), std::string::npos) << text << r.err;
  }
  // Several files: all are checked, none runs when one is bad.
  const auto good = write(dir, "good.yaml", "steps:\n  - sleep: 0\n");
  const auto bad = write(dir, "bad.yaml", "steps:\n  - nope: 1\n");
  const auto r = scenario({good, bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out.find("PASS"), std::string::npos) << r.out;
}

TEST(ScenarioRun, AFailedExpectationIsAFailLineAndExitOne) {
  temp_dir dir;
  const auto file = write(dir, "net.yaml",
                          "steps:\n"
                          "  - create_network: {name: n1}\n"
                          "  - expect: {network: n1, field: name, equals: n2}\n"
                          "  - expect: {network: n1, field: status, equals: ACTIVE}\n"
                          "  - create_network: {name: bad, external: true, shared: maybe, "
                          "http: 201}\n");
  const auto junit = (dir.path() / "report.xml").string();
  const auto r = scenario({file, "--junit", junit});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS " + file + ":2 create_network n1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL " + file + ":3 expect n1 name"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("network n1 name: expected n2, got n1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS " + file + ":4 expect n1 status"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL " + file + ":5 create_network bad"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected HTTP 201, got 400"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n2 passed, 2 failed\n"), std::string::npos) << r.out;

  const auto xml = read(junit);
  EXPECT_NE(xml.find("<testsuite name=\"net\" file=\"" + file + "\" tests=\"4\" failures=\"2\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"network n1 name: expected n2, got n1\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuites name=\"cumulo scenarios\" tests=\"4\" failures=\"2\""),
            std::string::npos)
      << xml;
}

TEST(ScenarioRun, ReferencesRepeatAndParallelAndTheKeptDataDir) {
  temp_dir dir;
  const auto file = write(dir, "refs.yaml",
                          "name: refs\n"
                          "steps:\n"
                          "  - create_network: {name: n}\n"
                          "  - repeat: {times: 3, steps: [{create_port: {name: 'p${i}', "
                          "network: n}}]}\n"
                          "  - parallel: {times: 20, workers: 4, steps: [{create_port: {name: "
                          "'q${i}', network: n}}]}\n"
                          "  - request: {method: GET, path: '/networking/v2.0/ports/${p2.id}', "
                          "status: 200, json: {port.name: p2, port.network_id: '${n.id}'}}\n"
                          "  - expect: {list: port, where: {network_id: '${n}'}, count: 23}\n");
  const auto kept = dir.path() / "kept";
  const auto r = scenario({file, "--keep", kept.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 passes of 1 steps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20 passes on 4 threads"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n5 passed, 0 failed\n"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(kept / "events.db"));
  // The kept data dir is what `cumulo replay` reads.
  const auto replay = run_command({CUMULO_BINARY, "replay", "verify", "--data-dir", kept.string()});
  EXPECT_EQ(replay.exit_code, 0) << replay.out << replay.err;
}

TEST(ScenarioRun, TheFaultApiIsAbsentWithoutFaultsAndAnAdminsOnly) {
  temp_dir dir;
  // No fault step: the cloud runs without --faults, the API is not there.
  const auto plain = write(dir, "plain.yaml",
                           "steps:\n"
                           "  - request: {method: GET, path: /cumulo/v1/faults, status: 404}\n");
  auto r = scenario({plain});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto guarded = write(dir, "guarded.yaml",
                             "steps:\n"
                             "  - fault: {image_store: ok}\n"
                             "  - request: {method: GET, path: /cumulo/v1/faults, status: 200}\n"
                             "  - create_project: {name: p}\n"
                             "  - create_user: {name: u, password: pw, project: p}\n"
                             "  - grant_role: {user: u, project: p}\n"
                             "  - as: {user: u, project: p}\n"
                             "  - request: {method: GET, path: /cumulo/v1/faults, status: 403}\n"
                             "  - request: {method: POST, path: /cumulo/v1/faults, body: {fault: "
                             "{type: crash_host, host: compute-1}}, status: 403}\n"
                             "  - as: admin\n"
                             "  - request: {method: POST, path: /cumulo/v1/faults, body: {fault: "
                             "{type: melt}}, status: 400, contains: Unknown fault type melt}\n");
  r = scenario({guarded});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\n10 passed, 0 failed\n"), std::string::npos) << r.out;
}

TEST(ScenarioRun, AgainstARunningCloudItNeedsCredentials) {
  temp_dir dir;
  const auto file = write(dir, "x.yaml", "steps:\n  - sleep: 0\n");
  const auto r = run_command({"/usr/bin/env", "-i", CUMULO_BINARY, "scenario", "run", file, "--url",
                              "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--url needs credentials"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cumulo
