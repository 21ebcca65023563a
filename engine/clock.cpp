#include "engine/clock.hpp"

#include <cstdio>
#include <ctime>

namespace cumulo {

namespace {
std::tm to_tm(std::int64_t time_us) {
  std::time_t secs = static_cast<std::time_t>(time_us / 1000000);
  if (time_us < 0 && time_us % 1000000 != 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string format_iso8601(std::int64_t time_us) {
  std::tm tm = to_tm(time_us);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_iso8601_us(std::int64_t time_us) {
  std::tm tm = to_tm(time_us);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  long frac = static_cast<long>(((time_us % 1000000) + 1000000) % 1000000);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06ldZ", buf, frac);
  return out;
}

std::optional<std::int64_t> parse_iso8601(const std::string& text) {
  // Digits exactly where the form has them: sscanf alone would take "-1".
  static const char form[] = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < 19) return std::nullopt;
  for (std::size_t i = 0; i < 19; ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (form[i] == 'd' ? !digit : text[i] != form[i]) return std::nullopt;
  }
  const auto num = [&](std::size_t at, std::size_t len) {
    return std::stoi(text.substr(at, len));
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
            s = num(17, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) frac_us = frac_us * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) frac_us *= 10;
  }
  const std::string zone = text.substr(pos);
  if (!(zone.empty() || zone == "Z" || zone == "+00:00")) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm);
  // timegm quietly turns 2026-02-31 into March 3: refuse what moved.
  if (tm.tm_mday != d || tm.tm_mon != mo - 1) return std::nullopt;
  return static_cast<std::int64_t>(secs) * 1000000 + frac_us;
}

}  // namespace cumulo
