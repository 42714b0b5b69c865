// envs/trajectory.h — the fixed float layout of one whole-episode replay item (GeMS trajectory
// replay, docs/algorithms.md §1.2–§1.4).
//
// For environments whose episodes last exactly T steps and whose observation is the slate served
// last and its clicks (`topics`, docs/environments.md §8.2). One item holds one episode:
//
//   [slates (T+1)×k | clicks (T+1)×k | actions T×D | rewards T | next_user T×U |
//    episode_index | policy_version]
//
// slates/clicks row t = o_t = (A_{t−1}, c_t): row 0 is the reset observation (reset slate and its
// clicks), row t+1 the slate served at step t (after oracle substitution) and its clicks; the
// terminal o_T is stored (docs/algorithms.md §1.2 requirement). actions row t = the policy's raw action a_t
// (D floats, e.g. SAC's proto-action; D may be 0). rewards[t] = r_t. next_user row t = the raw user
// vector after step t (privileged, U floats, U = 0 unless the algorithm asks for it).
// episode_index = the training progress n when the episode started (random phase and ε are
// functions of it); policy_version = the weights version the episode started with. Item ids and
// flags are exact as floats (< 2^24). Stateless; thread-safe.
#pragma once

#include <cstdint>

namespace slaterl {

struct TrajectoryLayout {
  int steps = 0, slate_size = 0, action_dim = 0, user_dim = 0;
  int slates = 0, clicks = 0, actions = 0, rewards = 0, next_user = 0, episode_index = 0,
      policy_version = 0, size = 0;

  TrajectoryLayout() = default;
  TrajectoryLayout(int steps_per_episode, int slate_size_k, int action_dim_d, int user_dim_u)
      : steps(steps_per_episode), slate_size(slate_size_k), action_dim(action_dim_d), user_dim(user_dim_u) {
    int o = 0;
    slates = o; o += (steps + 1) * slate_size;
    clicks = o; o += (steps + 1) * slate_size;
    actions = o; o += steps * action_dim;
    rewards = o; o += steps;
    next_user = o; o += steps * user_dim;
    episode_index = o++;
    policy_version = o++;
    size = o;
  }

  // Observation row t (0 ≤ t ≤ T) of `item`.
  float* slate_row(float* item, int t) const { return item + slates + t * slate_size; }
  float* click_row(float* item, int t) const { return item + clicks + t * slate_size; }
  const float* slate_row(const float* item, int t) const { return item + slates + t * slate_size; }
  const float* click_row(const float* item, int t) const { return item + clicks + t * slate_size; }
  // Step row t (0 ≤ t < T).
  float* action_row(float* item, int t) const { return item + actions + t * action_dim; }
  const float* action_row(const float* item, int t) const { return item + actions + t * action_dim; }
  float* user_row(float* item, int t) const { return item + next_user + t * user_dim; }
  const float* user_row(const float* item, int t) const { return item + next_user + t * user_dim; }
};

}  // namespace slaterl
