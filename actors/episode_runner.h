// actors/episode_runner.h — play a fixed number of evaluation episodes with one policy.
//
// Used by `slaterl eval` and by the evaluator process. RunEpisodes resets `env` with `seed`, seeds
// the policy's Rng from DeriveSeed(seed, {kSeedPolicy}), and steps all N envs in lock-step until
// `episodes` episodes have finished. Env i contributes exactly its first ⌊episodes/N⌋ (+1 for the
// first episodes mod N envs) episodes, so variable-length episodes are not biased towards short
// ones; results are in completion order (by step, then env index) and a pure function of (env
// config, policy, episodes, seed, N), apart from steps_per_sec. Buffers are allocated once per call, never
// per step. Not thread-safe with respect to `env` and `policy` (it drives both).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algos/algorithm.h"
#include "core/status.h"
#include "envs/vec_env.h"

namespace slaterl {

struct EvalResult {
  int64_t episodes = 0;
  double return_mean = 0.0;
  double return_std = 0.0;   // sample std (n − 1); 0 for a single episode
  double length_mean = 0.0;  // env steps
  double length_std = 0.0;
  double steps_per_sec = 0.0;  // env steps (all N envs) per wall-clock second, policy included
  std::vector<double> returns;  // per episode, in completion order
  std::vector<double> lengths;  // env steps per episode, same order
};

// Plays `episodes` (>= 1) episodes (attaching `env` to the policy first, Policy::attach_env). Errors: InvalidArgument for episodes < 1 or when the policy's
// first slates are not valid candidate positions (ValidateSlates); DeadlineExceeded when the envs
// stop finishing episodes (more than a generous bound of steps without collecting enough).
Result<EvalResult> RunEpisodes(VecEnv& env, Policy& policy, int64_t episodes, uint64_t seed);

// The one-line JSON object `slaterl eval --json` prints:
// {"env":..., "policy":..., "episodes":N, "return_mean":x, "return_std":x, "length_mean":x,
//  "steps_per_sec":x}. Numbers use %.17g (round-trip exact); non-finite numbers become null.
std::string EvalResultJson(const std::string& env, const std::string& policy, const EvalResult& r);

}  // namespace slaterl
