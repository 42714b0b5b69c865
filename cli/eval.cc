// cli/eval.cc — `slaterl eval`: a fixed policy or a checkpoint evaluated on the config's environment.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "actors/episode_runner.h"
#include "algos/policy_by_name.h"
#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "envs/registry.h"

namespace slaterl {
namespace cli {
namespace {

const char kEvalHelp[] =
    "usage: slaterl eval CONFIG.yaml --policy P --episodes N [--seed S] [--num-envs N] [--set k=v ...] [--json]\n"
    "\n"
    "Runs N episodes of the config's environment with policy P and prints the mean return.\n"
    "  --policy P     random | random_md | greedy | oracle | oracle_eps | choc | kale | first |\n"
    "                 checkpoint:DIR (oracle_eps: topics' epsilon-greedy oracle, epsilon 0.5)\n"
    "                 (checkpoint:DIR loads the config's algorithm from a checkpoint directory)\n"
    "  --episodes N   episodes to run (default 100)\n"
    "  --seed S       seed of the users and the policy (default: the config's seed)\n"
    "  --num-envs N   environments stepped in lock-step (default 16; results do not depend on it\n"
    "                 beyond which users are drawn)\n"
    "  --json         print one JSON object: env, policy, episodes, return_mean, return_std,\n"
    "                 length_mean, steps_per_sec\n";


}  // namespace

int CmdEval(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kEvalHelp), 0;
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  std::string policy_name, episodes_text = "100", seed_text, num_envs_text = "16";
  for (auto flag : {std::make_pair("--policy", &policy_name), std::make_pair("--episodes", &episodes_text),
                    std::make_pair("--seed", &seed_text), std::make_pair("--num-envs", &num_envs_text)}) {
    auto taken = TakeFlag(&common->rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  const bool json = TakeSwitch(&common->rest, "--json");
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (policy_name.empty()) return Fail(InvalidArgumentError("--policy is required (see --help)"));
  auto episodes = ParsePositive("--episodes", episodes_text);
  auto num_envs = ParsePositive("--num-envs", num_envs_text);
  if (!episodes.ok()) return Fail(episodes.status());
  if (!num_envs.ok() || *num_envs < 1) return Fail(InvalidArgumentError("--num-envs: expected a positive integer"));
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  uint64_t seed = run->seed;
  if (!seed_text.empty()) {
    auto parsed = ParsePositive("--seed", seed_text);
    if (!parsed.ok()) return Fail(parsed.status());
    seed = static_cast<uint64_t>(*parsed);
  }
  const EnvEntry* env_entry = FindEnv(run->env);
  auto env = env_entry->create(run->env_config, static_cast<int>(*num_envs));
  if (!env.ok()) return Fail(env.status());
  AlgoContext ctx = MakeAlgoContext(*run, (*env)->spec());
  auto policy = MakePolicyByName(*run, policy_name, ctx);
  if (!policy.ok()) return Fail(policy.status());
  auto result = RunEpisodes(**env, **policy, *episodes, seed);
  if (!result.ok()) return Fail(result.status());
  if (json) {
    std::printf("%s\n", EvalResultJson(run->env, policy_name, *result).c_str());
  } else {
    std::printf("%s / %s: return %.4f ± %.4f (std %.4f, %lld episodes), length %.2f, %.0f steps/s\n",
                run->env.c_str(), policy_name.c_str(), result->return_mean,
                result->episodes > 1 ? result->return_std / std::sqrt(double(result->episodes)) : 0.0,
                result->return_std, static_cast<long long>(result->episodes), result->length_mean,
                result->steps_per_sec);
  }
  return 0;
}

}  // namespace cli
}  // namespace slaterl
