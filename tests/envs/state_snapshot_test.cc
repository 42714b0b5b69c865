// Tests of whole-run env snapshots (VecEnv::VisitState with core/state_archive.h): for
// every registered env kind, a snapshot taken between two steps and loaded into a fresh env of the
// same config (reset with another seed) continues bit-identically — rewards, responses, done flags,
// episode totals, observations and (topics) served slates and post-step users — across
// auto-resets, and its privileged accessors show the same hidden state right after the load;
// snapshots of another config or env kind, truncated snapshots and snapshots with unknown trailing
// fields are rejected with DataLoss.
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.h"
#include "core/state_archive.h"
#include "envs/interest_evolution.h"
#include "envs/interest_exploration.h"
#include "envs/lts.h"
#include "envs/registry.h"
#include "envs/topics.h"
#include "tests/envs/env_test_util.h"

namespace slaterl {
namespace {

using testing_envs::Buffers;
using testing_envs::DoubleValue;
using testing_envs::IntValue;
using testing_envs::MakeParams;

constexpr int kNumEnvs = 3;
constexpr int kStepsBeforeSnapshot = 7;  // K
constexpr int kStepsAfterSnapshot = 25;  // M
constexpr uint64_t kRunSeed = 11;
constexpr uint64_t kOtherSeed = 977;

ParamValue EnumValue(const std::string& s) {
  ParamValue p;
  p.type = ValueType::kEnum;
  p.s = s;
  return p;
}

// Small configs with short episodes, so that both phases cross auto-resets.
Params EnvConfig(const std::string& env) {
  if (env == "lts")
    return MakeParams({{"num_candidates", IntValue(6)},
                       {"slate_size", IntValue(2)},
                       {"time_budget", IntValue(4)},
                       {"observe_satisfaction", testing_envs::BoolValue(true)}});
  if (env == "interest_evolution")
    return MakeParams({{"num_candidates", IntValue(6)},
                       {"slate_size", IntValue(3)},
                       {"num_clusters", IntValue(5)},
                       {"time_budget", DoubleValue(6.0)},
                       {"step_penalty", DoubleValue(1.0)}});
  if (env == "interest_exploration")
    return MakeParams({{"num_candidates", IntValue(6)},
                       {"slate_size", IntValue(2)},
                       {"horizon", IntValue(5)}});
  // topics: a generated catalogue (no data files), boredom and click_only_once in play.
  return MakeParams({{"embeddings", EnumValue("generated")},
                     {"num_items", IntValue(200)},
                     {"num_topics", IntValue(4)},
                     {"topic_size", IntValue(2)},
                     {"rec_size", IntValue(3)},
                     {"episode_length", IntValue(4)},
                     {"env_offset", DoubleValue(0.1)},
                     {"boredom_threshold", IntValue(2)},
                     {"boredom_moving_window", IntValue(1)},
                     {"recent_items_maxlen", IntValue(8)},
                     {"click_only_once", testing_envs::BoolValue(true)}});
}

std::unique_ptr<VecEnv> MakeEnv(const std::string& env, int num_envs = kNumEnvs) {
  return testing_envs::Unwrap(CreateVecEnv(env, EnvConfig(env), num_envs));
}

// Random valid slates that also depend on the current observation (so the continuation must start
// from the observation at snapshot time); `topics` slots are the oracle sentinel one time in four.
void MakeSlates(const EnvSpec& spec, const ObsBatch& obs, Rng& rng, SlateBatch* slates) {
  const int k = spec.slate_size;
  for (int i = 0; i < spec.num_envs; ++i) {
    const uint32_t shift = obs.first_step[i] + static_cast<uint32_t>(obs.last_slate[i * k] + 1);
    for (int j = 0; j < k; ++j) {
      const uint32_t pick = rng.UniformInt(static_cast<uint32_t>(spec.num_candidates));
      const bool oracle = rng.UniformInt(4) == 0;
      slates->items[i * k + j] = spec.oracle_sentinel && oracle
                                     ? kOracleSentinel
                                     : static_cast<int32_t>((pick + shift) % spec.num_candidates);
    }
  }
  ASSERT_TRUE(ValidateSlates(spec, *slates).ok());
}

template <typename T>
void Append(const std::vector<T>& values, std::string* bytes) {
  bytes->append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// The env's views of its latest step: served slates and post-step users, and for `topics` the
// boredom flags, ũ and scores it used.
std::string LatestStepViews(const VecEnv& env) {
  std::string bytes;
  const EnvSpec& spec = env.spec();
  const auto* topics = dynamic_cast<const TopicsVecEnv*>(&env);
  for (int i = 0; i < spec.num_envs; ++i) {
    if (const int32_t* served = env.served_slate(i))
      bytes.append(reinterpret_cast<const char*>(served), spec.slate_size * sizeof(int32_t));
    if (const float* user = env.post_step_user(i))
      bytes.append(reinterpret_cast<const char*>(user), env.privileged_user_dim() * sizeof(float));
    if (topics == nullptr) continue;
    const int dim = topics->dynamics().dim();
    bytes.append(reinterpret_cast<const char*>(topics->bored(i)), topics->config().num_topics);
    bytes.append(reinterpret_cast<const char*>(topics->step_effective_user(i)), dim * sizeof(float));
    bytes.append(reinterpret_cast<const char*>(topics->step_scores(i)), spec.slate_size * sizeof(float));
  }
  return bytes;
}

template <typename T>
void AppendValue(T value, std::string* bytes) {
  bytes->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// The hidden state of every env as its privileged accessors show it (a white-box check that each
// member was restored, also those whose effect on outputs a short run may not reveal).
std::string HiddenState(const VecEnv& env) {
  std::string bytes;
  const EnvSpec& spec = env.spec();
  for (int i = 0; i < spec.num_envs; ++i) {
    if (const auto* lts = dynamic_cast<const LtsVecEnv*>(&env)) {
      AppendValue(lts->net_positive_exposure(i), &bytes);
      AppendValue(lts->time_budget_left(i), &bytes);
      for (int j = 0; j < spec.num_candidates; ++j) AppendValue(lts->clickbait(i, j), &bytes);
    } else if (const auto* iev = dynamic_cast<const InterestEvolutionVecEnv*>(&env)) {
      AppendValue(iev->time_budget_left(i), &bytes);
      AppendValue(iev->episode_steps(i), &bytes);
      for (int c = 0; c < iev->config().num_clusters; ++c) AppendValue(iev->interest(i, c), &bytes);
      for (int j = 0; j < spec.num_candidates; ++j) {
        AppendValue(iev->cluster(i, j), &bytes);
        AppendValue(iev->quality(i, j), &bytes);
      }
    } else if (const auto* iex = dynamic_cast<const InterestExplorationVecEnv*>(&env)) {
      AppendValue(iex->user_type(i), &bytes);
      AppendValue(iex->episode_steps(i), &bytes);
      for (int t = 0; t < kIexNumTopics; ++t) AppendValue(iex->affinity(i, t), &bytes);
      for (int j = 0; j < spec.num_candidates; ++j) {
        AppendValue(iex->topic(i, j), &bytes);
        AppendValue(iex->quality(i, j), &bytes);
      }
    } else if (const auto* topics = dynamic_cast<const TopicsVecEnv*>(&env)) {
      const TopicsUserState& u = topics->state(i);
      Append(u.user, &bytes);
      Append(u.bored, &bytes);
      Append(u.bored_timeout, &bytes);
      Append(u.clicked_items, &bytes);
      AppendValue(u.short_term_topic, &bytes);
      AppendValue(u.t, &bytes);
      for (const TopicsRecentDeque* d : {&u.clicked_topics, &u.clicked_step}) {
        AppendValue(d->size(), &bytes);
        for (int j = 0; j < d->size(); ++j) AppendValue(d->at(j), &bytes);
      }
    }
  }
  return bytes;
}

// Every byte one step produced (StepBatch and the env's latest-step views).
std::string Record(const VecEnv& env, const StepBatch& out) {
  std::string bytes = LatestStepViews(env);
  Append(out.obs.user, &bytes);
  Append(out.obs.docs, &bytes);
  Append(out.obs.last_slate, &bytes);
  Append(out.obs.last_responses, &bytes);
  Append(out.obs.first_step, &bytes);
  Append(out.rewards, &bytes);
  Append(out.responses, &bytes);
  Append(out.terminated, &bytes);
  Append(out.truncated, &bytes);
  Append(out.episode_return, &bytes);
  Append(out.episode_length, &bytes);
  return bytes;
}

int EpisodesEnded(const StepBatch& out) {
  int ended = 0;
  for (size_t i = 0; i < out.terminated.size(); ++i) ended += out.terminated[i] | out.truncated[i];
  return ended;
}

// A run of `env` to step K, its snapshot, and what the M steps after it produced.
struct SnapshotRun {
  std::string snapshot;
  std::string views, hidden;  // LatestStepViews and HiddenState at snapshot time
  ObsBatch obs;  // the observation at snapshot time (the caller's, not part of the snapshot)
  Rng slate_rng;
  std::vector<std::string> records;  // M steps
  int ended_before = 0, ended_after = 0;
  double reward_after = 0.0;
};

SnapshotRun RunAndSnapshot(const std::string& name, int steps_before) {
  SnapshotRun run;
  std::unique_ptr<VecEnv> env = MakeEnv(name);
  Buffers b(env->spec());
  env->reset(kRunSeed, &b.obs);
  ObsBatch obs = b.obs;
  Rng rng(5);
  for (int t = 0; t < steps_before; ++t) {
    MakeSlates(env->spec(), obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    run.ended_before += EpisodesEnded(b.out);
    obs = b.out.obs;
  }
  StateArchive archive = StateArchive::ForSaving();
  EXPECT_TRUE(env->VisitState(archive).ok());
  run.snapshot = archive.bytes();
  run.views = LatestStepViews(*env);
  run.hidden = HiddenState(*env);
  run.obs = obs;
  run.slate_rng = rng;
  for (int t = 0; t < kStepsAfterSnapshot; ++t) {
    MakeSlates(env->spec(), obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    run.ended_after += EpisodesEnded(b.out);
    for (float r : b.out.rewards) run.reward_after += r;
    run.records.push_back(Record(*env, b.out));
    obs = b.out.obs;
  }
  return run;
}

// Steps `env` M times from the snapshot-time observation and slate stream of `run`.
std::vector<std::string> Continue(VecEnv& env, const SnapshotRun& run) {
  Buffers b(env.spec());
  ObsBatch obs = run.obs;
  Rng rng = run.slate_rng;
  std::vector<std::string> records;
  for (int t = 0; t < kStepsAfterSnapshot; ++t) {
    MakeSlates(env.spec(), obs, rng, &b.slates);
    env.step(b.slates, &b.out);
    records.push_back(Record(env, b.out));
    obs = b.out.obs;
  }
  return records;
}

Status Load(VecEnv& env, const std::string& bytes) {
  Result<StateArchive> archive = StateArchive::ForLoading(bytes);
  if (!archive.ok()) return archive.status();
  RETURN_IF_ERROR(env.VisitState(*archive));
  return archive->CheckFullyRead();
}

void ExpectContinuesBitIdentically(const std::string& name) {
  for (int steps_before : {0, kStepsBeforeSnapshot}) {
    SCOPED_TRACE(name + ", snapshot after " + std::to_string(steps_before) + " steps");
    const SnapshotRun run = RunAndSnapshot(name, steps_before);
    if (steps_before > 0) {
      EXPECT_GT(run.ended_before, 0) << "no auto-reset before the snapshot";
    }
    EXPECT_GT(run.ended_after, 0) << "no auto-reset after the snapshot";
    EXPECT_GT(run.reward_after, 0.0) << "no clicks after the snapshot";

    std::unique_ptr<VecEnv> restored = MakeEnv(name);
    ObsBatch scratch;
    scratch.Allocate(restored->spec());
    restored->reset(kOtherSeed, &scratch);
    const Status loaded = Load(*restored, run.snapshot);
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
    // Saving the restored env gives the very same bytes (every visited field was restored).
    StateArchive again = StateArchive::ForSaving();
    ASSERT_TRUE(restored->VisitState(again).ok());
    EXPECT_TRUE(again.bytes() == run.snapshot);
    EXPECT_TRUE(LatestStepViews(*restored) == run.views) << "latest-step views not restored";
    EXPECT_TRUE(HiddenState(*restored) == run.hidden) << "hidden state not restored";

    const std::vector<std::string> records = Continue(*restored, run);
    ASSERT_EQ(records.size(), run.records.size());
    for (size_t t = 0; t < records.size(); ++t)
      ASSERT_TRUE(records[t] == run.records[t]) << "outputs differ at step " << t << " after restore";

    // The test is not vacuous: without the snapshot the other seed's env diverges.
    std::unique_ptr<VecEnv> unrestored = MakeEnv(name);
    unrestored->reset(kOtherSeed, &scratch);
    EXPECT_NE(Continue(*unrestored, run), run.records);
  }
}

const char* const kEnvKinds[] = {"lts", "interest_evolution", "interest_exploration", "topics"};

TEST(EnvStateSnapshotTest, EveryRegisteredEnvKindIsCovered) {
  for (const std::string& name : EnvNames()) {
    bool covered = false;
    for (const char* kind : kEnvKinds) covered = covered || name == kind;
    EXPECT_TRUE(covered) << "env '" << name << "' has no snapshot test";
  }
}

TEST(EnvStateSnapshotTest, LtsContinuesBitIdenticallyAfterRestore) {
  ExpectContinuesBitIdentically("lts");
}

TEST(EnvStateSnapshotTest, InterestEvolutionContinuesBitIdenticallyAfterRestore) {
  ExpectContinuesBitIdentically("interest_evolution");
}

TEST(EnvStateSnapshotTest, InterestExplorationContinuesBitIdenticallyAfterRestore) {
  ExpectContinuesBitIdentically("interest_exploration");
}

TEST(EnvStateSnapshotTest, TopicsContinuesBitIdenticallyAfterRestore) {
  ExpectContinuesBitIdentically("topics");
}

TEST(EnvStateSnapshotTest, SnapshotOfAnotherConfigIsRejected) {
  for (const char* name : kEnvKinds) {
    SCOPED_TRACE(name);
    const SnapshotRun run = RunAndSnapshot(name, kStepsBeforeSnapshot);
    // Another number of envs: the first per-env field (an RNG stream) names the mismatch.
    std::unique_ptr<VecEnv> four = MakeEnv(name, 4);
    const Status status = Load(*four, run.snapshot);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kDataLoss);
    EXPECT_NE(status.message().find("rng'"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("this run has 4"), std::string::npos) << status.message();
  }
  // Another env kind with the same number of envs: a field name differs.
  const SnapshotRun lts = RunAndSnapshot("lts", kStepsBeforeSnapshot);
  std::unique_ptr<VecEnv> iev = MakeEnv("interest_evolution");
  const Status status = Load(*iev, lts.snapshot);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("'interests'"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("'clickbait'"), std::string::npos) << status.message();
}

TEST(EnvStateSnapshotTest, TruncatedSnapshotFailsCleanly) {
  for (const char* name : kEnvKinds) {
    SCOPED_TRACE(name);
    const SnapshotRun run = RunAndSnapshot(name, kStepsBeforeSnapshot);
    const size_t full = run.snapshot.size();
    for (size_t size : {size_t{0}, size_t{5}, size_t{8}, size_t{12}, full / 3, full / 2, full - 9,
                        full - 1}) {
      SCOPED_TRACE("truncated to " + std::to_string(size) + " of " + std::to_string(full) + " bytes");
      std::unique_ptr<VecEnv> env = MakeEnv(name);
      const Status status = Load(*env, run.snapshot.substr(0, size));
      ASSERT_FALSE(status.ok());
      EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
    }
    // Unknown trailing fields (a snapshot of another version) are reported, not ignored.
    std::unique_ptr<VecEnv> env = MakeEnv(name);
    const Status extra = Load(*env, run.snapshot + std::string(16, '\0'));
    ASSERT_FALSE(extra.ok());
    EXPECT_EQ(extra.code(), StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace slaterl
