// Test helper: after a run whose shard 0 was restarted from a checkpoint, checks by item key that
// its table at shutdown (the final shard checkpoint) holds every item of the checkpoint it last
// restored, followed by the items inserted after it — none lost, none repeated.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "algos/registry.h"
#include "core/checkpoint_store.h"
#include "envs/registry.h"
#include "algos/run_config.h"
#include "replay/table.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace testing_util {

inline void ExpectShardKeptCheckpointedItems(const std::string& run_yaml, const std::string& run_dir) {
  const std::string shard_log = ReadText(run_dir + "/logs/shard-0.log");
  const size_t at = shard_log.rfind("restored from ");
  ASSERT_NE(at, std::string::npos) << "shard 0 never restored a checkpoint:\n" << shard_log;
  const std::string restored_path = shard_log.substr(at + 14, shard_log.find(' ', at + 14) - at - 14);
  auto run = LoadRun(run_yaml);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  auto env = FindEnv(run->env)->create(run->env_config, 1);
  ASSERT_TRUE(env.ok());
  const ReplayTableSpec spec =
      FindAlgo(run->algo)->replay_spec(run->config, MakeAlgoContext(*run, (*env)->spec())).tables[0];
  ASSERT_TRUE(CheckpointStore::Verify(restored_path).ok()) << "the restored checkpoint is intact";
  auto restored = Table::LoadCheckpoint(spec, restored_path + "/" + spec.name + ".slrt");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  auto store = CheckpointStore::Open(run_dir + "/checkpoints/shard-0", 1);
  ASSERT_TRUE(store.ok());
  auto final_checkpoint = store->Latest(nullptr);  // written at shutdown
  ASSERT_TRUE(final_checkpoint.ok());
  auto final_table = Table::LoadCheckpoint(spec, final_checkpoint->path + "/" + spec.name + ".slrt");
  ASSERT_TRUE(final_table.ok()) << final_table.status().ToString();
  const std::vector<uint64_t> before = (*restored)->Keys(), after = (*final_table)->Keys();
  ASSERT_LE(before.size(), after.size());
  ASSERT_LT(after.size(), static_cast<size_t>(spec.capacity)) << "no eviction, so every key is comparable";
  for (size_t i = 0; i < before.size(); ++i) ASSERT_EQ(after[i], before[i]) << "a checkpointed item was lost";
  for (size_t i = 1; i < after.size(); ++i) ASSERT_EQ(after[i], after[i - 1] + 1) << "keys repeat or skip";
}

}  // namespace testing_util
}  // namespace slaterl
