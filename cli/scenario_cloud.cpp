#include "cli/scenario_cloud.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cumulo::cli {
namespace {

std::string tail_of(const std::filesystem::path& file, std::size_t bytes = 2000) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace

child_cloud::child_cloud(const scenario_cloud& c, std::filesystem::path data_dir,
                         std::string admin_password)
    : cloud_(c), data_dir_(std::move(data_dir)), admin_password_(std::move(admin_password)) {
  std::filesystem::create_directories(data_dir_);
  if (!cloud_.hosts_file.empty()) {
    hosts_file_ = cloud_.hosts_file;
  } else {
    // Beside the data dir, not in it: the data dir is the cloud's alone.
    hosts_file_ = data_dir_.string() + ".hosts";
    std::ofstream out(hosts_file_);
    for (int i = 1; i <= cloud_.hosts; ++i)
      out << "compute-" << i << " " << cloud_.host_vcpus << " " << cloud_.host_ram_mb << " "
          << cloud_.host_disk_gb << "\n";
  }
}

child_cloud::~child_cloud() {
  stop(SIGTERM);
}

std::filesystem::path child_cloud::log_file() const {
  return data_dir_.string() + ".serve.log";
}

std::string child_cloud::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> child_cloud::args() const {
  std::vector<std::string> a{"cumulo", "serve", "--data-dir", data_dir_.string(), "--listen",
                             "127.0.0.1:" + std::to_string(port_), "--password-cost", "min",
                             "--admin-password", admin_password_,
                             // What a SIGKILL can lose is what normal allows to lose: the
                             // restart fault tests exactly that promise, faster.
                             "--sync", "normal", "--hosts-file", hosts_file_.string()};
  if (cloud_.faults) a.push_back("--faults");
  if (cloud_.spawn_timeout > 0) {
    a.push_back("--spawn-timeout");
    a.push_back(std::to_string(cloud_.spawn_timeout));
  }
  return a;
}

void child_cloud::start() {
  const auto log = log_file();
  const auto size_before =
      std::filesystem::exists(log) ? std::filesystem::file_size(log) : std::uintmax_t{0};
  const auto a = args();
  std::vector<char*> argv;
  for (const auto& s : a) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork the cloud");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the runner died before prctl
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  // The serving line carries the port (the first start asks for any).
  const std::regex serving(R"(cumulo serving on http://127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    in.seekg(static_cast<std::streamoff>(size_before));
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, serving)) {
        port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
        return;
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("cumulo serve exited before serving:\n" + tail_of(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop(SIGKILL);
  throw std::runtime_error("cumulo serve did not start within 60 s:\n" + tail_of(log));
}

void child_cloud::stop(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

void child_cloud::crash_and_restart() {
  stop(SIGKILL);
  start();
}

}  // namespace cumulo::cli
