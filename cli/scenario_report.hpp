// What a run prints: a line per step, the final count, and the JUnit XML
// file CI systems read.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cumulo::cli {

struct step_outcome {
  std::string where;  // file:line
  int line = 0;
  std::string title;  // verb and what it is about
  bool passed = false;
  std::string detail;  // the note of a pass, expected vs got of a failure
  double seconds = 0;
};

struct file_outcome {
  std::string file;
  std::string name;
  std::vector<step_outcome> steps;
  double seconds = 0;
};

// "PASS file:line title (0.012 s): note" / "FAIL ... : expected X, got Y".
void print_step(std::ostream& out, const step_outcome& s);
void write_junit(const std::string& path, const std::vector<file_outcome>& files);

}  // namespace cumulo::cli
