// LinUCB learns through the distributed path (local backend: actor processes → replay shards →
// learner → weights back). It is myopic, so on LTS defaults it should converge to the `choc`
// baseline (1111.09 ± 8.65 over 500 episodes; random 943.77 ± 7.40; data/reference/reference.csv,
// rows lts_default/choc and lts_default/random).
#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

constexpr double kChocMean = 1111.0928, kChocStd = 193.3970;
constexpr double kRandomMean = 943.7687, kRandomStd = 165.3804;
constexpr double kReferenceEpisodes = 500;

TEST(LinUcbLearningTest, ReachesTheChocLevelThroughTheLocalBackend) {
  const std::string dir = MakeTempDir("linucb-learn");
  WriteText(dir + "/run.yaml",
            "env: lts\nenv_config: {num_candidates: 10, slate_size: 3}\nalgo: linucb\n"
            "stop: {timesteps_total: 150000}\n"
            "evaluation: {final_episodes: 500, seed: 12345}\n"
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 8, replay_shards: 2}\n"
            "reporting: {progress: plain}\nseed: 3\n");
  CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string summary = ReadText(dir + "/run/summary.json");
  const size_t at = summary.find("\"final_eval\"");
  ASSERT_NE(at, std::string::npos) << summary;
  double mean = 0, std = 0, episodes = 0;
  ASSERT_TRUE(JsonGetNumber(summary.substr(at), "eval/episode_reward_mean", &mean));
  ASSERT_TRUE(JsonGetNumber(summary.substr(at), "eval/episode_reward_std", &std));
  ASSERT_TRUE(JsonGetNumber(summary.substr(at), "eval/episodes", &episodes));
  ASSERT_EQ(episodes, 500);
  const double se_choc = std::sqrt(std * std / episodes + kChocStd * kChocStd / kReferenceEpisodes);
  const double se_random = std::sqrt(std * std / episodes + kRandomStd * kRandomStd / kReferenceEpisodes);
  EXPECT_LT(std::fabs(mean - kChocMean), 3 * se_choc) << "final evaluation " << mean;
  EXPECT_GT(mean - kRandomMean, 5 * se_random) << "final evaluation " << mean;
}

}  // namespace
}  // namespace slaterl
