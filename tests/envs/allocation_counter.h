// tests/envs/allocation_counter.h — the allocation counter of the tests/envs binary, and the one
// play loop every env's no-allocation test runs.
//
// lts_test.cc replaces the global operator new for the whole binary (keep it the only
// replacement in tests/envs) and counts every call; tests here read the count to check that
// reset()/step()/act() allocate nothing. Thread-safe (an atomic counter).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "algos/algorithm.h"
#include "core/rng.h"
#include "envs/vec_env.h"

namespace slaterl {
namespace testing_envs {

// Number of global operator new calls (all forms) since the program started.
int64_t AllocationCount();

struct AllocationRun {
  int64_t allocations = 0;  // operator new calls inside the counted span
  int64_t terminated = 0;   // episodes env 0 ended by terminated
  int64_t truncated = 0;    // episodes env 0 ended by truncated
};

// After one uncounted warm-up reset, plays `rounds` rounds of reset(round) + `steps_per_round`
// steps, the policies taking turns by round, and counts allocations over all of it. `after_step`
// (optional) runs after every step inside the counted span, e.g. to call an accessor too.
inline AllocationRun CountAllocationsWhilePlaying(VecEnv& env, const std::vector<std::unique_ptr<Policy>>& policies,
                                                  int rounds, int steps_per_round,
                                                  const std::function<void(int step)>& after_step = {}) {
  const EnvSpec& spec = env.spec();
  ObsBatch obs;
  obs.Allocate(spec);
  SlateBatch slates;
  slates.Allocate(spec);
  StepBatch out;
  out.Allocate(spec);
  Rng rng(1);
  env.reset(0, &obs);
  AllocationRun run;
  const int64_t before = AllocationCount();
  for (int round = 0; round < rounds; ++round) {
    env.reset(static_cast<uint64_t>(round), &obs);
    Policy& policy = *policies[static_cast<size_t>(round) % policies.size()];
    policy.act(obs, rng, &slates);
    for (int t = 0; t < steps_per_round; ++t) {
      env.step(slates, &out);
      if (after_step) after_step(t);
      policy.act(out.obs, rng, &slates);
      run.terminated += out.terminated[0];
      run.truncated += out.truncated[0];
    }
  }
  run.allocations = AllocationCount() - before;
  return run;
}

}  // namespace testing_envs
}  // namespace slaterl
