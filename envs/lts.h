// envs/lts.h — RecSim's long-term-satisfaction environment ("choc/kale"), `lts` in the registry.
//
// Dynamics: docs/environments.md §2 (RecSim google-research/recsim long_term_satisfaction.py, commit
// 55e50e4), life cycle docs/environments.md §1.1, layouts §8, decisions §10. One document feature
// (clickbait score c), a hidden user (net positive exposure NPE, satisfaction SAT = σ(κ·NPE), time
// budget), and only slot 0 of a slate is ever consumed (docs/environments.md quirk Q1).
// Reward = the unclipped engagement; the observed per-slot response is [click, engagement clipped
// to [0, 100]] (docs/environments.md quirk Q2). Every episode lasts exactly `time_budget` steps.
//
// Random streams (docs/environments.md §1.3, §8.4, decisions E1/E2): env i owns three independent
// Rngs seeded at reset(seed) from DeriveSeed(seed, {kSeedEnv, i, kSeedUserStream | kSeedDocStream |
// kSeedResponseStream}). The original's construction-time draws (one user, one candidate set) are
// made and discarded at the start of reset(seed) (the candidate set is kept when
// resample_documents is false, as in RecSim). Per step the response stream gives the engagement
// normal, then the innovation normal; then, when resampling, C doc draws — also on the step that
// ends an episode, before the auto-reset draws its user and (again) its candidates.
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

// Validated `env_config` of `lts`. Keys use RecSim's parameter names (docs/environments.md decision E6).
struct LtsConfig {
  int num_candidates = 10;           // C, documents offered per step
  int slate_size = 3;                // k (RecSim default 3; RLlib's wrapper uses 2)
  bool resample_documents = true;    // fresh candidates after every step and at every reset
  double memory_discount = 0.7;      // μ
  double sensitivity = 0.01;         // κ (StrongLTS: 0.06; RLlib tutorial copies: 0.058)
  double innovation_stddev = 0.05;   // ε, std of the NPE innovation noise
  double choc_mean = 5.0;            // m_c, log-engagement mean of pure clickbait
  double choc_stddev = 1.0;          // s_c
  double kale_mean = 4.0;            // m_k, log-engagement mean of pure "kale"
  double kale_stddev = 1.0;          // s_k
  int time_budget = 60;              // B, env steps per episode
  bool observe_satisfaction = false; // slaterl extension: user observation = [SAT]

  // The env_config keys with defaults, ranges, units and documentation.
  static Schema GetSchema();
  // Reads `params` (keys absent from it take their defaults; the config loader normally fills
  // them all in) and validates every value and the cross-key constraints. Errors name the key.
  static Result<LtsConfig> FromParams(const Params& params);
  // Range and cross-key checks (slate_size <= num_candidates, memory_discount < 1, ...).
  Status Validate() const;
};

// The deterministic parts of one LTS transition, shared by the environment and by tests that
// replay reference traces with injected noise. A plain value; thread-safe to read.
struct LtsDynamics {
  double memory_discount, sensitivity, innovation_stddev;
  double choc_mean, choc_stddev, kale_mean, kale_stddev;

  explicit LtsDynamics(const LtsConfig& c)
      : memory_discount(c.memory_discount), sensitivity(c.sensitivity),
        innovation_stddev(c.innovation_stddev), choc_mean(c.choc_mean), choc_stddev(c.choc_stddev),
        kale_mean(c.kale_mean), kale_stddev(c.kale_stddev) {}

  // NPE_0 from the user draw u ~ U[0,1): (u − 0.5)/(1 − μ) ∈ [−0.5/(1−μ), 0.5/(1−μ)).
  double InitialNpe(double u) const { return (u - 0.5) / (1.0 - memory_discount); }
  // SAT = σ(κ·NPE).
  double Satisfaction(double npe) const { return 1.0 / (1.0 + std::exp(-sensitivity * npe)); }
  // Log-engagement mean and std for clickbait c at satisfaction sat (before the update).
  double EngagementLoc(double c, double sat) const {
    return (c * choc_mean + (1.0 - c) * kale_mean) * sat;
  }
  double EngagementScale(double c) const { return c * choc_stddev + (1.0 - c) * kale_stddev; }
  // e = exp(loc + scale·z), z ~ N(0,1): the reward (unclipped).
  double Engagement(double c, double sat, double z) const {
    return std::exp(EngagementLoc(c, sat) + EngagementScale(c) * z);
  }
  // NPE_{t+1} = μ·NPE_t − 2(c − 0.5) + innovation, where innovation = ε·g (already scaled).
  double NextNpe(double npe, double c, double innovation) const {
    return memory_discount * npe - 2.0 * (c - 0.5) + innovation;
  }
};

// Highest engagement the response observation reports (docs/environments.md §2, quirk Q2).
constexpr double kLtsMaxObservedEngagement = 100.0;

// N lock-step LTS environments in struct-of-arrays form.
//
// Ownership: owns all state (flat arrays sized at construction); reads the caller's SlateBatch and
// writes the caller's ObsBatch / StepBatch, which must be Allocate()d for spec(). reset() and
// step() never allocate. step() requires a prior reset() (CHECK) and slates whose slot-0 entries
// are candidate positions (CHECK; callers validate with ValidateSlates). StepBatch.truncated is
// always 0 (max_steps == time_budget); episode_return / episode_length hold the finished episode's
// totals where terminated, the running totals elsewhere. Not thread-safe.
class LtsVecEnv : public VecEnv {
 public:
  // `config` must be valid (LtsConfig::Validate); use Create() for a checked construction.
  LtsVecEnv(const LtsConfig& config, int num_envs);
  static Result<std::unique_ptr<LtsVecEnv>> Create(const LtsConfig& config, int num_envs);

  const EnvSpec& spec() const override { return spec_; }
  const LtsConfig& config() const { return config_; }
  void reset(uint64_t seed, ObsBatch* obs) override;
  void step(const SlateBatch& slates, StepBatch* out) override;
  // Implemented: RNG streams, candidates, users, budgets, episode accumulators (VecEnv contract).
  Status VisitState(StateArchive& archive) override;

  // Privileged read-only views of the hidden state of env i (tests, oracles, diagnostics).
  double net_positive_exposure(int i) const { return npe_[i]; }
  double satisfaction(int i) const { return sat_[i]; }
  int time_budget_left(int i) const { return budget_[i]; }
  // Clickbait score (double precision) of candidate position j of env i.
  double clickbait(int i, int j) const {
    return clickbait_[static_cast<size_t>(i) * spec_.num_candidates + j];
  }

 private:
  void SampleDocuments(int i);   // C draws from env i's doc stream into clickbait_
  void StartEpisode(int i);      // new user (+ fresh candidates when resampling)
  void WriteObservation(int i, ObsBatch* obs) const;  // user + docs of env i

  LtsConfig config_;
  LtsDynamics dynamics_;
  EnvSpec spec_;
  bool has_reset_ = false;
  std::vector<Rng> user_rng_, doc_rng_, response_rng_;  // N each
  std::vector<double> clickbait_;                       // N × C, sampling order
  std::vector<double> npe_, sat_;                       // N
  std::vector<int32_t> budget_;                         // N, steps left
  std::vector<double> episode_return_;                  // N, running sum of rewards
  std::vector<int32_t> episode_length_;                 // N, steps so far
};

}  // namespace slaterl
