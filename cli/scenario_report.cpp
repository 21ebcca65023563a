#include "cli/scenario_report.hpp"

#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "engine/xml_text.hpp"

namespace cumulo::cli {
namespace {

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
    out << "  <testsuite name=\"" << xml_escaped(f.name) << "\" file=\"" << xml_escaped(f.file)
        << "\" tests=\"" << f.steps.size() << "\" failures=\"" << failed << "\" time=\""
        << seconds(f.seconds) << "\">\n";
    for (const auto& s : f.steps) {
      out << "    <testcase classname=\"" << xml_escaped(f.name) << "\" name=\""
          << xml_escaped(s.where) << " " << xml_escaped(s.title) << "\" file=\""
          << xml_escaped(f.file) << "\" line=\"" << s.line << "\" time=\"" << seconds(s.seconds)
          << "\"";
      if (s.passed) {
        out << "/>\n";
      } else {
        out << ">\n      <failure message=\"" << xml_escaped(s.detail) << "\">"
            << xml_escaped(s.detail) << "</failure>\n    </testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace cumulo::cli
