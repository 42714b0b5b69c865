#include "core/checkpoint_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "core/files.h"

namespace slaterl {
namespace {

std::string TempDir() {
  char pattern[] = "/tmp/slaterl-ckpt-store-XXXXXX";
  return ::mkdtemp(pattern);
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

Status WriteCheckpoint(CheckpointStore& store, int64_t step, const std::string& payload) {
  ASSIGN_OR_RETURN(std::string dir, store.Begin(step));
  RETURN_IF_ERROR(MakeDirectories(dir + "/learner"));
  Write(dir + "/learner/state.bin", payload);
  Write(dir + "/counters.json", "{\"step\": " + std::to_string(step) + "}");
  return store.Commit(step);
}

TEST(CheckpointStoreTest, KeepsTheLastNAndVerifiesTheNewest) {
  auto store = CheckpointStore::Open(TempDir() + "/checkpoints", 2);
  ASSERT_TRUE(store.ok());
  for (int64_t step : {100, 200, 300}) ASSERT_TRUE(WriteCheckpoint(*store, step, std::string(1000, 'a' + step / 100)).ok());
  EXPECT_EQ(store->Steps(), (std::vector<int64_t>{200, 300}));
  std::vector<std::string> skipped;
  auto latest = store->Latest(&skipped);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->step, 300);
  EXPECT_EQ(latest->files, (std::vector<std::string>{"counters.json", "learner/state.bin"}));
  EXPECT_TRUE(skipped.empty());
  EXPECT_FALSE(store->Begin(300).ok()) << "steps only go forward";
}

TEST(CheckpointStoreTest, ACorruptedOrTruncatedCheckpointFallsBackToThePreviousOneWithAReason) {
  auto store = CheckpointStore::Open(TempDir() + "/checkpoints", 3);
  ASSERT_TRUE(store.ok());
  for (int64_t step : {1, 2, 3}) ASSERT_TRUE(WriteCheckpoint(*store, step, std::string(4096, 'x')).ok());
  const std::string newest = store->dir() + "/ckpt-000000000003/learner/state.bin";
  {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('y');  // one flipped byte
  }
  ::truncate((store->dir() + "/ckpt-000000000002/learner/state.bin").c_str(), 10);
  std::vector<std::string> skipped;
  auto latest = store->Latest(&skipped);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->step, 1);
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped[0].find("CRC-32C mismatch"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[0].find("ckpt-000000000003/learner/state.bin"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[1].find("truncated"), std::string::npos) << skipped[1];
}

TEST(CheckpointStoreTest, AnInterruptedWriteIsNeitherLatestNorInTheWay) {
  auto store = CheckpointStore::Open(TempDir() + "/checkpoints", 2);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(WriteCheckpoint(*store, 10, "ten").ok());
  auto tmp = store->Begin(20);  // a writer that crashes before Commit
  ASSERT_TRUE(tmp.ok());
  Write(*tmp + "/half", "partial");
  auto latest = store->Latest(nullptr);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->step, 10);
  // A manifest-less directory renamed into place (e.g. copied by hand) is skipped too.
  ASSERT_TRUE(MakeDirectories(store->dir() + "/ckpt-000000000015").ok());
  std::vector<std::string> skipped;
  latest = store->Latest(&skipped);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->step, 10);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("MANIFEST: missing"), std::string::npos) << skipped[0];
  ASSERT_TRUE(WriteCheckpoint(*store, 30, "thirty").ok()) << "the next write removes the stale .tmp";
  EXPECT_FALSE(PathExists(*tmp));
}

TEST(CheckpointStoreTest, ContinuingFromAnOlderCheckpointSetsTheNewerOnesAsideAndWritesAgain) {
  const std::string dir = TempDir() + "/checkpoints";
  auto store = CheckpointStore::Open(dir, 5);
  ASSERT_TRUE(store.ok());
  for (int64_t step : {10, 20, 30}) ASSERT_TRUE(WriteCheckpoint(*store, step, "payload").ok());
  Write(store->PathFor(30) + "/learner/state.bin", "corrupt");  // the newest no longer verifies
  std::vector<std::string> skipped;
  auto latest = store->Latest(&skipped);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->step, 20);
  EXPECT_FALSE(store->Begin(30).ok()) << "without setting aside, step 30 is taken";
  auto moved = store->SetAsideNewerThan(20);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, (std::vector<std::string>{store->PathFor(30) + ".superseded"}));
  EXPECT_TRUE(PathExists(store->PathFor(30) + ".superseded/learner/state.bin")) << "kept for inspection";
  EXPECT_EQ(store->Steps(), (std::vector<int64_t>{10, 20}));
  ASSERT_TRUE(WriteCheckpoint(*store, 30, "again").ok());
  EXPECT_EQ(store->Latest(nullptr)->step, 30);
  // A second abandonment of step 30 keeps both set-aside copies.
  ASSERT_TRUE(store->SetAsideNewerThan(20).ok());
  EXPECT_TRUE(PathExists(store->PathFor(30) + ".superseded-2"));
  EXPECT_TRUE(store->SetAsideNewerThan(20)->empty());
}

TEST(CheckpointStoreTest, AtOrLatestTakesTheAskedStepOrFallsBackWithAReason) {
  auto store = CheckpointStore::Open(TempDir() + "/checkpoints", 5);
  ASSERT_TRUE(store.ok());
  for (int64_t step : {1, 2, 3}) ASSERT_TRUE(WriteCheckpoint(*store, step, "payload").ok());
  EXPECT_EQ(store->AtOrLatest(2, nullptr)->step, 2);
  EXPECT_EQ(store->AtOrLatest(0, nullptr)->step, 3);
  std::vector<std::string> skipped;
  EXPECT_EQ(store->AtOrLatest(7, &skipped)->step, 3);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("checkpoint 7 asked for"), std::string::npos) << skipped[0];
}

TEST(CheckpointStoreTest, EmptyStoreIsNotFound) {
  auto store = CheckpointStore::Open(TempDir() + "/checkpoints", 1);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->Latest(nullptr).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(CheckpointStore::Open(TempDir(), 0).ok());
}

}  // namespace
}  // namespace slaterl
