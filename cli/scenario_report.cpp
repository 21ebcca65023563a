#include "cli/scenario_report.hpp"

#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace cumulo::cli {
namespace {

std::string xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // XML 1.0 has no place for other control characters.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

std::string seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(3) << s;
  return o.str();
}

}  // namespace

void print_step(std::ostream& out, const step_outcome& s) {
  out << (s.passed ? "PASS " : "FAIL ") << s.where << " " << s.title << " (" << seconds(s.seconds)
      << " s)";
  if (!s.detail.empty()) out << ": " << s.detail;
  out << std::endl;
}

void write_junit(const std::string& path, const std::vector<file_outcome>& files) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  std::size_t tests = 0, failures = 0;
  double total = 0;
  for (const auto& f : files) {
    tests += f.steps.size();
    total += f.seconds;
    for (const auto& s : f.steps) failures += s.passed ? 0 : 1;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"cumulo scenarios\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" time=\"" << seconds(total) << "\">\n";
  for (const auto& f : files) {
    std::size_t failed = 0;
    for (const auto& s : f.steps) failed += s.passed ? 0 : 1;
    out << "  <testsuite name=\"" << xml(f.name) << "\" file=\"" << xml(f.file) << "\" tests=\""
        << f.steps.size() << "\" failures=\"" << failed << "\" time=\"" << seconds(f.seconds)
        << "\">\n";
    for (const auto& s : f.steps) {
      out << "    <testcase classname=\"" << xml(f.name) << "\" name=\"" << xml(s.where) << " "
          << xml(s.title) << "\" file=\"" << xml(f.file) << "\" line=\"" << s.line << "\" time=\""
          << seconds(s.seconds) << "\"";
      if (s.passed) {
        out << "/>\n";
      } else {
        out << ">\n      <failure message=\"" << xml(s.detail) << "\">" << xml(s.detail)
            << "</failure>\n    </testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace cumulo::cli
