// Periodic learner checkpoints (issue 8): checkpoint.interval_updates writes sealed, checksummed
// checkpoints into RUN_DIR/checkpoints (the last keep_last kept); `slaterl eval --policy
// checkpoint:RUN_DIR/checkpoints` uses the newest valid one, skipping a corrupted one with a clear
// message, and fails clearly when none is valid.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>

#include "core/checkpoint_store.h"
#include "tests/launch/process_util.h"

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
