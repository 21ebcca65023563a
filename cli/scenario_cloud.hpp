// The cloud a scenario runs against when the runner starts it: `cumulo
// serve` (this same binary) as a child process on a fresh data dir.
//
// A child process, not a cloud inside the runner: "restart the whole cloud
// as a crash would" is then a real SIGKILL of a real process, with nothing
// flushed beyond what the cloud had acknowledged, and the runner's own
// HTTP client sees exactly what any other client would. The child dies with
// the runner (PR_SET_PDEATHSIG), so an aborted run leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/scenario_file.hpp"

namespace cumulo::cli {

class child_cloud {
 public:
  // Writes the hosts file the scenario asks for; starts nothing yet.
  child_cloud(const scenario_cloud& c, std::filesystem::path data_dir, std::string admin_password);
  ~child_cloud();  // SIGTERM (a graceful stop), SIGKILL if it lingers
  child_cloud(const child_cloud&) = delete;
  child_cloud& operator=(const child_cloud&) = delete;

  // Starts `cumulo serve` and waits for its "serving" line; throws
  // std::runtime_error with the end of its log when it does not come.
  void start();
  // SIGKILL, then start again on the same data dir and port.
  void crash_and_restart();
  std::string url() const;  // http://127.0.0.1:PORT
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path log_file() const;

 private:
  std::vector<std::string> args() const;
  void stop(int signal);

  scenario_cloud cloud_;
  std::filesystem::path data_dir_;
  std::filesystem::path hosts_file_;
  std::string admin_password_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace cumulo::cli
