// Tests of envs/lts (docs/environments.md §2) and envs/registry: spec, life cycle, observation layout, random
// streams, determinism, config validation, zero allocation per step, and a replay of the Python
// original's reference trace (tests/data/lts_default_random.jsonl, described in
// docs/environments.md) with injected noise.
//
// This binary (tests/envs) replaces the global operator new to count allocations; keep it the only
// replacement in tests/envs.

#include "envs/lts.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <new>
#include <sstream>
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
#include "tests/envs/trace_json.h"

// ---- counting global allocator ------------------------------------------------------------------

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

// Shared with the other files of this binary (tests/envs/allocation_counter.h).
int64_t slaterl::testing_envs::AllocationCount() {
  return g_allocations.load(std::memory_order_relaxed);
}

// GCC flags free() of memory from a (replaced) operator new once both are inlined; they pair up.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace slaterl {
namespace {

using testing_envs::Buffers;

using testing_envs::AllocationRun;
using testing_envs::CountAllocationsWhilePlaying;

// ---- helpers --------------------------------------------------------------------------------------

using testing_envs::BoolValue;
using testing_envs::DoubleValue;
using testing_envs::IntValue;
using testing_envs::MakeParams;

std::unique_ptr<LtsVecEnv> MakeEnv(const LtsConfig& config, int num_envs) {
  return testing_envs::Unwrap(LtsVecEnv::Create(config, num_envs));
}

// Everything one step of a batch produced, for trajectory comparisons.
struct StepRecord {
  std::vector<float> rewards, responses, docs, user;
  std::vector<uint8_t> terminated;
  std::vector<int32_t> last_slate;
  bool operator==(const StepRecord& o) const {
    return rewards == o.rewards && responses == o.responses && docs == o.docs && user == o.user &&
           terminated == o.terminated && last_slate == o.last_slate;
  }
};

// Plays `steps` steps with slates from a policy seeded by `policy_seed`.
std::vector<StepRecord> Rollout(VecEnv& env, uint64_t seed, int steps, uint64_t policy_seed = 7) {
  const EnvSpec& spec = env.spec();
  AlgoContext ctx;
  ctx.env_name = spec.name;
  ctx.env_spec = spec;
  auto policy = CreateBaseline("random", ctx);
  EXPECT_TRUE(policy.ok());
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  Rng rng(policy_seed);
  env.reset(seed, &obs);
  std::vector<StepRecord> records;
  StepRecord first;
  first.docs = obs.docs;
  first.user = obs.user;
  records.push_back(first);
  const ObsBatch* current = &obs;
  for (int t = 0; t < steps; ++t) {
    (*policy)->act(*current, rng, &slates);
    env.step(slates, &out);
    current = &out.obs;
    records.push_back({out.rewards, out.responses, out.obs.docs, out.obs.user, out.terminated,
                       out.obs.last_slate});
  }
  return records;
}

// ---- spec and life cycle -----------------------------------------------------------------------

TEST(LtsTest, SpecFollowsConfig) {
  auto env = MakeEnv(LtsConfig(), /*num_envs=*/4);
  const EnvSpec& spec = env->spec();
  EXPECT_EQ(spec.name, "lts");
  EXPECT_EQ(spec.num_envs, 4);
  EXPECT_EQ(spec.num_candidates, 10);
  EXPECT_EQ(spec.slate_size, 3);
  EXPECT_EQ(spec.user_dim, 0);
  EXPECT_EQ(spec.doc_dim, 1);
  EXPECT_EQ(spec.response_dim, 2);
  EXPECT_EQ(spec.max_steps, 60);

  LtsConfig strong;
  strong.num_candidates = 20;
  strong.slate_size = 2;
  strong.time_budget = 120;
  strong.observe_satisfaction = true;
  auto strong_env = MakeEnv(strong, 1);
  EXPECT_EQ(strong_env->spec().num_candidates, 20);
  EXPECT_EQ(strong_env->spec().slate_size, 2);
  EXPECT_EQ(strong_env->spec().user_dim, 1);
  EXPECT_EQ(strong_env->spec().max_steps, 120);
}

TEST(LtsTest, EpisodesLastExactlyTimeBudgetSteps) {
  LtsConfig config;
  config.time_budget = 7;
  auto env = MakeEnv(config, /*num_envs=*/3);
  const EnvSpec& spec = env->spec();
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  env->reset(/*seed=*/5, &obs);
  int finished = 0;
  for (int t = 1; t <= 5 * 7; ++t) {
    env->step(slates, &out);  // all-zero slates: valid positions
    for (int i = 0; i < 3; ++i) {
      const bool done = t % 7 == 0;
      EXPECT_EQ(out.terminated[i], done ? 1 : 0) << "t " << t;
      EXPECT_EQ(out.truncated[i], 0);
      EXPECT_EQ(out.obs.first_step[i], done ? 1 : 0);
      if (done) {
        EXPECT_EQ(out.episode_length[i], 7);
        EXPECT_EQ(env->time_budget_left(i), 7);  // auto-reset
        ++finished;
      } else {
        EXPECT_EQ(env->time_budget_left(i), 7 - t % 7);
      }
    }
  }
  EXPECT_EQ(finished, 15);
}

TEST(LtsTest, EpisodeReturnIsTheSumOfUnclippedRewards) {
  LtsConfig config;
  config.time_budget = 20;
  config.choc_mean = config.kale_mean = 10.0;  // median engagement e^5 ≈ 148: clipping is common
  auto env = MakeEnv(config, /*num_envs=*/2);
  const EnvSpec& spec = env->spec();
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  env->reset(/*seed=*/11, &obs);
  std::vector<double> sums(2, 0.0);
  int clipped = 0;
  for (int t = 1; t <= 20; ++t) {
    env->step(slates, &out);
    for (int i = 0; i < 2; ++i) {
      sums[i] += out.rewards[i];
      const float observed = out.responses[static_cast<size_t>(i) * 3 * 2 + 1];
      EXPECT_EQ(observed, std::min(out.rewards[i], 100.0f));
      if (out.rewards[i] > 100.0f) ++clipped;
    }
  }
  EXPECT_GT(clipped, 0);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(out.terminated[i], 1);
    EXPECT_NEAR(out.episode_return[i], sums[i], 1e-4 * sums[i]);
  }
}

TEST(LtsTest, OnlySlotZeroIsClickedAndDecidesTheOutcome) {
  auto env_a = MakeEnv(LtsConfig(), 1);
  auto env_b = MakeEnv(LtsConfig(), 1);
  const EnvSpec& spec = env_a->spec();
  ObsBatch obs_a, obs_b;
  obs_a.Allocate(spec);
  obs_b.Allocate(spec);
  SlateBatch slate_a, slate_b;
  slate_a.Allocate(spec);
  slate_b.Allocate(spec);
  StepBatch out_a, out_b;
  out_a.Allocate(spec);
  out_b.Allocate(spec);
  env_a->reset(3, &obs_a);
  env_b->reset(3, &obs_b);
  for (int t = 0; t < 30; ++t) {
    // Same slot 0, different other slots (one with a duplicate): identical outcome.
    slate_a.items = {4, 1, 2};
    slate_b.items = {4, 4, 9};
    env_a->step(slate_a, &out_a);
    env_b->step(slate_b, &out_b);
    EXPECT_EQ(out_a.rewards, out_b.rewards);
    EXPECT_EQ(out_a.obs.docs, out_b.obs.docs);
    EXPECT_EQ(out_a.responses[0], 1.0f);  // slot 0 clicked
    for (int j = 1; j < 3; ++j) {
      EXPECT_EQ(out_a.responses[j * 2], 0.0f);
      EXPECT_EQ(out_a.responses[j * 2 + 1], 0.0f);
    }
    EXPECT_GT(out_a.responses[1], 0.0f);
  }
}

TEST(LtsTest, ObservationCarriesPreviousSlateAndResponses) {
  LtsConfig config;
  config.time_budget = 3;
  auto env = MakeEnv(config, 1);
  const EnvSpec& spec = env->spec();
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  env->reset(1, &obs);
  EXPECT_EQ(obs.first_step[0], 1);
  EXPECT_EQ(obs.last_slate, std::vector<int32_t>({-1, -1, -1}));
  EXPECT_EQ(obs.last_responses, std::vector<float>(6, 0.0f));
  slates.items = {2, 5, 7};
  env->step(slates, &out);
  EXPECT_EQ(out.obs.first_step[0], 0);
  EXPECT_EQ(out.obs.last_slate, slates.items);
  EXPECT_EQ(out.obs.last_responses, out.responses);
  env->step(slates, &out);
  env->step(slates, &out);  // ends the episode: the observation is the next episode's first
  ASSERT_EQ(out.terminated[0], 1);
  EXPECT_EQ(out.obs.first_step[0], 1);
  EXPECT_EQ(out.obs.last_slate, std::vector<int32_t>({-1, -1, -1}));
  EXPECT_EQ(out.obs.last_responses, std::vector<float>(6, 0.0f));
  EXPECT_EQ(out.responses[0], 1.0f);  // the finishing step's own response is still reported
}

TEST(LtsTest, ObserveSatisfactionReportsHiddenSatisfaction) {
  LtsConfig config;
  config.observe_satisfaction = true;
  config.sensitivity = 0.06;
  auto env = MakeEnv(config, 2);
  const EnvSpec& spec = env->spec();
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  env->reset(9, &obs);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(obs.user[i], static_cast<float>(env->satisfaction(i)));
  for (int t = 0; t < 10; ++t) {
    env->step(slates, &out);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(out.obs.user[i], static_cast<float>(env->satisfaction(i)));
      EXPECT_DOUBLE_EQ(env->satisfaction(i),
                       1.0 / (1.0 + std::exp(-0.06 * env->net_positive_exposure(i))));
    }
  }
}

TEST(LtsTest, InitialUsersAndDocumentsLieInTheirRanges) {
  auto env = MakeEnv(LtsConfig(), /*num_envs=*/64);
  ObsBatch obs;
  obs.Allocate(env->spec());
  const double half_range = 0.5 / (1.0 - 0.7);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    env->reset(seed, &obs);
    for (int i = 0; i < 64; ++i) {
      EXPECT_GE(env->net_positive_exposure(i), -half_range);
      EXPECT_LT(env->net_positive_exposure(i), half_range);
      EXPECT_EQ(env->time_budget_left(i), 60);
    }
    for (float c : obs.docs) {
      EXPECT_GE(c, 0.0f);
      EXPECT_LE(c, 1.0f);
    }
  }
}

// ---- random streams and determinism ---------------------------------------------------------------

// A scalar re-implementation of one env straight from docs/environments.md §1.1/§2 and the stream contract of
// envs/lts.h, drawing from the same three derived streams.
struct ReferenceLts {
  LtsConfig config;
  LtsDynamics dynamics;
  Rng user, doc, response;
  std::vector<double> docs;
  double npe = 0, sat = 0;
  int budget = 0;

  explicit ReferenceLts(const LtsConfig& c) : config(c), dynamics(c), docs(c.num_candidates) {}
  void SampleDocs() {
    for (double& d : docs) d = doc.Uniform();
  }
  void StartEpisode() {
    npe = dynamics.InitialNpe(user.Uniform());
    sat = dynamics.Satisfaction(npe);
    budget = config.time_budget;
    if (config.resample_documents) SampleDocs();
  }
  void Reset(uint64_t seed, uint64_t i) {
    user.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedUserStream}));
    doc.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedDocStream}));
    response.Seed(DeriveSeed(seed, {kSeedEnv, i, kSeedResponseStream}));
    user.Uniform();  // construction-time user, discarded
    SampleDocs();    // construction-time candidates
    StartEpisode();
  }
  double Step(int position, bool* done) {
    const double c = docs[position];
    const double g1 = response.Normal();
    const double g2 = response.Normal();
    const double e = dynamics.Engagement(c, sat, g1);
    npe = dynamics.NextNpe(npe, c, config.innovation_stddev * g2);
    sat = dynamics.Satisfaction(npe);
    budget -= 1;
    if (config.resample_documents) SampleDocs();
    *done = budget <= 0;
    if (*done) StartEpisode();
    return e;
  }
};

void ExpectMatchesReference(const LtsConfig& config, int num_envs, uint64_t seed, int steps) {
  auto env = MakeEnv(config, num_envs);
  const EnvSpec& spec = env->spec();
  std::vector<ReferenceLts> refs(num_envs, ReferenceLts(config));
  Buffers buffers(spec);
  auto& [obs, slates, out] = buffers;
  env->reset(seed, &obs);
  for (int i = 0; i < num_envs; ++i) refs[i].Reset(seed, i);
  Rng slate_rng(99);
  const int c = config.num_candidates;
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < num_envs; ++i) {
      ASSERT_DOUBLE_EQ(env->net_positive_exposure(i), refs[i].npe) << "env " << i << " t " << t;
      ASSERT_DOUBLE_EQ(env->satisfaction(i), refs[i].sat);
      ASSERT_EQ(env->time_budget_left(i), refs[i].budget);
      for (int j = 0; j < c; ++j) {
        ASSERT_EQ(env->clickbait(i, j), refs[i].docs[j]);
        const float observed = t == 0 ? obs.docs[static_cast<size_t>(i) * c + j]
                                      : out.obs.docs[static_cast<size_t>(i) * c + j];
        ASSERT_EQ(observed, static_cast<float>(refs[i].docs[j]));
      }
    }
    for (auto& item : slates.items) item = static_cast<int32_t>(slate_rng.UniformInt(c));
    env->step(slates, &out);
    for (int i = 0; i < num_envs; ++i) {
      bool done = false;
      const double e = refs[i].Step(slates.items[static_cast<size_t>(i) * config.slate_size], &done);
      ASSERT_EQ(out.rewards[i], static_cast<float>(e)) << "env " << i << " t " << t;
      ASSERT_EQ(out.terminated[i], done ? 1 : 0);
    }
  }
}

TEST(LtsTest, FollowsTheSpecifiedRandomStreamsAcrossEpisodes) {
  LtsConfig config;
  config.time_budget = 4;  // many auto-resets
  ExpectMatchesReference(config, /*num_envs=*/3, /*seed=*/42, /*steps=*/30);
}

TEST(LtsTest, FixedCandidatesComeFromConstructionTimeDraw) {
  LtsConfig config;
  config.time_budget = 5;
  config.resample_documents = false;
  ExpectMatchesReference(config, /*num_envs=*/2, /*seed=*/8, /*steps=*/23);
  auto env = MakeEnv(config, 1);
  ObsBatch obs;
  obs.Allocate(env->spec());
  SlateBatch slates;
  slates.Allocate(env->spec());
  StepBatch out;
  out.Allocate(env->spec());
  env->reset(8, &obs);
  for (int t = 0; t < 23; ++t) {
    env->step(slates, &out);
    EXPECT_EQ(out.obs.docs, obs.docs);  // the same candidates forever
  }
}

TEST(LtsTest, StrongLtsFollowsTheSpecifiedRandomStreams) {
  LtsConfig config;
  config.num_candidates = 20;
  config.slate_size = 2;
  config.sensitivity = 0.06;
  config.choc_stddev = config.kale_stddev = 0.1;
  config.time_budget = 120;
  ExpectMatchesReference(config, /*num_envs=*/2, /*seed=*/1, /*steps=*/250);
}

TEST(LtsTest, SameSeedGivesIdenticalTrajectories) {
  auto a = MakeEnv(LtsConfig(), 4);
  auto b = MakeEnv(LtsConfig(), 4);
  EXPECT_TRUE(Rollout(*a, 123, 150) == Rollout(*b, 123, 150));
  // Resetting the same env again with the same seed replays it too.
  EXPECT_TRUE(Rollout(*a, 123, 150) == Rollout(*a, 123, 150));
}

TEST(LtsTest, DifferentSeedGivesDifferentTrajectories) {
  auto env = MakeEnv(LtsConfig(), 4);
  const auto x = Rollout(*env, 123, 50);
  const auto y = Rollout(*env, 124, 50);
  EXPECT_NE(x[0].docs, y[0].docs);
  EXPECT_NE(x[10].rewards, y[10].rewards);
}

TEST(LtsTest, EnvIndexNotBatchSizeDecidesTheStreams) {
  // Env 0 of a batch of 1 and env 0 of a batch of 5 see the same users, documents and noise.
  auto one = MakeEnv(LtsConfig(), 1);
  auto five = MakeEnv(LtsConfig(), 5);
  const EnvSpec& s1 = one->spec();
  const EnvSpec& s5 = five->spec();
  ObsBatch o1, o5;
  o1.Allocate(s1);
  o5.Allocate(s5);
  SlateBatch a1, a5;
  a1.Allocate(s1);
  a5.Allocate(s5);
  StepBatch r1, r5;
  r1.Allocate(s1);
  r5.Allocate(s5);
  one->reset(77, &o1);
  five->reset(77, &o5);
  for (int t = 0; t < 100; ++t) {
    one->step(a1, &r1);
    five->step(a5, &r5);
    ASSERT_EQ(r1.rewards[0], r5.rewards[0]);
    ASSERT_EQ(r1.obs.docs[0], r5.obs.docs[0]);
  }
  // ... while the envs of one batch differ from each other.
  EXPECT_NE(r5.rewards[0], r5.rewards[1]);
}

// ---- allocation ------------------------------------------------------------------------------------

TEST(LtsTest, ResetAndStepAllocateNothing) {
  LtsConfig config;
  config.time_budget = 13;
  config.observe_satisfaction = true;
  auto env = MakeEnv(config, /*num_envs=*/8);
  const EnvSpec& spec = env->spec();
  AlgoContext ctx;
  ctx.env_name = "lts";
  ctx.env_spec = spec;
  std::vector<std::unique_ptr<Policy>> policies;
  for (const char* name : {"random", "random_md", "choc", "kale", "greedy", "oracle", "first"}) {
    auto policy = CreateBaseline(name, ctx);
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    policies.push_back(std::move(policy).value());
  }
  const AllocationRun run = CountAllocationsWhilePlaying(*env, policies, /*rounds=*/20, /*steps_per_round=*/100);
  EXPECT_EQ(run.allocations, 0);
  EXPECT_GT(run.terminated, 0);
}

// ---- configuration -------------------------------------------------------------------------------

TEST(LtsTest, DefaultsComeFromTheSchema) {
  auto config = LtsConfig::FromParams(Params());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->num_candidates, 10);
  EXPECT_EQ(config->slate_size, 3);
  EXPECT_TRUE(config->resample_documents);
  EXPECT_EQ(config->time_budget, 60);
  EXPECT_FALSE(config->observe_satisfaction);
  const Schema schema = LtsConfig::GetSchema();
  EXPECT_EQ(schema.keys().size(), 12u);
  for (const KeySpec& key : schema.keys()) EXPECT_FALSE(key.doc.empty()) << key.name;
  EXPECT_EQ(schema.Find("slate_size")->default_text, "3");
  EXPECT_EQ(schema.Find("time_budget")->unit, "env steps");
}

TEST(LtsTest, ExplicitValuesOverrideDefaults) {
  auto config = LtsConfig::FromParams(MakeParams({{"num_candidates", IntValue(20)},
                                                  {"slate_size", IntValue(2)},
                                                  {"sensitivity", DoubleValue(0.058)},
                                                  {"choc_stddev", IntValue(1)},  // int for a float key
                                                  {"observe_satisfaction", BoolValue(true)},
                                                  {"time_budget", IntValue(120)}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->num_candidates, 20);
  EXPECT_EQ(config->slate_size, 2);
  EXPECT_EQ(config->sensitivity, 0.058);
  EXPECT_EQ(config->choc_stddev, 1.0);
  EXPECT_TRUE(config->observe_satisfaction);
  EXPECT_EQ(config->time_budget, 120);
}

TEST(LtsTest, BadEnvConfigValuesNameTheKey) {
  const std::vector<std::pair<std::map<std::string, ParamValue>, std::string>> cases = {
      {{{"slate_size", IntValue(11)}}, "slate_size"},
      {{{"num_candidates", IntValue(2)}}, "slate_size"},  // default slate 3 > 2 candidates
      {{{"num_candidates", IntValue(0)}}, "num_candidates"},
      {{{"slate_size", IntValue(0)}}, "slate_size"},
      {{{"memory_discount", DoubleValue(1.0)}}, "memory_discount"},
      {{{"memory_discount", DoubleValue(-0.1)}}, "memory_discount"},
      {{{"sensitivity", DoubleValue(-1.0)}}, "sensitivity"},
      {{{"innovation_stddev", DoubleValue(NAN)}}, "innovation_stddev"},
      {{{"choc_stddev", DoubleValue(-0.5)}}, "choc_stddev"},
      {{{"kale_mean", DoubleValue(INFINITY)}}, "kale_mean"},
      {{{"time_budget", IntValue(0)}}, "time_budget"},
      {{{"num_candidates", DoubleValue(10.0)}}, "num_candidates"},  // wrong type
      {{{"resample_documents", IntValue(1)}}, "resample_documents"},
      {{{"slate_sise", IntValue(2)}}, "slate_sise"},  // unknown key
  };
  for (const auto& [values, key] : cases) {
    auto config = LtsConfig::FromParams(MakeParams(values));
    ASSERT_FALSE(config.ok()) << "expected an error naming " << key;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(key), std::string::npos)
        << config.status().message();
  }
}

TEST(LtsTest, CreateRejectsInvalidConfigAndBatchSize) {
  LtsConfig config;
  config.slate_size = 12;
  EXPECT_FALSE(LtsVecEnv::Create(config, 1).ok());
  EXPECT_FALSE(LtsVecEnv::Create(LtsConfig(), 0).ok());
}

// ---- registry ------------------------------------------------------------------------------------

TEST(EnvRegistryTest, BuildsLtsByName) {
  ASSERT_NE(FindEnv("lts"), nullptr);
  const auto names = EnvNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "lts"), names.end());
  auto env = CreateVecEnv("lts", MakeParams({{"slate_size", IntValue(2)}}), /*num_envs=*/3);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ((*env)->spec().name, "lts");
  EXPECT_EQ((*env)->spec().num_envs, 3);
  EXPECT_EQ((*env)->spec().slate_size, 2);
  EXPECT_EQ(FindEnv("lts")->schema().keys().size(), 12u);
}

TEST(EnvRegistryTest, UnknownEnvListsRegisteredNames) {
  auto env = CreateVecEnv("nope", Params(), 1);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kNotFound);
  EXPECT_NE(env.status().message().find("lts"), std::string::npos);
  EXPECT_EQ(FindEnv("nope"), nullptr);
}

TEST(EnvRegistryTest, PropagatesConfigErrorsAndRejectsEmptyBatch) {
  auto bad = CreateVecEnv("lts", MakeParams({{"slate_size", IntValue(11)}}), 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("slate_size"), std::string::npos);
  EXPECT_FALSE(CreateVecEnv("lts", Params(), 0).ok());
}

// ---- reference trace replay (tests/data/lts_default_random.jsonl; docs/environments.md) ----------

using testing_envs::Json;

std::vector<Json> ReadTrace(const std::string& path) {
  bool ok = false;
  std::vector<Json> lines = testing_envs::ReadJsonLines(path, &ok);
  EXPECT_TRUE(ok) << "cannot read " << path;
  return lines;
}

TEST(LtsTest, ReplaysReferenceTraceWithInjectedNoise) {
  const auto lines =
      ReadTrace(std::string(SLATERL_SOURCE_DIR) + "/tests/data/lts_default_random.jsonl");
  ASSERT_EQ(lines.size(), 122u);  // 2 episodes × (1 reset + 60 steps)
  const LtsConfig config;         // LTS-default
  const LtsDynamics dynamics(config);
  const double half_range = 0.5 / (1.0 - config.memory_discount);

  std::vector<double> engagement_noise, innovations;
  const Json* docs = nullptr;
  double npe = 0, sat = 0;
  int budget = 0, steps_in_episode = 0, episodes = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    const Json& line = lines[n];
    const Json& hidden = line["hidden"];
    SCOPED_TRACE("trace line " + std::to_string(n + 1));
    if (line["event"].string == "reset") {
      EXPECT_EQ(steps_in_episode, episodes == 0 ? 0 : config.time_budget);
      ++episodes;
      steps_in_episode = 0;
      npe = hidden["net_positive_exposure"].number;
      sat = hidden["satisfaction"].number;
      budget = static_cast<int>(hidden["time_budget"].number);
      EXPECT_EQ(budget, config.time_budget);
      EXPECT_GE(npe, -half_range);
      EXPECT_LT(npe, half_range);
      EXPECT_NEAR(dynamics.Satisfaction(npe), sat, 1e-12);
      docs = &line["docs"];
      EXPECT_EQ(line["user_obs"].size(), 0u);
    } else {
      ASSERT_NE(docs, nullptr);
      ASSERT_EQ(docs->size(), static_cast<size_t>(config.num_candidates));
      const Json& action = line["action"];
      ASSERT_EQ(action.size(), static_cast<size_t>(config.slate_size));
      const int position = static_cast<int>(action[0].number);
      ASSERT_GE(position, 0);
      ASSERT_LT(position, config.num_candidates);
      const double c = (*docs)[position][1][0].number;
      ASSERT_GE(c, 0.0);
      ASSERT_LT(c, 1.0);
      const double reward = line["reward"].number;

      // Engagement: recover z, check exp(loc + scale·z) reproduces the reward.
      const double z = (std::log(reward) - dynamics.EngagementLoc(c, sat)) / dynamics.EngagementScale(c);
      EXPECT_NEAR(dynamics.Engagement(c, sat, z), reward, 1e-12 * reward);
      engagement_noise.push_back(z);

      // Responses: only slot 0 clicked, engagement clipped at 100 in the observation only.
      const Json& response = line["response"];
      ASSERT_EQ(response.size(), static_cast<size_t>(config.slate_size));
      EXPECT_EQ(response[0]["click"].number, 1.0);
      EXPECT_EQ(response[0]["engagement"].number, std::min(reward, kLtsMaxObservedEngagement));
      for (int j = 1; j < config.slate_size; ++j) {
        EXPECT_EQ(response[j]["click"].number, 0.0);
        EXPECT_EQ(response[j]["engagement"].number, 0.0);
      }

      // User update with the innovation injected.
      const double npe_next = hidden["net_positive_exposure"].number;
      const double innovation = npe_next - dynamics.NextNpe(npe, c, /*innovation=*/0.0);
      innovations.push_back(innovation);
      const double npe_replayed = dynamics.NextNpe(npe, c, innovation);
      EXPECT_NEAR(npe_replayed, npe_next, 1e-14);
      EXPECT_NEAR(dynamics.Satisfaction(npe_replayed), hidden["satisfaction"].number, 1e-12);
      const int budget_next = static_cast<int>(hidden["time_budget"].number);
      EXPECT_EQ(budget_next, budget - 1);
      EXPECT_EQ(line["done"].boolean, budget_next <= 0);

      npe = npe_next;
      sat = hidden["satisfaction"].number;
      budget = budget_next;
      docs = &line["docs_next"];
      ++steps_in_episode;
    }
  }
  EXPECT_EQ(episodes, 2);
  EXPECT_EQ(steps_in_episode, config.time_budget);
  ASSERT_EQ(engagement_noise.size(), 120u);
  // The recovered noises look like N(0, 1) and N(0, ε) (generous 4-sigma-ish bounds for n = 120).
  EXPECT_LT(std::fabs(Mean(engagement_noise)), 0.4);
  EXPECT_GT(SampleStd(engagement_noise), 0.75);
  EXPECT_LT(SampleStd(engagement_noise), 1.25);
  EXPECT_LT(std::fabs(Mean(innovations)), 0.02);
  EXPECT_GT(SampleStd(innovations), 0.8 * config.innovation_stddev);
  EXPECT_LT(SampleStd(innovations), 1.2 * config.innovation_stddev);
}

}  // namespace
}  // namespace slaterl
