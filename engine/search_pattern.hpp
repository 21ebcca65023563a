// Nova's `name` and `ip` list filters are regular expressions a client
// sends. They run on RE2, whose matching is linear in the text and whose
// compiled program is bounded in memory, never on a backtracking engine: a
// pattern like ^(a+)+$ or 30,000 nested groups costs the same as any other.
#pragma once

#include <memory>
#include <string>

namespace re2 {
class RE2;
}

namespace cumulo {

class search_pattern {
 public:
  // Longest pattern compiled; a longer one is matched as literal text (no
  // name or address is that long anyway).
  static constexpr std::size_t max_length = 1024;
  // What RE2 may spend on one compiled pattern.
  static constexpr std::int64_t max_program_bytes = 1 << 20;

  explicit search_pattern(const std::string& pattern);
  ~search_pattern();
  search_pattern(const search_pattern&) = delete;
  search_pattern& operator=(const search_pattern&) = delete;

  // Like Python's re.search (Nova filters with it in its database layer):
  // anywhere in the text. A pattern RE2 refuses (invalid, too long or too
  // big) is a literal substring.
  bool found_in(const std::string& text) const;
  bool is_literal() const { return !re_; }

 private:
  std::string text_;
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace cumulo
