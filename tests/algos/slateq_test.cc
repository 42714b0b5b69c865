#include "algos/slateq/slateq.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "core/rng.h"
#include "envs/transition.h"

namespace slaterl {
namespace {

Params MakeConfig(std::map<std::string, std::string> overrides = {}) {
  Params p;
  const Schema schema = SlateQSchema();  // keep it alive: keys() refers into it
  for (const auto& k : schema.keys()) {
    const std::string text = overrides.count(k.name) ? overrides[k.name] : k.default_text;
    ParamValue v;
    v.type = k.type;
    if (k.type == ValueType::kInt) v.i = std::stoll(text);
    if (k.type == ValueType::kDouble) v.d = std::stod(text);
    if (k.type == ValueType::kEnum || k.type == ValueType::kString) v.s = text;
    if (k.type == ValueType::kBool) v.b = text == "true";
    p.Set(k.name, v, overrides.count(k.name) > 0);
  }
  return p;
}

AlgoContext MakeContext(int num_envs = 2, int num_candidates = 5, int slate_size = 2) {
  AlgoContext ctx;
  ctx.env_name = "interest_evolution";
  ctx.env_spec.name = ctx.env_name;
  ctx.env_spec.num_envs = num_envs;
  ctx.env_spec.num_candidates = num_candidates;
  ctx.env_spec.slate_size = slate_size;
  ctx.env_spec.user_dim = 3;
  ctx.env_spec.doc_dim = 3;
  ctx.env_spec.response_dim = 2;
  return ctx;
}

// Brute force over every ordered k-permutation.
double BruteForceBest(const std::vector<float>& v, const std::vector<float>& q, int k) {
  const int c = static_cast<int>(v.size());
  std::vector<int> idx(c);
  for (int i = 0; i < c; ++i) idx[i] = i;
  double best = -1e300;
  std::sort(idx.begin(), idx.end());
  do {
    best = std::max(best, SlateValue(v.data(), q.data(), 2.0f, idx.data(), k));
  } while (std::next_permutation(idx.begin(), idx.end()));
  return best;
}

TEST(SlateSelectionTest, OptimalMatchesEnumerationOfEveryOrderedSlate) {
  Rng rng(/*seed=*/11);
  for (int trial = 0; trial < 50; ++trial) {
    const int c = 6, k = 1 + static_cast<int>(rng.UniformInt(3));
    std::vector<float> v(c), q(c);
    for (int i = 0; i < c; ++i) {
      v[i] = static_cast<float>(rng.Uniform(0.0, 2.0));
      q[i] = static_cast<float>(rng.Uniform(-1.0, 5.0));
    }
    std::vector<int> slate(k);
    SelectSlate(SlateSelection::kOptimal, v.data(), q.data(), 2.0f, c, k, slate.data());
    EXPECT_NEAR(SlateValue(v.data(), q.data(), 2.0f, slate.data(), k), BruteForceBest(v, q, k), 1e-9);
    EXPECT_EQ(std::set<int>(slate.begin(), slate.end()).size(), static_cast<size_t>(k));
    for (int j = 1; j < k; ++j) EXPECT_GE(v[slate[j - 1]] * q[slate[j - 1]], v[slate[j]] * q[slate[j]]);
    // Greedy never beats the optimum; top-k is a valid slate.
    std::vector<int> greedy(k), topk(k);
    SelectSlate(SlateSelection::kGreedy, v.data(), q.data(), 2.0f, c, k, greedy.data());
    SelectSlate(SlateSelection::kTopK, v.data(), q.data(), 2.0f, c, k, topk.data());
    EXPECT_LE(SlateValue(v.data(), q.data(), 2.0f, greedy.data(), k),
              SlateValue(v.data(), q.data(), 2.0f, slate.data(), k) + 1e-9);
    EXPECT_EQ(std::set<int>(topk.begin(), topk.end()).size(), static_cast<size_t>(k));
  }
}

TEST(SlateSelectionTest, TopKTakesTheLargestScoresDescending) {
  const std::vector<float> v = {1, 1, 2, 1}, q = {1, 5, 2, 3};  // v·q = 1, 5, 4, 3
  int slate[2];
  SelectSlate(SlateSelection::kTopK, v.data(), q.data(), 2.0f, 4, 2, slate);
  EXPECT_EQ(slate[0], 1);
  EXPECT_EQ(slate[1], 2);
}

SampleBatch MakeBatch(const AlgoContext& ctx, int n, Rng& rng) {
  TransitionLayout layout(ctx.env_spec);
  SampleBatch batch;
  batch.table = "transitions";
  batch.item_size = layout.size;
  batch.num_items = n;
  batch.data.assign(static_cast<size_t>(n) * layout.size, 0.0f);
  batch.keys.resize(n);
  batch.probabilities.assign(n, 1.0 / n);
  batch.table_size = n;
  for (int i = 0; i < n; ++i) {
    batch.keys[i] = i;
    float* t = batch.data.data() + static_cast<size_t>(i) * layout.size;
    for (int f = 0; f < layout.user_dim; ++f) t[layout.user + f] = t[layout.next_user + f] = static_cast<float>(rng.Uniform(-1, 1));
    for (int f = 0; f < layout.docs_size; ++f) t[layout.docs + f] = t[layout.next_docs + f] = static_cast<float>(rng.Uniform(0, 1));
    t[layout.slate] = 0;
    t[layout.slate + 1] = 1;
    t[layout.responses] = i % 2 == 0 ? 1.0f : 0.0f;  // half the rows consumed slot 0
    t[layout.reward] = i % 2 == 0 ? 4.0f : 0.0f;
    t[layout.terminated] = 1.0f;  // y = r: a regression problem with a known answer
  }
  return batch;
}

TEST(SlateQTrainerTest, LearnsTheRewardOfConsumedItemsOnTerminalTransitions) {
  const AlgoContext ctx = MakeContext();
  auto trainer = CreateSlateQTrainer(MakeConfig({{"optimizer", "adam"}, {"lr", "0.001"}}), ctx);
  ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
  Rng rng(/*seed=*/2);
  SampleBatch batch = MakeBatch(ctx, 32, rng);
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    Result<UpdateResult> updated = (*trainer)->update(batch);
    ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    UpdateResult& r = *updated;
    if (step == 0) first = r.metrics["learner/loss"];
    last = r.metrics["learner/loss"];
    ASSERT_EQ(r.priorities.size(), 32u);  // prioritized replay by default
  }
  EXPECT_LT(last, 0.01 * first);
  EXPECT_NEAR((*trainer)->update(batch)->metrics["learner/q_consumed_mean"], 4.0, 0.1);
}

TEST(SlateQTrainerTest, NoClickRowsGetTheMinimumPriority) {
  const AlgoContext ctx = MakeContext();
  auto trainer = CreateSlateQTrainer(MakeConfig(), ctx);
  ASSERT_TRUE(trainer.ok());
  Rng rng(/*seed=*/3);
  Result<UpdateResult> r = (*trainer)->update(MakeBatch(ctx, 8, rng));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (int i = 1; i < 8; i += 2) EXPECT_NEAR(r->priorities[i], 1e-6, 1e-12);
  for (int i = 0; i < 8; i += 2) EXPECT_GT(r->priorities[i], 1e-3);
}

TEST(SlateQTrainerTest, CheckpointRoundTripsWeights) {
  const AlgoContext ctx = MakeContext();
  auto a = CreateSlateQTrainer(MakeConfig(), ctx);
  auto b = CreateSlateQTrainer(MakeConfig(), ctx);
  Rng rng(/*seed=*/4);
  ASSERT_TRUE((*a)->update(MakeBatch(ctx, 16, rng)).ok());
  char tmpl[] = "/tmp/slaterl-slateq-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  ASSERT_TRUE((*a)->save(dir).ok());
  ASSERT_TRUE((*b)->load(dir).ok());
  const Weights wa = (*a)->weights(), wb = (*b)->weights();
  ASSERT_EQ(wa.tensors.size(), wb.tensors.size());
  for (size_t i = 0; i < wa.tensors.size(); ++i) EXPECT_EQ(wa.tensors[i].data, wb.tensors[i].data);
  EXPECT_FALSE((*b)->load("/nonexistent").ok());
}

TEST(SlateQPolicyTest, ActsGreedilyWithTheLearnersWeightsAndRandomlyDuringWarmup) {
  const AlgoContext ctx = MakeContext(/*num_envs=*/4);
  auto trainer = CreateSlateQTrainer(MakeConfig(), ctx);
  auto policy = CreateSlateQPolicy(MakeConfig(), ctx);
  ASSERT_TRUE(trainer.ok() && policy.ok());
  Weights w = (*trainer)->weights();
  w.version = 1;
  ASSERT_TRUE((*policy)->load(w).ok());
  ObsBatch obs;
  obs.Allocate(ctx.env_spec);
  Rng rng(/*seed=*/5);
  for (auto& x : obs.docs) x = static_cast<float>(rng.Uniform());
  SlateBatch explore, greedy1, greedy2;
  explore.Allocate(ctx.env_spec);
  greedy1.Allocate(ctx.env_spec);
  greedy2.Allocate(ctx.env_spec);
  (*policy)->act(obs, rng, &explore);  // ε = 1 during warm-up: random but valid
  for (int n = 0; n < 4; ++n) EXPECT_NE(explore.items[2 * n], explore.items[2 * n + 1]);
  (*policy)->set_explore(false);
  (*policy)->act(obs, rng, &greedy1);
  (*policy)->act(obs, rng, &greedy2);
  EXPECT_EQ(greedy1.items, greedy2.items);  // deterministic without exploration
  Weights bad = w;
  bad.tensors.pop_back();
  EXPECT_FALSE((*policy)->load(bad).ok());
}

TEST(SlateQTest, RefusesEnumerationsThatAreTooLarge) {
  auto trainer = CreateSlateQTrainer(MakeConfig(), MakeContext(1, /*num_candidates=*/200, /*slate_size=*/4));
  ASSERT_FALSE(trainer.ok());
  EXPECT_NE(trainer.status().message().find("optimal"), std::string::npos);
  EXPECT_TRUE(CreateSlateQTrainer(MakeConfig({{"slate_selection", "topk"}, {"target", "topk"}}),
                                  MakeContext(1, 200, 4)).ok());
}

TEST(SlateQTest, RefusesSlatesLargerThanTheEnumerationBound) {
  // C(66, 65) = 66 slates passes the count bound, but 65 > kMaxEnumeratedSlateSize items per slate.
  const AlgoContext ctx = MakeContext(1, /*num_candidates=*/66, /*slate_size=*/kMaxEnumeratedSlateSize + 1);
  for (const char* key : {"slate_selection", "target"}) {
    const std::string other = std::string(key) == "target" ? "slate_selection" : "target";
    auto trainer = CreateSlateQTrainer(MakeConfig({{key, "optimal"}, {other, "topk"}}), ctx);
    ASSERT_FALSE(trainer.ok()) << key;
    EXPECT_EQ(trainer.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(trainer.status().message().find("at most 64 items"), std::string::npos) << trainer.status().message();
    EXPECT_NE(trainer.status().message().find("slate_size 65"), std::string::npos) << trainer.status().message();
    EXPECT_FALSE(CreateSlateQPolicy(MakeConfig({{key, "optimal"}, {other, "topk"}}), ctx).ok()) << key;
  }
  EXPECT_TRUE(CreateSlateQTrainer(MakeConfig({{"slate_selection", "topk"}, {"target", "greedy"}}), ctx).ok());
  EXPECT_TRUE(CreateSlateQTrainer(MakeConfig(), MakeContext(1, 65, kMaxEnumeratedSlateSize)).ok());
  // SelectSlate itself stays memory-safe past the bound (the whole candidate set is the one slate).
  const int c = 70;
  std::vector<float> v(c, 1.0f), q(c);
  for (int i = 0; i < c; ++i) q[i] = static_cast<float>(i);
  std::vector<int> slate(c, -1);
  SelectSlate(SlateSelection::kOptimal, v.data(), q.data(), 2.0f, c, c, slate.data());
  EXPECT_EQ(std::set<int>(slate.begin(), slate.end()).size(), static_cast<size_t>(c));
  EXPECT_EQ(slate[0], c - 1);
}

TEST(SlateQTest, LoadRefusesATensorOfAnotherShape) {
  const AlgoContext ctx = MakeContext();  // input 3 + 3 features
  auto wide = CreateSlateQTrainer(MakeConfig({{"hiddens", "16"}}), ctx);
  auto narrow = CreateSlateQTrainer(MakeConfig({{"hiddens", "8"}}), ctx);
  ASSERT_TRUE(wide.ok() && narrow.ok());
  char tmpl[] = "/tmp/slaterl-slateq-shape-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  ASSERT_TRUE((*wide)->save(dir).ok());
  // Checkpoint: refused before anything is loaded, naming the tensor and both shapes.
  const Weights before = (*narrow)->weights();
  const Status loaded = (*narrow)->load(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.code(), StatusCode::kInvalidArgument) << loaded.ToString();
  EXPECT_NE(loaded.message().find("'net/layers.0.weight'"), std::string::npos) << loaded.message();
  EXPECT_NE(loaded.message().find("[16, 6] in the checkpoint"), std::string::npos) << loaded.message();
  EXPECT_NE(loaded.message().find("[8, 6]"), std::string::npos) << loaded.message();
  const Weights after = (*narrow)->weights();
  ASSERT_EQ(after.tensors.size(), before.tensors.size());
  for (size_t i = 0; i < after.tensors.size(); ++i) {
    EXPECT_EQ(after.tensors[i].shape, before.tensors[i].shape) << after.tensors[i].name;
    EXPECT_EQ(after.tensors[i].data, before.tensors[i].data) << after.tensors[i].name;
  }
  // Broadcast weights: another architecture is refused by shape, as is a tensor whose element
  // count fits but whose shape does not (the transpose).
  auto policy = CreateSlateQPolicy(MakeConfig({{"hiddens", "8"}}), ctx);
  ASSERT_TRUE(policy.ok());
  const Status other = (*policy)->load((*wide)->weights());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.message().find("'layers.0.weight' has shape [16, 6], the network's is [8, 6]"), std::string::npos)
      << other.message();
  Weights transposed = (*narrow)->weights();
  ASSERT_EQ(transposed.tensors[0].shape, (std::vector<int64_t>{8, 6}));
  transposed.tensors[0].shape = {6, 8};
  const Status swapped = (*policy)->load(transposed);
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.message().find("shape [6, 8], the network's is [8, 6]"), std::string::npos) << swapped.message();
  EXPECT_TRUE((*policy)->load((*narrow)->weights()).ok());
}

TEST(SlateQTrainerTest, RejectsABatchWhoseConsumedCandidateIsOutOfRange) {
  const AlgoContext ctx = MakeContext();
  auto trainer = CreateSlateQTrainer(MakeConfig(), ctx);
  ASSERT_TRUE(trainer.ok());
  Rng rng(/*seed=*/6);
  SampleBatch batch = MakeBatch(ctx, 4, rng);
  TransitionLayout layout(ctx.env_spec);
  batch.data[layout.slate] = 99.0f;  // row 0 clicked slot 0, which names candidate 99 of 5
  auto result = (*trainer)->update(batch);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("outside 0..4"), std::string::npos) << result.status().message();
}

}  // namespace
}  // namespace slaterl
