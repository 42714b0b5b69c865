#include "actors/episode_runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/json.h"
#include "core/rng.h"
#include "core/stats.h"

namespace slaterl {
namespace {

// Step allowance per episode for self-terminating envs (max_steps == 0) before RunEpisodes gives
// up; far above any reference episode length (interest_evolution: at most ~130 steps).
constexpr int64_t kSelfTerminatingStepAllowance = 100000;

}  // namespace

Result<EvalResult> RunEpisodes(VecEnv& env, Policy& policy, int64_t episodes, uint64_t seed) {
  if (episodes < 1)
    return InvalidArgumentError("RunEpisodes: episodes must be >= 1, got " + std::to_string(episodes));
  const EnvSpec& spec = env.spec();
  policy.attach_env(env);
  const int64_t n = spec.num_envs;
  const int64_t per_episode = spec.max_steps > 0 ? spec.max_steps : kSelfTerminatingStepAllowance;
  const int64_t max_batch_steps = ((episodes + n - 1) / n + 1) * per_episode;

  EvalResult result;
  result.returns.reserve(static_cast<size_t>(episodes));
  result.lengths.reserve(static_cast<size_t>(episodes));
  ObsBatch reset_obs(spec);
  SlateBatch slates(spec);
  StepBatch step(spec);
  Rng rng(DeriveSeed(seed, {kSeedPolicy}));

  // Env i contributes exactly its first quota[i] episodes. Taking the first `episodes` to finish
  // across envs instead would over-represent short episodes when lengths vary.
  std::vector<int64_t> quota(n, episodes / n), taken(n, 0);
  for (int64_t i = 0; i < episodes % n; ++i) ++quota[i];

  const auto start = std::chrono::steady_clock::now();
  env.reset(seed, &reset_obs);
  const ObsBatch* obs = &reset_obs;  // after the first step, the env writes step.obs in place
  int64_t batch_steps = 0;
  while (static_cast<int64_t>(result.returns.size()) < episodes) {
    if (batch_steps >= max_batch_steps)
      return DeadlineExceededError("RunEpisodes: only " + std::to_string(result.returns.size()) +
                                   " of " + std::to_string(episodes) + " episodes finished after " +
                                   std::to_string(batch_steps) + " steps of " + std::to_string(n) +
                                   " envs");
    policy.act(*obs, rng, &slates);
    Status valid = ValidateSlates(spec, slates);
    if (!valid.ok()) return valid.WithContext("RunEpisodes: policy slate at step " + std::to_string(batch_steps));
    env.step(slates, &step);
    obs = &step.obs;
    ++batch_steps;
    for (int64_t i = 0; i < n; ++i) {
      if ((step.terminated[i] || step.truncated[i]) && taken[i] < quota[i]) {
        ++taken[i];
        result.returns.push_back(step.episode_return[i]);
        result.lengths.push_back(static_cast<double>(step.episode_length[i]));
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  result.episodes = episodes;
  result.return_mean = Mean(result.returns);
  result.return_std = SampleStd(result.returns);
  result.length_mean = Mean(result.lengths);
  result.length_std = SampleStd(result.lengths);
  const double env_steps = static_cast<double>(batch_steps) * static_cast<double>(n);
  result.steps_per_sec = seconds > 0.0 ? env_steps / seconds : 0.0;
  return result;
}

std::string EvalResultJson(const std::string& env, const std::string& policy, const EvalResult& r) {
  JsonObject o;
  o.Add("env", env)
      .Add("policy", policy)
      .Add("episodes", r.episodes)
      .Add("return_mean", r.return_mean)
      .Add("return_std", r.return_std)
      .Add("length_mean", r.length_mean)
      .Add("steps_per_sec", r.steps_per_sec);
  return o.str();
}

}  // namespace slaterl
