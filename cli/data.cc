// cli/data.cc — `slaterl data generate`: logged trajectories.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "actors/data_generate.h"
#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace slaterl {
namespace cli {
namespace {

const char kDataHelp[] =
    "usage: slaterl data generate CONFIG.yaml --episodes N --out FILE [--policy oracle] [--epsilon E]\n"
    "                             [--seed S] [--num-envs N] [--set k=v ...]\n"
    "\n"
    "Logs N trajectories of the config's `topics` env played by the epsilon-greedy oracle\n"
    "(docs/algorithms.md §4.4.4): each slot independently gets, with probability E, a random item\n"
    "(the random items of a slate are distinct), else the env's oracle item. FILE (written\n"
    "atomically) holds per trajectory the T served slates and their clicks (format:\n"
    "datasets/logged_data.h, docs/data.md). The users come from the config's seed (--set seed=S)\n"
    "and env_config.sim_seed.\n"
    "  --episodes N   trajectories to log (required)\n"
    "  --out FILE     the dataset file (required; 100,000 GeMS trajectories take 500 MB)\n"
    "  --policy P     oracle (default; the only logging policy)\n"
    "  --epsilon E    probability of a random item per slot (default 0.5, GeMS; 0 = oracle, 1 = random)\n"
    "  --seed S       the policy's seed (default 2754851, GeMS's logging seed)\n"
    "  --num-envs N   envs stepped in lock-step (default 16; the file depends on it)\n";


}  // namespace

int CmdData(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) return std::printf("%s", kDataHelp), args.empty() ? 2 : 0;
  if (args[0] != "generate")
    return Fail(InvalidArgumentError("data '" + args[0] + "': expected generate (see --help)"));
  auto common = ParseCommon(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!common.ok()) return Fail(common.status());
  DataGenerateOptions options;
  std::string episodes_text, epsilon_text, seed_text, num_envs_text;
  for (auto flag : {std::make_pair("--policy", &options.policy), std::make_pair("--episodes", &episodes_text),
                    std::make_pair("--epsilon", &epsilon_text), std::make_pair("--seed", &seed_text),
                    std::make_pair("--num-envs", &num_envs_text), std::make_pair("--out", &options.out)}) {
    auto taken = TakeFlag(&common->rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (episodes_text.empty()) return Fail(InvalidArgumentError("--episodes is required (see --help)"));
  if (options.out.empty()) return Fail(InvalidArgumentError("--out is required (see --help)"));
  auto episodes = ParsePositive("--episodes", episodes_text);
  if (!episodes.ok() || *episodes < 1) return Fail(InvalidArgumentError("--episodes: expected a positive integer"));
  options.episodes = *episodes;
  if (!epsilon_text.empty()) {
    auto epsilon = ParseDouble("--epsilon", epsilon_text);
    if (!epsilon.ok()) return Fail(epsilon.status());
    options.epsilon = *epsilon;
  }
  if (!seed_text.empty()) {
    auto seed = ParsePositive("--seed", seed_text);
    if (!seed.ok()) return Fail(seed.status());
    options.policy_seed = static_cast<uint64_t>(*seed);
  }
  if (!num_envs_text.empty()) {
    auto num_envs = ParsePositive("--num-envs", num_envs_text);
    if (!num_envs.ok() || *num_envs < 1) return Fail(InvalidArgumentError("--num-envs: expected a positive integer"));
    options.num_envs = static_cast<int>(*num_envs);
  }
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  auto result = GenerateLoggedData(*run, options);
  if (!result.ok()) return Fail(result.status());
  std::fprintf(stderr,
               "data generate: wrote %s: %lld trajectories x %d steps x %d slots, %.1f MB, %.1f "
               "clicks/trajectory, %.3f of slots random, %.2f s, %.0f trajectories/s\n",
               options.out.c_str(), static_cast<long long>(result->trajectories),
               result->steps_per_trajectory, result->slate_size,
               static_cast<double>(result->file_bytes) / 1e6, result->clicks_per_trajectory,
               result->random_slot_fraction, result->seconds, result->trajectories_per_sec);
  return 0;
}

}  // namespace cli
}  // namespace slaterl
