// envs/interest_evolution.h — RecSim's interest-evolution environment, `interest_evolution` in the
// registry.
//
// Dynamics: docs/environments.md §3 (RecSim google-research/recsim interest_evolution.py, commit 55e50e4:
// the utility-model user and video samplers with the multinomial proportional choice model, as in
// RLlib's InterestEvolutionRecSimEnv), life cycle docs/environments.md §1.1, layouts §8, decisions §10.
//
// Documents: a cluster c ~ uniform over num_clusters (20), observed as one-hot(c) (doc_dim =
// num_clusters); a hidden quality ~ N(mean[c], quality_stddev) and a fixed video_length. Users:
// interests u ~ U(−1, 1)^num_clusters, observed (user_dim = num_clusters), and a hidden time
// budget. One categorical draw picks at most one slot with probability w_j / (Σ w + w_∅),
// w_j = u·f_j − min_normalizer, w_∅ = no_click_mass − min_normalizer. A click moves only the
// clicked cluster's interest by ±α(u_c)·(1 − u_c), then clips; the budget loses the watch time and
// gains user_update_alpha·watch_time·(user_quality_factor·(u_c − min_normalizer) +
// document_quality_factor·quality), u_c taken before the update. No click costs step_penalty.
// Reward = watch time of the clicked slot (0 without a click). Per-slot response
// [click, watch_time, liked (always 0), quality, cluster_id]: every shown slot reports its
// document's quality and cluster (docs/environments.md quirk Q3). Duplicate slate positions are
// served and scored twice (docs/environments.md §1.1). An episode terminates when the budget
// is ≤ 0; max_steps is 0 (self-terminating) and a defensive cut after kIevTruncationSteps steps is
// reported as truncated, never as terminated (docs/environments.md decision E5).
//
// Random streams (docs/environments.md §1.3, §8.4, decisions E1/E2): env i owns three Rngs seeded
// at reset(seed):
//   user     DeriveSeed(seed, {kSeedEnv, i, kSeedUserStream, env_config.seed})
//   doc      DeriveSeed(seed, {kSeedEnv, i, kSeedDocStream, env_config.seed})
//   response DeriveSeed(seed, {kSeedEnv, i, kSeedResponseStream})
// env_config.seed is the original's sampler seed: like there it selects the users and documents
// and leaves the response noise alone, while the run seed and env index still give every env of
// every run its own users. (The original's two samplers share one MT19937 seed; ours are
// independent streams, docs/environments.md decision E1 default mode.) reset(seed) first makes and
// discards the original's construction-time draws — one user (num_clusters uniforms) and one
// candidate set — and keeps that candidate set forever when resample_documents is false
// (docs/environments.md quirk Q4). Per document the doc stream gives the cluster integer, then the
// quality normal. Per step the response stream gives the choice uniform, then, on a click, the flip
// uniform; then, when resampling, C documents — also on the step that ends an episode, before the
// auto-reset draws its user and (again) candidates.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/params.h"
#include "core/rng.h"
#include "core/status.h"
#include "envs/vec_env.h"

namespace slaterl {

// Defensive episode cut (docs/environments.md decision E5): the budget strictly decreases unless
// quality > 3.78, so real episodes end far earlier (reference lengths 44–131); reported as truncated.
constexpr int32_t kIevTruncationSteps = 10000;
// Width of the per-slot response vector (docs/environments.md §8.2): [click, watch_time, liked, quality,
// cluster_id].
constexpr int kIevResponseDim = 5;
constexpr int kIevResponseClick = 0;
constexpr int kIevResponseWatchTime = 1;
constexpr int kIevResponseLiked = 2;
constexpr int kIevResponseQuality = 3;
constexpr int kIevResponseClusterId = 4;
// Share of clusters with "trashy" quality means in [min_utility, 0] (docs/environments.md §3: 14 of 20).
constexpr int kIevTrashyClustersPerTen = 7;

// Validated `env_config` of `interest_evolution`. Keys use RecSim's parameter names
// (docs/environments.md decision E6).
struct InterestEvolutionConfig {
  int num_candidates = 10;         // C, documents offered per step
  int slate_size = 2;              // k
  bool resample_documents = true;  // fresh candidates after every step and at every reset
  int64_t seed = 0;                // the samplers' seed (RecSim env_config.seed); see header
  int num_clusters = 20;           // document clusters = interest dimensions (RecSim: 20)
  // Documents (UtilityModelVideoSampler).
  double min_utility = -3.0;       // quality mean of cluster 0
  double max_utility = 3.0;        // quality mean of the last cluster
  double video_length = 4.0;       // minutes
  double quality_stddev = 0.1;     // RecSim's `quality_variance`, used as the std (docs/environments.md §3)
  // Users (UtilityModelUserSampler, IEvUserState, IEvUserModel).
  double time_budget = 200.0;      // minutes per session
  double no_click_mass = 1.0;
  double step_penalty = 0.5;       // minutes lost by a step without a click
  double min_normalizer = -1.0;    // subtracted from every score (weights must stay >= 0)
  double user_quality_factor = 0.0;
  double document_quality_factor = 1.0;
  double user_update_alpha = 0.9 / 3.4;  // budget gain per watched minute and unit of utility
  double alpha_x_intercept = 1.0;  // interest step α(u) = y − (y/x)|u|: zero at |u| = x
  double alpha_y_intercept = 0.3;  // α(0)

  static Schema GetSchema();
  // Reads `params` (absent keys take their defaults), validates every value and the cross-key
  // constraints. Errors are InvalidArgument and name the key.
  static Result<InterestEvolutionConfig> FromParams(const Params& params);
  // Range and cross-key checks: slate_size <= num_candidates, min_normalizer <= −1 (slot weights
  // u_c − min_normalizer >= 0 for every u ∈ [−1, 1]; the original asserts on negative weights),
  // no_click_mass > min_normalizer, positive video_length / time_budget / alpha_x_intercept, ...
  Status Validate() const;
};

// The deterministic parts of one transition (docs/environments.md §3), shared by the environment and tests.
// A plain value; thread-safe to read.
struct InterestEvolutionDynamics {
  double min_normalizer, no_click_mass, step_penalty, video_length;
  double user_quality_factor, document_quality_factor, user_update_alpha;
  double alpha_slope, alpha_y_intercept;  // α(u) = alpha_slope·|u| + alpha_y_intercept

  explicit InterestEvolutionDynamics(const InterestEvolutionConfig& c)
      : min_normalizer(c.min_normalizer), no_click_mass(c.no_click_mass),
        step_penalty(c.step_penalty), video_length(c.video_length),
        user_quality_factor(c.user_quality_factor),
        document_quality_factor(c.document_quality_factor),
        user_update_alpha(c.user_update_alpha),
        alpha_slope(-c.alpha_y_intercept / c.alpha_x_intercept),
        alpha_y_intercept(c.alpha_y_intercept) {}

  // Choice weight of a shown document whose cluster interest is u_c: u·one-hot − min_normalizer.
  double SlotWeight(double u_c) const { return u_c - min_normalizer; }
  // Choice weight of "no click".
  double NoClickWeight() const { return no_click_mass - min_normalizer; }
  // Interest step on a click: α(u_c)·(1 − u_c), α(u) = y − (y/x)|u| (0.3(1 − |u|) by default).
  double InterestStep(double u_c) const {
    return (alpha_slope * std::fabs(u_c) + alpha_y_intercept) * (1.0 - u_c);
  }
  // Probability that the step is taken towards the document (+): (u_c + 1)/2.
  double PositiveUpdateProbability(double u_c) const { return (u_c + 1.0) / 2.0; }
  // u_c after a click with flip uniform `flip`: ±step, then clipped to [−1, 1].
  double UpdatedInterest(double u_c, double flip) const {
    const double step = InterestStep(u_c);
    const double moved = flip < PositiveUpdateProbability(u_c) ? u_c + step : u_c - step;
    return moved < -1.0 ? -1.0 : (moved > 1.0 ? 1.0 : moved);
  }
  double WatchTime(double budget) const { return budget < video_length ? budget : video_length; }
  // Budget after a click watched for `watch_time` on a document of quality q, u_c before update.
  double BudgetAfterClick(double budget, double watch_time, double u_c, double quality) const {
    const double received_utility =
        user_quality_factor * SlotWeight(u_c) + document_quality_factor * quality;
    budget -= watch_time;
    budget += user_update_alpha * watch_time * received_utility;
    return budget;
  }
  double BudgetAfterNoClick(double budget) const { return budget - step_penalty; }
};

// Quality mean of cluster c: concat(linspace(min_utility, 0, T), linspace(0, max_utility, N − T))
// with T = ⌊7N/10⌋ trashy clusters (N = 20: T = 14, docs/environments.md §3). linspace(a, b, 1) = [a].
double IevClusterQualityMean(const InterestEvolutionConfig& config, int cluster);

// N lock-step interest-evolution environments in struct-of-arrays form.
//
// Ownership: owns all state (flat arrays sized at construction); reads the caller's SlateBatch and
// writes the caller's ObsBatch / StepBatch, which must be Allocate()d for spec(). reset() and
// step() never allocate. step() requires a prior reset() (CHECK) and slates of candidate positions
// (CHECK; callers validate with ValidateSlates). episode_return / episode_length hold the finished
// episode's totals where terminated or truncated, the running totals elsewhere. Not thread-safe.
class InterestEvolutionVecEnv : public VecEnv {
 public:
  // `config` must be valid (InterestEvolutionConfig::Validate); Create() checks it.
  InterestEvolutionVecEnv(const InterestEvolutionConfig& config, int num_envs);
  static Result<std::unique_ptr<InterestEvolutionVecEnv>> Create(
      const InterestEvolutionConfig& config, int num_envs);

  const EnvSpec& spec() const override { return spec_; }
  const InterestEvolutionConfig& config() const { return config_; }
  const InterestEvolutionDynamics& dynamics() const { return dynamics_; }
  void reset(uint64_t seed, ObsBatch* obs) override;
  void step(const SlateBatch& slates, StepBatch* out) override;
  // Implemented: RNG streams, candidates, users, budgets, episode accumulators (VecEnv contract).
  Status VisitState(StateArchive& archive) override;

  // Read-only views of the state of env i (tests, oracles, diagnostics). interest() is observed;
  // the budget and document qualities are hidden from policies.
  double interest(int i, int cluster) const {
    return interests_[static_cast<size_t>(i) * num_clusters_ + cluster];
  }
  double time_budget_left(int i) const { return budget_[i]; }
  int32_t episode_steps(int i) const { return episode_length_[i]; }
  int32_t cluster(int i, int position) const {
    return cluster_[static_cast<size_t>(i) * spec_.num_candidates + position];
  }
  double quality(int i, int position) const {
    return quality_[static_cast<size_t>(i) * spec_.num_candidates + position];
  }
  double cluster_quality_mean(int cluster) const { return cluster_mean_[cluster]; }

  // Test hook: overwrites env i's interests (num_clusters values, each in [−1, 1]) and budget
  // (> 0) after a reset, e.g. to hold the choice probabilities fixed. The observation already
  // handed out is not rewritten. Never used by the runtime.
  void SetUserStateForTesting(int i, const double* interests, double time_budget);

 private:
  void SampleDocuments(int i);  // C documents from env i's doc stream
  void SampleUser(int i);       // num_clusters uniforms from env i's user stream
  void StartEpisode(int i);     // new user (+ fresh candidates when resampling)
  void WriteObservation(int i, ObsBatch* obs) const;

  InterestEvolutionConfig config_;
  InterestEvolutionDynamics dynamics_;
  EnvSpec spec_;
  int num_clusters_;
  bool has_reset_ = false;
  std::vector<double> cluster_mean_;                    // num_clusters
  std::vector<Rng> user_rng_, doc_rng_, response_rng_;  // N each
  std::vector<double> interests_;                       // N × num_clusters
  std::vector<double> budget_;                          // N, minutes left
  std::vector<int32_t> cluster_;                        // N × C, sampling order
  std::vector<double> quality_;                         // N × C
  std::vector<double> weights_;                         // k, choice-weight scratch
  std::vector<double> episode_return_;                  // N
  std::vector<int32_t> episode_length_;                 // N
};

}  // namespace slaterl
