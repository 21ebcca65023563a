// A fresh directory per test, removed afterwards.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace cumulo {

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cumulo-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    if (!std::getenv("CUMULO_KEEP_TEST_DIRS")) std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cumulo
