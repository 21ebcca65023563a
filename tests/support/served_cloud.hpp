// Starts the real `cumulo serve` on 127.0.0.1 with an ephemeral port, as a
// user would, and stops it with a signal. The port is read from the line
// serve prints once it listens.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/temp_dir.hpp"

namespace cumulo {

class served_cloud {
 public:
  served_cloud(const std::filesystem::path& data_dir, const std::filesystem::path& log_dir,
               std::vector<std::string> extra = {}) {
    out_ = log_dir / "serve.out";
    err_ = log_dir / "serve.err";
    std::vector<std::string> args{CUMULO_BINARY, "serve",      "--listen",
                                  "127.0.0.1:0", "--data-dir", data_dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // A previous run's output must not be read as this one's port.
    std::filesystem::remove(out_);
    std::filesystem::remove(err_);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // A test that dies without its destructors (an uncaught exception,
      // a crash) must not leave its server running: the server dies with it.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int out = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int in = open("/dev/null", O_RDONLY);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      dup2(in, STDIN_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const std::regex serving(R"(cumulo serving on http://127\.0\.0\.1:(\d+))");
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string text = out();
      if (std::regex_search(text, m, serving)) {
        port_ = std::stoi(m[1]);
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        return;  // it ended without serving: the test reads exit_code() and err()
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("cumulo serve did not start in 30 s: " + err());
  }

  ~served_cloud() {
    if (pid_ > 0) stop(SIGKILL);
  }

  bool serving() const { return port_ > 0 && pid_ > 0; }
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Sends the signal and waits (bounded) for the exit; returns the exit code.
  int stop(int sig = SIGTERM) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return exit_code_;
  }

  int exit_code() const { return exit_code_; }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  std::filesystem::path out_, err_;
};

// A fixture with a fresh `cumulo serve` (default options) per test, stopped
// cleanly at its end.
class served_cloud_test : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud = std::make_unique<served_cloud>(dir.path() / "data", dir.path());
    ASSERT_TRUE(cloud->serving()) << cloud->err();
  }
  void TearDown() override {
    if (cloud) {
      EXPECT_EQ(cloud->stop(), 0) << cloud->err();
    }
  }

  temp_dir dir;
  std::unique_ptr<served_cloud> cloud;
};

}  // namespace cumulo
