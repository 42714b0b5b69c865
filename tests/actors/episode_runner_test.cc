// Tests of actors/episode_runner: RunEpisodes (counting, ordering, determinism, errors) and the
// `eval --json` line.

#include "actors/episode_runner.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "algos/registry.h"
#include "core/rng.h"
#include "core/stats.h"
#include "envs/lts.h"
#include "tests/envs/env_test_util.h"

namespace slaterl {
namespace {

using testing_envs::Buffers;

std::unique_ptr<LtsVecEnv> MakeLts(int num_envs, int time_budget) {
  LtsConfig config;
  config.time_budget = time_budget;
  auto env = LtsVecEnv::Create(config, num_envs);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return std::move(env).value();
}

std::unique_ptr<Policy> MakeBaseline(const std::string& name, const VecEnv& env) {
  AlgoContext ctx;
  ctx.env_name = env.spec().name;
  ctx.env_spec = env.spec();
  auto policy = CreateBaseline(name, ctx);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return std::move(policy).value();
}

// Writes a fixed position into every slot (out of range on purpose in one test).
class ConstantPolicy : public Policy {
 public:
  explicit ConstantPolicy(int32_t position) : position_(position) {}
  void act(const ObsBatch&, Rng&, SlateBatch* out) override {
    std::fill(out->items.begin(), out->items.end(), position_);
  }

 private:
  int32_t position_;
};

// An env whose episodes never end although it declares a horizon.
class EndlessEnv : public VecEnv {
 public:
  EndlessEnv() {
    spec_.name = "endless";
    spec_.num_envs = 2;
    spec_.num_candidates = 4;
    spec_.slate_size = 1;
    spec_.doc_dim = 1;
    spec_.max_steps = 3;
  }
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t, ObsBatch*) override {}
  void step(const SlateBatch&, StepBatch* out) override {
    ++steps;
    std::fill(out->terminated.begin(), out->terminated.end(), 0);
    std::fill(out->truncated.begin(), out->truncated.end(), 0);
  }
  int64_t steps = 0;

 private:
  EnvSpec spec_;
};

TEST(EpisodeRunnerTest, CollectsExactlyTheRequestedEpisodes) {
  auto env = MakeLts(/*num_envs=*/4, /*time_budget=*/5);
  auto policy = MakeBaseline("random", *env);
  auto result = RunEpisodes(*env, *policy, /*episodes=*/7, /*seed=*/1);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->episodes, 7);
  ASSERT_EQ(result->returns.size(), 7u);
  ASSERT_EQ(result->lengths.size(), 7u);
  for (double length : result->lengths) EXPECT_EQ(length, 5.0);
  EXPECT_EQ(result->length_mean, 5.0);
  EXPECT_EQ(result->length_std, 0.0);
  EXPECT_DOUBLE_EQ(result->return_mean, Mean(result->returns));
  EXPECT_DOUBLE_EQ(result->return_std, SampleStd(result->returns));
  EXPECT_GT(result->steps_per_sec, 0.0);
}

TEST(EpisodeRunnerTest, OrdersEpisodesByStepThenEnvIndex) {
  // Replays what RunEpisodes does by hand and checks the order of the kept returns.
  const int n = 3, budget = 4;
  auto env = MakeLts(n, budget);
  auto policy = MakeBaseline("random", *env);
  auto result = RunEpisodes(*env, *policy, /*episodes=*/5, /*seed=*/9);
  ASSERT_TRUE(result.ok());

  auto manual_env = MakeLts(n, budget);
  auto manual_policy = MakeBaseline("random", *manual_env);
  const EnvSpec& spec = manual_env->spec();
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  Rng rng(DeriveSeed(9, {kSeedPolicy}));
  manual_env->reset(9, &obs);
  std::vector<double> expected;
  const ObsBatch* current = &obs;
  for (int t = 1; t <= 2 * budget; ++t) {
    manual_policy->act(*current, rng, &slates);
    manual_env->step(slates, &out);
    current = &out.obs;
    for (int i = 0; i < n; ++i)
      if (out.terminated[i]) expected.push_back(out.episode_return[i]);
  }
  ASSERT_EQ(expected.size(), 6u);
  expected.resize(5);  // envs 0,1,2 at step 4, then envs 0,1 at step 8
  EXPECT_EQ(result->returns, expected);
}

TEST(EpisodeRunnerTest, SameSeedSameResultDifferentSeedDifferentResult) {
  auto env = MakeLts(4, 60);
  auto policy = MakeBaseline("random", *env);
  auto a = RunEpisodes(*env, *policy, 10, 5);
  auto b = RunEpisodes(*env, *policy, 10, 5);
  auto c = RunEpisodes(*env, *policy, 10, 6);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->returns, b->returns);
  EXPECT_NE(a->returns, c->returns);
}

TEST(EpisodeRunnerTest, RejectsNonPositiveEpisodeCounts) {
  auto env = MakeLts(1, 60);
  auto policy = MakeBaseline("random", *env);
  EXPECT_EQ(RunEpisodes(*env, *policy, 0, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RunEpisodes(*env, *policy, -3, 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(EpisodeRunnerTest, ReportsInvalidPolicySlates) {
  auto env = MakeLts(2, 60);
  ConstantPolicy policy(/*position=*/10);  // num_candidates is 10: out of range
  auto result = RunEpisodes(*env, policy, 1, 1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("RunEpisodes"), std::string::npos);
}

TEST(EpisodeRunnerTest, GivesUpOnEnvsThatNeverFinish) {
  EndlessEnv env;
  ConstantPolicy policy(0);
  auto result = RunEpisodes(env, policy, 3, 1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LE(env.steps, 100);  // bounded by the declared horizon
}

TEST(EpisodeRunnerTest, SingleEpisodeHasZeroStd) {
  auto env = MakeLts(1, 10);
  auto policy = MakeBaseline("first", *env);
  auto result = RunEpisodes(*env, *policy, 1, 1);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->return_std, 0.0);
  EXPECT_EQ(result->return_mean, result->returns[0]);
}

TEST(EpisodeRunnerTest, JsonLineHasTheDocumentedKeysInOrder) {
  EvalResult r;
  r.episodes = 500;
  r.return_mean = 943.5;
  r.return_std = 0.1;
  r.length_mean = 60;
  r.steps_per_sec = 1.25e6;
  EXPECT_EQ(EvalResultJson("lts", "random", r),
            "{\"env\": \"lts\", \"policy\": \"random\", \"episodes\": 500, \"return_mean\": 943.5, "
            "\"return_std\": 0.10000000000000001, \"length_mean\": 60, \"steps_per_sec\": 1250000}");
}

TEST(EpisodeRunnerTest, JsonLineEscapesStringsAndNullsNonFiniteNumbers) {
  EvalResult r;
  r.episodes = 1;
  r.return_mean = NAN;
  r.return_std = INFINITY;
  const std::string json = EvalResultJson("lts", "checkpoint:/runs/a \"b\"\\c\n", r);
  EXPECT_NE(json.find("\"policy\": \"checkpoint:/runs/a \\\"b\\\"\\\\c\\n\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"return_mean\": null"), std::string::npos);
  EXPECT_NE(json.find("\"return_std\": null"), std::string::npos);
  EXPECT_EQ(json.find('\n'), std::string::npos);
}

TEST(EpisodeRunnerTest, JsonNumbersRoundTripExactly) {
  EvalResult r;
  r.episodes = 3;
  r.return_mean = 1111.0928123456789;
  const std::string json = EvalResultJson("lts", "choc", r);
  const size_t at = json.find("\"return_mean\": ") + 15;
  EXPECT_EQ(std::strtod(json.c_str() + at, nullptr), r.return_mean);
}

}  // namespace
}  // namespace slaterl
