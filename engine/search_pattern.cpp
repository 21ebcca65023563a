#include "engine/search_pattern.hpp"

#include <re2/re2.h>

namespace cumulo {

search_pattern::search_pattern(const std::string& pattern) : text_(pattern) {
  if (pattern.size() > max_length) return;
  RE2::Options o;
  o.set_log_errors(false);  // a client's bad pattern is not our error
  o.set_max_mem(max_program_bytes);
  auto re = std::make_unique<RE2>(pattern, o);
  if (re->ok()) re_ = std::move(re);
}

search_pattern::~search_pattern() = default;

bool search_pattern::found_in(const std::string& text) const {
  if (!re_) return text.find(text_) != std::string::npos;
  return RE2::PartialMatch(text, *re_);
}

}  // namespace cumulo
