// Tests of `slaterl data generate` (actors/data_generate.h): the ε-greedy oracle logging policy
// played on `topics`, and the file it writes.
#include "actors/data_generate.h"

#include <unistd.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/episode_runner.h"
#include "algos/baselines/baselines.h"
#include "datasets/logged_data.h"
#include "core/files.h"
#include "algos/run_config.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

struct Logged {
  std::vector<int32_t> items;  // trajectories × T × k
  std::vector<uint8_t> clicks;
  int64_t trajectories = 0;
};

std::unique_ptr<TopicsVecEnv> MakeEnv(int num_envs) {
  auto env = TopicsVecEnv::Create(
      TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kFocused), num_envs);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return env.ok() ? std::move(env).value() : nullptr;
}

Logged Play(Policy& policy, int num_envs, int64_t trajectories, uint64_t env_seed, uint64_t policy_seed) {
  auto env = MakeEnv(num_envs);
  Logged out;
  if (!env) return out;
  const size_t slots = 100 * 10;
  Status status = PlayLoggingPolicy(
      *env, policy, trajectories, env_seed, policy_seed,
      [&](const int32_t* items, const uint8_t* clicks) {
        out.items.insert(out.items.end(), items, items + slots);
        out.clicks.insert(out.clicks.end(), clicks, clicks + slots);
        ++out.trajectories;
        return Status::Ok();
      });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

TEST(DataGenerateTest, EpsilonZeroLogsTheOracleServedSlatesAndTheStepClicks) {
  auto env = MakeEnv(4);
  ASSERT_NE(env, nullptr);
  EpsilonOraclePolicy eps0(env->spec(), 0.0);
  OracleSentinelPolicy oracle(env->spec());
  const Logged a = Play(eps0, 4, /*trajectories=*/8, /*env_seed=*/5, /*policy_seed=*/9);
  const Logged b = Play(oracle, 4, 8, 5, 9);
  ASSERT_EQ(a.trajectories, 8);
  EXPECT_EQ(a.items, b.items);
  EXPECT_EQ(a.clicks, b.clicks);
  // Served ids (no −1 left), the oracle's top-10: distinct within a slate.
  for (size_t s = 0; s < a.items.size(); s += 10) {
    std::set<int32_t> slate(a.items.begin() + s, a.items.begin() + s + 10);
    EXPECT_EQ(slate.size(), 10u);
    EXPECT_GE(*slate.begin(), 0);
  }
  // The stored clicks are the step rewards: per trajectory they sum to the episode return that
  // `eval` reports for the same users (reset clicks are not stored, nor counted in returns).
  auto eval_env = MakeEnv(4);
  OracleSentinelPolicy eval_oracle(eval_env->spec());
  auto returns = RunEpisodes(*eval_env, eval_oracle, 8, /*seed=*/5);
  ASSERT_TRUE(returns.ok());
  for (int64_t t = 0; t < 8; ++t) {
    int clicks = 0;
    for (size_t s = 0; s < 1000; ++s) clicks += a.clicks[static_cast<size_t>(t) * 1000 + s];
    EXPECT_EQ(clicks, returns->returns[static_cast<size_t>(t)]) << t;
  }
}

TEST(DataGenerateTest, EpsilonOneLogsDistinctRandomItemsAsRandomDoes) {
  auto env = MakeEnv(2);
  ASSERT_NE(env, nullptr);
  EpsilonOraclePolicy eps1(env->spec(), 1.0);
  RandomSlatePolicy random(env->spec());
  const Logged a = Play(eps1, 2, 4, 5, 9);
  const Logged b = Play(random, 2, 4, 5, 9);
  EXPECT_EQ(a.items, b.items);
  std::set<int32_t> all;
  for (size_t s = 0; s < a.items.size(); s += 10) {
    std::set<int32_t> slate(a.items.begin() + s, a.items.begin() + s + 10);
    EXPECT_EQ(slate.size(), 10u);
    all.insert(slate.begin(), slate.end());
  }
  EXPECT_GT(all.size(), 900u);  // 4000 uniform draws cover ≈ 98% of the catalogue
  // Random slates earn far fewer clicks than the oracle's (33.7 vs 104 per episode:
  // data/reference/reference.csv, topics_focused_topdown/random and /oracle).
  int clicks = 0;
  for (uint8_t c : a.clicks) clicks += c;
  EXPECT_LT(clicks / 4.0, 60.0);
}

TEST(DataGenerateTest, HalfTheSlotsAreRandomAtEpsilonHalf) {
  auto env = MakeEnv(4);
  ASSERT_NE(env, nullptr);
  EpsilonOraclePolicy eps(env->spec(), 0.5);
  EpsilonOraclePolicy eps0(env->spec(), 0.0);
  const Logged mixed = Play(eps, 4, 8, 5, 9);
  const Logged oracle = Play(eps0, 4, 8, 5, 9);
  // 8 trajectories × 1000 slots = 8000 policy slots, sd 45.
  const double fraction = static_cast<double>(eps.random_slots()) /
                          static_cast<double>(eps.random_slots() + eps.oracle_slots());
  EXPECT_NEAR(fraction, 0.5, 0.03);
  // The first slate of every trajectory meets the same user state in both runs (step 1 follows
  // the same reset), so its oracle slots hold the oracle's items: where the ε run differs from
  // the oracle, the slot was random; about half the slots differ.
  int differ = 0, total = 0;
  for (int64_t t = 0; t < 8; ++t)
    for (int r = 0; r < 10; ++r, ++total)
      differ += mixed.items[static_cast<size_t>(t) * 1000 + r] != oracle.items[static_cast<size_t>(t) * 1000 + r];
  EXPECT_GT(differ, total / 4);
  EXPECT_LT(differ, total * 3 / 4);
}

TEST(DataGenerateTest, WritesAFileThatIsAPureFunctionOfItsInputs) {
  auto run = LoadRun(SourceDir() + "/configs/envs/topics_focused_topdown.yaml");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const std::string dir = MakeTempDir("datagen");
  DataGenerateOptions options;
  options.episodes = 21;  // not a multiple of num_envs: the last round keeps the first envs
  options.num_envs = 8;
  options.out = dir + "/a.slrllog";
  options.progress = "off";
  auto result = GenerateLoggedData(*run, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->trajectories, 21);
  EXPECT_NEAR(result->random_slot_fraction, 0.5, 0.05);
  EXPECT_GT(result->trajectories_per_sec, 0.0);
  auto data = ReadLoggedDataset(options.out);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->num_trajectories(), 21);
  EXPECT_EQ(data->steps_per_trajectory(), 100);
  EXPECT_EQ(data->slate_size(), 10);
  EXPECT_EQ(data->num_items(), 1000);
  EXPECT_EQ(result->file_bytes, data->header.FileBytes());
  const std::string& provenance = data->header.provenance_json;
  for (const char* field : {"\"env\": \"topics\"", "\"policy\": \"oracle\"", "\"epsilon\": 0.5",
                            "\"policy_seed\": 2754851", "\"variant\": \"TopDown\"", "\"embeddings\": \"focused\""})
    EXPECT_NE(provenance.find(field), std::string::npos) << field << " in " << provenance;
  int64_t clicks = 0;
  for (uint8_t c : data->clicks) clicks += c;
  EXPECT_NEAR(static_cast<double>(clicks) / 21, result->clicks_per_trajectory, 1e-9);

  options.out = dir + "/b.slrllog";
  ASSERT_TRUE(GenerateLoggedData(*run, options).ok());
  EXPECT_EQ(ReadText(dir + "/a.slrllog"), ReadText(dir + "/b.slrllog"));
  options.out = dir + "/c.slrllog";
  options.policy_seed = 1;
  ASSERT_TRUE(GenerateLoggedData(*run, options).ok());
  EXPECT_NE(ReadText(dir + "/a.slrllog"), ReadText(dir + "/c.slrllog"));
  for (const char* f : {"/a.slrllog", "/b.slrllog", "/c.slrllog"}) ::unlink((dir + f).c_str());
  ::rmdir(dir.c_str());
}

TEST(DataGenerateTest, RejectsOtherEnvsAndPolicies) {
  auto lts = LoadRun(SourceDir() + "/configs/envs/lts.yaml");
  ASSERT_TRUE(lts.ok());
  DataGenerateOptions options;
  options.episodes = 1;
  options.out = "/tmp/never-written.slrllog";
  options.progress = "off";
  auto result = GenerateLoggedData(*lts, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("'topics'"), std::string::npos) << result.status().message();
  auto topics = LoadRun(SourceDir() + "/configs/envs/topics_focused_topdown.yaml");
  ASSERT_TRUE(topics.ok());
  options.policy = "random";
  EXPECT_FALSE(GenerateLoggedData(*topics, options).ok());
  options.policy = "oracle";
  options.epsilon = 1.5;
  EXPECT_FALSE(GenerateLoggedData(*topics, options).ok());
  EXPECT_FALSE(PathExists(options.out));
}

TEST(DataGenerateTest, CommandLineWritesTheFileAndNamesTheRate) {
  const std::string dir = MakeTempDir("datagen-cli");
  const std::string out = dir + "/d.slrllog";
  auto r = RunCommand(Binary() + " data generate " + SourceDir() +
                      "/configs/envs/topics_focused_topdown.yaml --policy oracle --epsilon 0.5 "
                      "--episodes 10 --num-envs 4 --seed 3 --out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("trajectories/s"), std::string::npos) << r.output;
  auto data = ReadLoggedDataset(out);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_NE(data->header.provenance_json.find("\"policy_seed\": 3"), std::string::npos);
  auto bad = RunCommand(Binary() + " data generate " + SourceDir() + "/configs/envs/lts.yaml --episodes 1 --out " + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("topics"), std::string::npos) << bad.output;
  ::unlink(out.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace slaterl
