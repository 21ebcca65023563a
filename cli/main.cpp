// The cumulo binary: parses the command line and hands each subcommand to
// its file. It adds no behaviour of the cloud itself.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"cumulo: an OpenStack-compatible all-in-one cloud in one process", "cumulo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cumulo 0.1.0");
  cumulo::cli::add_serve(app);
  cumulo::cli::add_replay(app);
  cumulo::cli::add_scenario(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return cumulo::cli::exit_code();
}
