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
    "usage: slaterl bench envs [CONFIG.yaml ...] [--repeats N] [--seconds S] [--json|--markdown]\n"
    "       slaterl bench pipeline [CONFIG.yaml ...] [--seconds S] [--against CONFIG2.yaml] [--json|--markdown]\n"
    "\n"
    "envs: single-core env steps/s with a random policy (and the oracle where the env has one) at batch 1\n"
    "  and 64, per environment at its defaults, or per CONFIG's env_config; S seconds per measurement\n"
    "  (default 1.5), the whole list N times (default 1).\n"
    "pipeline: actor env steps/s with the whole local pipeline running (each CONFIG in turn, default\n"
    "  configs/bench/pipeline_linucb_lts.yaml, for S seconds, default 10) divided by the same actors stepping\n"
    "  alone, and learner updates/s. --against CONFIG2.yaml (one CONFIG only) also runs CONFIG2 as it is (e.g.\n"
    "  the same run with `backend: hosts` over network namespaces, tcp:// + CURVE: bench/netns_pipeline.sh) and\n"
    "  reports its actor env steps/s as a ratio to the ipc:// run.\n"
    "--json prints one JSON object per measurement.\n"
    "--markdown prints the tables of docs/performance.md after all measurements (bench/performance.sh):\n"
    "  envs next to the fastest Python figure of data/reference/reference.csv for the same config and\n"
    "  policy; without CONFIGs, envs measures the configs of that table's speed rows, then every other\n"
    "  registered env at its defaults.\n";

}  // namespace

int CmdBench(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) return std::printf("%s", kBenchHelp), args.empty() ? 2 : 0;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const bool json = TakeSwitch(&rest, "--json");
  const bool markdown = TakeSwitch(&rest, "--markdown");
  if (json && markdown) return Fail(InvalidArgumentError("--json and --markdown: choose one"));
  const BenchOutput output = json ? BenchOutput::kJson : markdown ? BenchOutput::kMarkdown : BenchOutput::kText;
  std::string seconds;
  auto taken = TakeFlag(&rest, "--seconds", &seconds);
  if (!taken.ok()) return Fail(taken.status());
  // The positional arguments: config files.
  auto take_configs = [&rest]() {
    std::vector<std::string> configs;
    for (auto it = rest.begin(); it != rest.end();) {
      if (!it->empty() && (*it)[0] != '-') {
        configs.push_back(*it);
        it = rest.erase(it);
      } else {
        ++it;
      }
    }
    return configs;
  };
  if (args[0] == "envs") {
    EnvBenchOptions options;
    std::string repeats;
    taken = TakeFlag(&rest, "--repeats", &repeats);
    if (!taken.ok()) return Fail(taken.status());
    if (!repeats.empty()) {
      auto n = ParsePositive("--repeats", repeats);
      if (!n.ok()) return Fail(n.status());
      options.repeats = static_cast<int>(*n);
    }
    if (!seconds.empty()) {
      auto s = ParseDouble("--seconds", seconds);
      if (!s.ok()) return Fail(s.status());
      options.seconds_per_measurement = *s;
    }
    options.configs = take_configs();
    Status leftovers = NoLeftovers(rest);
    if (!leftovers.ok()) return Fail(leftovers);
    Status status = RunEnvBench(std::cout, output, options);
    return status.ok() ? 0 : Fail(status);
  }
  if (args[0] == "pipeline") {
    PipelineBenchOptions options;
    taken = TakeFlag(&rest, "--against", &options.against);
    if (!taken.ok()) return Fail(taken.status());
    if (!seconds.empty()) {
      auto s = ParseDouble("--seconds", seconds);
      if (!s.ok()) return Fail(s.status());
      options.seconds = *s;
    }
    std::vector<std::string> configs = take_configs();
    if (!configs.empty()) options.configs = configs;
    Status leftovers = NoLeftovers(rest);
    if (!leftovers.ok()) return Fail(leftovers);
    if (options.seconds < 2) return Fail(InvalidArgumentError("--seconds: at least 2"));
    Status status = RunPipelineBench(std::cout, output, options);
    return status.ok() ? 0 : Fail(status);
  }
  return Fail(InvalidArgumentError("bench '" + args[0] + "': expected envs or pipeline"));
}

}  // namespace cli
}  // namespace slaterl
