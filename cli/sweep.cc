// cli/sweep.cc — `slaterl sweep`: many runs of one experiment.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "tune/sweep.h"

namespace slaterl {
namespace cli {
namespace {

const char kSweepHelp[] =
    "usage: slaterl sweep SWEEP.yaml [--run-dir DIR] [--set key=value ...] [--dry-run]\n"
    "\n"
    "Runs every run of a sweep file (a run config plus a `sweep:` section: points, grid with seed\n"
    "as an axis, random samples, metric, baseline, max_concurrent, backend; docs/sweeps.md) and\n"
    "writes DIR/report.md, DIR/results.csv, DIR/points.csv and DIR/plots/curves.svg (DIR defaults\n"
    "to runs/sweep-<name>). Starting it again with the same DIR runs only the runs that have not\n"
    "completed; failed runs are recorded and retried on the next start. Exit code 0 when every\n"
    "run is ok, 1 when some failed, 130 when interrupted.\n"
    "  --set key=value   override a key of every run's config, e.g. --set stop.timesteps_total=5000\n"
    "  --run-dir DIR     the sweep directory\n"
    "  --dry-run         print the runs, start nothing\n";


}  // namespace

int CmdSweep(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kSweepHelp), 0;
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  SweepOptions options;
  auto run_dir = TakeFlag(&common->rest, "--run-dir", &options.sweep_dir);
  if (!run_dir.ok()) return Fail(run_dir.status());
  const bool dry_run = TakeSwitch(&common->rest, "--dry-run");
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  auto plan = LoadSweep(common->config, common->overrides);
  if (!plan.ok()) return Fail(plan.status());
  if (dry_run) {
    std::printf("%s", DescribeSweep(*plan).c_str());
    if (plan->backend == "slurm") {
      auto script = DescribeSlurmSweep(*plan, options);
      if (!script.ok()) return Fail(script.status());
      std::printf("%s", script->c_str());
    }
    return 0;
  }
  auto result = RunSweep(*plan, options);
  if (!result.ok()) return Fail(result.status());
  if (result->interrupted) return 130;
  return result->failed > 0 ? 1 : 0;
}

}  // namespace cli
}  // namespace slaterl
