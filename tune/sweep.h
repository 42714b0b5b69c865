// tune/sweep.h — `slaterl sweep`: many runs of one experiment (grid, random samples, named
// points, seeds), placed on a backend, resumable, and summarised by tune/report.h.
//
// A sweep file is a run config (every key of docs/config.md) plus a `sweep:` section:
//   sweep:
//     points: {slateq: {}, random: {algo: random, config: {}}}  # named points (optional)
//     baseline: random               # point the others are tested against (Welch)
//     grid: {seed: [0, 1, 2], config.alpha: [0.5, 1, 2]}        # Cartesian product
//     samples: 0                     # random points, each crossed with the grid
//     sample: {config.lr: {loguniform: [1e-4, 1e-2]}}           # uniform | loguniform | choice
//     sample_seed: 0
//     metric: eval/episode_reward_mean
//     mode: max                      # max | min
//     alpha: 0.05
//     max_concurrent: 2
//     backend: local                 # local: `slaterl launch` child processes; inproc: one by one here
// A point's keys are overrides exactly like `--set`: a dotted key (`config.lr`) sets one value, a
// section key (`config: {...}`) replaces the whole section — so points may differ in shape. A run
// = the base config + one point's overrides + one grid/sample combination + one seed; runs with the
// same everything-but-seed form one *grid point* of the report. Every run's config is validated
// before anything starts; errors name the sweep file, line and key.
//
// Sweep directory: sweep.yaml (copy of the file), base.yaml (the run config without `sweep:`),
// sweep_plan.yaml (runs → points, seeds and overrides, read by the report), runs/<run>/ (run
// directories: `slaterl launch base.yaml --set ... --run-dir runs/<run>`; name = <sweep>-<run>),
// logs/<run>.log (child output), then report.md, results.csv, points.csv, plots/curves.svg.
// Resume: a run whose directory holds a summary.json with status ok (not interrupted) and the same
// resolved config is complete and is not rerun; any other run directory is removed and rerun. A
// failed run is recorded (summary.json status error, with the reason) and does not stop the sweep.
// Children die with the sweep (PR_SET_PDEATHSIG), so `kill -9` of a sweep leaves no orphans and
// the next start finishes the missing runs. SIGINT stops the children cleanly and ends the sweep.
// Not thread-safe; RunSweep blocks until the sweep ends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

struct SweepRunSpec {
  std::string id;     // directory name: <point label>-seed<S>, sanitised
  std::string point;  // grid-point label (everything but the seed)
  int64_t seed = 0;
  std::vector<std::string> overrides;  // `--set` specs applied to the base config (name and seed included)
  std::string resolved_yaml;           // the run's validated config (what its config.yaml will hold)
  bool learns = true;         // false: a baseline run (no training steps)
  int64_t timesteps_target = 0;
};

struct SweepPlan {
  std::string source;  // the sweep file
  std::string source_text;
  std::string base_text;  // the sweep file with the `sweep:` block blanked: every run's base config
  std::string name;
  std::string metric = "eval/episode_reward_mean";
  std::string mode = "max";
  double alpha = 0.05;
  std::string baseline;
  int64_t max_concurrent = 1;
  std::string backend = "local";
  std::vector<std::string> points;  // grid-point labels in order
  std::vector<SweepRunSpec> runs;
};

// Reads and validates a sweep file. `overrides` (`--set`): `sweep.KEY=VALUE` replaces a key of the
// sweep section (e.g. sweep.backend=inproc); any other applies to the base config of every run
// (e.g. stop.timesteps_total=1000 for a quick try).
Result<SweepPlan> LoadSweep(const std::string& path, const std::vector<std::string>& overrides = {});

struct SweepOptions {
  std::string sweep_dir;   // empty = runs/sweep-<name>
  std::string executable;  // slaterl binary for child launches (default /proc/self/exe)
  std::string progress = "auto";  // auto | tty | plain | off
};

struct SweepResult {
  std::string sweep_dir;
  int64_t total = 0, skipped = 0, ok = 0, failed = 0;  // skipped: complete before this start
  bool interrupted = false;
};

Result<SweepResult> RunSweep(const SweepPlan& plan, const SweepOptions& options);

// What RunSweep would run, one line per run (for --dry-run).
std::string DescribeSweep(const SweepPlan& plan);
// backend slurm: the array-job script RunSweep would submit (every run, as for a fresh sweep).
Result<std::string> DescribeSlurmSweep(const SweepPlan& plan, const SweepOptions& options);

}  // namespace slaterl
