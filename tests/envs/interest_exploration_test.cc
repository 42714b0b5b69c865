// Tests of envs/interest_exploration (docs/environments.md §4): spec and layouts, document and user
// distributions, the multinomial logit choice (chi-square at a fixed seed), reward = clicks, the
// fixed horizon reported as truncation, random streams and determinism, zero allocation per step,
// config validation, the registry and the baselines it offers.
#include "envs/interest_exploration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

std::unique_ptr<InterestExplorationVecEnv> MakeEnv(const InterestExplorationConfig& config, int num_envs) {
  return testing_envs::Unwrap(InterestExplorationVecEnv::Create(config, num_envs));
}


// ---- spec, layouts, distributions -----------------------------------------------------------------

TEST(InterestExplorationTest, SpecFollowsConfig) {
  auto env = MakeEnv(InterestExplorationConfig(), /*num_envs=*/4);
  const EnvSpec& spec = env->spec();
  EXPECT_EQ(spec.name, "interest_exploration");
  EXPECT_EQ(spec.num_envs, 4);
  EXPECT_EQ(spec.num_candidates, 10);
  EXPECT_EQ(spec.slate_size, 2);
  EXPECT_EQ(spec.user_dim, 0);
  EXPECT_EQ(spec.doc_dim, 2);
  EXPECT_EQ(spec.response_dim, 2);
  EXPECT_EQ(spec.max_steps, 100);
  InterestExplorationConfig other;
  other.horizon = 7;
  other.num_candidates = 3;
  other.slate_size = 3;
  EXPECT_EQ(MakeEnv(other, 1)->spec().max_steps, 7);
}

TEST(InterestExplorationTest, EveryEpisodeLastsTheHorizonAndIsTruncated) {
  InterestExplorationConfig config;
  config.horizon = 9;
  auto env = MakeEnv(config, /*num_envs=*/3);
  Buffers b(env->spec());
  auto policy = MakePolicy("random", env->spec());
  Rng rng(2);
  env->reset(5, &b.obs);
  EXPECT_TRUE(b.obs.user.empty());
  EXPECT_EQ(b.obs.last_slate, std::vector<int32_t>(6, -1));
  EXPECT_EQ(b.obs.first_step, std::vector<uint8_t>(3, 1));
  std::vector<double> returns(3, 0.0);
  const ObsBatch* obs = &b.obs;
  int ended = 0;
  for (int t = 1; t <= 9 * 5; ++t) {
    policy->act(*obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    obs = &b.out.obs;
    for (int i = 0; i < 3; ++i) {
      const bool end = t % 9 == 0;
      returns[i] += b.out.rewards[i];
      ASSERT_EQ(b.out.terminated[i], 0);  // never terminal (docs/environments.md quirk Q12)
      ASSERT_EQ(b.out.truncated[i], end ? 1 : 0) << t;
      ASSERT_EQ(b.out.obs.first_step[i], end ? 1 : 0);
      ASSERT_EQ(b.out.episode_length[i], end ? 9 : t % 9);
      ASSERT_EQ(b.out.episode_return[i], returns[i]);
      if (end) {
        returns[i] = 0.0;
        ++ended;
        for (int j = 0; j < 2; ++j) ASSERT_EQ(b.out.obs.last_slate[i * 2 + j], -1);
      } else {
        for (int j = 0; j < 2; ++j)
          ASSERT_EQ(b.out.obs.last_slate[i * 2 + j], b.slates.items[i * 2 + j]);
      }
    }
  }
  EXPECT_EQ(ended, 15);
}

TEST(InterestExplorationTest, DocumentsAndUsersFollowTheirDistributions) {
  auto env = MakeEnv(InterestExplorationConfig(), /*num_envs=*/128);
  ObsBatch obs;
  obs.Allocate(env->spec());
  int64_t topic_counts[2] = {0, 0}, type_counts[2] = {0, 0};
  std::vector<double> log_quality[2], log_affinity[2][2];
  for (uint64_t seed = 0; seed < 40; ++seed) {
    env->reset(seed, &obs);
    for (int i = 0; i < 128; ++i) {
      const int type = env->user_type(i);
      ASSERT_TRUE(type == 0 || type == 1);
      ++type_counts[type];
      for (int t = 0; t < 2; ++t) log_affinity[type][t].push_back(std::log(env->affinity(i, t)));
      for (int j = 0; j < 10; ++j) {
        const int topic = env->topic(i, j);
        ASSERT_TRUE(topic == 0 || topic == 1);
        ++topic_counts[topic];
        log_quality[topic].push_back(std::log(env->quality(i, j)));
        // Observation: [quality, cluster_id] per candidate.
        ASSERT_EQ(obs.docs[(static_cast<size_t>(i) * 10 + j) * 2], static_cast<float>(env->quality(i, j)));
        ASSERT_EQ(obs.docs[(static_cast<size_t>(i) * 10 + j) * 2 + 1], static_cast<float>(topic));
      }
    }
  }
  const double topic_p[2] = {0.2, 0.8};
  const double topic_stat = PearsonChiSquare(topic_counts, topic_p, 2, 40 * 128 * 10);
  EXPECT_GT(ChiSquareSurvival(topic_stat, 1), 1e-3) << topic_counts[0] << " " << topic_counts[1];
  const double type_p[2] = {0.3, 0.7};
  const double type_stat = PearsonChiSquare(type_counts, type_p, 2, 40 * 128);
  EXPECT_GT(ChiSquareSurvival(type_stat, 1), 1e-3) << type_counts[0] << " " << type_counts[1];
  // log quality ~ N((0.8, 0.2)[topic], 0.1); log affinity ~ N(M[type][topic], 0.1).
  const double quality_mean[2] = {0.8, 0.2};
  for (int t = 0; t < 2; ++t) {
    EXPECT_NEAR(Mean(log_quality[t]), quality_mean[t], 0.005) << t;
    EXPECT_NEAR(SampleStd(log_quality[t]), 0.1, 0.005) << t;
  }
  const double affinity_mean[2][2] = {{0.1, 0.7}, {0.7, 0.1}};
  for (int u = 0; u < 2; ++u) {
    for (int t = 0; t < 2; ++t) {
      EXPECT_NEAR(Mean(log_affinity[u][t]), affinity_mean[u][t], 0.01) << u << t;
      EXPECT_NEAR(SampleStd(log_affinity[u][t]), 0.1, 0.01) << u << t;
    }
  }
}

// ---- choice and reward ---------------------------------------------------------------------------

// Serves `slate` for `steps` steps with fixed candidates (resample_documents = false) to one user
// (the state never changes) and compares outcome counts with the multinomial logit
// exp(a[t_j] + q_j) / (Σ exp(a[t] + q) + exp(no_click_mass)).
void ExpectLogitChoice(int slate_size, const std::vector<int32_t>& slate, double no_click_mass,
                       int steps, uint64_t seed) {
  InterestExplorationConfig config;
  config.slate_size = slate_size;
  config.resample_documents = false;
  config.horizon = steps + 1;
  config.no_click_mass = no_click_mass;
  auto env = MakeEnv(config, /*num_envs=*/1);
  Buffers b(env->spec());
  env->reset(seed, &b.obs);
  const int k = slate_size;
  std::vector<double> p(k + 1);
  double total = std::exp(no_click_mass);
  for (int j = 0; j < k; ++j)
    total += (p[j] = std::exp(env->affinity(0, env->topic(0, slate[j])) + env->quality(0, slate[j])));
  for (int j = 0; j < k; ++j) p[j] /= total;
  p[k] = std::exp(no_click_mass) / total;
  std::vector<int64_t> counts(k + 1, 0);
  b.slates.items = slate;
  for (int t = 0; t < steps; ++t) {
    env->step(b.slates, &b.out);
    int clicks = 0, clicked = k;
    for (int j = 0; j < k; ++j) {
      const float click = b.out.responses[j * 2];
      ASSERT_EQ(b.out.responses[j * 2 + 1], click);  // item_reward = click
      if (click == 1.0f) {
        ++clicks;
        clicked = j;
      } else {
        ASSERT_EQ(click, 0.0f);
      }
    }
    ASSERT_LE(clicks, 1);
    ASSERT_EQ(b.out.rewards[0], static_cast<float>(clicks));  // reward = clicks
    ASSERT_EQ(b.out.truncated[0], 0);
    ++counts[clicked];
  }
  const double stat = PearsonChiSquare(counts.data(), p.data(), k + 1, steps);
  const double p_value = ChiSquareSurvival(stat, k);
  std::printf("[choice] k=%d no_click_mass=%.1f: chi2=%.3f df=%d p=%.4f (click rate %.4f, "
              "expected %.4f)\n",
              k, no_click_mass, stat, k, p_value,
              1.0 - static_cast<double>(counts[k]) / steps, 1.0 - p[k]);
  EXPECT_GT(p_value, 1e-3);
}

TEST(InterestExplorationTest, ClickProbabilitiesFollowTheMultinomialLogit) {
  ExpectLogitChoice(/*slate_size=*/2, {0, 1}, /*no_click_mass=*/5.0, /*steps=*/20000, /*seed=*/11);
  ExpectLogitChoice(/*slate_size=*/3, {4, 4, 9}, /*no_click_mass=*/5.0, /*steps=*/20000, /*seed=*/12);
  ExpectLogitChoice(/*slate_size=*/2, {2, 6}, /*no_click_mass=*/2.0, /*steps=*/20000, /*seed=*/13);
}

TEST(InterestExplorationTest, UserStateNeverChangesWithinAnEpisode) {
  InterestExplorationConfig config;
  config.horizon = 50;
  auto env = MakeEnv(config, /*num_envs=*/4);
  Buffers b(env->spec());
  auto policy = MakePolicy("random_md", env->spec());
  Rng rng(3);
  env->reset(21, &b.obs);
  const ObsBatch* obs = &b.obs;
  for (int t = 1; t < 50; ++t) {
    std::vector<double> before;
    for (int i = 0; i < 4; ++i)
      for (int topic = 0; topic < 2; ++topic) before.push_back(env->affinity(i, topic));
    policy->act(*obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    obs = &b.out.obs;
    for (int i = 0; i < 4; ++i)
      for (int topic = 0; topic < 2; ++topic) ASSERT_EQ(env->affinity(i, topic), before[i * 2 + topic]);
  }
}

// ---- random streams and determinism ------------------------------------------------------------

// A scalar re-implementation from docs/environments.md §4 and the stream contract in
// envs/interest_exploration.h.
struct ReferenceIex {
  InterestExplorationConfig config;
  Rng user, doc, response;
  double affinity[2] = {0, 0};
  std::vector<int> topic;
  std::vector<double> quality;
  int steps = 0;

  explicit ReferenceIex(const InterestExplorationConfig& c)
      : config(c), topic(c.num_candidates), quality(c.num_candidates) {}
  void SampleDocs() {
    for (int j = 0; j < config.num_candidates; ++j) {
      topic[j] = doc.Uniform() < 0.2 ? 0 : 1;
      quality[j] = std::exp((topic[j] == 0 ? 0.8 : 0.2) + 0.1 * doc.Normal());
    }
  }
  void SampleUser() {
    const int type = user.Uniform() < 0.3 ? 0 : 1;
    const double m[2][2] = {{0.1, 0.7}, {0.7, 0.1}};
    for (int t = 0; t < 2; ++t) affinity[t] = std::exp(m[type][t] + 0.1 * user.Normal());
  }
  void StartEpisode() {
    SampleUser();
    steps = 0;
    if (config.resample_documents) SampleDocs();
  }
  void Reset(uint64_t seed, uint64_t i) {
    const uint64_t s = static_cast<uint64_t>(config.seed);
    user.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedUserStream, s}));
    doc.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedDocStream, s}));
    response.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedResponseStream}));
    SampleUser();
    SampleDocs();
    StartEpisode();
  }
  double Step(const int32_t* slate, bool* truncated) {
    const int k = config.slate_size;
    std::vector<double> e(k);
    double total = std::exp(config.no_click_mass);
    for (int j = 0; j < k; ++j) total += (e[j] = std::exp(affinity[topic[slate[j]]] + quality[slate[j]]));
    const double u = response.Uniform();
    double cum = 0.0, reward = 0.0;
    for (int j = 0; j < k; ++j) {
      if ((cum += e[j] / total) > u) {
        reward = 1.0;
        break;
      }
    }
    if (config.resample_documents) SampleDocs();
    *truncated = ++steps >= config.horizon;
    if (*truncated) StartEpisode();
    return reward;
  }
};

void ExpectMatchesReference(const InterestExplorationConfig& config, int num_envs, uint64_t seed,
                            int steps) {
  auto env = MakeEnv(config, num_envs);
  std::vector<ReferenceIex> refs(num_envs, ReferenceIex(config));
  Buffers b(env->spec());
  env->reset(seed, &b.obs);
  for (int i = 0; i < num_envs; ++i) refs[i].Reset(seed, i);
  Rng slate_rng(99);
  const int k = config.slate_size;
  int64_t clicks = 0;
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < num_envs; ++i) {
      for (int topic = 0; topic < 2; ++topic)
        ASSERT_NEAR(env->affinity(i, topic), refs[i].affinity[topic], 1e-12) << "env " << i << " t " << t;
      for (int j = 0; j < config.num_candidates; ++j) {
        ASSERT_EQ(env->topic(i, j), refs[i].topic[j]) << "env " << i << " t " << t;
        ASSERT_NEAR(env->quality(i, j), refs[i].quality[j], 1e-12);
      }
    }
    for (auto& item : b.slates.items)
      item = static_cast<int32_t>(slate_rng.UniformInt(config.num_candidates));
    env->step(b.slates, &b.out);
    for (int i = 0; i < num_envs; ++i) {
      bool truncated = false;
      const double reward = refs[i].Step(b.slates.items.data() + static_cast<size_t>(i) * k, &truncated);
      ASSERT_EQ(b.out.rewards[i], static_cast<float>(reward)) << "env " << i << " t " << t;
      ASSERT_EQ(b.out.truncated[i], truncated ? 1 : 0);
      clicks += reward > 0;
    }
  }
  EXPECT_GT(clicks, 0);
}

TEST(InterestExplorationTest, FollowsTheSpecifiedRandomStreamsAcrossEpisodes) {
  InterestExplorationConfig config;
  config.horizon = 6;
  ExpectMatchesReference(config, /*num_envs=*/3, /*seed=*/42, /*steps=*/100);
  config.seed = 3;
  config.resample_documents = false;
  ExpectMatchesReference(config, /*num_envs=*/2, /*seed=*/43, /*steps=*/100);
}

std::vector<std::vector<float>> Rollout(VecEnv& env, uint64_t seed, int steps) {
  auto policy = MakePolicy("random", env.spec());
  Buffers b(env.spec());
  Rng rng(7);
  env.reset(seed, &b.obs);
  std::vector<std::vector<float>> records = {b.obs.docs};
  const ObsBatch* obs = &b.obs;
  for (int t = 0; t < steps; ++t) {
    policy->act(*obs, rng, &b.slates);
    env.step(b.slates, &b.out);
    obs = &b.out.obs;
    records.push_back(b.out.rewards);
    records.push_back(b.out.obs.docs);
  }
  return records;
}

TEST(InterestExplorationTest, SameSeedSameTrajectoryDifferentSeedDifferent) {
  InterestExplorationConfig config;
  config.horizon = 20;
  auto a = MakeEnv(config, 4);
  auto b = MakeEnv(config, 4);
  EXPECT_EQ(Rollout(*a, 123, 200), Rollout(*b, 123, 200));
  EXPECT_EQ(Rollout(*a, 123, 200), Rollout(*a, 123, 200));
  EXPECT_NE(Rollout(*a, 123, 200), Rollout(*a, 124, 200));
  InterestExplorationConfig other = config;
  other.seed = 1;
  auto c = MakeEnv(other, 4);
  EXPECT_NE(Rollout(*a, 123, 0)[0], Rollout(*c, 123, 0)[0]);  // different candidates
}

TEST(InterestExplorationTest, EnvIndexNotBatchSizeDecidesTheStreams) {
  auto one = MakeEnv(InterestExplorationConfig(), 1);
  auto five = MakeEnv(InterestExplorationConfig(), 5);
  Buffers b1(one->spec()), b5(five->spec());
  one->reset(77, &b1.obs);
  five->reset(77, &b5.obs);
  for (int t = 0; t < 250; ++t) {
    one->step(b1.slates, &b1.out);
    five->step(b5.slates, &b5.out);
    ASSERT_EQ(b1.out.rewards[0], b5.out.rewards[0]);
    ASSERT_TRUE(std::equal(b1.out.obs.docs.begin(), b1.out.obs.docs.end(), b5.out.obs.docs.begin()));
  }
  EXPECT_NE(five->affinity(0, 0), five->affinity(1, 0));
}

// ---- allocation ---------------------------------------------------------------------------------

TEST(InterestExplorationTest, ResetAndStepAllocateNothing) {
  InterestExplorationConfig config;
  config.horizon = 13;
  auto env = MakeEnv(config, /*num_envs=*/8);
  std::vector<std::unique_ptr<Policy>> policies;
  for (const char* name : {"random", "random_md", "first"})
    policies.push_back(MakePolicy(name, env->spec()));
  const AllocationRun run = CountAllocationsWhilePlaying(*env, policies, /*rounds=*/20, /*steps_per_round=*/100);
  EXPECT_EQ(run.allocations, 0);
  EXPECT_GT(run.truncated, 0);
}

// ---- configuration, registry, baselines ------------------------------------------------------------

TEST(InterestExplorationTest, DefaultsComeFromTheSchema) {
  auto config = InterestExplorationConfig::FromParams(Params());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->num_candidates, 10);
  EXPECT_EQ(config->slate_size, 2);
  EXPECT_TRUE(config->resample_documents);
  EXPECT_EQ(config->seed, 0);
  EXPECT_EQ(config->horizon, 100);
  EXPECT_EQ(config->no_click_mass, 5.0);
  const Schema schema = InterestExplorationConfig::GetSchema();
  EXPECT_EQ(schema.keys().size(), 6u);
  for (const KeySpec& key : schema.keys()) EXPECT_FALSE(key.doc.empty()) << key.name;
  EXPECT_EQ(schema.Find("horizon")->unit, "env steps");
  auto explicit_config = InterestExplorationConfig::FromParams(
      MakeParams({{"horizon", IntValue(30)}, {"no_click_mass", IntValue(3)},
                  {"resample_documents", BoolValue(false)}}));
  ASSERT_TRUE(explicit_config.ok()) << explicit_config.status().ToString();
  EXPECT_EQ(explicit_config->horizon, 30);
  EXPECT_EQ(explicit_config->no_click_mass, 3.0);
  EXPECT_FALSE(explicit_config->resample_documents);
}

TEST(InterestExplorationTest, BadEnvConfigValuesNameTheKey) {
  const std::vector<std::pair<std::map<std::string, ParamValue>, std::string>> cases = {
      {{{"slate_size", IntValue(11)}}, "slate_size"},
      {{{"num_candidates", IntValue(1)}}, "slate_size"},
      {{{"num_candidates", IntValue(-1)}}, "num_candidates"},
      {{{"slate_size", IntValue(-2)}}, "slate_size"},
      {{{"horizon", IntValue(0)}}, "horizon"},
      {{{"seed", IntValue(-5)}}, "seed"},
      {{{"no_click_mass", DoubleValue(-1.0)}}, "no_click_mass"},
      {{{"no_click_mass", DoubleValue(NAN)}}, "no_click_mass"},
      {{{"horizon", DoubleValue(10.5)}}, "horizon"},  // wrong type
      {{{"time_budget", IntValue(10)}}, "time_budget"},  // unknown key
  };
  for (const auto& [values, key] : cases) {
    auto config = InterestExplorationConfig::FromParams(MakeParams(values));
    ASSERT_FALSE(config.ok()) << "expected an error naming " << key;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(key), std::string::npos) << config.status().message();
  }
  InterestExplorationConfig config;
  config.slate_size = 12;
  EXPECT_FALSE(InterestExplorationVecEnv::Create(config, 1).ok());
  EXPECT_FALSE(InterestExplorationVecEnv::Create(InterestExplorationConfig(), 0).ok());
}

TEST(InterestExplorationTest, RegistryBuildsItByName) {
  ASSERT_NE(FindEnv("interest_exploration"), nullptr);
  auto env = CreateVecEnv("interest_exploration", MakeParams({{"horizon", IntValue(20)}}), 2);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ((*env)->spec().name, "interest_exploration");
  EXPECT_EQ((*env)->spec().max_steps, 20);
  auto bad = CreateVecEnv("interest_exploration", MakeParams({{"horizon", IntValue(0)}}), 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("horizon"), std::string::npos);
}

TEST(InterestExplorationTest, MyopicBaselinesAreUndefinedWithAReason) {
  auto env = MakeEnv(InterestExplorationConfig(), 1);
  AlgoContext ctx;
  ctx.env_name = "interest_exploration";
  ctx.env_spec = env->spec();
  for (const char* name : {"random", "random_md", "first"})
    EXPECT_TRUE(CreateBaseline(name, ctx).ok()) << name;
  for (const char* name : {"greedy", "oracle"}) {
    auto policy = CreateBaseline(name, ctx);
    ASSERT_FALSE(policy.ok()) << name;
    EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(policy.status().message().find("hidden"), std::string::npos)
        << policy.status().message();
    EXPECT_NE(policy.status().message().find("random_md"), std::string::npos);
  }
}

}  // namespace
}  // namespace slaterl
