// Runs a program of the host (qemu-img, genisoimage) and waits for it: the
// real-guest driver prepares disks and config drives with Debian's tools
// rather than reimplementing qcow2 or ISO 9660.
#pragma once

#include <string>
#include <vector>

namespace cumulo {

struct program_result {
  int exit_code = -1;  // -1: could not run, or killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// argv[0] is looked up in PATH (and /usr/sbin, /sbin). Never throws.
program_result run_program(const std::vector<std::string>& argv);

// Starts a program that daemonizes itself (dnsmasq) and waits for its
// foreground part: stdin, stdout and stderr are /dev/null and it inherits
// none of this process's other descriptors (sockets, the event store).
// Returns the foreground part's exit code, -1 when it could not run.
int start_daemon(const std::vector<std::string>& argv);

// The first program of `names` found in PATH, /usr/sbin or /sbin; "" if none.
std::string find_program(const std::vector<std::string>& names);

}  // namespace cumulo
