// Fuzzes the scenario file reader (cli/scenario_file): YAML syntax
// (yaml-cpp), the file's shape, every verb and key checked, repeat/parallel
// bodies, the cloud options. load_scenario reads a path, so each input is
// written to a file of this process first.
//
// load_scenario promises scenario_error for every bad file (cumulo scenario
// catches only that, cli/scenario.cpp): any other exception escaping is a
// finding (the command would die with std::terminate).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/scenario_file.hpp"

namespace {

const std::string& input_path() {
  static const std::string p = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp ? tmp : "/tmp";
    return dir + "/cumulo-scenario-fuzz-" + std::to_string(getpid()) + ".yaml";
  }();
  static const bool cleanup = [] {
    std::atexit([] { std::remove(input_path().c_str()); });
    return true;
  }();
  (void)cleanup;
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = input_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    auto s = cumulo::cli::load_scenario(path);
    for (const auto& step : s.steps) (void)step.where();
  } catch (const cumulo::cli::scenario_error&) {
  }
  return 0;
}
