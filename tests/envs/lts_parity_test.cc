// Statistical parity of `lts` with the Python original: returns of the fixed baselines compared
// with the reference rows of reference/RESULTS.md §1.1 by Welch's t-test (not rejected at
// α = 0.01). Seeds and episode counts were fixed once, before looking at the outcomes; do not tune
// them to make a failure go away — a failure means the dynamics drifted.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "actors/episode_runner.h"
#include "algos/registry.h"
#include "core/stats.h"
#include "envs/lts.h"

namespace slaterl {
namespace {

constexpr double kAlpha = 0.01;
constexpr int64_t kEpisodes = 2000;
constexpr int kNumEnvs = 16;
constexpr uint64_t kLtsDefaultSeed = 20240601;
constexpr uint64_t kStrongLtsSeed = 20240602;

struct ReferenceRow {
  const char* policy;
  SampleSummary reference;  // RESULTS.md §1.1: mean, std, n
};

LtsConfig StrongLtsConfig() {
  LtsConfig c;
  c.num_candidates = 20;
  c.slate_size = 2;
  c.sensitivity = 0.06;
  c.choc_stddev = 0.1;
  c.kale_stddev = 0.1;
  c.time_budget = 120;
  return c;
}

void ExpectParity(const LtsConfig& config, uint64_t seed, const ReferenceRow& row) {
  auto env = LtsVecEnv::Create(config, kNumEnvs);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  AlgoContext ctx;
  ctx.env_name = "lts";
  ctx.env_spec = (*env)->spec();
  auto policy = CreateBaseline(row.policy, ctx);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  auto result = RunEpisodes(**env, **policy, kEpisodes, seed);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->episodes, kEpisodes);
  EXPECT_EQ(result->length_mean, config.time_budget);
  EXPECT_EQ(result->length_std, 0.0);

  const SampleSummary ours{result->return_mean, result->return_std, result->episodes};
  auto welch = WelchTTest(ours, row.reference);
  ASSERT_TRUE(welch.ok()) << welch.status().ToString();
  std::printf("[parity] %-9s ours %.4f ± %.4f (n=%lld)  reference %.4f ± %.4f (n=%lld)  "
              "t=%+.3f df=%.1f p=%.4f\n",
              row.policy, ours.mean, ours.std, static_cast<long long>(ours.n), row.reference.mean,
              row.reference.std, static_cast<long long>(row.reference.n), welch->t, welch->df,
              welch->p_two_sided);
  EXPECT_GT(welch->p_two_sided, kAlpha)
      << row.policy << ": mean return " << ours.mean << " vs reference " << row.reference.mean;
  // The spread matches too (loose: returns are right-skewed, so the sample std is noisy).
  EXPECT_NEAR(ours.std / row.reference.std, 1.0, 0.15) << row.policy;
}

TEST(LtsParityTest, LtsDefaultBaselinesMatchReferenceReturns) {
  const ReferenceRow rows[] = {
      {"random", {943.7687, 165.3804, 500}},
      {"choc", {1111.0928, 193.3970, 500}},
      {"kale", {781.8043, 135.4818, 500}},
  };
  for (const ReferenceRow& row : rows) {
    SCOPED_TRACE(row.policy);
    ExpectParity(LtsConfig(), kLtsDefaultSeed, row);
  }
}

TEST(LtsParityTest, StrongLtsBaselinesMatchReferenceReturns) {
  const ReferenceRow rows[] = {
      {"random", {1158.1576, 11.2115, 500}},
      {"random_md", {1158.0876, 11.4191, 500}},
      {"choc", {1155.5610, 10.7531, 500}},
      {"kale", {1090.7082, 9.9881, 500}},
  };
  for (const ReferenceRow& row : rows) {
    SCOPED_TRACE(row.policy);
    ExpectParity(StrongLtsConfig(), kStrongLtsSeed, row);
  }
}

TEST(LtsParityTest, GreedyAndOracleEqualChocOnLts) {
  // ENVS.md §7: on lts both myopic baselines serve the highest clickbait first, like choc.
  for (const char* name : {"greedy", "oracle"}) {
    auto env_a = LtsVecEnv::Create(LtsConfig(), 4);
    auto env_b = LtsVecEnv::Create(LtsConfig(), 4);
    ASSERT_TRUE(env_a.ok() && env_b.ok());
    AlgoContext ctx;
    ctx.env_name = "lts";
    ctx.env_spec = (*env_a)->spec();
    auto policy = CreateBaseline(name, ctx);
    auto choc = CreateBaseline("choc", ctx);
    ASSERT_TRUE(policy.ok() && choc.ok());
    auto a = RunEpisodes(**env_a, **policy, 40, 3);
    auto b = RunEpisodes(**env_b, **choc, 40, 3);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->returns, b->returns) << name;
  }
}

}  // namespace
}  // namespace slaterl
