// launch/launcher.h — `slaterl launch`: one run on the configured backend.
//
// Validates that the run can be launched (a stop criterion for a learning algorithm), creates the
// run directory, runs every role on the backend (`inproc`: one process, deterministic scheduler;
// `local`: supervised OS processes), writes metrics.jsonl rows and the progress line while it
// runs, and summary.json at the end. An algorithm that does not learn (random, greedy, ...) makes
// a *baseline run*: its final evaluation only, in this process (launcher.cc RunBaseline).
// Blocks until the run ends. SIGINT/SIGTERM stop the run
// cleanly (a second one kills every process at once).
#pragma once

#include <string>

#include "core/config.h"
#include "core/status.h"
#include "launch/run_metrics.h"

namespace slaterl {

struct LaunchOptions {
  std::string run_dir;     // empty = runs/<name>-<time>
  std::string executable;  // the slaterl binary for role processes (default /proc/self/exe)
  bool dry_run = false;    // print what would be started, start nothing
  // Continue the run in run_dir from its newest valid checkpoints (needs
  // checkpoint.interval_updates > 0). Process backends: the learner and shards restart from their
  // checkpoints, metrics continue from the learner checkpoint's counters. inproc: the whole run
  // continues from its newest snapshot, bit-identically.
  bool resume = false;
  // Set by Launch for a resume: the run checkpoint N the learner and every shard start from.
  int64_t resume_checkpoint_step = 0;
};

struct LaunchResult {
  std::string run_dir;
  std::string stop_reason;  // timesteps_total, ..., interrupted, error
  double final_eval_mean = 0.0;
  bool has_final_eval = false;
};

Result<LaunchResult> Launch(const RunConfig& run, const LaunchOptions& options);

// Backends (launch/inproc_backend.cc, launch/local_backend.cc). Both fill `metrics` and return the
// stop reason.
class RunDirectory;
// RunInproc continues from the snapshot in `resume_checkpoint` (a CheckpointStore checkpoint
// holding inproc.state) when it is not empty.
Result<std::string> RunInproc(const RunConfig& run, RunDirectory& dir, RunMetrics& metrics,
                              const std::string& resume_checkpoint);
Result<std::string> RunLocal(const RunConfig& run, const LaunchOptions& options, RunDirectory& dir,
                             RunMetrics& metrics);
// The processes and endpoints a local or hosts launch would start (`launch --dry-run`); for
// backend hosts also the host of every role, the ADDRESS:PORT of every socket, and the exact line
// each role is started with (cluster.exec with its placeholders replaced, launch/exec_command.h).
std::string DescribeLocalLaunch(const RunConfig& run, const LaunchOptions& options);

// Set by the SIGINT/SIGTERM handler that Launch installs; the backends poll it.
int InterruptCount();

}  // namespace slaterl
