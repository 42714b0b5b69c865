// Chaos (docs/reliability.md): a local training run with checkpoints on, while a fixed-seed schedule
// SIGKILLs an actor, the replay shard and the learner, several times each, at pseudo-random
// moments. The run must finish; every process is restarted; the final checkpoints verify and
// load; the shard's table at shutdown holds, by item key, every item of the checkpoint it last
// restored plus the ones inserted after it; no checkpoint in the run directory is corrupt.
#include <gtest/gtest.h>
#include <signal.h>

#include <random>

#include "algos/registry.h"
#include "core/json.h"
#include "core/checkpoint_store.h"
#include "envs/registry.h"
#include "algos/run_config.h"
#include "replay/table.h"
#include "tests/launch/process_util.h"
#include "tests/launch/replay_check.h"

namespace slaterl {
namespace {

using namespace testing_util;

TEST(ChaosIntegrationTest, KillsOfEveryRoleLeaveTheRunFinishedAndItsCheckpointsSound) {
  const std::string dir = MakeTempDir("chaos");
  const std::string run_dir = dir + "/run";
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: slateq\n"
            "config: {learning_starts: 500, replay: uniform, replay_capacity: 300000, lr: 0.001, optimizer: adam}\n"
            "stop: {time_total_s: 30}\nevaluation: {final_episodes: 5}\n"
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 1, replay_shards: 1, fragment_length: 10,\n"
            "          max_restarts: 20}\n"
            "checkpoint: {interval_updates: 100, keep_last: 100}\n"
            "reporting: {progress: plain, interval_s: 0.5}\nseed: 7\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", run_dir}, dir + "/launch.log");
  // Wait for the first complete checkpoints of the learner and the shard.
  ASSERT_TRUE(WaitUntil([&] {
    return RunCommand("ls " + run_dir + "/checkpoints/shard-0/ckpt-*/MANIFEST " + run_dir +
                      "/checkpoints/ckpt-*/MANIFEST").exit_code == 0;
  }, std::chrono::seconds(60))) << ReadText(dir + "/launch.log");
  std::mt19937 rng(2026);  // a fixed schedule
  const char* roles[] = {"actor", "shard", "learner"};
  int kills[3] = {0, 0, 0};
  for (int round = 0; round < 6; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1500));
    const int r = round % 3;  // every role twice, in turn
    const pid_t pid = FindRolePid(run_dir, roles[r], r == 0 ? static_cast<int>(rng() % 2) : 0);
    if (pid > 0 && ::kill(pid, SIGKILL) == 0) ++kills[r];
  }
  ASSERT_EQ(WaitForExit(launcher, std::chrono::seconds(180)), 0) << ReadText(dir + "/launch.log");
  for (int r = 0; r < 3; ++r) EXPECT_GE(kills[r], 1) << roles[r];
  const std::string summary = ReadText(run_dir + "/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  double restarts = 0;
  for (const char* key : {"actor_restarts", "shard_restarts", "learner_restarts"}) {
    ASSERT_TRUE(JsonGetNumber(summary, key, &restarts)) << summary;
    EXPECT_GE(restarts, 1) << key;
  }
  // Every complete checkpoint verifies (none corrupt); the newest of each loads.
  auto learner_store = CheckpointStore::Open(run_dir + "/checkpoints", 100);
  auto shard_store = CheckpointStore::Open(run_dir + "/checkpoints/shard-0", 100);
  ASSERT_TRUE(learner_store.ok() && shard_store.ok());
  for (const CheckpointStore* store : {&*learner_store, &*shard_store}) {
    for (int64_t step : store->Steps()) {
      char name[32];
      std::snprintf(name, sizeof(name), "/ckpt-%012lld", static_cast<long long>(step));
      EXPECT_TRUE(CheckpointStore::Verify(store->dir() + name).ok()) << store->dir() << name;
    }
  }
  auto run = LoadRun(dir + "/run.yaml");
  ASSERT_TRUE(run.ok());
  auto env = FindEnv("lts")->create(run->env_config, 1);
  const AlgoContext ctx = MakeAlgoContext(*run, (*env)->spec());
  auto trainer = FindAlgo("slateq")->create_trainer(run->config, ctx);
  ASSERT_TRUE(trainer.ok());
  auto latest = learner_store->Latest(nullptr);
  ASSERT_TRUE(latest.ok());
  EXPECT_TRUE((*trainer)->load(latest->path + "/learner").ok()) << "the final learner checkpoint loads";
  // The shard's last restore and its table at shutdown, compared by item key.
  ExpectShardKeptCheckpointedItems(dir + "/run.yaml", run_dir);
}

}  // namespace
}  // namespace slaterl
