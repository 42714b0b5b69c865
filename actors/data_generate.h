// actors/data_generate.h — `slaterl data generate`: the logged trajectories of docs/algorithms.md §4.4.4.
//
// Plays the ε-greedy oracle logging policy (EpsilonOraclePolicy, algos/baselines: per slot a random
// item with probability ε, else the env's oracle item; ε = 0.5 in GeMS) on the config's `topics`
// env and writes every trajectory's T served slates and their clicks to a logged-data file
// (datasets/logged_data.h), atomically. The reset observation is not stored.
//
// Seeding and determinism: the users come from the run seed (the config's `seed`, overridable with
// --set seed=S) together with env_config.sim_seed, exactly as in `slaterl eval`; the policy draws
// from Rng(DeriveSeed(policy_seed, {kSeedPolicy})), policy_seed defaulting to GeMS's 2754851. The
// num_envs envs step in lock-step and, `topics` episodes all lasting T steps, finish together:
// round r stores env 0's trajectory, then env 1's, …; a last partial round keeps the first envs.
// The file is therefore a pure function of (config, episodes, ε, policy_seed, num_envs).
// Not thread-safe (one call drives one env batch).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "algos/algorithm.h"
#include "core/config.h"
#include "core/status.h"
#include "envs/topics.h"

namespace slaterl {

// GeMS's logging-policy seed (docs/algorithms.md §4.4.4).
constexpr uint64_t kGemsLoggingPolicySeed = 2754851;

struct DataGenerateOptions {
  std::string policy = "oracle";  // the ε-greedy oracle; the only logging policy so far
  double epsilon = 0.5;           // probability that a slot gets a random item
  int64_t episodes = 0;           // trajectories to write (>= 1)
  std::string out;                // the dataset file
  uint64_t policy_seed = kGemsLoggingPolicySeed;
  int num_envs = 16;              // envs stepped in lock-step
  std::string progress = "auto";  // ProgressLine mode (core/progress.h): auto | tty | plain | off
  double progress_interval_s = 1.0;
};

struct DataGenerateResult {
  int64_t trajectories = 0;
  int32_t steps_per_trajectory = 0;
  int32_t slate_size = 0;
  double seconds = 0.0;               // env steps, policy and file writing
  double trajectories_per_sec = 0.0;
  double clicks_per_trajectory = 0.0;
  double random_slot_fraction = 0.0;  // slots the policy filled with a random item (≈ ε)
  int64_t file_bytes = 0;
  std::string provenance_json;
};

// What PlayLoggingPolicy hands over per finished trajectory: T×k served item ids and T×k clicks,
// step-major. Returning an error stops the play.
using TrajectorySink = std::function<Status(const int32_t* items, const uint8_t* clicks)>;

// Resets `env` with `env_seed` and plays `policy` (its Rng seeded from DeriveSeed(policy_seed,
// {kSeedPolicy})) until `trajectories` trajectories have been handed to `sink`, in the order of
// the header comment. `on_progress(done)` (may be empty) runs after every finished round.
// InvalidArgument for trajectories < 1 or slates the env rejects; Internal when an episode does
// not last the spec's max_steps.
Status PlayLoggingPolicy(TopicsVecEnv& env, Policy& policy, int64_t trajectories,
                         uint64_t env_seed, uint64_t policy_seed, const TrajectorySink& sink,
                         const std::function<void(int64_t done)>& on_progress = {});

// The whole command: checks that `run` is a `topics` config and the options, builds the env and the
// policy, writes options.out and returns the measurements. Progress goes to stderr
// (options.progress).
Result<DataGenerateResult> GenerateLoggedData(const RunConfig& run, const DataGenerateOptions& options);

// The provenance JSON object stored in the file's header.
std::string LoggedDataProvenanceJson(const RunConfig& run, const DataGenerateOptions& options,
                                     const EnvSpec& spec);

}  // namespace slaterl
