// `cumulo scenario run FILE...`: scripted scenario files (YAML). The steps
// drive the cloud through its public REST API, which grows issue by issue;
// what exists now is the file check every run starts with: a malformed file
// is reported with its file, line and column before anything runs.
#include <CLI/CLI.hpp>
#include <yaml-cpp/yaml.h>

#include <iostream>
#include <set>

#include "cli/commands.hpp"

namespace cumulo::cli {
namespace {

// The verbs this build knows. Each later issue adds the verbs of its API.
const std::set<std::string>& known_verbs() {
  static const std::set<std::string> verbs{};
  return verbs;
}

// Returns an empty string when the file is well formed, else the error.
std::string check_file(const std::string& file) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return file + ": cannot read the file";
  } catch (const YAML::ParserException& e) {
    return file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
           ": " + e.msg;
  }
  const YAML::Node steps = doc["steps"];
  if (!doc.IsMap() || !steps || !steps.IsSequence())
    return file + ":1:1: a scenario is a mapping with a 'steps' list";
  for (const auto& step : steps) {
    const auto mark = step.Mark();
    const std::string where =
        file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    if (!step.IsMap() || step.size() != 1) return where + ": a step is a mapping with one verb";
    const std::string verb = step.begin()->first.as<std::string>();
    if (!known_verbs().count(verb)) return where + ": unknown verb '" + verb + "'";
  }
  return "";
}

int run(const std::vector<std::string>& files) {
  int failed = 0;
  for (const auto& f : files) {
    const std::string error = check_file(f);
    if (!error.empty()) {
      std::cerr << error << "\n";
      ++failed;
    }
  }
  if (failed) return 2;
  std::cout << "0 passed, 0 failed\n";
  return 0;
}

}  // namespace

void add_scenario(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("scenario", "run scripted scenario files");
  cmd->require_subcommand(1);
  auto* run_cmd = cmd->add_subcommand("run", "check and run scenario files (YAML)");
  run_cmd->add_option("files", *files, "scenario files")->required()->check(CLI::ExistingFile);
  run_cmd->callback([files] { set_exit_code(run(*files)); });
}

}  // namespace cumulo::cli
