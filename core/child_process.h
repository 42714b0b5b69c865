// core/child_process.h — starting a supervised child process: it dies with its parent
// (PR_SET_PDEATHSIG; if the parent is already gone it exits 126), writes stdout and stderr to a log
// file, and execs `args[0]` (exit 127 when exec fails). Used by the launcher for role processes and
// by sweeps for their runs. The argv array is built before fork, so the child never allocates
// (the parent may have threads). Thread-safe; returns without waiting for the child.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

struct ChildOptions {
  std::string log_path;       // stdout and stderr go here ("" = inherited)
  bool append_log = false;    // append (a restarted role keeps its history) or truncate
  bool ignore_sigint = false; // the terminal's Ctrl-C goes to the parent, which coordinates
};

// Forks and execs `args` (args[0] is the program path); the child's pid.
Result<pid_t> StartChildProcess(std::vector<std::string> args, const ChildOptions& options);

}  // namespace slaterl
