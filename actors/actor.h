// actors/actor.h — the rollout actor's logic, free of transport (docs/runtime.md, "Processes").
//
// An ActorCore owns a VecEnv of `num_envs_per_actor` environments and a Policy snapshot. Each
// CollectFragment() steps every env `fragment_length` times in lock-step, running the policy once
// per step on the whole batch, and returns the transitions as one Fragment (envs/transition.h
// layout). It never waits for weights: ApplyWeights() installs a newer version whenever one
// arrives. The same class runs inside an actor process (local backend) and under the in-process
// scheduler. Not thread-safe: one owner thread.
//
// Trajectory mode (the algorithm's ReplaySpec has trajectory_steps = T > 0, GeMS algorithms):
// items are whole episodes (envs/trajectory.h). CollectFragment() then steps the envs until at
// least one episode has finished and returns every finished episode as one item; episodes that
// do not last exactly T steps are dropped and counted (`trajectories_dropped`). Before every act()
// the policy learns the training progress n = max(episodes_total of the newest weights,
// this actor's finished episodes × num_actors) (docs/algorithms.md decision A3).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "algos/registry.h"
#include "envs/registry.h"
#include "core/config.h"
#include "core/messages.h"
#include "envs/trajectory.h"
#include "envs/transition.h"

namespace slaterl {

class ActorCore {
 public:
  // Seeds: envs from DeriveSeed(run.seed, {kSeedActor, actor_id, incarnation, kSeedEnv}), the
  // policy's Rng from the same path with kSeedPolicy.
  static Result<std::unique_ptr<ActorCore>> Create(const RunConfig& run, const EnvEntry& env,
                                                   const AlgoEntry& algo, int actor_id, int incarnation);

  Fragment CollectFragment();
  // Installs `weights` if its version is newer than the current one.
  Status ApplyWeights(const Weights& weights);
  int64_t policy_version() const { return policy_version_; }
  int64_t env_steps_total() const { return env_steps_total_; }
  // Counters since the last call: scalars env_steps, episodes, fragments, policy_version; lists
  // episode_return, episode_length.
  Stats TakeStats();
  // Whole-run snapshots (backend inproc; core/state_archive.h): the envs, the policy's
  // own state, the Rng, the current observation, partial trajectories and every counter. To
  // restore: Create() with the same config, ApplyWeights(the weights it held), then VisitState()
  // with a loading archive; the actor then continues bit-identically.
  Status VisitState(StateArchive& archive);

 private:
  ActorCore(int actor_id, int incarnation, int fragment_length, int num_actors,
            const ReplaySpec& replay_spec, std::unique_ptr<VecEnv> env,
            std::unique_ptr<Policy> policy, uint64_t env_seed, uint64_t policy_seed);
  Fragment CollectTransitions();
  Fragment CollectTrajectories();
  int64_t Progress() const;

  int actor_id_, incarnation_, fragment_length_;
  std::unique_ptr<VecEnv> env_;
  std::unique_ptr<Policy> policy_;
  TransitionLayout layout_;
  int num_actors_;
  TrajectoryLayout trajectory_;         // size 0 unless in trajectory mode
  std::vector<float> partial_;          // N trajectories being recorded (trajectory mode)
  std::vector<int32_t> episode_step_;   // N: steps recorded in the current episode
  std::vector<uint8_t> recording_;      // N: 1 while the current episode is being recorded
  int64_t weights_episodes_total_ = 0;  // from the newest weights
  int64_t own_episodes_total_ = 0;
  int64_t trajectories_dropped_ = 0;
  Rng rng_;
  ObsBatch obs_;
  SlateBatch slates_;
  StepBatch step_;
  uint64_t next_sequence_ = 0;
  int64_t policy_version_ = 0;
  int64_t env_steps_total_ = 0;
  // Since the last TakeStats().
  int64_t env_steps_ = 0, episodes_ = 0, fragments_ = 0;
  std::vector<double> episode_returns_, episode_lengths_;
};

}  // namespace slaterl
