// LearnerCore with a trainer that rejects some batches (Trainer::update's error): a rejected batch
// is not an update, rejections are counted cumulatively in learner/rejected_batches (the first
// logged with its reason), and once more than cluster.max_rejected_batch_fraction of the batches
// were rejected — checked from the 100th batch on — the learner refuses to go on, saying why.
#include "learner/learner.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "algos/run_config.h"
#include "core/state_archive.h"

namespace slaterl {
namespace {

constexpr int32_t kItemSize = 3;

// Trains on nothing; rejects a batch whose first float is negative.
class RejectingTrainer : public Trainer {
 public:
  ReplaySpec replay_spec() const override {
    ReplayTableSpec table;
    table.name = "items";
    table.item_size = kItemSize;
    ReplaySpec spec;
    spec.tables.push_back(table);
    spec.batch_size = 2;
    return spec;
  }
  Result<UpdateResult> update(const SampleBatch& batch) override {
    if (batch.data[0] < 0.0f) return InvalidArgumentError("item 0 has a negative marker");
    UpdateResult result;
    result.metrics["learner/loss"] = 1.0;
    return result;
  }
  Weights weights() const override { return Weights(); }
  Status save(const std::string&) const override { return Status::Ok(); }
  Status load(const std::string&) override { return Status::Ok(); }
};

std::unique_ptr<LearnerCore> MakeLearner(double max_rejected_batch_fraction) {
  auto run = LoadRunConfigString("env: lts\nalgo: linucb\nstop: {timesteps_total: 1000}\n"
                                 "cluster: {max_rejected_batch_fraction: " +
                                     std::to_string(max_rejected_batch_fraction) + "}\n",
                                 "learner.yaml", {}, RegistrySchemas());
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  if (!run.ok()) return nullptr;
  AlgoEntry algo = *FindAlgo("linucb");
  algo.create_trainer = [](const Params&, const AlgoContext&) -> Result<std::unique_ptr<Trainer>> {
    return std::unique_ptr<Trainer>(new RejectingTrainer());
  };
  auto learner = LearnerCore::Create(*run, *FindEnv("lts"), algo);
  EXPECT_TRUE(learner.ok()) << learner.status().ToString();
  return learner.ok() ? std::move(learner).value() : nullptr;
}

SampleBatch Batch(bool usable) {
  SampleBatch batch;
  batch.table = "items";
  batch.item_size = kItemSize;
  batch.num_items = 2;
  batch.data.assign(2 * kItemSize, 1.0f);
  if (!usable) batch.data[0] = -1.0f;
  batch.keys = {1, 2};
  return batch;
}

double Scalar(const Stats& stats, const std::string& key) {
  auto it = stats.scalars.find(key);
  EXPECT_NE(it, stats.scalars.end()) << key;
  return it == stats.scalars.end() ? -1.0 : it->second;
}

TEST(LearnerRejectedBatchesTest, ARejectedBatchIsCountedButIsNotAnUpdate) {
  auto learner = MakeLearner(0.01);
  ASSERT_NE(learner, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(learner->OnSampleBatch(Batch(true)).ok());
  (void)learner->PublishWeights();
  ASSERT_FALSE(learner->broadcast_due());

  testing::internal::CaptureStderr();
  EXPECT_TRUE(learner->OnSampleBatch(Batch(false)).ok()) << "a rejection under the limit does not end the run";
  EXPECT_TRUE(learner->OnSampleBatch(Batch(false)).ok());
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(learner->num_updates(), 3);
  EXPECT_EQ(learner->rejected_batches(), 2);
  EXPECT_FALSE(learner->broadcast_due()) << "no update, nothing new to broadcast";
  EXPECT_FALSE(learner->too_many_rejected_batches());
  // The first rejection is logged once, with its reason.
  const size_t first = log.find("rejected a sample batch");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_NE(log.find("item 0 has a negative marker"), std::string::npos) << log;
  EXPECT_EQ(log.find("rejected a sample batch", first + 1), std::string::npos) << log;

  ASSERT_TRUE(learner->OnSampleBatch(Batch(true)).ok());
  const Stats stats = learner->TakeStats();
  EXPECT_EQ(Scalar(stats, "learner/num_updates"), 4.0);
  EXPECT_EQ(Scalar(stats, "learner/rejected_batches"), 2.0) << "cumulative, not the latest batch's";
  EXPECT_EQ(Scalar(stats, "learner/sampled_items"), 8.0);
}

TEST(LearnerRejectedBatchesTest, MoreRejectionsThanTheFractionEndTheRunWithAMessageSayingSo) {
  auto learner = MakeLearner(0.05);
  ASSERT_NE(learner, nullptr);
  // Every 10th batch rejected: 10 % > 5 %, but nothing is decided before the 100th batch.
  for (int i = 1; i < 100; ++i) {
    const Status status = learner->OnSampleBatch(Batch(i % 10 != 0));
    ASSERT_TRUE(status.ok()) << "batch " << i << ": " << status.ToString();
  }
  EXPECT_EQ(learner->rejected_batches(), 9);
  EXPECT_EQ(learner->num_updates(), 90);
  const Status failed = learner->OnSampleBatch(Batch(false));  // the 100th: 10 of 100 rejected
  EXPECT_EQ(failed.code(), StatusCode::kFailedPrecondition) << failed.ToString();
  EXPECT_NE(failed.message().find("rejected 10 of 100 sample batches"), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("cluster.max_rejected_batch_fraction = 0.05"), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("item 0 has a negative marker"), std::string::npos) << failed.message();
  EXPECT_TRUE(learner->too_many_rejected_batches());
  EXPECT_EQ(learner->num_updates(), 90);
  // A learner past the limit trains on nothing more.
  EXPECT_FALSE(learner->OnSampleBatch(Batch(true)).ok());
  EXPECT_EQ(learner->num_updates(), 90);
}

TEST(LearnerRejectedBatchesTest, OneEarlyRejectionDoesNotEndTheRun) {
  auto learner = MakeLearner(0.01);
  ASSERT_NE(learner, nullptr);
  testing::internal::CaptureStderr();
  ASSERT_TRUE(learner->OnSampleBatch(Batch(false)).ok());
  (void)testing::internal::GetCapturedStderr();
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(learner->OnSampleBatch(Batch(true)).ok()) << "batch " << i;
  EXPECT_EQ(learner->num_updates(), 300);
  EXPECT_EQ(learner->rejected_batches(), 1);
}

TEST(LearnerRejectedBatchesTest, TheLimitCountsFromTheHundredthBatch) {
  EXPECT_TRUE(CheckRejectedBatchFraction(/*rejected=*/99, /*updates=*/0, 0.01).ok());
  EXPECT_TRUE(CheckRejectedBatchFraction(1, 99, 0.01).ok()) << "exactly the fraction is allowed";
  EXPECT_FALSE(CheckRejectedBatchFraction(2, 98, 0.01).ok());
  EXPECT_TRUE(CheckRejectedBatchFraction(1000, 0, 1.0).ok()) << "1 = never fail";
  EXPECT_FALSE(CheckRejectedBatchFraction(1, 99, 0.0).ok());
  EXPECT_TRUE(CheckRejectedBatchFraction(0, 1000, 0.0).ok());
}

TEST(LearnerRejectedBatchesTest, MalformedBatchesAreRefusedBeforeTheTrainerAndAreNotRejections) {
  auto learner = MakeLearner(0.01);
  ASSERT_NE(learner, nullptr);
  SampleBatch wrong_size = Batch(true);
  wrong_size.item_size = kItemSize + 1;
  const Status status = learner->OnSampleBatch(wrong_size);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(learner->rejected_batches(), 0);
  EXPECT_EQ(learner->num_updates(), 0);
}

TEST(LearnerRejectedBatchesTest, TheCountTravelsInSnapshotsAndCheckpoints) {
  auto learner = MakeLearner(0.5);
  ASSERT_NE(learner, nullptr);
  testing::internal::CaptureStderr();
  ASSERT_TRUE(learner->OnSampleBatch(Batch(false)).ok());
  (void)testing::internal::GetCapturedStderr();
  ASSERT_TRUE(learner->OnSampleBatch(Batch(true)).ok());
  StateArchive saved = StateArchive::ForSaving();
  ASSERT_TRUE(learner->VisitState(saved).ok());
  auto restored = MakeLearner(0.5);
  ASSERT_NE(restored, nullptr);
  auto loading = StateArchive::ForLoading(saved.bytes());
  ASSERT_TRUE(loading.ok());
  ASSERT_TRUE(restored->VisitState(*loading).ok()) << loading->status().ToString();
  EXPECT_EQ(restored->rejected_batches(), 1);
  EXPECT_EQ(restored->num_updates(), 1);

  auto restarted = MakeLearner(0.5);
  ASSERT_NE(restarted, nullptr);
  ASSERT_TRUE(restarted->RestoreCheckpoint("/unused", /*num_updates=*/40, /*rejected_batches=*/3,
                                           /*weights_version=*/5, /*version_floor=*/0).ok());
  EXPECT_EQ(Scalar(restarted->TakeStats(), "learner/rejected_batches"), 3.0);
}

}  // namespace
}  // namespace slaterl
