// A scenario file, read and checked before anything runs: its cloud
// options and its steps, each with where it is in the file so every error
// and every output line can point at it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace cumulo::cli {

struct scenario_step {
  std::string verb;
  YAML::Node params;  // the verb's value: a mapping, a scalar or null
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
  std::vector<scenario_step> steps;  // repeat and parallel: their body
  std::string where() const;         // file:line:column
};

// The cloud a scenario asks for when the runner starts it (`cloud:`).
struct scenario_cloud {
  int hosts = 1;
  int host_vcpus = 8;
  long long host_ram_mb = 16384;
  long long host_disk_gb = 200;
  std::string hosts_file;  // relative to the scenario file
  int spawn_timeout = 0;   // seconds; 0: serve's default
  bool faults = false;     // any fault step turns it on
};

struct scenario_file {
  std::string path;
  std::string name;  // `name:` or the file's stem
  scenario_cloud cloud;
  std::vector<scenario_step> steps;
};

// Reads and checks a file: YAML syntax, the shape, every verb known and
// every key of a verb known. Throws scenario_error("file:line:column: why").
scenario_file load_scenario(const std::string& path);

struct scenario_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Whether `verb` exists (the reference in README.md lists them).
bool known_verb(const std::string& verb);

}  // namespace cumulo::cli
