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
  // Evaluates the current weights on the evaluation users.
  Result<EvalResult> Evaluate(int64_t episodes);
  // Remembers the current weights if `result` (an Evaluate() of them) is the best so far.
  void RecordValidation(const EvalResult& result);
  // The final evaluation: with `select_best`, of the best recorded weights (if any) on fresh
  // users (a different seed from the periodic evaluations); else of the current weights.
  Result<EvalResult> EvaluateFinal(int64_t episodes, bool select_best);
  // The current weights on the test users EvaluateFinal(select_best) uses (baseline runs).
  Result<EvalResult> EvaluateTestUsers(int64_t episodes);
  // Stats message for the launcher: eval/episode_reward_mean, eval/episode_reward_std,
  // eval/episode_len_mean, eval/episodes, eval/weights_version (of the evaluated weights),
  // eval/timesteps_total, eval/final.
  Stats MakeStats(const EvalResult& result, bool final) const;
  // Whole-run snapshots (backend inproc, core/state_archive.h): the best validated weights and their mean.
  // Restore: Create(), ApplyWeights(the weights it held), then VisitState() loading.
  Status VisitState(StateArchive& archive);

 private:
  EvaluatorCore(std::unique_ptr<VecEnv> env, std::unique_ptr<Policy> policy, uint64_t seed)
      : env_(std::move(env)), policy_(std::move(policy)), seed_(seed) {}
  std::unique_ptr<VecEnv> env_;
  std::unique_ptr<Policy> policy_;
  uint64_t seed_;
  int64_t weights_version_ = 0;
  int64_t weights_timesteps_ = 0;
  Weights current_;                 // the weights the policy holds
  Weights best_;                    // the best validated weights (version 0 = none yet)
  double best_mean_ = 0.0;
};

}  // namespace slaterl
