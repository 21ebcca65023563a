#include "engine/event.hpp"

namespace cumulo {

std::string stream_kind(const std::string& stream) {
  auto slash = stream.find('/');
  return slash == std::string::npos ? std::string() : stream.substr(0, slash);
}

std::string stream_id(const std::string& stream) {
  auto slash = stream.find('/');
  return slash == std::string::npos ? stream : stream.substr(slash + 1);
}

std::string make_stream(const std::string& kind, const std::string& id) { return kind + "/" + id; }

}  // namespace cumulo
