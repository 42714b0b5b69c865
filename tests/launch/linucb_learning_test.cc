// LinUCB learns through the distributed path (local backend: actor processes → replay shards →
// learner → weights back). It is myopic, so on LTS defaults it should converge to the `choc`
// baseline of the original (data/reference/reference.csv, rows lts_default/choc and
// lts_default/random).
#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"
#include "tests/launch/process_util.h"
#include "tests/testing/reference.h"

namespace slaterl {
namespace {

using namespace testing_util;


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
  const SampleSummary choc = ReferenceSample("lts_default/choc"), random = ReferenceSample("lts_default/random");
  ASSERT_GT(choc.n, 0);
  ASSERT_GT(random.n, 0);
  const double se_choc = std::sqrt(std * std / episodes + choc.std * choc.std / choc.n);
  const double se_random = std::sqrt(std * std / episodes + random.std * random.std / random.n);
  EXPECT_LT(std::fabs(mean - choc.mean), 3 * se_choc) << "final evaluation " << mean;
  EXPECT_GT(mean - random.mean, 5 * se_random) << "final evaluation " << mean;
}

}  // namespace
}  // namespace slaterl
