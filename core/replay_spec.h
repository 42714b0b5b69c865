// core/replay_spec.h — the replay tables an algorithm asks every shard to hold.
//
// Declared by the algorithm (algos/registry.h `replay_spec`), carried to the shards by the
// launcher, and enforced by replay/ (which never sees algorithm code). Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace slaterl {

struct ReplayTableSpec {
  // kUniform: uniform with replacement. kPrioritized: proportional prioritized replay (Schaul et
  // al. 2016): P(i) = p_i^α / Σ_j p_j^α, new items get the largest priority seen so far.
  // kQueue: FIFO, every item is sampled exactly once.
  enum class Kind { kUniform, kPrioritized, kQueue };
  std::string name = "transitions";
  Kind kind = Kind::kUniform;
  int64_t capacity = 100000;        // items per shard; the oldest item is evicted when full
  int64_t min_size = 1;             // items a shard must hold before it serves a sample
  double samples_per_insert = 0.0;  // 0 = no rate limiter; else Reverb's SampleToInsertRatio
  double error_buffer = 0.0;        // allowed deviation from samples_per_insert, in samples
  int32_t item_size = 0;            // floats per item
  double priority_exponent = 0.6;   // kPrioritized: α
  double initial_priority = 1.0;    // kPrioritized: priority of the first item (later: max seen)
};

struct ReplaySpec {
  std::vector<ReplayTableSpec> tables;
  int32_t batch_size = 32;  // items per SampleRequest
  // Item kind. 0: one item per env step (envs/transition.h). > 0: one item per whole episode of
  // exactly this many steps (envs/trajectory.h, the GeMS trajectory replay, docs/algorithms.md §1.4), with
  // trajectory_action_dim raw-action floats and trajectory_user_dim privileged post-step user
  // floats per step.
  int32_t trajectory_steps = 0;
  int32_t trajectory_action_dim = 0;
  int32_t trajectory_user_dim = 0;
};

}  // namespace slaterl
