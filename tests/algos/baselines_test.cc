// Tests of the baseline policies (algos/baselines, docs/environments.md §7) and their registry.
#include "algos/baselines/baselines.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "algos/registry.h"
#include "tests/envs/env_test_util.h"

namespace slaterl {
namespace {

EnvSpec MakeSpec(const std::string& name, int num_envs, int num_candidates, int slate_size,
                 int user_dim = 0, int doc_dim = 1) {
  EnvSpec spec;
  spec.name = name;
  spec.num_envs = num_envs;
  spec.num_candidates = num_candidates;
  spec.slate_size = slate_size;
  spec.user_dim = user_dim;
  spec.doc_dim = doc_dim;
  return spec;
}

AlgoContext MakeContext(const EnvSpec& spec) {
  AlgoContext ctx;
  ctx.env_name = spec.name;
  ctx.env_spec = spec;
  return ctx;
}

std::unique_ptr<Policy> MakePolicy(const std::string& name, const EnvSpec& spec) {
  return testing_envs::Unwrap(CreateBaseline(name, MakeContext(spec)));
}

// An LTS observation batch whose candidates have the given clickbait scores (one row per env).
ObsBatch MakeLtsObs(const EnvSpec& spec, const std::vector<std::vector<float>>& clickbait) {
  ObsBatch obs;
  obs.Allocate(spec);
  for (size_t i = 0; i < clickbait.size(); ++i)
    std::copy(clickbait[i].begin(), clickbait[i].end(),
              obs.docs.begin() + static_cast<ptrdiff_t>(i * spec.num_candidates));
  return obs;
}

std::vector<int32_t> Act(Policy& policy, const EnvSpec& spec, const ObsBatch& obs, uint64_t seed = 1) {
  SlateBatch slates;
  slates.Allocate(spec);
  Rng rng(seed);
  policy.act(obs, rng, &slates);
  return slates.items;
}

TEST(BaselinesTest, RegistryListsEveryBaseline) {
  std::vector<std::string> names;
  for (const BaselineEntry& e : BaselineRegistry()) {
    names.push_back(e.name);
    EXPECT_FALSE(e.summary.empty());
  }
  EXPECT_EQ(names, std::vector<std::string>(
                       {"random", "random_md", "greedy", "oracle", "choc", "kale", "first",
                        "oracle_eps"}));
}

TEST(BaselinesTest, RandomGivesDistinctUniformPositions) {
  const EnvSpec spec = MakeSpec("lts", /*num_envs=*/5, /*num_candidates=*/10, /*slate_size=*/3);
  auto policy = MakePolicy("random", spec);
  ObsBatch obs;
  obs.Allocate(spec);
  SlateBatch slates;
  slates.Allocate(spec);
  Rng rng(3);
  std::vector<std::vector<int>> counts(3, std::vector<int>(10, 0));
  const int rounds = 4000;
  for (int r = 0; r < rounds; ++r) {
    policy->act(obs, rng, &slates);
    for (int i = 0; i < 5; ++i) {
      std::set<int32_t> seen;
      for (int j = 0; j < 3; ++j) {
        const int32_t p = slates.items[i * 3 + j];
        ASSERT_GE(p, 0);
        ASSERT_LT(p, 10);
        seen.insert(p);
        ++counts[j][p];
      }
      EXPECT_EQ(seen.size(), 3u);
    }
  }
  // Each slot is uniform over the 10 positions: n = 20000, p = 0.1, sd ≈ 42; allow 5 sd.
  for (const auto& slot : counts)
    for (int c : slot) EXPECT_NEAR(c, 2000, 212);
}

TEST(BaselinesTest, RandomIsAFunctionOfItsRng) {
  const EnvSpec spec = MakeSpec("lts", 3, 10, 3);
  ObsBatch obs;
  obs.Allocate(spec);
  auto a = MakePolicy("random", spec);
  auto b = MakePolicy("random", spec);
  EXPECT_EQ(Act(*a, spec, obs, 5), Act(*b, spec, obs, 5));
  // Earlier calls leave no trace: the same object with the same Rng state repeats itself.
  EXPECT_EQ(Act(*a, spec, obs, 5), Act(*a, spec, obs, 5));
  auto c = MakePolicy("random", spec);
  EXPECT_NE(Act(*c, spec, obs, 5), Act(*c, spec, obs, 6));
}

TEST(BaselinesTest, RandomMdDrawsSlotsIndependently) {
  const EnvSpec spec = MakeSpec("lts", 4, /*num_candidates=*/3, /*slate_size=*/3);
  auto policy = MakePolicy("random_md", spec);
  ObsBatch obs;
  obs.Allocate(spec);
  SlateBatch slates;
  slates.Allocate(spec);
  Rng rng(11);
  int with_duplicates = 0, total = 0;
  for (int r = 0; r < 500; ++r) {
    policy->act(obs, rng, &slates);
    for (int i = 0; i < 4; ++i) {
      std::set<int32_t> seen(slates.items.begin() + i * 3, slates.items.begin() + i * 3 + 3);
      for (int32_t p : seen) ASSERT_TRUE(p >= 0 && p < 3);
      with_duplicates += seen.size() < 3;
      ++total;
    }
  }
  // P(duplicate) = 1 − 3!/27 = 7/9.
  EXPECT_NEAR(static_cast<double>(with_duplicates) / total, 7.0 / 9.0, 0.05);
}

TEST(BaselinesTest, ChocRanksHighestClickbaitFirstTiesToLowestPosition) {
  const EnvSpec spec = MakeSpec("lts", 2, 5, 3);
  auto policy = MakePolicy("choc", spec);
  const ObsBatch obs = MakeLtsObs(spec, {{0.5f, 0.9f, 0.9f, 0.1f, 0.7f}, {0.2f, 0.2f, 0.2f, 0.2f, 0.3f}});
  EXPECT_EQ(Act(*policy, spec, obs), std::vector<int32_t>({1, 2, 4, /*env 1*/ 4, 0, 1}));
}

TEST(BaselinesTest, KaleRanksLowestClickbaitFirstTiesToLowestPosition) {
  const EnvSpec spec = MakeSpec("lts", 2, 5, 3);
  auto policy = MakePolicy("kale", spec);
  const ObsBatch obs = MakeLtsObs(spec, {{0.5f, 0.9f, 0.9f, 0.1f, 0.7f}, {0.3f, 0.2f, 0.2f, 0.2f, 0.2f}});
  EXPECT_EQ(Act(*policy, spec, obs), std::vector<int32_t>({3, 0, 4, /*env 1*/ 1, 2, 3}));
}

TEST(BaselinesTest, GreedyAndOracleOnLtsEqualChoc) {
  const EnvSpec spec = MakeSpec("lts", 3, 6, 2);
  const ObsBatch obs = MakeLtsObs(spec, {{0.1f, 0.3f, 0.2f, 0.6f, 0.5f, 0.4f},
                                         {0.9f, 0.3f, 0.2f, 0.6f, 0.5f, 0.4f},
                                         {0.1f, 0.3f, 0.7f, 0.6f, 0.5f, 0.7f}});
  auto choc = MakePolicy("choc", spec);
  const auto expected = Act(*choc, spec, obs);
  EXPECT_EQ(expected, std::vector<int32_t>({3, 4, 0, 3, 2, 5}));
  for (const char* name : {"greedy", "oracle"}) {
    auto policy = MakePolicy(name, spec);
    EXPECT_EQ(Act(*policy, spec, obs), expected) << name;
  }
}

TEST(BaselinesTest, FirstServesLeadingPositions) {
  const EnvSpec spec = MakeSpec("lts", 2, 10, 3);
  auto policy = MakePolicy("first", spec);
  ObsBatch obs;
  obs.Allocate(spec);
  EXPECT_EQ(Act(*policy, spec, obs), std::vector<int32_t>({0, 1, 2, 0, 1, 2}));
}

TEST(BaselinesTest, DeterministicBaselinesDoNotDrawFromTheRng) {
  const EnvSpec spec = MakeSpec("lts", 2, 10, 3);
  ObsBatch obs;
  obs.Allocate(spec);
  SlateBatch slates;
  slates.Allocate(spec);
  for (const char* name : {"choc", "kale", "greedy", "oracle", "first"}) {
    auto policy = MakePolicy(name, spec);
    Rng used(4), untouched(4);
    policy->act(obs, used, &slates);
    EXPECT_EQ(used.NextU64(), untouched.NextU64()) << name;
  }
}

TEST(BaselinesTest, InterestEvolutionGreedyRanksByUserInterest) {
  // 3 clusters (one-hot docs), interests u = (−0.5, 0.8, 0.1); candidates of clusters 0,2,1,1,2.
  const EnvSpec spec = MakeSpec("interest_evolution", 1, 5, 2, /*user_dim=*/3, /*doc_dim=*/3);
  ObsBatch obs;
  obs.Allocate(spec);
  obs.user = {-0.5f, 0.8f, 0.1f};
  const int clusters[] = {0, 2, 1, 1, 2};
  for (int p = 0; p < 5; ++p) obs.docs[p * 3 + clusters[p]] = 1.0f;
  for (const char* name : {"greedy", "oracle"}) {
    auto policy = MakePolicy(name, spec);
    EXPECT_EQ(Act(*policy, spec, obs), std::vector<int32_t>({2, 3})) << name;  // tie → lower
  }
}

TEST(BaselinesTest, TopicsOracleLeavesSlotsToTheEnvironment) {
  const EnvSpec spec = MakeSpec("topics", 2, 1000, 10, 0, 0);
  auto policy = MakePolicy("oracle", spec);
  ObsBatch obs;
  obs.Allocate(spec);
  EXPECT_EQ(Act(*policy, spec, obs), std::vector<int32_t>(20, -1));
  auto greedy = CreateBaseline("greedy", MakeContext(spec));
  ASSERT_FALSE(greedy.ok());
  EXPECT_NE(greedy.status().message().find("learned"), std::string::npos);
}

// ---- ε-greedy oracle (topics, docs/algorithms.md §6 / §4.4.4) -----------------------------------

TEST(BaselinesTest, EpsilonOracleMixesDistinctRandomItemsWithOracleSlots) {
  const EnvSpec spec = MakeSpec("topics", /*num_envs=*/8, /*num_candidates=*/1000, /*slate_size=*/10, 0, 0);
  for (double epsilon : {0.2, 0.5, 0.8}) {
    EpsilonOraclePolicy policy(spec, epsilon);
    ObsBatch obs;
    obs.Allocate(spec);
    SlateBatch slates;
    slates.Allocate(spec);
    Rng rng(17);
    int64_t random = 0, total = 0;
    for (int round = 0; round < 250; ++round) {
      policy.act(obs, rng, &slates);
      for (int i = 0; i < 8; ++i) {
        std::set<int32_t> seen;
        for (int j = 0; j < 10; ++j) {
          const int32_t item = slates.items[i * 10 + j];
          ++total;
          if (item == kOracleSentinel) continue;
          ASSERT_GE(item, 0);
          ASSERT_LT(item, 1000);
          EXPECT_TRUE(seen.insert(item).second) << "random items of one slate repeat";
          ++random;
        }
      }
    }
    // n = 20000 slots: sd = sqrt(n ε (1 − ε)) ≤ 71; allow 5 sd.
    EXPECT_NEAR(static_cast<double>(random), epsilon * total, 5 * std::sqrt(total * epsilon * (1 - epsilon)))
        << epsilon;
    EXPECT_EQ(policy.random_slots(), random);
    EXPECT_EQ(policy.oracle_slots(), total - random);
  }
}

TEST(BaselinesTest, EpsilonOracleSlotPGetsThePermutationsPthItem) {
  // The random items of a slate are the first k of one permutation: they sit where `random`
  // (the same draws, then the mask) puts them.
  const EnvSpec spec = MakeSpec("topics", 1, 1000, 10, 0, 0);
  EpsilonOraclePolicy eps(spec, 0.5);
  auto random = MakePolicy("random", spec);
  ObsBatch obs;
  obs.Allocate(spec);
  const std::vector<int32_t> mixed = Act(eps, spec, obs, /*seed=*/23);
  const std::vector<int32_t> full = Act(*random, spec, obs, /*seed=*/23);
  int random_slots = 0;
  for (int j = 0; j < 10; ++j) {
    if (mixed[j] == kOracleSentinel) continue;
    EXPECT_EQ(mixed[j], full[j]) << j;
    ++random_slots;
  }
  EXPECT_GT(random_slots, 0);
  EXPECT_LT(random_slots, 10);
}

TEST(BaselinesTest, EpsilonOracleEndpointsAreOracleAndRandom) {
  const EnvSpec spec = MakeSpec("topics", 3, 1000, 10, 0, 0);
  ObsBatch obs;
  obs.Allocate(spec);
  EpsilonOraclePolicy zero(spec, 0.0);
  Rng used(4), untouched(4);
  SlateBatch slates;
  slates.Allocate(spec);
  zero.act(obs, used, &slates);
  EXPECT_EQ(slates.items, std::vector<int32_t>(30, kOracleSentinel));
  EXPECT_EQ(used.NextU64(), untouched.NextU64()) << "epsilon 0 must not draw";
  EpsilonOraclePolicy one(spec, 1.0);
  auto random = MakePolicy("random", spec);
  for (uint64_t seed : {1, 2, 3}) EXPECT_EQ(Act(one, spec, obs, seed), Act(*random, spec, obs, seed));
}

TEST(BaselinesTest, OracleEpsIsTheGemsLoggingPolicyOnTopicsOnly) {
  const EnvSpec spec = MakeSpec("topics", 1, 1000, 10, 0, 0);
  auto policy = MakePolicy("oracle_eps", spec);
  auto* eps = dynamic_cast<EpsilonOraclePolicy*>(policy.get());
  ASSERT_NE(eps, nullptr);
  EXPECT_EQ(eps->epsilon(), 0.5);
  EXPECT_FALSE(CreateBaseline("oracle_eps", MakeContext(MakeSpec("lts", 1, 10, 3))).ok());
}

TEST(BaselinesTest, UnknownNameListsValidNames) {
  auto policy = CreateBaseline("smart", MakeContext(MakeSpec("lts", 1, 10, 3)));
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), StatusCode::kNotFound);
  for (const char* name : {"random", "random_md", "greedy", "oracle", "choc", "kale", "first"})
    EXPECT_NE(policy.status().message().find(name), std::string::npos) << name;
}

TEST(BaselinesTest, BaselineUndefinedForEnvListsValidNames) {
  auto policy = CreateBaseline("choc", MakeContext(MakeSpec("interest_evolution", 1, 10, 2, 20, 20)));
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(policy.status().message().find("interest_evolution"), std::string::npos);
  EXPECT_NE(policy.status().message().find("random_md"), std::string::npos);
  EXPECT_EQ(BaselineNamesForEnv("lts").size(), 7u);
  EXPECT_FALSE(CreateBaseline("kale", MakeContext(MakeSpec("topics", 1, 1000, 10, 0, 0))).ok());
}

TEST(BaselinesTest, RejectsSlatesLargerThanTheCandidateSet) {
  EXPECT_FALSE(CreateBaseline("random", MakeContext(MakeSpec("lts", 1, 2, 3))).ok());
  EXPECT_FALSE(CreateBaseline("first", MakeContext(MakeSpec("lts", 1, 0, 1))).ok());
}

}  // namespace
}  // namespace slaterl
