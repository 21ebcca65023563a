// `cumulo scenario run FILE...`: scripted scenario files (YAML). Every file
// is read and checked first (a malformed one is reported as
// file:line:column before anything runs); then each runs against a fresh
// cloud of its own (a child `cumulo serve`, see scenario_cloud.hpp), or
// against a running one with --url. Steps go through the public REST API.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli/commands.hpp"
#include "cli/scenario_cloud.hpp"
#include "cli/scenario_file.hpp"
#include "cli/scenario_report.hpp"
#include "cli/scenario_session.hpp"

namespace cumulo::cli {
namespace {

struct run_options {
  std::vector<std::string> files;
  std::string keep;  // keep the data dirs here
  std::string url;   // a running cloud instead
  std::string junit;
  credentials creds;  // for --url: OS_* or the flags
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// What a step's output line calls it: the verb and what it is about.
std::string title_of(const scenario_step& step) {
  std::string t = step.verb;
  const auto& p = step.params;
  if (p.IsScalar()) return t + " " + p.Scalar();
  if (!p.IsMap()) return t;
  static const std::vector<std::string> keys{
      "name",    "server",     "group",           "network",        "subnet",
      "port",    "router",     "image",           "flavor",         "user",
      "project", "volume",     "volume_snapshot", "list",           "path",
      "host",    "crash_host", "image_store",     "volume_backend", "times"};
  for (const auto& k : keys)
    if (p[k] && p[k].IsScalar()) {
      t += " " + p[k].Scalar();
      if (step.verb == "expect" && p["field"]) t += " " + p["field"].Scalar();
      if ((step.verb == "expect" || step.verb == "wait") && p["status"])
        t += " " + p["status"].Scalar();
      return t;
    }
  return t;
}

std::string random_password() {
  std::random_device rd;
  std::string p;
  for (int i = 0; i < 24; ++i) p += "abcdefghijkmnopqrstuvwxyz23456789"[rd() % 33];
  return p;
}

// The data dir of one file's cloud: kept under --keep, else a temporary
// one removed afterwards.
std::filesystem::path data_dir_for(const run_options& o, const scenario_file& f, bool& temporary) {
  if (!o.keep.empty()) {
    temporary = false;
    auto dir = std::filesystem::path(o.keep);
    if (o.files.size() > 1) dir /= f.name;
    // A fresh cloud each time: an old one there has another admin password.
    if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir))
      throw std::runtime_error("--keep: " + dir.string() +
                               " is not empty; give a folder that does not exist yet");
    return dir;
  }
  temporary = true;
  std::string tmpl = (std::filesystem::temp_directory_path() / "cumulo-scenario-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot make a temporary directory");
  return std::filesystem::path(tmpl) / "data";
}

file_outcome run_file(const run_options& o, const scenario_file& f) {
  file_outcome out{f.path, f.name, {}, 0};
  const auto t0 = std::chrono::steady_clock::now();
  std::cout << "== " << f.path << std::endl;
  std::unique_ptr<child_cloud> cloud;
  std::filesystem::path root;
  bool temporary = false;
  credentials admin = o.creds;
  try {
    if (o.url.empty()) {
      const auto dir = data_dir_for(o, f, temporary);
      root = temporary ? dir.parent_path() : std::filesystem::path();
      admin = {"admin", random_password(), "admin", "Default"};
      cloud = std::make_unique<child_cloud>(f.cloud, dir, admin.password);
      cloud->start();
      std::cout << "   cloud at " << cloud->url() << ", data dir " << dir.string() << std::endl;
    }
  } catch (const std::exception& e) {
    step_outcome s{f.path + ":1", 1, "start the cloud", false, e.what(), 0};
    print_step(std::cout, s);
    out.steps.push_back(s);
    if (temporary) std::filesystem::remove_all(root);
    return out;
  }
  session sess(o.url, admin, cloud.get());
  for (const auto& step : f.steps) {
    const auto s0 = std::chrono::steady_clock::now();
    step_outcome s{
        f.path + ":" + std::to_string(step.line), step.line, title_of(step), true, "", 0};
    try {
      if (&step == &f.steps.front()) sess.act_as_admin();  // the steps start as admin
      s.detail = run_step(sess, step, {});
    } catch (const std::exception& e) {
      s.passed = false;
      s.detail = e.what();
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    print_step(std::cout, s);
    out.steps.push_back(s);
  }
  cloud.reset();  // a graceful stop: a kept data dir is then consistent
  if (temporary) std::filesystem::remove_all(root);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

int run(const run_options& o) {
  std::vector<scenario_file> files;
  int malformed = 0;
  for (const auto& path : o.files) {
    try {
      files.push_back(load_scenario(path));
    } catch (const scenario_error& e) {
      std::cerr << e.what() << "\n";
      ++malformed;
    }
  }
  if (malformed) return 2;
  if (!o.url.empty() && o.creds.username.empty()) {
    std::cerr << "cumulo scenario run: --url needs credentials (OS_USERNAME, OS_PASSWORD, "
                 "OS_PROJECT_NAME or --os-username, --os-password, --os-project-name)\n";
    return 2;
  }
  http_init();
  std::vector<file_outcome> outcomes;
  std::size_t passed = 0, failed = 0;
  for (const auto& f : files) {
    outcomes.push_back(run_file(o, f));
    for (const auto& s : outcomes.back().steps) (s.passed ? passed : failed)++;
  }
  if (!o.junit.empty()) {
    try {
      write_junit(o.junit, outcomes);
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed ? 1 : 0;
}

}  // namespace

void add_scenario(CLI::App& app) {
  auto o = std::make_shared<run_options>();
  auto* cmd = app.add_subcommand("scenario", "run scripted scenario files");
  cmd->require_subcommand(1);
  auto* run_cmd = cmd->add_subcommand("run", "check and run scenario files (YAML)");
  run_cmd->add_option("files", o->files, "scenario files")->required()->check(CLI::ExistingFile);
  run_cmd->add_option("--keep", o->keep,
                      "keep the cloud's data dir here (one folder per file when several), for "
                      "`cumulo replay --data-dir`");
  auto* url = run_cmd->add_option("--url", o->url,
                                  "run against this running cloud (http://HOST:PORT) instead of "
                                  "a fresh one");
  run_cmd->add_option("--os-username", o->creds.username, "user for --url (default OS_USERNAME)");
  run_cmd->add_option("--os-password", o->creds.password, "password for --url (OS_PASSWORD)");
  run_cmd->add_option("--os-project-name", o->creds.project, "project for --url (OS_PROJECT_NAME)");
  run_cmd->add_option("--junit", o->junit, "write a JUnit XML report here");
  url->excludes(run_cmd->get_option("--keep"));
  run_cmd->callback([o] {
    if (!o->url.empty()) {
      while (!o->url.empty() && o->url.back() == '/') o->url.pop_back();
      // OS_AUTH_URL style addresses end in /v3: the runner wants the root.
      if (o->url.size() > 3 && o->url.substr(o->url.size() - 3) == "/v3")
        o->url.resize(o->url.size() - 3);
      if (o->creds.username.empty()) o->creds.username = env_or("OS_USERNAME", "");
      if (o->creds.password.empty()) o->creds.password = env_or("OS_PASSWORD", "");
      if (o->creds.project.empty()) o->creds.project = env_or("OS_PROJECT_NAME", "");
      o->creds.domain = env_or("OS_USER_DOMAIN_NAME", "Default");
    }
    set_exit_code(run(*o));
  });
}

}  // namespace cumulo::cli
