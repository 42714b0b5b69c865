// Small GeMS learning tests through the inproc pipeline (actor → trajectory replay → learner →
// weights) on focused TopDown, reduced from the paper protocol (docs/algorithms.md §1.3) to a few hundred
// trajectories: SAC+TopK (ideal) passes the short-term oracle, REINFORCE+SoftMax and SlateQ
// (gems) beat random by a wide margin. The random and short-term oracle returns of the original
// are rows topics_focused_topdown/random and /oracle of data/reference/reference.csv.
#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"
#include "launch/launcher.h"
#include "algos/run_config.h"
#include "tests/launch/process_util.h"
#include "tests/testing/reference.h"

namespace slaterl {
namespace {

using namespace testing_util;


double FinalEvalMean(const std::string& dir, const std::string& name, const std::string& algo_yaml, int seed,
                     int episodes) {
  const std::string yaml =
      "env: topics\nenv_config: {variant: TopDown, embeddings: focused}\n" + algo_yaml +
      "stop: {episodes_total: " + std::to_string(episodes) + "}\n"
      "evaluation: {final_episodes: 100, num_envs: 20}\n"
      "cluster: {backend: inproc, num_actors: 1, num_envs_per_actor: 1, replay_shards: 1}\n"
      "reporting: {progress: off, interval_timesteps: 10000}\nseed: " + std::to_string(seed) + "\n";
  WriteText(dir + "/" + name + ".yaml", yaml);
  auto run = LoadRun(dir + "/" + name + ".yaml");
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  if (!run.ok()) return 0.0;
  LaunchOptions options;
  options.run_dir = dir + "/" + name;
  auto result = Launch(*run, options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  const std::string summary = ReadText(dir + "/" + name + "/summary.json");
  const size_t at = summary.find("\"final_eval\"");
  EXPECT_NE(at, std::string::npos) << summary;
  double mean = 0.0;
  if (at != std::string::npos) {
    EXPECT_TRUE(JsonGetNumber(summary.substr(at), "eval/episode_reward_mean", &mean));
  }
  return mean;
}

TEST(GemsLearningTest, SacTopKIdealPassesTheShortTermOracle) {
  const std::string dir = MakeTempDir("gems-sac");
  for (int seed : {1, 2}) {
    const double mean = FinalEvalMean(
        dir, "sac" + std::to_string(seed),
        "algo: sac\nconfig: {ranker: topk, ranker_embeddings: ideal, random_steps: 100}\n", seed, 400);
    EXPECT_GT(mean, 1.3 * ReferenceSample("topics_focused_topdown/oracle").mean) << "seed " << seed;
  }
}

TEST(GemsLearningTest, ReinforceSoftmaxBeatsRandom) {
  const std::string dir = MakeTempDir("gems-reinforce");
  const double mean = FinalEvalMean(dir, "reinforce", "algo: reinforce\nconfig: {random_steps: 100}\n", 1, 400);
  EXPECT_GT(mean, 2.5 * ReferenceSample("topics_focused_topdown/random").mean);
}

TEST(GemsLearningTest, SlateQGemsBeatsRandom) {
  const std::string dir = MakeTempDir("gems-slateq");
  const double mean = FinalEvalMean(
      dir, "slateq",
      "algo: slateq\nconfig: {variant: gems, gamma: 0.8, lr: 0.001, hiddens: \"256\", batch_size: 20,\n"
      "         replay_capacity: 10000, tau: 0.002, random_steps: 100, epsilon_decay_episodes: 100}\n",
      1, 300);
  EXPECT_GT(mean, 2.0 * ReferenceSample("topics_focused_topdown/random").mean);
}

}  // namespace
}  // namespace slaterl
