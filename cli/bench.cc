// cli/bench.cc — `slaterl bench envs|pipeline`: throughput measurements.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench/lib/env_bench.h"
#include "bench/lib/pipeline_bench.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace slaterl {
namespace cli {
namespace {

const char kBenchHelp[] =
    "usage: slaterl bench envs [--json]\n"
    "       slaterl bench pipeline [CONFIG.yaml] [--seconds S] [--against CONFIG2.yaml] [--json]\n"
    "\n"
    "envs: single-core env steps/s with a random policy at batch 1 and 64, per environment.\n"
    "pipeline: actor env steps/s with the whole local pipeline running (CONFIG, default\n"
    "  configs/bench/pipeline_linucb_lts.yaml, for S seconds, default 10) divided by the same actors stepping\n"
    "  alone, and learner updates/s. --against CONFIG2.yaml also runs CONFIG2 as it is (e.g. the same run with\n"
    "  `backend: hosts` over network namespaces, tcp:// + CURVE: bench/netns_pipeline.sh) and reports its actor\n"
    "  env steps/s as a ratio to the ipc:// run.\n"
    "--json prints one JSON object per measurement.\n";


}  // namespace

int CmdBench(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) return std::printf("%s", kBenchHelp), args.empty() ? 2 : 0;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const bool json = TakeSwitch(&rest, "--json");
  if (args[0] == "envs") {
    Status leftovers = NoLeftovers(rest);
    if (!leftovers.ok()) return Fail(leftovers);
    Status status = RunEnvBench(std::cout, json);
    return status.ok() ? 0 : Fail(status);
  }
  if (args[0] == "pipeline") {
    PipelineBenchOptions options;
    std::string seconds;
    auto taken = TakeFlag(&rest, "--seconds", &seconds);
    if (!taken.ok()) return Fail(taken.status());
    taken = TakeFlag(&rest, "--against", &options.against);
    if (!taken.ok()) return Fail(taken.status());
    if (!seconds.empty()) options.seconds = std::atof(seconds.c_str());
    if (!rest.empty() && rest.front()[0] != '-') {
      options.config = rest.front();
      rest.erase(rest.begin());
    }
    Status leftovers = NoLeftovers(rest);
    if (!leftovers.ok()) return Fail(leftovers);
    if (options.seconds < 2) return Fail(InvalidArgumentError("--seconds: at least 2"));
    Status status = RunPipelineBench(std::cout, json, options);
    return status.ok() ? 0 : Fail(status);
  }
  return Fail(InvalidArgumentError("bench '" + args[0] + "': expected envs or pipeline"));
}

}  // namespace cli
}  // namespace slaterl
