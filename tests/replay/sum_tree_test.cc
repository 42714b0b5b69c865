#include "replay/sum_tree.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"

namespace slaterl {
namespace {

SumTree MakeTree(int64_t num_slots) {
  auto tree = SumTree::Create(num_slots);
  EXPECT_TRUE(tree.ok()) << tree.status().ToString();
  return std::move(tree).value();
}

// The O(n) reference: weights in a vector, prefix sums computed on demand.
struct NaiveWeights {
  std::vector<double> w;
  double Total() const {
    double total = 0.0;
    for (double x : w) total += x;
    return total;
  }
  // Sum of the weights of the slots before `slot`.
  double Before(int64_t slot) const {
    double sum = 0.0;
    for (int64_t i = 0; i < slot; ++i) sum += w[static_cast<size_t>(i)];
    return sum;
  }
};

// Whether every node of `tree` equals what a rebuild from its leaves gives, bit for bit.
bool SameAsRebuilt(const SumTree& tree) {
  SumTree rebuilt = tree;
  rebuilt.Rebuild();
  const std::vector<double>& a = tree.NodesForTesting();
  const std::vector<double>& b = rebuilt.NodesForTesting();
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(SumTreeTest, CreateRejectsBadSizes) {
  EXPECT_EQ(SumTree::Create(0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SumTree::Create(-1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SumTree::Create((int64_t{1} << 31) + 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(SumTree::Create(1).ok());
}

TEST(SumTreeTest, TotalIsTheSumOfTheWeights) {
  SumTree tree = MakeTree(/*num_slots=*/5);
  EXPECT_EQ(tree.total(), 0.0);
  tree.Set(0, 1.0);
  tree.Set(4, 2.5);
  tree.Set(2, 0.5);
  EXPECT_DOUBLE_EQ(tree.total(), 4.0);
  tree.Set(4, 0.0);
  EXPECT_DOUBLE_EQ(tree.total(), 1.5);
  tree.SetRange(/*first=*/1, /*count=*/4, /*weight=*/2.0);
  EXPECT_DOUBLE_EQ(tree.total(), 9.0);
  EXPECT_EQ(tree.weight(0), 1.0);
  EXPECT_EQ(tree.weight(3), 2.0);
}

TEST(SumTreeTest, SingleSlotTreeWorks) {
  SumTree tree = MakeTree(/*num_slots=*/1);
  tree.Set(0, 3.0);
  EXPECT_EQ(tree.total(), 3.0);
  EXPECT_EQ(tree.Sample(0.0), 0);
  EXPECT_EQ(tree.Sample(0.999999), 0);
}

TEST(SumTreeTest, SampleFollowsCumulativeWeights) {
  SumTree tree = MakeTree(/*num_slots=*/4);
  for (int64_t slot = 0; slot < 4; ++slot) tree.Set(slot, 1.0 + slot);  // total 10
  EXPECT_EQ(tree.Sample(0.0), 0);
  EXPECT_EQ(tree.Sample(0.09), 0);
  EXPECT_EQ(tree.Sample(0.11), 1);
  EXPECT_EQ(tree.Sample(0.29), 1);
  EXPECT_EQ(tree.Sample(0.31), 2);
  EXPECT_EQ(tree.Sample(0.59), 2);
  EXPECT_EQ(tree.Sample(0.61), 3);
  EXPECT_EQ(tree.Sample(0.9999), 3);
}

TEST(SumTreeTest, SampleNeverReturnsZeroWeightSlots) {
  // Zero weights at both ends and in between; u at the extremes, where rounding is most likely to
  // point at an empty neighbour.
  SumTree tree = MakeTree(/*num_slots=*/7);
  tree.Set(1, 1e-300);
  tree.Set(3, 1.0);
  tree.Set(5, 1e-17);
  for (double u : {0.0, 1e-320, 0.5, 0.999999999999, std::nextafter(1.0, 0.0), 1.0}) {
    const int64_t slot = tree.Sample(u);
    EXPECT_GT(tree.weight(slot), 0.0) << "u = " << u;
  }
  Rng rng(3);
  for (int i = 0; i < 10000; ++i) EXPECT_GT(tree.weight(tree.Sample(rng.Uniform())), 0.0);
}

TEST(SumTreeTest, SetRangeMatchesSingleSets) {
  Rng rng(11);
  for (int64_t num_slots : {1, 2, 3, 7, 8, 9, 100, 1000}) {
    SumTree by_range = MakeTree(num_slots);
    SumTree by_slot = MakeTree(num_slots);
    for (int round = 0; round < 50; ++round) {
      const int64_t first = rng.UniformInt(static_cast<uint32_t>(num_slots));
      const int64_t count = rng.UniformInt(static_cast<uint32_t>(num_slots - first + 1));
      const double weight = rng.Bernoulli(0.2) ? 0.0 : rng.Uniform(0.0, 10.0);
      by_range.SetRange(first, count, weight);
      for (int64_t slot = first; slot < first + count; ++slot) by_slot.Set(slot, weight);
      ASSERT_EQ(by_range.total(), by_slot.total()) << num_slots << " slots, round " << round;
    }
    for (int64_t slot = 0; slot < num_slots; ++slot)
      EXPECT_EQ(by_range.weight(slot), by_slot.weight(slot));
    EXPECT_TRUE(SameAsRebuilt(by_range));
  }
}

// Many random writes (single slots and runs, zeros included, weights over 30 orders of
// magnitude): the tree's total and draws agree with an O(n) reference, and the tree never drifts
// from a rebuild of its leaves.
TEST(SumTreeTest, AgreesWithNaiveImplementationUnderRandomWrites) {
  Rng rng(2024);
  for (int64_t num_slots : {1, 5, 64, 1000}) {
    SumTree tree = MakeTree(num_slots);
    NaiveWeights naive{std::vector<double>(static_cast<size_t>(num_slots), 0.0)};
    for (int op = 0; op < 20000; ++op) {
      const double weight =
          rng.Bernoulli(0.1) ? 0.0 : std::pow(10.0, rng.Uniform(-15.0, 15.0));
      if (rng.Bernoulli(0.8)) {
        const int64_t slot = rng.UniformInt(static_cast<uint32_t>(num_slots));
        tree.Set(slot, weight);
        naive.w[static_cast<size_t>(slot)] = weight;
      } else {
        const int64_t first = rng.UniformInt(static_cast<uint32_t>(num_slots));
        const int64_t count = 1 + rng.UniformInt(static_cast<uint32_t>(num_slots - first));
        tree.SetRange(first, count, weight);
        for (int64_t s = first; s < first + count; ++s) naive.w[static_cast<size_t>(s)] = weight;
      }
      if (op % 97 != 0) continue;
      const double total = naive.Total();
      ASSERT_NEAR(tree.total(), total, 1e-12 * total) << "op " << op;
      if (total == 0.0) continue;
      for (int draw = 0; draw < 5; ++draw) {
        const double u = rng.Uniform();
        const int64_t slot = tree.Sample(u);
        ASSERT_GT(naive.w[static_cast<size_t>(slot)], 0.0);
        // The target u × total lies in the slot's cumulative interval (up to rounding).
        const double target = u * total;
        const double before = naive.Before(slot);
        const double tolerance = 1e-12 * total;
        EXPECT_LE(before, target + tolerance) << "op " << op << " slot " << slot;
        EXPECT_GE(before + naive.w[static_cast<size_t>(slot)], target - tolerance)
            << "op " << op << " slot " << slot;
      }
    }
    EXPECT_TRUE(SameAsRebuilt(tree));
  }
}

}  // namespace
}  // namespace slaterl
