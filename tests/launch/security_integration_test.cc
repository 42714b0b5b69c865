// security.curve: true on the local backend: the launcher writes the run's keys (0700 / 0600) and
// every channel (control, fragments, samples, weights) still works under CURVE, so the run
// trains and finishes as it does without it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/json.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

TEST(SecurityIntegrationTest, ARunWithCurveOnEverySocketTrainsAndFinishes) {
  const std::string dir = MakeTempDir("curve-run");
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nstop: {timesteps_total: 30000}\nevaluation: {final_episodes: 50}\n"
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 4, replay_shards: 2}\n"
            "reporting: {progress: off}\nsecurity: {curve: true}\nseed: 1\n");
  const CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("security: CURVE on every socket"), std::string::npos) << r.output;
  struct stat st;
  ASSERT_EQ(::stat((dir + "/run/keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir + "/run/keys/server.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string summary = ReadText(dir + "/run/summary.json");
  double updates = 0, final_eval = 0;
  ASSERT_TRUE(JsonGetNumber(summary, "learner/num_updates", &updates)) << summary;
  EXPECT_GT(updates, 0) << "samples reached the learner";
  const std::string final_section = summary.substr(summary.find("\"final_eval\""));
  ASSERT_TRUE(JsonGetNumber(final_section, "eval/episode_reward_mean", &final_eval));
  EXPECT_GT(final_eval, 1000.0) << "trained weights reached the evaluator (random ≈ 944)";
}

}  // namespace
}  // namespace slaterl
