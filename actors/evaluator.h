// actors/evaluator.h — the evaluator: an actor in evaluation mode (exploration off).
//
// Owns its own VecEnv (`evaluation.num_envs`) and a Policy snapshot. Evaluate() runs whole
// episodes on the same users every time (seeded from `evaluation.seed`, or from the run seed), so
// successive evaluations differ only by the weights. Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <memory>

#include "actors/episode_runner.h"
#include "algos/registry.h"
#include "envs/registry.h"
#include "core/config.h"

namespace slaterl {

class EvaluatorCore {
 public:
  static Result<std::unique_ptr<EvaluatorCore>> Create(const RunConfig& run, const EnvEntry& env,
                                                       const AlgoEntry& algo);
  Status ApplyWeights(const Weights& weights);
  int64_t weights_version() const { return weights_version_; }
  int64_t weights_timesteps() const { return weights_timesteps_; }
  Result<EvalResult> Evaluate(int64_t episodes);
  // Stats message for the launcher: eval/episode_reward_mean, eval/episode_reward_std,
  // eval/episode_len_mean, eval/episodes, eval/weights_version, eval/timesteps_total, eval/final.
  Stats MakeStats(const EvalResult& result, bool final) const;

 private:
  EvaluatorCore(std::unique_ptr<VecEnv> env, std::unique_ptr<Policy> policy, uint64_t seed)
      : env_(std::move(env)), policy_(std::move(policy)), seed_(seed) {}
  std::unique_ptr<VecEnv> env_;
  std::unique_ptr<Policy> policy_;
  uint64_t seed_;
  int64_t weights_version_ = 0;
  int64_t weights_timesteps_ = 0;
};

}  // namespace slaterl
