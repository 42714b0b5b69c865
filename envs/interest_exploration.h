// envs/interest_exploration.h — RecSim's interest-exploration environment, `interest_exploration`
// in the registry.
//
// Dynamics: docs/environments.md §4 (RecSim google-research/recsim interest_exploration.py, commit
// 55e50e4), life cycle docs/environments.md §1.1, layouts §8, decisions §10. A correlated-arms
// bandit: documents have a topic t ~ categorical(0.2, 0.8) and a quality
// q ~ lognormal(mean (0.8, 0.2)[t], sigma 0.1), both observed (doc = [quality, cluster_id],
// doc_dim 2). A user has a hidden type ~ categorical(0.3, 0.7) and hidden topic affinities
// a_t ~ lognormal(M[type][t], 0.1) with M = ((0.1, 0.7), (0.7, 0.1)); the user observation is empty
// (user_dim 0) and the state never changes within an episode. Choice: one multinomial-logit draw
// over the slots (logit a[t_j] + q_j) and "no click" (logit no_click_mass = 5); at most one click.
// Reward = clicks (0 or 1); per-slot response [click, click] (item_reward = click,
// docs/environments.md §8.2). The original never
// terminates (docs/environments.md quirk Q12): every episode lasts exactly `horizon` steps and its
// end is reported as **truncated** (terminated = 0) — the user would go on; a value-based learner
// should bootstrap through it. Evaluation counts truncated episodes like terminated ones, so
// returns match the reference protocol (horizon = episode end). EnvSpec.max_steps = horizon.
//
// Random streams (docs/environments.md §1.3, §8.4, decisions E1/E2), as `interest_evolution`: env i owns
//   user     DeriveSeed(seed, {kSeedEnv, i, kSeedUserStream, env_config.seed})
//   doc      DeriveSeed(seed, {kSeedEnv, i, kSeedDocStream, env_config.seed})
//   response DeriveSeed(seed, {kSeedEnv, i, kSeedResponseStream})
// reset(seed) makes and discards the construction-time user and keeps the construction-time
// candidate set when resample_documents is false (docs/environments.md quirk Q4). Per user: the
// type uniform, then the two affinity normals (topic order). Per document: the topic uniform, then
// the quality normal. Per step: the choice uniform on the response stream, then, when resampling, C
// documents.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/params.h"
#include "core/rng.h"
#include "core/status.h"
#include "envs/vec_env.h"

namespace slaterl {

// Fixed distributions of RecSim's IETopicDocumentSampler / IEClusterUserSampler (docs/environments.md §4).
constexpr int kIexNumTopics = 2;
constexpr int kIexNumUserTypes = 2;
constexpr double kIexTopicDistribution[kIexNumTopics] = {0.2, 0.8};
constexpr double kIexTopicQualityMean[kIexNumTopics] = {0.8, 0.2};  // of log(quality)
constexpr double kIexTopicQualityStddev[kIexNumTopics] = {0.1, 0.1};
constexpr double kIexUserTypeDistribution[kIexNumUserTypes] = {0.3, 0.7};
constexpr double kIexAffinityMean[kIexNumUserTypes][kIexNumTopics] = {{0.1, 0.7}, {0.7, 0.1}};
constexpr double kIexAffinityStddev[kIexNumUserTypes][kIexNumTopics] = {{0.1, 0.1}, {0.1, 0.1}};
// Layouts (docs/environments.md §8.1/§8.2).
constexpr int kIexDocDim = 2;  // [quality, cluster_id]
constexpr int kIexDocQuality = 0;
constexpr int kIexDocClusterId = 1;
constexpr int kIexResponseDim = 2;  // [click, item_reward = click]

// Validated `env_config` of `interest_exploration`. Keys use RecSim's names
// (docs/environments.md decision E6).
struct InterestExplorationConfig {
  int num_candidates = 10;         // C
  int slate_size = 2;              // k
  bool resample_documents = true;  // fresh candidates after every step and at every reset
  int64_t seed = 0;                // the samplers' seed (RecSim env_config.seed)
  // Env steps per episode (the original never terminates, docs/environments.md quirk Q12).
  int horizon = 100;
  double no_click_mass = 5.0;      // logit of "no click" (RecSim IEUserModel default)

  static Schema GetSchema();
  // Reads and validates `params` (absent keys take their defaults). Errors name the key.
  static Result<InterestExplorationConfig> FromParams(const Params& params);
  Status Validate() const;
};

// N lock-step interest-exploration environments in struct-of-arrays form.
//
// Ownership: owns all state (flat arrays sized at construction); reads the caller's SlateBatch and
// writes the caller's ObsBatch / StepBatch, which must be Allocate()d for spec(). reset() and
// step() never allocate. step() requires a prior reset() (CHECK) and slates of candidate positions
// (CHECK). StepBatch.terminated is always 0; truncated is 1 on every horizon-th step.
// episode_return / episode_length hold the finished episode's totals where truncated, the running
// totals elsewhere. Not thread-safe.
class InterestExplorationVecEnv : public VecEnv {
 public:
  InterestExplorationVecEnv(const InterestExplorationConfig& config, int num_envs);
  static Result<std::unique_ptr<InterestExplorationVecEnv>> Create(
      const InterestExplorationConfig& config, int num_envs);

  const EnvSpec& spec() const override { return spec_; }
  const InterestExplorationConfig& config() const { return config_; }
  void reset(uint64_t seed, ObsBatch* obs) override;
  void step(const SlateBatch& slates, StepBatch* out) override;
  // Implemented: RNG streams, candidates, users, episode accumulators (VecEnv contract).
  Status VisitState(StateArchive& archive) override;

  // Privileged read-only views of env i (tests, diagnostics); the user is hidden from policies.
  int32_t user_type(int i) const { return user_type_[i]; }
  double affinity(int i, int topic) const {
    return affinity_[static_cast<size_t>(i) * kIexNumTopics + topic];
  }
  int32_t topic(int i, int position) const {
    return topic_[static_cast<size_t>(i) * spec_.num_candidates + position];
  }
  double quality(int i, int position) const {
    return quality_[static_cast<size_t>(i) * spec_.num_candidates + position];
  }
  int32_t episode_steps(int i) const { return episode_length_[i]; }

 private:
  void SampleDocuments(int i);
  void SampleUser(int i);
  void StartEpisode(int i);
  void WriteObservation(int i, ObsBatch* obs) const;

  InterestExplorationConfig config_;
  EnvSpec spec_;
  bool has_reset_ = false;
  std::vector<Rng> user_rng_, doc_rng_, response_rng_;  // N each
  std::vector<int32_t> user_type_;                      // N
  std::vector<double> affinity_;                        // N × kIexNumTopics
  std::vector<int32_t> topic_;                          // N × C, sampling order
  std::vector<double> quality_;                         // N × C
  std::vector<double> weights_;                         // k, choice-weight scratch
  std::vector<double> episode_return_;                  // N
  std::vector<int32_t> episode_length_;                 // N
};

}  // namespace slaterl
