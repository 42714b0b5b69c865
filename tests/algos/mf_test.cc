// Tests of BPR matrix factorisation (algos/mf/mf.h) on a synthetic logged dataset whose users each
// click the items of one hidden group.
#include "algos/mf/mf.h"

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.h"

namespace slaterl {
namespace {

constexpr int kGroups = 6;
constexpr int kItemsPerGroup = 10;
constexpr int kNumItems = kGroups * kItemsPerGroup;  // item i belongs to group i / 10

// `trajectories` users; user u likes group u mod 6. Every slate is 5 distinct random items; an
// item of the liked group is clicked with probability 0.9, any other with probability 0.03.
LoggedDataset MakeGroupedDataset(int64_t trajectories, uint64_t seed) {
  LoggedDataset d;
  d.header.num_trajectories = trajectories;
  d.header.steps_per_trajectory = 10;
  d.header.slate_size = 5;
  d.header.num_items = kNumItems;
  d.header.provenance_json = "{\"test\": \"grouped\"}";
  Rng rng(seed);
  std::vector<int32_t> perm(kNumItems);
  for (int64_t u = 0; u < trajectories; ++u) {
    const int group = static_cast<int>(u % kGroups);
    for (int t = 0; t < 10; ++t) {
      std::iota(perm.begin(), perm.end(), 0);
      for (int j = 0; j < 5; ++j) {
        std::swap(perm[j], perm[j + rng.UniformInt(kNumItems - j)]);
        const int32_t item = perm[j];
        d.items.push_back(item);
        const bool liked = item / kItemsPerGroup == group;
        d.clicks.push_back(rng.Uniform() < (liked ? 0.9 : 0.03) ? 1 : 0);
      }
    }
  }
  return d;
}

MfOptions FastOptions(MfPreset preset) {
  MfOptions o;
  o.preset = preset;
  o.dim = 8;
  o.lr = 0.02;  // the GeMS 1e-4 needs far more batches than a unit test affords
  o.batch_size = 64;
  o.eval_interval_batches = 25;
  o.patience = 3;
  o.max_epochs = 60;
  o.seed = 7;
  return o;
}

double Cosine(const std::vector<float>& table, int dim, int a, int b) {
  double ab = 0, aa = 0, bb = 0;
  for (int d = 0; d < dim; ++d) {
    const double x = table[static_cast<size_t>(a) * dim + d], y = table[static_cast<size_t>(b) * dim + d];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb + 1e-30);
}

// Mean cosine similarity of same-group pairs minus that of different-group pairs.
double GroupSeparation(const std::vector<float>& table, int dim) {
  double same = 0, other = 0;
  int n_same = 0, n_other = 0;
  for (int a = 0; a < kNumItems; ++a)
    for (int b = a + 1; b < kNumItems; ++b) {
      const double c = Cosine(table, dim, a, b);
      if (a / kItemsPerGroup == b / kItemsPerGroup) {
        same += c;
        ++n_same;
      } else {
        other += c;
        ++n_other;
      }
    }
  return same / n_same - other / n_other;
}

class MfPresetTest : public ::testing::TestWithParam<MfPreset> {};

TEST_P(MfPresetTest, LowersValidationLossAndPutsCoClickedItemsTogether) {
  const LoggedDataset data = MakeGroupedDataset(/*trajectories=*/300, /*seed=*/1);
  auto result = TrainMf(data, FastOptions(GetParam()));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const MfResult& r = *result;
  EXPECT_EQ(r.num_items, kNumItems);
  EXPECT_EQ(r.dim, 8);
  ASSERT_EQ(r.item_embeddings.size(), static_cast<size_t>(kNumItems) * 8);
  EXPECT_EQ(r.validation_trajectories, 30);
  EXPECT_EQ(r.train_trajectories, 270);
  EXPECT_GE(r.evaluations, 4);
  EXPECT_LT(r.best_validation_loss, r.initial_validation_loss - 0.1)
      << "initial " << r.initial_validation_loss << ", best " << r.best_validation_loss;
  // Random tables give a separation of ≈ 0; co-clicked groups must be far closer.
  const double separation = GroupSeparation(r.item_embeddings, 8);
  EXPECT_GT(separation, 0.3) << MfPresetName(GetParam());
  // Every item's nearest neighbour is in its own group.
  int correct = 0;
  for (int a = 0; a < kNumItems; ++a) {
    int best = -1;
    double best_cos = -2;
    for (int b = 0; b < kNumItems; ++b)
      if (b != a && Cosine(r.item_embeddings, 8, a, b) > best_cos) {
        best_cos = Cosine(r.item_embeddings, 8, a, b);
        best = b;
      }
    correct += best / kItemsPerGroup == a / kItemsPerGroup;
  }
  EXPECT_GE(correct, kNumItems * 9 / 10);
}

TEST_P(MfPresetTest, IsAPureFunctionOfDataAndOptions) {
  const LoggedDataset data = MakeGroupedDataset(100, 2);
  MfOptions o = FastOptions(GetParam());
  o.max_epochs = 3;
  auto a = TrainMf(data, o);
  auto b = TrainMf(data, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->item_embeddings, b->item_embeddings);
  EXPECT_EQ(a->best_validation_loss, b->best_validation_loss);
  o.seed = 8;
  auto c = TrainMf(data, o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->item_embeddings, c->item_embeddings);
}

INSTANTIATE_TEST_SUITE_P(Presets, MfPresetTest,
                         ::testing::Values(MfPreset::kClean, MfPreset::kGemsRepro),
                         [](const ::testing::TestParamInfo<MfPreset>& info) {
                           return std::string(MfPresetName(info.param));
                         });

// docs/algorithms.md register entry 19: gems_repro's validation steps the optimiser, clean's does
// not. Two runs that differ only in how often they validate train the same item table in clean,
// different ones in gems_repro.
TEST(MfTest, OnlyGemsReproValidationTrainsTheModel) {
  const LoggedDataset data = MakeGroupedDataset(100, 3);
  for (MfPreset preset : {MfPreset::kClean, MfPreset::kGemsRepro}) {
    MfOptions often = FastOptions(preset);
    often.max_epochs = 4;
    often.patience = 1000;  // stop on max_epochs only
    often.eval_interval_batches = 3;
    MfOptions rarely = often;
    rarely.eval_interval_batches = 1000;
    auto a = TrainMf(data, often);
    auto b = TrainMf(data, rarely);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->stop_reason, "max_epochs");
    EXPECT_EQ(a->batches, b->batches);
    if (preset == MfPreset::kClean)
      EXPECT_EQ(a->final_item_embeddings, b->final_item_embeddings);
    else
      EXPECT_NE(a->final_item_embeddings, b->final_item_embeddings);
  }
}

TEST(MfTest, StopsAfterPatienceNonImprovingEvaluations) {
  const LoggedDataset data = MakeGroupedDataset(200, 4);
  MfOptions o = FastOptions(MfPreset::kClean);
  o.max_epochs = 0;  // patience only
  o.lr = 0.05;
  auto r = TrainMf(data, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stop_reason, "patience");
  ASSERT_GE(r->history.size(), 4u);
  const auto& h = r->history;
  for (size_t i = h.size() - 3; i < h.size(); ++i) EXPECT_FALSE(h[i].improved) << i;
  EXPECT_EQ(h.back().non_improving, 3);
  // The returned table is the snapshot of the best evaluation.
  double best = h[0].validation_loss;
  for (const MfEvaluation& ev : h) best = std::min(best, ev.validation_loss);
  EXPECT_EQ(r->best_validation_loss, best);
}

TEST(MfTest, RejectsBadOptionsAndDataWithoutValidationUsers) {
  const LoggedDataset data = MakeGroupedDataset(20, 5);
  MfOptions o = FastOptions(MfPreset::kClean);
  o.dim = 0;
  auto r = TrainMf(data, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dim"), std::string::npos);
  o = FastOptions(MfPreset::kClean);
  o.validation_fraction = 0.01;  // ⌊20 · 0.01⌋ = 0 validation trajectories
  r = TrainMf(data, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("validation"), std::string::npos) << r.status().message();
  EXPECT_FALSE(ParseMfPreset("faithful").ok());
  EXPECT_EQ(*ParseMfPreset("gems_repro"), MfPreset::kGemsRepro);
}

}  // namespace
}  // namespace slaterl
