// Logging of one request: every line carries its request id, so a user can
// grep the log for the id OSC printed in an error.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace cumulo::api {

class request_log {
 public:
  explicit request_log(std::string request_id) : id_(std::move(request_id)) {}
  const std::string& id() const { return id_; }

  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    spdlog::info("[{}] {}", id_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    spdlog::warn("[{}] {}", id_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) const {
    spdlog::error("[{}] {}", id_, fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  std::string id_;
};

}  // namespace cumulo::api
