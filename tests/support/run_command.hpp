// Runs a program as a user would, and captures what it printed and how it
// ended. Output goes to files, not pipes, so a chatty child never blocks.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cumulo {

struct command_result {
  int exit_code = -1;  // 128 + signal when the program was killed (a crash)
  std::string out;
  std::string err;
};

inline command_result run_command(const std::vector<std::string>& args) {
  const auto dir = std::filesystem::temp_directory_path();
  std::string out_path = (dir / "cumulo-cmd-out-XXXXXX").string();
  std::string err_path = (dir / "cumulo-cmd-err-XXXXXX").string();
  const int out_fd = mkstemp(out_path.data());
  const int err_fd = mkstemp(err_path.data());
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("run_command: cannot make temp files");

  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_fd);
  close(err_fd);
  command_result result;
  int status = 0;
  if (pid > 0 && waitpid(pid, &status, 0) == pid) {
    result.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                             : -1;
  }
  auto slurp = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    std::filesystem::remove(path);
    return s.str();
  };
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  if (pid < 0) throw std::runtime_error("run_command: fork failed");
  return result;
}

}  // namespace cumulo
