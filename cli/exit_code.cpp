#include "cli/commands.hpp"

namespace cumulo::cli {
namespace {
int code = 0;
}
void set_exit_code(int c) { code = c; }
int exit_code() { return code; }
}  // namespace cumulo::cli
