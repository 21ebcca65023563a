// Each subcommand registers its options and its action on the app; the
// action stores the process exit code here.
#pragma once

namespace CLI {
class App;
}

namespace cumulo::cli {

void add_serve(CLI::App& app);
void add_replay(CLI::App& app);
void add_scenario(CLI::App& app);

void set_exit_code(int code);
int exit_code();

}  // namespace cumulo::cli
