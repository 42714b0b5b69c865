// cli/launch.cc — `slaterl launch`: one training run, or `--resume RUN_DIR` to continue one.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "launch/launcher.h"

namespace slaterl {
namespace cli {
namespace {

const char kLaunchHelp[] =
    "usage: slaterl launch CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--dry-run]\n"
    "\n"
    "Runs one training run as the config's `cluster.backend` says (inproc | local) and writes\n"
    "DIR/config.yaml, DIR/metrics.jsonl, DIR/logs/, DIR/checkpoints/ and DIR/summary.json\n"
    "(DIR defaults to runs/<name>-<time>). Ctrl-C stops cleanly; a second Ctrl-C kills.\n"
    "  --set key=value   override any config key, e.g. --set cluster.num_actors=4 (repeatable)\n"
    "  --run-dir DIR     write the run into DIR\n"
    "  --dry-run         print the processes and endpoints that would start, start nothing\n"
    "\n"
    "usage: slaterl launch --resume RUN_DIR\n"
    "  continues a run with checkpoints (checkpoint.interval_updates > 0) from its newest valid learner\n"
    "  and shard checkpoints, appending to its metrics.jsonl from the checkpoint's env step on\n";


}  // namespace

int CmdLaunch(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kLaunchHelp), 0;
  if (!args.empty() && args[0] == "--resume") {
    // slaterl launch --resume RUN_DIR: the run's own resolved config, continued in place.
    if (args.size() != 2) return Fail(InvalidArgumentError("usage: slaterl launch --resume RUN_DIR"));
    LaunchOptions options;
    options.run_dir = args[1];
    options.resume = true;
    auto run = LoadRun(options.run_dir + "/config.yaml");
    if (!run.ok()) return Fail(run.status());
    auto result = Launch(*run, options);
    if (!result.ok()) return Fail(result.status());
    return result->stop_reason == "interrupted" ? 130 : 0;
  }
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  LaunchOptions options;
  auto run_dir = TakeFlag(&common->rest, "--run-dir", &options.run_dir);
  if (!run_dir.ok()) return Fail(run_dir.status());
  options.dry_run = TakeSwitch(&common->rest, "--dry-run");
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  auto result = Launch(*run, options);
  if (!result.ok()) return Fail(result.status());
  return result->stop_reason == "interrupted" ? 130 : 0;
}

}  // namespace cli
}  // namespace slaterl
