#include "algos/linucb/linucb.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "core/config.h"
#include "core/rng.h"
#include "envs/transition.h"

namespace slaterl {
namespace {

Params MakeConfig(const std::string& context = "shared") {
  Params p;
  const Schema schema = LinUcbSchema();
  for (const auto& k : schema.keys()) {
    ParamValue v;
    v.type = k.type;
    if (k.type == ValueType::kInt) v.i = std::stoll(k.default_text);
    if (k.type == ValueType::kDouble) v.d = std::stod(k.default_text);
    if (k.type == ValueType::kEnum || k.type == ValueType::kString) v.s = k.default_text;
    if (k.type == ValueType::kBool) v.b = k.default_text == "true";
    p.Set(k.name, v, false);
  }
  ParamValue c;
  c.type = ValueType::kEnum;
  c.s = context;
  p.Set("context", c, true);
  return p;
}

AlgoContext MakeContext(int num_envs = 1) {
  AlgoContext ctx;
  ctx.env_name = "lts";
  ctx.env_spec.name = "lts";
  ctx.env_spec.num_envs = num_envs;
  ctx.env_spec.num_candidates = 4;
  ctx.env_spec.slate_size = 2;
  ctx.env_spec.doc_dim = 1;
  ctx.env_spec.response_dim = 2;
  return ctx;
}

TEST(RidgeStatisticsTest, ShermanMorrisonMatchesFullInverse) {
  const int d = 20;
  RidgeStatistics sm(d, /*lambda=*/1.0, RidgeStatistics::InverseMode::kShermanMorrison, /*refresh_every=*/1000);
  RidgeStatistics full(d, /*lambda=*/1.0, RidgeStatistics::InverseMode::kFull, /*refresh_every=*/1000);
  Rng rng(/*seed=*/3);
  std::vector<double> x(d);
  for (int step = 0; step < 10000; ++step) {
    for (auto& v : x) v = rng.Normal();
    const double reward = rng.Normal();
    sm.Update(x.data(), reward);
    full.Update(x.data(), reward);
  }
  const auto theta_sm = sm.Theta(), theta_full = full.Theta();
  for (int i = 0; i < d; ++i)
    EXPECT_NEAR(theta_sm[i], theta_full[i], 1e-8 * std::max(1.0, std::fabs(theta_full[i])));
  for (int trial = 0; trial < 10; ++trial) {
    for (auto& v : x) v = rng.Normal();
    EXPECT_NEAR(sm.Width(x.data()), full.Width(x.data()), 1e-8 * full.Width(x.data()));
  }
}

TEST(RidgeStatisticsTest, RecoversALinearModel) {
  RidgeStatistics stats(3, /*lambda=*/0.1, RidgeStatistics::InverseMode::kShermanMorrison, 1000);
  Rng rng(/*seed=*/1);
  for (int i = 0; i < 5000; ++i) {
    double x[3] = {rng.Uniform(), rng.Uniform(), 1.0};
    stats.Update(x, 2.0 * x[0] - 1.0 * x[1] + 0.5 + 0.01 * rng.Normal());
  }
  const auto theta = stats.Theta();
  EXPECT_NEAR(theta[0], 2.0, 0.01);
  EXPECT_NEAR(theta[1], -1.0, 0.01);
  EXPECT_NEAR(theta[2], 0.5, 0.01);
}

// Items with higher doc feature pay more; after training, the greedy policy ranks them first.
TEST(LinUcbTest, TrainedPolicyRanksTheBestItemsFirst) {
  const AlgoContext ctx = MakeContext();
  const Params config = MakeConfig();
  auto trainer = CreateLinUcbTrainer(config, ctx);
  auto policy = CreateLinUcbPolicy(config, ctx);
  ASSERT_TRUE(trainer.ok() && policy.ok());
  TransitionLayout layout(ctx.env_spec);
  SampleBatch batch;
  batch.table = "transitions";
  batch.item_size = layout.size;
  batch.num_items = 200;
  batch.data.assign(static_cast<size_t>(batch.num_items) * layout.size, 0.0f);
  Rng rng(/*seed=*/5);
  for (int i = 0; i < batch.num_items; ++i) {
    float* t = batch.data.data() + static_cast<size_t>(i) * layout.size;
    for (int c = 0; c < 4; ++c) t[layout.docs + c] = static_cast<float>(rng.Uniform());
    t[layout.slate + 0] = 0;
    t[layout.slate + 1] = 1;
    for (int j = 0; j < 2; ++j) {
      t[layout.responses + 2 * j] = 1.0f;                                       // click
      t[layout.responses + 2 * j + 1] = 10.0f * t[layout.docs + j] + 1.0f;      // item reward
    }
  }
  ASSERT_TRUE((*trainer)->update(batch).ok());
  Weights weights = (*trainer)->weights();
  weights.version = 2;
  ASSERT_TRUE((*policy)->load(weights).ok());
  (*policy)->set_explore(false);
  ObsBatch obs;
  obs.Allocate(ctx.env_spec);
  obs.docs = {0.2f, 0.9f, 0.1f, 0.5f};
  SlateBatch slate;
  slate.Allocate(ctx.env_spec);
  (*policy)->act(obs, rng, &slate);
  EXPECT_EQ(slate.items[0], 1);
  EXPECT_EQ(slate.items[1], 3);
}

TEST(LinUcbTest, DisjointContextIsRefusedOnLts) {
  auto trainer = CreateLinUcbTrainer(MakeConfig("disjoint"), MakeContext());
  ASSERT_FALSE(trainer.ok());
  EXPECT_NE(trainer.status().message().find("config.context"), std::string::npos);
}

TEST(LinUcbTest, PolicyRejectsWeightsOfTheWrongShape) {
  auto policy = CreateLinUcbPolicy(MakeConfig(), MakeContext());
  ASSERT_TRUE(policy.ok());
  Weights w;
  w.version = 1;
  w.tensors.push_back({"theta", {5}, {1, 2, 3, 4, 5}});
  EXPECT_FALSE((*policy)->load(w).ok());
}

TEST(LinUcbTest, CheckpointRoundTripsExactly) {
  const AlgoContext ctx = MakeContext();
  auto a = CreateLinUcbTrainer(MakeConfig(), ctx);
  auto b = CreateLinUcbTrainer(MakeConfig(), ctx);
  TransitionLayout layout(ctx.env_spec);
  SampleBatch batch;
  batch.table = "transitions";
  batch.item_size = layout.size;
  batch.num_items = 1;
  batch.data.assign(layout.size, 0.0f);
  batch.data[layout.docs] = 0.7f;
  batch.data[layout.responses] = 1.0f;
  batch.data[layout.responses + 1] = 3.0f;
  ASSERT_TRUE((*a)->update(batch).ok());
  char dir_template[] = "/tmp/slaterl-linucb-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  ASSERT_TRUE((*a)->save(dir).ok());
  ASSERT_TRUE((*b)->load(dir).ok());
  EXPECT_EQ((*a)->weights().tensors[0].data, (*b)->weights().tensors[0].data);
  EXPECT_EQ((*a)->weights().tensors[1].data, (*b)->weights().tensors[1].data);
  EXPECT_FALSE((*b)->load("/nonexistent-dir").ok());
}

}  // namespace
}  // namespace slaterl

namespace slaterl {
namespace {

AlgoContext MakeIevContext() {
  AlgoContext ctx;
  ctx.env_name = "interest_evolution";
  ctx.env_spec.name = ctx.env_name;
  ctx.env_spec.num_envs = 1;
  ctx.env_spec.num_candidates = 3;
  ctx.env_spec.slate_size = 1;
  ctx.env_spec.user_dim = 3;
  ctx.env_spec.doc_dim = 3;  // one-hot of 3 clusters
  ctx.env_spec.response_dim = 2;
  return ctx;
}

// Disjoint arms = clusters: the cluster whose payoff grows with the user's interest in it wins.
TEST(LinUcbTest, DisjointArmsLearnPerClusterPayoffsFromTheUserContext) {
  const AlgoContext ctx = MakeIevContext();
  const Params config = MakeConfig("disjoint");
  auto trainer = CreateLinUcbTrainer(config, ctx);
  auto policy = CreateLinUcbPolicy(config, ctx);
  ASSERT_TRUE(trainer.ok() && policy.ok()) << trainer.status().ToString();
  TransitionLayout layout(ctx.env_spec);
  SampleBatch batch;
  batch.table = "transitions";
  batch.item_size = layout.size;
  batch.num_items = 3000;
  batch.data.assign(static_cast<size_t>(batch.num_items) * layout.size, 0.0f);
  Rng rng(/*seed=*/9);
  for (int i = 0; i < batch.num_items; ++i) {
    float* t = batch.data.data() + static_cast<size_t>(i) * layout.size;
    for (int f = 0; f < 3; ++f) t[layout.user + f] = static_cast<float>(rng.Uniform(-1, 1));
    for (int c = 0; c < 3; ++c) t[layout.docs + c * 3 + c] = 1.0f;  // candidate c is cluster c
    const int shown = i % 3;
    t[layout.slate] = static_cast<float>(shown);
    t[layout.responses] = 1.0f;
    t[layout.responses + 1] = 2.0f + 3.0f * t[layout.user + shown];  // payoff rises with interest
  }
  ASSERT_TRUE((*trainer)->update(batch).ok());
  Weights w = (*trainer)->weights();
  w.version = 1;
  ASSERT_TRUE((*policy)->load(w).ok());
  (*policy)->set_explore(false);
  ObsBatch obs;
  obs.Allocate(ctx.env_spec);
  obs.docs = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  SlateBatch slate;
  slate.Allocate(ctx.env_spec);
  for (int favourite = 0; favourite < 3; ++favourite) {
    obs.user = {-0.5f, -0.5f, -0.5f};
    obs.user[favourite] = 0.9f;
    (*policy)->act(obs, rng, &slate);
    EXPECT_EQ(slate.items[0], favourite);
  }
}

}  // namespace
}  // namespace slaterl
