#include "actors/evaluator.h"

#include <gtest/gtest.h>

#include "algos/run_config.h"

namespace slaterl {
namespace {

// LinUCB weights whose θ scores candidates by +c (choc-like) or −c (kale-like) on LTS.
Weights MakeWeights(int64_t version, float sign) {
  Weights w;
  w.version = version;
  w.tensors.push_back({"theta", {1, 2}, {sign * 10.0f, 0.0f}});
  w.tensors.push_back({"inverse", {1, 2, 2}, {1e-6f, 0.0f, 0.0f, 1e-6f}});
  return w;
}

TEST(EvaluatorTest, SelectBestGivesTheFinalEvaluationToTheBestValidatedWeights) {
  auto run = LoadRunConfigString(
      "env: lts\nalgo: linucb\nstop: {timesteps_total: 1}\nevaluation: {num_envs: 4, select_best: true}\n",
      "eval.yaml", {}, RegistrySchemas());
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  auto evaluator = EvaluatorCore::Create(*run, *FindEnv("lts"), *FindAlgo("linucb"));
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  EvaluatorCore& e = **evaluator;

  ASSERT_TRUE(e.ApplyWeights(MakeWeights(1, +1.0f)).ok());  // clickbait first: ≈ choc
  auto good = e.Evaluate(200);
  ASSERT_TRUE(good.ok());
  e.RecordValidation(*good);
  ASSERT_TRUE(e.ApplyWeights(MakeWeights(2, -1.0f)).ok());  // kale: much worse
  auto bad = e.Evaluate(200);
  ASSERT_TRUE(bad.ok());
  e.RecordValidation(*bad);
  EXPECT_GT(good->return_mean, bad->return_mean + 100);

  auto latest = e.EvaluateFinal(200, /*select_best=*/false);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(e.weights_version(), 2);
  auto best = e.EvaluateFinal(200, /*select_best=*/true);
  ASSERT_TRUE(best.ok());
  EXPECT_EQ(e.weights_version(), 1);
  EXPECT_GT(best->return_mean, latest->return_mean + 100);
  // Fresh users: the test episodes are not the validation episodes.
  EXPECT_NE(best->returns, good->returns);
}

}  // namespace
}  // namespace slaterl
