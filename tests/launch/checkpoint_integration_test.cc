// Periodic learner checkpoints (docs/reliability.md): checkpoint.interval_updates writes sealed, checksummed
// checkpoints into RUN_DIR/checkpoints (the last keep_last kept); `slaterl eval --policy
// checkpoint:RUN_DIR/checkpoints` uses the newest valid one, skipping a corrupted one with a clear
// message, and fails clearly when none is valid.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <sstream>

#include <signal.h>

#include "algos/registry.h"
#include "core/checkpoint_store.h"
#include "envs/registry.h"
#include "algos/run_config.h"
#include "replay/table.h"
#include "core/json.h"
#include "tests/launch/process_util.h"
#include "tests/launch/replay_check.h"

namespace slaterl {
namespace {

using namespace testing_util;

TEST(CheckpointIntegrationTest, PeriodicCheckpointsAreSealedPrunedAndSurviveCorruption) {
  const std::string dir = MakeTempDir("ckpt-run");
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nconfig: {batch_size: 64}\nstop: {timesteps_total: 40000}\n"
            "evaluation: {final_episodes: 20}\n"
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 4, replay_shards: 1}\n"
            "checkpoint: {interval_updates: 50, keep_last: 2}\nreporting: {progress: off}\nseed: 4\n");
  const CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto store = CheckpointStore::Open(dir + "/run/checkpoints", 2);
  ASSERT_TRUE(store.ok());
  const std::vector<int64_t> steps = store->Steps();
  ASSERT_EQ(steps.size(), 2u) << "keep_last: 2";
  std::vector<std::string> skipped;
  auto latest = store->Latest(&skipped);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->step, steps.back());
  EXPECT_TRUE(skipped.empty());
  const std::string summary = ReadText(dir + "/run/summary.json");
  EXPECT_NE(summary.find("\"learner/checkpoints\""), std::string::npos) << summary;

  const std::string eval = Binary() + " eval " + dir + "/run.yaml --episodes 10 --json --policy checkpoint:" + dir +
                           "/run/checkpoints 2>&1";
  CommandResult ok = RunCommand(eval);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("using " + latest->path), std::string::npos) << ok.output;

  // Flip a byte of every file of the newest checkpoint's learner state: the previous one is used.
  for (const std::string& file : latest->files) {
    if (file.rfind("learner/", 0) != 0) continue;
    std::fstream f(latest->path + "/" + file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('\x7f');
  }
  CommandResult fallback = RunCommand(eval);
  ASSERT_EQ(fallback.exit_code, 0) << fallback.output;
  EXPECT_NE(fallback.output.find("skipping a checkpoint"), std::string::npos) << fallback.output;
  EXPECT_NE(fallback.output.find("CRC-32C mismatch"), std::string::npos) << fallback.output;
  auto previous = store->Latest(nullptr);
  ASSERT_TRUE(previous.ok());
  EXPECT_EQ(previous->step, steps.front());
  EXPECT_NE(fallback.output.find("using " + previous->path), std::string::npos) << fallback.output;

  // Truncate the older one too: no valid checkpoint is an error that says so.
  for (const std::string& file : previous->files)
    if (file.rfind("learner/", 0) == 0) std::ofstream(previous->path + "/" + file, std::ios::trunc) << "x";
  CommandResult none = RunCommand(eval);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("no valid checkpoint"), std::string::npos) << none.output;
}

}  // namespace
}  // namespace slaterl

namespace slaterl {
namespace {

using namespace testing_util;

TEST(CheckpointIntegrationTest, AKilledLearnerIsRestartedFromItsNewestCheckpoint) {
  const std::string dir = MakeTempDir("ckpt-learner");
  const std::string run_dir = dir + "/run";
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nconfig: {batch_size: 64}\nstop: {time_total_s: 14}\n"
            "evaluation: {final_episodes: 50}\n"
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 4, replay_shards: 1}\n"
            "checkpoint: {interval_updates: 20, keep_last: 2}\nreporting: {progress: plain, interval_s: 0.5}\nseed: 5\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", run_dir}, dir + "/launch.log");
  pid_t learner = -1;
  ASSERT_TRUE(WaitUntil([&] {
    learner = FindRolePid(run_dir, "learner", 0);
    return learner > 0 && RunCommand("ls -d " + run_dir + "/checkpoints/ckpt-*").exit_code == 0;
  }, std::chrono::seconds(40))) << ReadText(dir + "/launch.log");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(::kill(learner, SIGKILL), 0);
  ASSERT_EQ(WaitForExit(launcher, std::chrono::seconds(90)), 0) << ReadText(dir + "/launch.log");
  const std::string log = ReadText(dir + "/launch.log");
  EXPECT_NE(log.find("restarted learner-0"), std::string::npos) << log;
  EXPECT_NE(ReadText(run_dir + "/logs/learner-0.log").find("learner restarted from " + run_dir + "/checkpoints/ckpt-"),
            std::string::npos);
  const std::string summary = ReadText(run_dir + "/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"learner_restarts\": 1"), std::string::npos) << summary;
  double final_eval = 0;
  ASSERT_TRUE(JsonGetNumber(summary.substr(summary.find("\"final_eval\"")), "eval/episode_reward_mean", &final_eval));
  EXPECT_GT(final_eval, 1000.0) << "the restarted learner's weights reached the evaluator (random ≈ 944)";
}

}  // namespace
}  // namespace slaterl

namespace slaterl {
namespace {

using namespace testing_util;

// The restored shard holds exactly the checkpoint's items plus those inserted after it: the keys
// of the table at shutdown are the restored keys followed by newer ones, none lost or repeated.
TEST(CheckpointIntegrationTest, AKilledShardIsRestartedWithItsCheckpointedTables) {
  const std::string dir = MakeTempDir("ckpt-shard");
  const std::string run_dir = dir + "/run";
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: slateq\n"
            "config: {learning_starts: 500, replay: uniform, replay_capacity: 300000, lr: 0.001, optimizer: adam}\n"
            "stop: {time_total_s: 12}\nevaluation: {final_episodes: 5}\n"
            "cluster: {backend: local, num_actors: 1, num_envs_per_actor: 1, replay_shards: 1, fragment_length: 10}\n"
            "checkpoint: {interval_updates: 100, keep_last: 100}\n"
            "reporting: {progress: plain, interval_s: 0.5}\nseed: 6\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", run_dir}, dir + "/launch.log");
  pid_t shard = -1;
  ASSERT_TRUE(WaitUntil([&] {
    shard = FindRolePid(run_dir, "shard", 0);
    return shard > 0 && RunCommand("ls " + run_dir + "/checkpoints/shard-0/ckpt-*/MANIFEST").exit_code == 0;
  }, std::chrono::seconds(40))) << ReadText(dir + "/launch.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(::kill(shard, SIGKILL), 0);
  ASSERT_EQ(WaitForExit(launcher, std::chrono::seconds(120)), 0) << ReadText(dir + "/launch.log");
  const std::string summary = ReadText(run_dir + "/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"shard_restarts\": 1"), std::string::npos) << summary;
  // The learner noticed the dead shard by its disconnection (not the 60 s silence timeout) and
  // trained on the restarted one.
  const std::string learner_log = ReadText(run_dir + "/logs/learner-0.log");
  EXPECT_NE(learner_log.find("shard 0 disconnected"), std::string::npos) << learner_log;
  EXPECT_EQ(learner_log.find("answered nothing"), std::string::npos) << learner_log;
  ExpectShardKeptCheckpointedItems(dir + "/run.yaml", run_dir);
}

}  // namespace
}  // namespace slaterl

namespace slaterl {
namespace {

using namespace testing_util;

// launch --resume after the launcher (and with it every role) was SIGKILLed: the run continues
// from its newest learner and shard checkpoints and metrics.jsonl continues without repeated or
// missing steps, its time_total_s continuing from the last row kept (never back to 0).
TEST(CheckpointIntegrationTest, LaunchResumeContinuesAKilledRunFromItsCheckpoints) {
  const std::string dir = MakeTempDir("ckpt-resume");
  const std::string run_dir = dir + "/run";
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: slateq\n"
            "config: {learning_starts: 500, replay: uniform, replay_capacity: 300000, lr: 0.001, optimizer: adam}\n"
            "stop: {timesteps_total: 16000}\nevaluation: {final_episodes: 5}\n"
            "cluster: {backend: local, num_actors: 1, num_envs_per_actor: 1, replay_shards: 1, fragment_length: 10}\n"
            "checkpoint: {interval_updates: 100, keep_last: 3}\n"
            "reporting: {progress: plain, interval_s: 0.5}\nseed: 9\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", run_dir}, dir + "/launch.log");
  ASSERT_TRUE(WaitUntil([&] {
    return RunCommand("ls " + run_dir + "/checkpoints/ckpt-*/MANIFEST " + run_dir + "/checkpoints/shard-0/ckpt-*/MANIFEST")
               .exit_code == 0;
  }, std::chrono::seconds(60))) << ReadText(dir + "/launch.log");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  (void)WaitForExit(launcher, std::chrono::seconds(5));
  ASSERT_TRUE(WaitUntil([&] { return !AnyRoleRunning(run_dir); },
                        std::chrono::seconds(20))) << "roles outlived the launcher";
  const CommandResult resumed = RunCommand(Binary() + " launch --resume " + run_dir + " 2>&1");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming " + run_dir + " from " + run_dir + "/checkpoints/ckpt-"), std::string::npos)
      << resumed.output;
  // The learner and the shard start from the same run checkpoint N (the shard checkpoints its
  // tables on the learner's request after the learner's own checkpoint N).
  auto checkpoint_named = [](const std::string& log, const std::string& marker) {
    const size_t at = log.find(marker);
    if (at == std::string::npos) return std::string("(none)");
    const size_t name = log.find("ckpt-", at);
    return name == std::string::npos ? std::string("(none)") : log.substr(name, 17);
  };
  const std::string learner_from = checkpoint_named(ReadText(run_dir + "/logs/learner-0.log"), "restarted from");
  const std::string shard_from = checkpoint_named(ReadText(run_dir + "/logs/shard-0.log"), "restored from");
  EXPECT_NE(learner_from, "(none)");
  EXPECT_EQ(shard_from, learner_from);
  const std::string summary = ReadText(run_dir + "/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  // metrics.jsonl: one history, iterations strictly increasing, env steps and time_total_s never
  // going back (also across the resume boundary), no negative time_this_iter_s.
  std::istringstream rows(ReadText(run_dir + "/metrics.jsonl"));
  double last_iteration = 0, last_steps = -1, steps = 0, iteration = 0, last_time = -1, time = 0, dt = 0;
  int count = 0;
  for (std::string row; std::getline(rows, row);) {
    ASSERT_TRUE(JsonGetNumber(row, "training_iteration", &iteration) && JsonGetNumber(row, "timesteps_total", &steps) &&
                JsonGetNumber(row, "time_total_s", &time) && JsonGetNumber(row, "time_this_iter_s", &dt))
        << row;
    EXPECT_GT(iteration, last_iteration) << row;
    EXPECT_GE(steps, last_steps) << row;
    EXPECT_GE(time, last_time) << "time_total_s went back\n" << row;
    EXPECT_GE(dt, 0.0) << row;
    last_iteration = iteration, last_steps = steps, last_time = time;
    ++count;
  }
  EXPECT_GT(count, 3);
  EXPECT_GE(last_steps, 16000) << "the resumed run reached its stop";
}

}  // namespace
}  // namespace slaterl
