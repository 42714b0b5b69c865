// backend: inproc runs every role in one process in a fixed order: a run is a pure function of
// its config and seed.
#include <gtest/gtest.h>

#include "core/json.h"
#include "launch/launcher.h"
#include "algos/run_config.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

std::vector<std::string> RewardColumns(const std::string& metrics) {
  std::vector<std::string> out;
  for (const auto& row : Lines(metrics)) {
    std::string key_values;
    for (const char* key : {"timesteps_total", "episodes_total", "episode_reward_mean", "episode_reward_min",
                            "episode_reward_max", "eval/episode_reward_mean", "learner/num_updates",
                            "learner/theta_norm"}) {
      double v = 0;
      key_values += std::string(key) + "=" + (JsonGetNumber(row, key, &v) ? JsonNumber(v) : "absent") + " ";
    }
    out.push_back(key_values);
  }
  return out;
}

std::string RunInprocOnce(const std::string& dir, const std::string& name, int seed) {
  WriteText(dir + "/" + name + ".yaml",
            "env: lts\nalgo: linucb\nstop: {timesteps_total: 20000}\n"
            "evaluation: {interval_timesteps: 5000, episodes: 10}\n"
            "cluster: {backend: inproc, num_actors: 3, num_envs_per_actor: 4, replay_shards: 2}\n"
            "reporting: {interval_timesteps: 2000, progress: off}\nseed: " + std::to_string(seed) + "\n");
  auto run = LoadRun(dir + "/" + name + ".yaml");
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  LaunchOptions options;
  options.run_dir = dir + "/" + name;
  auto result = Launch(*run, options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return ReadText(dir + "/" + name + "/metrics.jsonl");
}

TEST(InprocTest, SameSeedGivesIdenticalMetrics) {
  const std::string dir = MakeTempDir("inproc");
  const std::string a = RunInprocOnce(dir, "a", 7), b = RunInprocOnce(dir, "b", 7);
  const auto rows_a = RewardColumns(a), rows_b = RewardColumns(b);
  ASSERT_GE(rows_a.size(), 5u);
  EXPECT_EQ(rows_a, rows_b);
  // Evaluations and learning happened.
  EXPECT_NE(a.find("eval/episode_reward_mean"), std::string::npos);
  EXPECT_NE(rows_a.back().find("learner/num_updates="), std::string::npos);
}

TEST(InprocTest, DifferentSeedGivesDifferentMetrics) {
  const std::string dir = MakeTempDir("inproc-seed");
  EXPECT_NE(RewardColumns(RunInprocOnce(dir, "a", 7)), RewardColumns(RunInprocOnce(dir, "b", 8)));
}

}  // namespace
}  // namespace slaterl

namespace slaterl {
namespace {

using namespace testing_util;

std::string LossColumn(const std::string& metrics) {
  std::string out;
  for (const auto& row : Lines(metrics)) {
    double loss = 0, reward = 0;
    out += (JsonGetNumber(row, "learner/loss", &loss) ? JsonNumber(loss) : "absent") + "/" +
           (JsonGetNumber(row, "episode_reward_mean", &reward) ? JsonNumber(reward) : "absent") + " ";
  }
  return out;
}

// A LibTorch learner too: the initial weights derive from the run seed.
TEST(InprocTest, SlateQRunsAreIdenticalWithTheSameSeed) {
  const std::string dir = MakeTempDir("inproc-slateq");
  const std::string yaml =
      "env: interest_evolution\nenv_config: {num_candidates: 10, slate_size: 2}\nalgo: slateq\n"
      "config: {learning_starts: 500, epsilon_warmup_timesteps: 500, epsilon_timesteps: 2000, optimizer: adam, lr: 0.001}\n"
      "stop: {timesteps_total: 4000}\nevaluation: {final_episodes: 20}\n"
      "cluster: {backend: inproc, num_actors: 2, num_envs_per_actor: 2}\n"
      "reporting: {progress: off, interval_timesteps: 1000}\nseed: 4\n";
  std::string columns[2];
  for (int r = 0; r < 2; ++r) {
    const std::string name = "run" + std::to_string(r);
    WriteText(dir + "/" + name + ".yaml", yaml);
    auto run = LoadRun(dir + "/" + name + ".yaml");
    ASSERT_TRUE(run.ok());
    LaunchOptions options;
    options.run_dir = dir + "/" + name;
    ASSERT_TRUE(Launch(*run, options).ok());
    columns[r] = LossColumn(ReadText(dir + "/" + name + "/metrics.jsonl"));
  }
  EXPECT_EQ(columns[0], columns[1]);
  // The learner trained: the last row reports a loss.
  const size_t last = columns[0].rfind(' ', columns[0].size() - 2);
  EXPECT_NE(columns[0].substr(last + 1, 6), "absent") << columns[0];
}

}  // namespace
}  // namespace slaterl
