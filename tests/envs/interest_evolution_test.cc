// Tests of envs/interest_evolution (docs/environments.md §3): spec and layouts, document and user
// distributions, the multinomial proportional choice (chi-square at a fixed seed), the click
// transition and budget formulas, termination and the defensive truncation, random streams and
// determinism, zero allocation per step, config validation and the registry.
//
// Expected values are written from the spec's formulas (with RecSim's constants), not from the
// environment's own helpers, so a drift in either shows up here.
#include "envs/interest_evolution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "algos/registry.h"
#include "core/rng.h"
#include "core/stats.h"
#include "envs/registry.h"
#include "tests/envs/allocation_counter.h"
#include "tests/envs/env_test_util.h"

namespace slaterl {
namespace {

using testing_envs::MakePolicy;

using testing_envs::AllocationRun;
using testing_envs::CountAllocationsWhilePlaying;
using testing_envs::BoolValue;
using testing_envs::Buffers;
using testing_envs::ChiSquareSurvival;
using testing_envs::DoubleValue;
using testing_envs::IntValue;
using testing_envs::MakeParams;
using testing_envs::PearsonChiSquare;

// RecSim's constants (docs/environments.md §3), spelled out independently of the implementation.
constexpr int kClusters = 20;
constexpr double kTimeBudget = 200.0;
constexpr double kVideoLength = 4.0;
constexpr double kStepPenalty = 0.5;
constexpr double kUserUpdateAlpha = 0.9 / 3.4;

std::unique_ptr<InterestEvolutionVecEnv> MakeEnv(const InterestEvolutionConfig& config, int num_envs) {
  return testing_envs::Unwrap(InterestEvolutionVecEnv::Create(config, num_envs));
}


// ---- spec, layouts, distributions ---------------------------------------------------------------

TEST(InterestEvolutionTest, SpecFollowsConfig) {
  auto env = MakeEnv(InterestEvolutionConfig(), /*num_envs=*/4);
  const EnvSpec& spec = env->spec();
  EXPECT_EQ(spec.name, "interest_evolution");
  EXPECT_EQ(spec.num_envs, 4);
  EXPECT_EQ(spec.num_candidates, 10);
  EXPECT_EQ(spec.slate_size, 2);
  EXPECT_EQ(spec.user_dim, kClusters);
  EXPECT_EQ(spec.doc_dim, kClusters);
  EXPECT_EQ(spec.response_dim, 5);
  EXPECT_EQ(spec.max_steps, 0);  // self-terminating (docs/environments.md decision E5)

  InterestEvolutionConfig other;
  other.num_candidates = 50;
  other.slate_size = 3;
  other.num_clusters = 7;
  auto other_env = MakeEnv(other, 1);
  EXPECT_EQ(other_env->spec().num_candidates, 50);
  EXPECT_EQ(other_env->spec().slate_size, 3);
  EXPECT_EQ(other_env->spec().user_dim, 7);
  EXPECT_EQ(other_env->spec().doc_dim, 7);
}

TEST(InterestEvolutionTest, ClusterQualityMeansFollowTheSpec) {
  const InterestEvolutionConfig config;
  double sum = 0.0;
  for (int c = 0; c < 14; ++c) {
    EXPECT_NEAR(IevClusterQualityMean(config, c), -3.0 + 3.0 * c / 13.0, 1e-12) << c;
    sum += IevClusterQualityMean(config, c);
  }
  const double nutritious[] = {0.0, 0.6, 1.2, 1.8, 2.4, 3.0};
  for (int c = 14; c < 20; ++c) {
    EXPECT_NEAR(IevClusterQualityMean(config, c), nutritious[c - 14], 1e-12) << c;
    sum += IevClusterQualityMean(config, c);
  }
  EXPECT_EQ(IevClusterQualityMean(config, 0), -3.0);
  EXPECT_EQ(IevClusterQualityMean(config, 13), 0.0);
  EXPECT_EQ(IevClusterQualityMean(config, 14), 0.0);
  EXPECT_EQ(IevClusterQualityMean(config, 19), 3.0);
  EXPECT_NEAR(sum / 20.0, -0.6, 1e-12);

  InterestEvolutionConfig ten;  // generalised: floor(7N/10) trashy clusters
  ten.num_clusters = 10;
  ten.min_utility = -2.0;
  ten.max_utility = 1.0;
  EXPECT_EQ(IevClusterQualityMean(ten, 0), -2.0);
  EXPECT_NEAR(IevClusterQualityMean(ten, 3), -1.0, 1e-12);
  EXPECT_EQ(IevClusterQualityMean(ten, 6), 0.0);
  EXPECT_EQ(IevClusterQualityMean(ten, 7), 0.0);
  EXPECT_NEAR(IevClusterQualityMean(ten, 8), 0.5, 1e-12);
  EXPECT_EQ(IevClusterQualityMean(ten, 9), 1.0);
}

TEST(InterestEvolutionTest, ObservationIsInterestsAndOneHotClusters) {
  auto env = MakeEnv(InterestEvolutionConfig(), /*num_envs=*/3);
  const EnvSpec& spec = env->spec();
  Buffers b(spec);
  auto policy = MakePolicy("random_md", spec);
  Rng rng(5);
  env->reset(/*seed=*/17, &b.obs);
  auto check = [&](const ObsBatch& obs) {
    for (int i = 0; i < 3; ++i) {
      for (int d = 0; d < kClusters; ++d) {
        const double u = env->interest(i, d);
        ASSERT_GE(u, -1.0);
        ASSERT_LE(u, 1.0);
        ASSERT_EQ(obs.user[static_cast<size_t>(i) * kClusters + d], static_cast<float>(u));
      }
      for (int j = 0; j < 10; ++j) {
        const float* row = obs.docs.data() + (static_cast<size_t>(i) * 10 + j) * kClusters;
        for (int d = 0; d < kClusters; ++d)
          ASSERT_EQ(row[d], d == env->cluster(i, j) ? 1.0f : 0.0f) << "env " << i << " doc " << j;
      }
    }
  };
  check(b.obs);
  EXPECT_EQ(b.obs.first_step, std::vector<uint8_t>(3, 1));
  EXPECT_EQ(b.obs.last_slate, std::vector<int32_t>(6, -1));
  EXPECT_EQ(b.obs.last_responses, std::vector<float>(3 * 2 * 5, 0.0f));
  const ObsBatch* obs = &b.obs;
  for (int t = 0; t < 300; ++t) {
    policy->act(*obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    obs = &b.out.obs;
    check(*obs);
    for (int i = 0; i < 3; ++i) {
      const bool ended = b.out.terminated[i] || b.out.truncated[i];
      ASSERT_EQ(b.out.obs.first_step[i], ended ? 1 : 0);
      for (int j = 0; j < 2; ++j) {
        const size_t s = static_cast<size_t>(i) * 2 + j;
        ASSERT_EQ(b.out.obs.last_slate[s], ended ? -1 : b.slates.items[s]);
        for (int r = 0; r < 5; ++r)
          ASSERT_EQ(b.out.obs.last_responses[s * 5 + r], ended ? 0.0f : b.out.responses[s * 5 + r]);
      }
    }
  }
}

TEST(InterestEvolutionTest, DocumentsAndUsersFollowTheirDistributions) {
  const InterestEvolutionConfig config;
  auto env = MakeEnv(config, /*num_envs=*/128);
  ObsBatch obs;
  obs.Allocate(env->spec());
  std::vector<int64_t> cluster_counts(kClusters, 0);
  std::vector<double> quality_noise, interests;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    env->reset(seed, &obs);
    for (int i = 0; i < 128; ++i) {
      EXPECT_EQ(env->time_budget_left(i), kTimeBudget);
      for (int j = 0; j < 10; ++j) {
        const int c = env->cluster(i, j);
        ASSERT_GE(c, 0);
        ASSERT_LT(c, kClusters);
        ++cluster_counts[c];
        quality_noise.push_back(env->quality(i, j) - IevClusterQualityMean(config, c));
      }
      for (int d = 0; d < kClusters; ++d) interests.push_back(env->interest(i, d));
    }
  }
  const int64_t docs = 40 * 128 * 10;
  const std::vector<double> uniform(kClusters, 1.0 / kClusters);
  const double stat = PearsonChiSquare(cluster_counts.data(), uniform.data(), kClusters, docs);
  EXPECT_GT(ChiSquareSurvival(stat, kClusters - 1), 1e-3) << "cluster chi-square " << stat;
  // quality − mean[cluster] ~ N(0, 0.1): 51200 samples, sem 4.4e-4.
  EXPECT_NEAR(Mean(quality_noise), 0.0, 2e-3);
  EXPECT_NEAR(SampleStd(quality_noise), 0.1, 2e-3);
  // interests ~ U(−1, 1): mean 0, std 1/sqrt(3).
  EXPECT_NEAR(Mean(interests), 0.0, 0.01);
  EXPECT_NEAR(SampleStd(interests), 1.0 / std::sqrt(3.0), 0.005);
  EXPECT_GE(*std::min_element(interests.begin(), interests.end()), -1.0);
  EXPECT_LT(*std::max_element(interests.begin(), interests.end()), 1.0);
}

// ---- choice model ----------------------------------------------------------------------------------

TEST(InterestEvolutionTest, ChiSquareSurvivalMatchesTables) {
  // 95 % quantiles of the chi-square distribution (any table).
  EXPECT_NEAR(ChiSquareSurvival(3.841459, 1), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquareSurvival(5.991465, 2), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquareSurvival(7.814728, 3), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquareSurvival(9.487729, 4), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquareSurvival(11.070498, 5), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquareSurvival(30.143527, 19), 0.05, 1e-6);
}

// Serves `slate` (positions) `steps` times to a user whose interests are reset to `interests` and
// whose budget is reset to 200 before every step (candidates fixed: resample_documents = false),
// and compares the outcome counts (slots, then none) with w_j / (Σ w + 2), w_j = u[c_j] + 1.
void ExpectProportionalChoice(int slate_size, const std::vector<int32_t>& slate, int steps,
                              uint64_t seed) {
  InterestEvolutionConfig config;
  config.num_candidates = 10;
  config.slate_size = slate_size;
  config.resample_documents = false;
  auto env = MakeEnv(config, /*num_envs=*/1);
  Buffers b(env->spec());
  env->reset(seed, &b.obs);
  std::vector<double> u(kClusters);
  for (int d = 0; d < kClusters; ++d) u[d] = -0.95 + 1.9 * d / (kClusters - 1.0);
  const int k = slate_size;
  std::vector<double> p(k + 1);
  double total = 2.0;  // no_click_mass − min_normalizer = 1 − (−1)
  for (int j = 0; j < k; ++j) total += u[env->cluster(0, slate[j])] + 1.0;
  for (int j = 0; j < k; ++j) p[j] = (u[env->cluster(0, slate[j])] + 1.0) / total;
  p[k] = 2.0 / total;
  std::vector<int64_t> counts(k + 1, 0);
  b.slates.items = slate;
  for (int t = 0; t < steps; ++t) {
    env->SetUserStateForTesting(0, u.data(), /*time_budget=*/200.0);
    env->step(b.slates, &b.out);
    int clicks = 0, clicked = k;
    for (int j = 0; j < k; ++j) {
      if (b.out.responses[j * 5] == 1.0f) {
        ++clicks;
        clicked = j;
      }
    }
    ASSERT_LE(clicks, 1);
    ASSERT_EQ(b.out.terminated[0], 0);
    ++counts[clicked];
  }
  const double stat = PearsonChiSquare(counts.data(), p.data(), k + 1, steps);
  const double p_value = ChiSquareSurvival(stat, k);
  std::string line = "[choice] slate";
  for (int32_t s : slate) line += " " + std::to_string(s);
  std::printf("%s: chi2=%.3f df=%d p=%.4f (counts", line.c_str(), stat, k, p_value);
  for (int j = 0; j <= k; ++j) std::printf(" %lld/%.1f", static_cast<long long>(counts[j]), p[j] * steps);
  std::printf(")\n");
  EXPECT_GT(p_value, 1e-3) << line;
}

TEST(InterestEvolutionTest, ClickProbabilitiesAreProportionalToShiftedInterest) {
  ExpectProportionalChoice(/*slate_size=*/2, {0, 1}, /*steps=*/20000, /*seed=*/101);
  ExpectProportionalChoice(/*slate_size=*/2, {7, 2}, /*steps=*/20000, /*seed=*/102);
}

TEST(InterestEvolutionTest, DuplicatePositionsAreShownAndScoredTwice) {
  ExpectProportionalChoice(/*slate_size=*/2, {3, 3}, /*steps=*/20000, /*seed=*/103);
  ExpectProportionalChoice(/*slate_size=*/4, {5, 1, 5, 9}, /*steps=*/20000, /*seed=*/104);
}

// ---- transition -------------------------------------------------------------------------------

struct TransitionStats {
  int64_t clicks = 0, no_clicks = 0, episodes = 0, short_watches = 0, positive_moves = 0;
  double expected_positive_moves = 0.0, positive_move_variance = 0.0;
};

// Plays `steps` steps of `num_envs` envs with `policy_name` and checks every transition against
// docs/environments.md §3 in the general parametrisation: only the clicked cluster's interest moves, by
// ±α(u_c)(1 − u_c) with α(u) = y − (y/x)|u|, then clipped; the budget loses the watch time
// min(budget, video_length) and gains user_update_alpha·watch·(uqf·(u_c − min_norm) + dqf·q), or
// loses step_penalty without a click; reward = watch time; episodes end exactly when the budget
// is ≤ 0, and the next observation belongs to a fresh user with the full budget.
TransitionStats CheckTransitions(const InterestEvolutionConfig& config, const char* policy_name,
                                 int num_envs, int steps, uint64_t seed) {
  auto env = MakeEnv(config, num_envs);
  const EnvSpec& spec = env->spec();
  const int d = config.num_clusters;
  const int c_count = config.num_candidates;
  const int k = config.slate_size;
  Buffers b(spec);
  auto policy = MakePolicy(policy_name, spec);
  Rng rng(seed + 1);
  env->reset(seed, &b.obs);
  TransitionStats stats;
  std::vector<double> u_before(static_cast<size_t>(num_envs) * d), budget_before(num_envs);
  std::vector<double> quality_before(static_cast<size_t>(num_envs) * c_count);
  std::vector<int32_t> cluster_before(static_cast<size_t>(num_envs) * c_count);
  std::vector<double> returns(num_envs, 0.0);
  std::vector<int32_t> lengths(num_envs, 0);
  const ObsBatch* obs = &b.obs;
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < num_envs; ++i) {
      for (int c = 0; c < d; ++c) u_before[static_cast<size_t>(i) * d + c] = env->interest(i, c);
      budget_before[i] = env->time_budget_left(i);
      for (int j = 0; j < c_count; ++j) {
        quality_before[static_cast<size_t>(i) * c_count + j] = env->quality(i, j);
        cluster_before[static_cast<size_t>(i) * c_count + j] = env->cluster(i, j);
      }
    }
    policy->act(*obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    obs = &b.out.obs;
    for (int i = 0; i < num_envs; ++i) {
      SCOPED_TRACE("env " + std::to_string(i) + " step " + std::to_string(t));
      const double* u = u_before.data() + static_cast<size_t>(i) * d;
      const double budget = budget_before[i];
      const int32_t* slate = b.slates.items.data() + static_cast<size_t>(i) * k;
      const float* responses = b.out.responses.data() + static_cast<size_t>(i) * k * 5;
      int clicked = -1, clicks = 0;
      for (int j = 0; j < k; ++j) {
        const float* r = responses + j * 5;
        const size_t doc = static_cast<size_t>(i) * c_count + slate[j];
        // Every shown slot reports its document's quality and cluster; liked is always 0
        // (docs/environments.md quirk Q3).
        EXPECT_EQ(r[3], static_cast<float>(quality_before[doc]));
        EXPECT_EQ(r[4], static_cast<float>(cluster_before[doc]));
        EXPECT_EQ(r[2], 0.0f);
        if (r[0] == 1.0f) {
          clicked = j;
          ++clicks;
        } else {
          EXPECT_EQ(r[0], 0.0f);
          EXPECT_EQ(r[1], 0.0f);
        }
      }
      EXPECT_LE(clicks, 1);
      double expected_budget;
      double expected_reward = 0.0;
      int changed_cluster = -1;
      double expected_up = 0.0, expected_down = 0.0;
      if (clicked >= 0) {
        ++stats.clicks;
        const size_t doc = static_cast<size_t>(i) * c_count + slate[clicked];
        const int c = cluster_before[doc];
        const double q = quality_before[doc];
        const double u_c = u[c];
        const double watch = std::min(budget, config.video_length);
        if (watch < config.video_length) ++stats.short_watches;
        EXPECT_EQ(responses[clicked * 5 + 1], static_cast<float>(watch));
        expected_reward = watch;
        const double received = config.user_quality_factor * (u_c - config.min_normalizer) +
                                config.document_quality_factor * q;
        expected_budget = budget - watch + config.user_update_alpha * watch * received;
        const double alpha = config.alpha_y_intercept -
                             config.alpha_y_intercept / config.alpha_x_intercept * std::fabs(u_c);
        const double delta = alpha * (1.0 - u_c);
        expected_up = std::min(1.0, std::max(-1.0, u_c + delta));
        expected_down = std::min(1.0, std::max(-1.0, u_c - delta));
        changed_cluster = c;
      } else {
        ++stats.no_clicks;
        expected_budget = budget - config.step_penalty;
      }
      EXPECT_EQ(b.out.rewards[i], static_cast<float>(expected_reward));
      returns[i] += b.out.rewards[i];
      lengths[i] += 1;

      const bool should_end = expected_budget <= 0.0;
      EXPECT_EQ(b.out.terminated[i], should_end ? 1 : 0) << "budget " << expected_budget;
      EXPECT_EQ(b.out.truncated[i], 0);
      EXPECT_EQ(b.out.episode_length[i], lengths[i]);
      EXPECT_NEAR(b.out.episode_return[i], returns[i], 1e-3);
      if (b.out.terminated[i]) {
        ++stats.episodes;
        returns[i] = 0.0;
        lengths[i] = 0;
        EXPECT_EQ(env->time_budget_left(i), config.time_budget);  // auto-reset
        EXPECT_EQ(env->episode_steps(i), 0);
        continue;  // the interests now belong to the next user
      }
      EXPECT_NEAR(env->time_budget_left(i), expected_budget, 1e-9);
      EXPECT_GT(env->time_budget_left(i), 0.0);
      for (int c = 0; c < d; ++c) {
        const double now = env->interest(i, c);
        if (c != changed_cluster) {
          EXPECT_EQ(now, u[c]) << "cluster " << c << " moved without a click on it";
          continue;
        }
        const bool up = std::fabs(now - expected_up) <= 1e-12;
        const bool down = std::fabs(now - expected_down) <= 1e-12;
        EXPECT_TRUE(up || down) << "u_c " << u[c] << " -> " << now << ", expected " << expected_up
                                << " or " << expected_down;
        if (std::fabs(expected_up - expected_down) > 1e-9) {  // the direction is visible
          const double p_up = (u[c] + 1.0) / 2.0;
          stats.expected_positive_moves += p_up;
          stats.positive_move_variance += p_up * (1.0 - p_up);
          if (up) ++stats.positive_moves;
        }
      }
    }
  }
  return stats;
}

void ExpectFlipFrequencyMatches(const TransitionStats& s) {
  // Up moves happen with probability (u_c + 1)/2: z-test over all distinguishable clicks.
  const double z = (s.positive_moves - s.expected_positive_moves) /
                   std::sqrt(s.positive_move_variance);
  std::printf("[transition] clicks %lld, no clicks %lld, episodes %lld, short watches %lld, "
              "up moves %lld vs expected %.1f (z=%+.2f)\n",
              static_cast<long long>(s.clicks), static_cast<long long>(s.no_clicks),
              static_cast<long long>(s.episodes), static_cast<long long>(s.short_watches),
              static_cast<long long>(s.positive_moves), s.expected_positive_moves, z);
  EXPECT_LT(std::fabs(z), 4.0);
}

TEST(InterestEvolutionTest, ClickTransitionFollowsTheSpec) {
  const TransitionStats s = CheckTransitions(InterestEvolutionConfig(), "random_md",
                                             /*num_envs=*/8, /*steps=*/2500, /*seed=*/31);
  EXPECT_GT(s.clicks, 5000);
  EXPECT_GT(s.no_clicks, 5000);
  EXPECT_GT(s.episodes, 100);
  EXPECT_GT(s.short_watches, 10);  // clicks with budget < 4 watch the remainder
  ExpectFlipFrequencyMatches(s);
}

TEST(InterestEvolutionTest, GreedyTransitionsFollowTheSpec) {
  const TransitionStats s = CheckTransitions(InterestEvolutionConfig(), "greedy",
                                             /*num_envs=*/4, /*steps=*/2000, /*seed=*/32);
  EXPECT_GT(s.episodes, 50);
  ExpectFlipFrequencyMatches(s);
}

TEST(InterestEvolutionTest, GeneralParametersEnterTheTransitionAsSpecified) {
  InterestEvolutionConfig config;
  config.num_clusters = 6;
  config.num_candidates = 5;
  config.slate_size = 3;
  config.time_budget = 30.0;
  config.video_length = 2.5;
  config.step_penalty = 0.75;
  config.no_click_mass = 0.0;
  config.min_normalizer = -1.5;
  config.user_quality_factor = 0.5;
  config.document_quality_factor = 0.7;
  config.user_update_alpha = 0.2;
  config.alpha_x_intercept = 0.8;  // α < 0 for |u| > 0.8: steps reverse direction
  config.alpha_y_intercept = 0.25;
  const TransitionStats s = CheckTransitions(config, "random", /*num_envs=*/4, /*steps=*/2000,
                                             /*seed=*/33);
  EXPECT_GT(s.episodes, 50);
  ExpectFlipFrequencyMatches(s);
}

TEST(InterestEvolutionTest, BudgetDropsByTheStepPenaltyWithoutAClick) {
  // With a huge no-click mass nobody clicks: 200 / 0.5 = 400 steps per episode, reward 0.
  InterestEvolutionConfig config;
  config.no_click_mass = 1e12;
  auto env = MakeEnv(config, /*num_envs=*/2);
  Buffers b(env->spec());
  env->reset(3, &b.obs);
  for (int t = 1; t <= 800; ++t) {
    env->step(b.slates, &b.out);
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(b.out.rewards[i], 0.0f);
      const bool done = t % 400 == 0;
      ASSERT_EQ(b.out.terminated[i], done ? 1 : 0) << t;
      if (done) {
        EXPECT_EQ(b.out.episode_length[i], 400);
        EXPECT_EQ(b.out.episode_return[i], 0.0);
      } else {
        EXPECT_EQ(env->time_budget_left(i), kTimeBudget - kStepPenalty * (t % 400));
      }
    }
  }
}

TEST(InterestEvolutionTest, RunawayEpisodesAreTruncatedNotTerminated) {
  // No step penalty and (practically) no clicks: the budget never moves, so only the defensive
  // cut of docs/environments.md decision E5 ends the episode, reported as truncation.
  InterestEvolutionConfig config;
  config.step_penalty = 0.0;
  config.no_click_mass = 1e12;
  auto env = MakeEnv(config, /*num_envs=*/1);
  Buffers b(env->spec());
  env->reset(4, &b.obs);
  for (int t = 1; t <= kIevTruncationSteps; ++t) {
    env->step(b.slates, &b.out);
    ASSERT_EQ(b.out.terminated[0], 0) << t;
    ASSERT_EQ(b.out.truncated[0], t == kIevTruncationSteps ? 1 : 0) << t;
  }
  EXPECT_EQ(kIevTruncationSteps, 10000);
  EXPECT_EQ(b.out.episode_length[0], kIevTruncationSteps);
  EXPECT_EQ(b.out.obs.first_step[0], 1);
  EXPECT_EQ(env->episode_steps(0), 0);
  env->step(b.slates, &b.out);
  EXPECT_EQ(b.out.truncated[0], 0);
  EXPECT_EQ(b.out.episode_length[0], 1);
}

// ---- random streams and determinism ------------------------------------------------------------

// A scalar re-implementation of one env straight from docs/environments.md §1.1/§3 and the stream contract in
// envs/interest_evolution.h, drawing from the same three derived streams.
struct ReferenceIev {
  InterestEvolutionConfig config;
  Rng user, doc, response;
  std::vector<double> u, quality;
  std::vector<int> cluster;
  double budget = 0;

  explicit ReferenceIev(const InterestEvolutionConfig& c)
      : config(c), u(c.num_clusters), quality(c.num_candidates), cluster(c.num_candidates) {}
  void SampleDocs() {
    for (int j = 0; j < config.num_candidates; ++j) {
      cluster[j] = static_cast<int>(doc.UniformInt(config.num_clusters));
      quality[j] = IevClusterQualityMean(config, cluster[j]) + config.quality_stddev * doc.Normal();
    }
  }
  void SampleUser() {
    for (double& x : u) x = -1.0 + 2.0 * user.Uniform();
  }
  void StartEpisode() {
    SampleUser();
    budget = config.time_budget;
    if (config.resample_documents) SampleDocs();
  }
  void Reset(uint64_t seed, uint64_t i) {
    const uint64_t s = static_cast<uint64_t>(config.seed);
    user.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedUserStream, s}));
    doc.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedDocStream, s}));
    response.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedResponseStream}));
    SampleUser();  // construction-time user, discarded
    SampleDocs();  // construction-time candidates
    StartEpisode();
  }
  double Step(const int32_t* slate, bool* done) {
    const int k = config.slate_size;
    std::vector<double> w(k);
    double total = config.no_click_mass - config.min_normalizer;
    for (int j = 0; j < k; ++j) total += (w[j] = u[cluster[slate[j]]] - config.min_normalizer);
    const double target = response.Uniform() * total;
    int chosen = -1;
    double cum = 0.0;
    for (int j = 0; j < k && chosen < 0; ++j)
      if ((cum += w[j]) > target) chosen = j;
    double reward = 0.0;
    if (chosen >= 0) {
      const int c = cluster[slate[chosen]];
      const double watch = std::min(budget, config.video_length);
      const double delta = 0.3 * (1.0 - std::fabs(u[c])) * (1.0 - u[c]);
      const double flip = response.Uniform();
      const double old = u[c];
      u[c] = std::max(-1.0, std::min(1.0, flip < (old + 1.0) / 2.0 ? old + delta : old - delta));
      budget = budget - watch + kUserUpdateAlpha * watch * quality[slate[chosen]];
      reward = watch;
    } else {
      budget -= kStepPenalty;
    }
    if (config.resample_documents) SampleDocs();
    *done = budget <= 0.0;
    if (*done) StartEpisode();
    return reward;
  }
};

void ExpectMatchesReference(const InterestEvolutionConfig& config, int num_envs, uint64_t seed,
                            int steps) {
  auto env = MakeEnv(config, num_envs);
  const EnvSpec& spec = env->spec();
  std::vector<ReferenceIev> refs(num_envs, ReferenceIev(config));
  Buffers b(spec);
  env->reset(seed, &b.obs);
  for (int i = 0; i < num_envs; ++i) refs[i].Reset(seed, i);
  Rng slate_rng(99);
  const int c_count = config.num_candidates;
  const int k = config.slate_size;
  int episodes = 0;
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < num_envs; ++i) {
      ASSERT_NEAR(env->time_budget_left(i), refs[i].budget, 1e-9) << "env " << i << " t " << t;
      for (int c = 0; c < config.num_clusters; ++c)
        ASSERT_NEAR(env->interest(i, c), refs[i].u[c], 1e-12) << "env " << i << " t " << t;
      for (int j = 0; j < c_count; ++j) {
        ASSERT_EQ(env->cluster(i, j), refs[i].cluster[j]) << "env " << i << " t " << t;
        ASSERT_NEAR(env->quality(i, j), refs[i].quality[j], 1e-12);
      }
    }
    for (auto& item : b.slates.items) item = static_cast<int32_t>(slate_rng.UniformInt(c_count));
    env->step(b.slates, &b.out);
    for (int i = 0; i < num_envs; ++i) {
      bool done = false;
      const double reward = refs[i].Step(b.slates.items.data() + static_cast<size_t>(i) * k, &done);
      ASSERT_NEAR(b.out.rewards[i], reward, 1e-6) << "env " << i << " t " << t;
      ASSERT_EQ(b.out.terminated[i], done ? 1 : 0) << "env " << i << " t " << t;
      episodes += done;
    }
  }
  EXPECT_GT(episodes, 2);
}

TEST(InterestEvolutionTest, FollowsTheSpecifiedRandomStreamsAcrossEpisodes) {
  InterestEvolutionConfig config;
  config.time_budget = 12.0;  // many auto-resets
  ExpectMatchesReference(config, /*num_envs=*/3, /*seed=*/42, /*steps=*/200);
  config.seed = 7;
  ExpectMatchesReference(config, /*num_envs=*/2, /*seed=*/42, /*steps=*/100);
}

TEST(InterestEvolutionTest, FixedCandidatesComeFromConstructionTimeDraw) {
  InterestEvolutionConfig config;
  config.time_budget = 10.0;
  config.resample_documents = false;
  ExpectMatchesReference(config, /*num_envs=*/2, /*seed=*/8, /*steps=*/150);
  auto env = MakeEnv(config, 1);
  Buffers b(env->spec());
  env->reset(8, &b.obs);
  int episodes = 0;
  for (int t = 0; t < 150; ++t) {
    env->step(b.slates, &b.out);
    episodes += b.out.terminated[0];
    ASSERT_EQ(b.out.obs.docs, b.obs.docs);  // the same candidates forever, across episodes
  }
  EXPECT_GT(episodes, 2);
}

// Everything one step of a batch produced, for trajectory comparisons.
struct StepRecord {
  std::vector<float> rewards, responses, docs, user;
  std::vector<uint8_t> terminated;
  bool operator==(const StepRecord& o) const {
    return rewards == o.rewards && responses == o.responses && docs == o.docs && user == o.user &&
           terminated == o.terminated;
  }
};

std::vector<StepRecord> Rollout(VecEnv& env, uint64_t seed, int steps) {
  const EnvSpec& spec = env.spec();
  auto policy = MakePolicy("random", spec);
  Buffers b(spec);
  Rng rng(7);
  env.reset(seed, &b.obs);
  std::vector<StepRecord> records;
  records.push_back({{}, {}, b.obs.docs, b.obs.user, {}});
  const ObsBatch* obs = &b.obs;
  for (int t = 0; t < steps; ++t) {
    policy->act(*obs, rng, &b.slates);
    env.step(b.slates, &b.out);
    obs = &b.out.obs;
    records.push_back({b.out.rewards, b.out.responses, b.out.obs.docs, b.out.obs.user,
                       b.out.terminated});
  }
  return records;
}

TEST(InterestEvolutionTest, SameSeedGivesIdenticalTrajectories) {
  auto a = MakeEnv(InterestEvolutionConfig(), 4);
  auto b = MakeEnv(InterestEvolutionConfig(), 4);
  EXPECT_TRUE(Rollout(*a, 123, 300) == Rollout(*b, 123, 300));
  EXPECT_TRUE(Rollout(*a, 123, 300) == Rollout(*a, 123, 300));  // reset re-seeds everything
}

TEST(InterestEvolutionTest, DifferentSeedGivesDifferentTrajectories) {
  auto env = MakeEnv(InterestEvolutionConfig(), 4);
  const auto x = Rollout(*env, 123, 50);
  const auto y = Rollout(*env, 124, 50);
  EXPECT_NE(x[0].user, y[0].user);
  EXPECT_NE(x[0].docs, y[0].docs);
  EXPECT_FALSE(x == y);
}

TEST(InterestEvolutionTest, EnvConfigSeedSelectsUsersAndDocuments) {
  InterestEvolutionConfig other;
  other.seed = 1;
  auto a = MakeEnv(InterestEvolutionConfig(), 2);
  auto b = MakeEnv(other, 2);
  const auto x = Rollout(*a, 5, 1);
  const auto y = Rollout(*b, 5, 1);
  EXPECT_NE(x[0].user, y[0].user);
  EXPECT_NE(x[0].docs, y[0].docs);
  // Envs of one batch get different users for any sampler seed.
  EXPECT_FALSE(std::equal(x[0].user.begin(), x[0].user.begin() + kClusters,
                          x[0].user.begin() + kClusters));
}

TEST(InterestEvolutionTest, EnvIndexNotBatchSizeDecidesTheStreams) {
  auto one = MakeEnv(InterestEvolutionConfig(), 1);
  auto five = MakeEnv(InterestEvolutionConfig(), 5);
  Buffers b1(one->spec()), b5(five->spec());
  one->reset(77, &b1.obs);
  five->reset(77, &b5.obs);
  for (int t = 0; t < 300; ++t) {
    one->step(b1.slates, &b1.out);
    five->step(b5.slates, &b5.out);
    ASSERT_EQ(b1.out.rewards[0], b5.out.rewards[0]);
    ASSERT_EQ(b1.out.terminated[0], b5.out.terminated[0]);
    ASSERT_TRUE(std::equal(b1.out.obs.user.begin(), b1.out.obs.user.end(),
                           b5.out.obs.user.begin()));
  }
  EXPECT_FALSE(std::equal(b5.out.obs.user.begin(), b5.out.obs.user.begin() + kClusters,
                          b5.out.obs.user.begin() + kClusters));
}

// ---- allocation ---------------------------------------------------------------------------------

TEST(InterestEvolutionTest, ResetAndStepAllocateNothing) {
  InterestEvolutionConfig config;
  config.time_budget = 20.0;
  auto env = MakeEnv(config, /*num_envs=*/8);
  const EnvSpec& spec = env->spec();
  std::vector<std::unique_ptr<Policy>> policies;
  for (const char* name : {"random", "random_md", "greedy", "oracle", "first"})
    policies.push_back(MakePolicy(name, spec));
  const AllocationRun run = CountAllocationsWhilePlaying(*env, policies, /*rounds=*/20, /*steps_per_round=*/100);
  EXPECT_EQ(run.allocations, 0);
  EXPECT_GT(run.terminated, 0);
}

// ---- configuration ---------------------------------------------------------------------------

TEST(InterestEvolutionTest, DefaultsComeFromTheSchema) {
  auto config = InterestEvolutionConfig::FromParams(Params());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->num_candidates, 10);
  EXPECT_EQ(config->slate_size, 2);
  EXPECT_TRUE(config->resample_documents);
  EXPECT_EQ(config->seed, 0);
  EXPECT_EQ(config->num_clusters, 20);
  EXPECT_EQ(config->time_budget, kTimeBudget);
  EXPECT_EQ(config->no_click_mass, 1.0);
  EXPECT_EQ(config->step_penalty, kStepPenalty);
  EXPECT_EQ(config->min_normalizer, -1.0);
  EXPECT_EQ(config->user_quality_factor, 0.0);
  EXPECT_EQ(config->document_quality_factor, 1.0);
  EXPECT_EQ(config->user_update_alpha, kUserUpdateAlpha);
  EXPECT_EQ(config->video_length, kVideoLength);
  EXPECT_EQ(config->quality_stddev, 0.1);
  EXPECT_EQ(config->alpha_x_intercept, 1.0);
  EXPECT_EQ(config->alpha_y_intercept, 0.3);
  const Schema schema = InterestEvolutionConfig::GetSchema();
  EXPECT_EQ(schema.keys().size(), 18u);
  for (const KeySpec& key : schema.keys()) EXPECT_FALSE(key.doc.empty()) << key.name;
  EXPECT_EQ(schema.Find("time_budget")->unit, "minutes");
  EXPECT_EQ(schema.Find("slate_size")->default_text, "2");
  EXPECT_EQ(std::strtod(schema.Find("user_update_alpha")->default_text.c_str(), nullptr),
            kUserUpdateAlpha);
}

TEST(InterestEvolutionTest, ExplicitValuesOverrideDefaults) {
  auto config = InterestEvolutionConfig::FromParams(MakeParams({
      {"num_candidates", IntValue(50)},
      {"slate_size", IntValue(3)},
      {"resample_documents", BoolValue(false)},
      {"seed", IntValue(12)},
      {"time_budget", IntValue(120)},  // int for a float key
      {"quality_stddev", DoubleValue(0.2)},
  }));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->num_candidates, 50);
  EXPECT_EQ(config->slate_size, 3);
  EXPECT_FALSE(config->resample_documents);
  EXPECT_EQ(config->seed, 12);
  EXPECT_EQ(config->time_budget, 120.0);
  EXPECT_EQ(config->quality_stddev, 0.2);
}

TEST(InterestEvolutionTest, BadEnvConfigValuesNameTheKey) {
  const std::vector<std::pair<std::map<std::string, ParamValue>, std::string>> cases = {
      {{{"slate_size", IntValue(11)}}, "slate_size"},
      {{{"num_candidates", IntValue(1)}}, "slate_size"},  // default slate 2 > 1 candidate
      {{{"num_candidates", IntValue(-3)}}, "num_candidates"},
      {{{"slate_size", IntValue(-1)}}, "slate_size"},
      {{{"num_clusters", IntValue(0)}}, "num_clusters"},
      {{{"seed", IntValue(-1)}}, "seed"},
      {{{"time_budget", DoubleValue(0.0)}}, "time_budget"},
      {{{"video_length", DoubleValue(-4.0)}}, "video_length"},
      {{{"quality_stddev", DoubleValue(-0.1)}}, "quality_stddev"},
      {{{"step_penalty", DoubleValue(-0.5)}}, "step_penalty"},
      {{{"min_normalizer", DoubleValue(-0.5)}}, "min_normalizer"},
      {{{"no_click_mass", DoubleValue(-1.0)}}, "no_click_mass"},  // weight 0
      {{{"alpha_x_intercept", DoubleValue(0.0)}}, "alpha_x_intercept"},
      {{{"user_update_alpha", DoubleValue(NAN)}}, "user_update_alpha"},
      {{{"min_utility", DoubleValue(-INFINITY)}}, "min_utility"},
      {{{"num_candidates", DoubleValue(10.0)}}, "num_candidates"},  // wrong type
      {{{"resample_documents", IntValue(1)}}, "resample_documents"},
      {{{"num_candiates", IntValue(10)}}, "num_candiates"},  // unknown key
      {{{"score_scaling", DoubleValue(0.05)}}, "score_scaling"},  // unused by this model: unknown
  };
  for (const auto& [values, key] : cases) {
    auto config = InterestEvolutionConfig::FromParams(MakeParams(values));
    ASSERT_FALSE(config.ok()) << "expected an error naming " << key;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(key), std::string::npos)
        << config.status().message();
    EXPECT_NE(config.status().message().find("interest_evolution"), std::string::npos);
  }
}

TEST(InterestEvolutionTest, CreateRejectsInvalidConfigAndBatchSize) {
  InterestEvolutionConfig config;
  config.slate_size = 12;
  EXPECT_FALSE(InterestEvolutionVecEnv::Create(config, 1).ok());
  EXPECT_FALSE(InterestEvolutionVecEnv::Create(InterestEvolutionConfig(), 0).ok());
}

// ---- registry and baselines ----------------------------------------------------------------------

TEST(InterestEvolutionTest, RegistryBuildsItByName) {
  ASSERT_NE(FindEnv("interest_evolution"), nullptr);
  auto env = CreateVecEnv("interest_evolution",
                          MakeParams({{"num_candidates", IntValue(50)}, {"slate_size", IntValue(3)}}),
                          /*num_envs=*/3);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ((*env)->spec().name, "interest_evolution");
  EXPECT_EQ((*env)->spec().num_envs, 3);
  EXPECT_EQ((*env)->spec().num_candidates, 50);
  EXPECT_EQ((*env)->spec().slate_size, 3);
  EXPECT_EQ(FindEnv("interest_evolution")->schema().keys().size(), 18u);
  auto bad = CreateVecEnv("interest_evolution", MakeParams({{"slate_size", IntValue(11)}}), 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("slate_size"), std::string::npos);
}

TEST(InterestEvolutionTest, OracleSentinelIsRejected) {
  // −1 ("the env's oracle fills this slot") is a `topics`-only convention (docs/environments.md decision E3).
  auto env = MakeEnv(InterestEvolutionConfig(), /*num_envs=*/2);
  EXPECT_FALSE(env->spec().oracle_sentinel);
  SlateBatch slates;
  slates.Allocate(env->spec());
  EXPECT_TRUE(ValidateSlates(env->spec(), slates).ok());
  slates.items[3] = -1;
  const Status status = ValidateSlates(env->spec(), slates);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("oracle"), std::string::npos) << status.message();
  slates.items[3] = 10;
  EXPECT_FALSE(ValidateSlates(env->spec(), slates).ok());
}

TEST(InterestEvolutionTest, GreedyServesHighestInterestClustersFirst) {
  // greedy = oracle = greedy_pctr: top-k by u[cluster], descending, ties to the lower position.
  auto env = MakeEnv(InterestEvolutionConfig(), /*num_envs=*/16);
  const EnvSpec& spec = env->spec();
  Buffers b(spec);
  env->reset(9, &b.obs);
  for (const char* name : {"greedy", "oracle"}) {
    auto policy = MakePolicy(name, spec);
    Rng rng(0);
    policy->act(b.obs, rng, &b.slates);
    for (int i = 0; i < 16; ++i) {
      std::vector<int> order(10);
      for (int j = 0; j < 10; ++j) order[j] = j;
      std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
        return b.obs.user[i * kClusters + env->cluster(i, x)] >
               b.obs.user[i * kClusters + env->cluster(i, y)];
      });
      EXPECT_EQ(b.slates.items[i * 2], order[0]) << name << " env " << i;
      EXPECT_EQ(b.slates.items[i * 2 + 1], order[1]) << name << " env " << i;
    }
  }
}

}  // namespace
}  // namespace slaterl
