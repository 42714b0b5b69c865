#include "replay/table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <thread>
#include <vector>

#include "tests/replay/replay_test_util.h"

namespace slaterl {
namespace {

using testing_util::ChiSquareGoodnessOfFitP;
using testing_util::ItemIsAll;
using testing_util::kMustHappenTimeout;
using testing_util::kMustNotHappenWindow;
using testing_util::MakeFragment;
using testing_util::MakeItems;
using testing_util::MakePrioritizedSpec;
using testing_util::MakeSpec;
using testing_util::Notification;
using std::chrono::milliseconds;

constexpr auto kUniform = ReplayTableSpec::Kind::kUniform;
constexpr auto kPrioritized = ReplayTableSpec::Kind::kPrioritized;
constexpr auto kQueue = ReplayTableSpec::Kind::kQueue;
// The kinds that sample with replacement and evict FIFO; tests of that behaviour run on both.
constexpr ReplayTableSpec::Kind kReplacementKinds[] = {kUniform, kPrioritized};

const char* KindName(ReplayTableSpec::Kind kind) {
  switch (kind) {
    case kUniform: return "uniform";
    case kPrioritized: return "prioritized";
    default: return "queue";
  }
}

std::unique_ptr<Table> MakeTable(const ReplayTableSpec& spec) {
  auto table = Table::Create(spec);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return std::move(table).value();
}

// Inserts `num_items` items labelled from `first_label` (every float = label).
Status InsertLabelled(Table& table, int32_t num_items, int64_t first_label) {
  const std::vector<float> items = MakeItems(num_items, table.item_size(), first_label);
  return table.Insert(items.data(), num_items);
}

std::vector<uint64_t> Range(uint64_t first, uint64_t end) {
  std::vector<uint64_t> keys;
  for (uint64_t k = first; k < end; ++k) keys.push_back(k);
  return keys;
}

TEST(TableTest, CreateRejectsInvalidSpecs) {
  EXPECT_EQ(Table::Create(MakeSpec(kUniform, /*capacity=*/0, /*item_size=*/4)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(MakeSpec(kUniform, /*capacity=*/10, /*item_size=*/0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(MakeSpec(kUniform, 10, 4, /*min_size=*/11)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(MakeSpec(kUniform, 10, 4, 1, /*samples_per_insert=*/1.0,
                                   /*error_buffer=*/0.5))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(MakeSpec(kUniform, int64_t{1} << 40, 4)).status().code(),
            StatusCode::kInvalidArgument);
  auto spec = MakeSpec(kUniform, 10, 4);
  spec.name = "";
  EXPECT_EQ(Table::Create(spec).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Table::Create(MakeSpec(kQueue, 10, 4)).ok());
}

TEST(TableTest, KeysIncreaseInInsertionOrder) {
  auto table = MakeTable(MakeSpec(kUniform, /*capacity=*/10, /*item_size=*/3));
  ASSERT_TRUE(InsertLabelled(*table, 2, 0).ok());
  ASSERT_TRUE(InsertLabelled(*table, 3, 2).ok());
  EXPECT_EQ(table->Keys(), Range(0, 5));
  EXPECT_EQ(table->size(), 5);
  EXPECT_EQ(table->counters().inserted_items, 5);
}

TEST(TableTest, FifoEvictionKeepsNewestCapacityItems) {
  for (auto kind : kReplacementKinds) {
    SCOPED_TRACE(KindName(kind));
    auto table = MakeTable(MakeSpec(kind, /*capacity=*/7, /*item_size=*/5));
    int64_t label = 0;
    // Uneven insert sizes so the ring wraps at different offsets.
    for (int32_t n : {3, 4, 2, 6, 1, 5, 7, 3}) {
      ASSERT_TRUE(InsertLabelled(*table, n, label).ok());
      label += n;
      const uint64_t end = static_cast<uint64_t>(label);
      EXPECT_EQ(table->Keys(), Range(end > 7 ? end - 7 : 0, end)) << "after " << label << " items";
    }
    EXPECT_EQ(table->size(), 7);
    EXPECT_EQ(table->counters().evicted_items, label - 7);
    // Every sampled item is one of the newest 7, intact, and its key matches its contents.
    Rng rng(1);
    SampleBatch batch;
    ASSERT_TRUE(table->Sample(/*num_items=*/200, rng, &batch).ok());
    ASSERT_EQ(batch.keys.size(), 200u);
    for (int32_t i = 0; i < 200; ++i) {
      EXPECT_GE(batch.keys[i], static_cast<uint64_t>(label - 7));
      EXPECT_LT(batch.keys[i], static_cast<uint64_t>(label));
      EXPECT_TRUE(ItemIsAll(batch, i, static_cast<float>(batch.keys[i])));
    }
  }
}

TEST(TableTest, InsertIsAllOrNothing) {
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/4, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*queue, 3, 0).ok());
  // Two items do not fit into the one free slot: none goes in.
  EXPECT_EQ(InsertLabelled(*queue, 2, 3).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(queue->Keys(), Range(0, 3));
  EXPECT_EQ(queue->counters().refused_inserts, 1);
  EXPECT_TRUE(InsertLabelled(*queue, 1, 3).ok());
  EXPECT_EQ(queue->Keys(), Range(0, 4));

  auto uniform = MakeTable(MakeSpec(kUniform, /*capacity=*/4, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*uniform, 2, 0).ok());
  // More items than the capacity could never be stored whole.
  EXPECT_EQ(InsertLabelled(*uniform, 5, 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InsertLabelled(*uniform, 0, 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(uniform->Keys(), Range(0, 2));
}

TEST(TableTest, InsertFragmentRejectsMismatchedFragments) {
  auto table = MakeTable(MakeSpec(kUniform, /*capacity=*/10, /*item_size=*/3));
  Fragment wrong_item_size = MakeFragment(/*num_items=*/2, /*item_size=*/4, 0);
  EXPECT_EQ(table->InsertFragment(wrong_item_size).code(), StatusCode::kInvalidArgument);
  Fragment no_items = MakeFragment(2, 3, 0);
  no_items.num_items = 0;
  EXPECT_EQ(table->InsertFragment(no_items).code(), StatusCode::kInvalidArgument);
  Fragment short_data = MakeFragment(2, 3, 0);
  short_data.data.pop_back();
  EXPECT_EQ(table->InsertFragment(short_data).code(), StatusCode::kInvalidArgument);
  Fragment lying_count = MakeFragment(2, 3, 0);
  lying_count.num_items = 3;
  EXPECT_EQ(table->InsertFragment(lying_count).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(table->size(), 0);
  EXPECT_TRUE(table->InsertFragment(MakeFragment(2, 3, 0)).ok());
  EXPECT_EQ(table->Keys(), Range(0, 2));
}

TEST(TableTest, SampleReportsKeysProbabilitiesAndTableSize) {
  // Equal priorities (every item has initial_priority): prioritized draws are uniform too.
  for (auto kind : kReplacementKinds) {
    SCOPED_TRACE(KindName(kind));
    auto table = MakeTable(MakeSpec(kind, /*capacity=*/10, /*item_size=*/4));
    ASSERT_TRUE(InsertLabelled(*table, 4, 0).ok());
    Rng rng(7);
    SampleBatch batch;
    batch.request_id = 99;
    ASSERT_TRUE(table->Sample(/*num_items=*/3, rng, &batch).ok());
    EXPECT_EQ(batch.request_id, 99u);  // left to the caller
    EXPECT_EQ(batch.table, "transitions");
    EXPECT_EQ(batch.item_size, 4);
    EXPECT_EQ(batch.num_items, 3);
    EXPECT_EQ(batch.table_size, 4);
    ASSERT_EQ(batch.data.size(), 12u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_DOUBLE_EQ(batch.probabilities[i], 0.25);
      EXPECT_TRUE(ItemIsAll(batch, i, static_cast<float>(batch.keys[i])));
    }
    EXPECT_EQ(table->counters().sampled_items, 3);
    EXPECT_EQ(table->size(), 4);  // sampling with replacement removes nothing
  }
}

TEST(TableTest, QueueSamplesEachItemExactlyOnce) {
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/13, /*item_size=*/3));
  Rng rng(3);
  std::vector<uint64_t> sampled;
  int64_t label = 0;
  for (int round = 0; round < 500; ++round) {
    const int32_t n = 1 + static_cast<int32_t>(rng.UniformInt(5));
    if (rng.Bernoulli(0.5)) {
      if (queue->CanInsert(n)) {
        ASSERT_TRUE(InsertLabelled(*queue, n, label).ok());
        label += n;
      } else {
        EXPECT_EQ(InsertLabelled(*queue, n, label).code(), StatusCode::kResourceExhausted);
      }
    } else if (queue->CanSample(n)) {
      SampleBatch batch;
      ASSERT_TRUE(queue->Sample(n, rng, &batch).ok());
      for (int32_t i = 0; i < n; ++i) {
        EXPECT_DOUBLE_EQ(batch.probabilities[i], 1.0);
        EXPECT_TRUE(ItemIsAll(batch, i, static_cast<float>(batch.keys[i])));
        sampled.push_back(batch.keys[i]);
      }
    } else {
      SampleBatch batch;
      EXPECT_EQ(queue->Sample(n, rng, &batch).code(), StatusCode::kFailedPrecondition);
    }
  }
  // Drain what is left.
  while (queue->size() > 0) {
    SampleBatch batch;
    ASSERT_TRUE(queue->Sample(1, rng, &batch).ok());
    sampled.push_back(batch.keys[0]);
  }
  EXPECT_GT(label, 100);
  // Every inserted item was sampled exactly once, in FIFO order.
  EXPECT_EQ(sampled, Range(0, static_cast<uint64_t>(label)));
  EXPECT_EQ(queue->counters().evicted_items, 0);
}

TEST(TableTest, SampleRespectsMinSize) {
  for (auto kind : kReplacementKinds) {
    SCOPED_TRACE(KindName(kind));
    auto table = MakeTable(MakeSpec(kind, /*capacity=*/10, /*item_size=*/2, /*min_size=*/3));
    Rng rng(1);
    SampleBatch batch;
    for (int i = 0; i < 3; ++i) {
      EXPECT_FALSE(table->CanSample(1));
      EXPECT_EQ(table->Sample(1, rng, &batch).code(), StatusCode::kFailedPrecondition);
      ASSERT_TRUE(InsertLabelled(*table, 1, i).ok());
    }
    EXPECT_TRUE(table->CanSample(1));
    EXPECT_TRUE(table->Sample(5, rng, &batch).ok());
    EXPECT_EQ(table->counters().refused_samples, 3);
  }
}

TEST(TableTest, SampleRejectsBadSizes) {
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/5, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*queue, 5, 0).ok());
  Rng rng(1);
  SampleBatch batch;
  EXPECT_EQ(queue->Sample(0, rng, &batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue->Sample(-3, rng, &batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue->max_sample_items(), 5);
  EXPECT_EQ(queue->Sample(6, rng, &batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queue->SampleBlocking(6, rng, &batch, milliseconds(0)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(queue->size(), 5);
}

TEST(TableTest, SampleBlocksUntilMinSize) {
  for (auto kind : kReplacementKinds) {
    SCOPED_TRACE(KindName(kind));
    auto table = MakeTable(MakeSpec(kind, /*capacity=*/10, /*item_size=*/2, /*min_size=*/2));
    Notification done;
    Status status;
    SampleBatch batch;
    std::thread sampler([&] {
      Rng rng(1);
      status = table->SampleBlocking(1, rng, &batch, kMustHappenTimeout);
      done.Notify();
    });
    ASSERT_TRUE(InsertLabelled(*table, 1, 0).ok());
    EXPECT_FALSE(done.WaitFor(kMustNotHappenWindow));
    ASSERT_TRUE(InsertLabelled(*table, 1, 1).ok());
    EXPECT_TRUE(done.WaitFor(kMustHappenTimeout));
    sampler.join();
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(batch.num_items, 1);
  }
}

// samples_per_insert=1, error_buffer=2, min_size=1: offset 1, min_diff -1, max_diff 3.
ReplayTableSpec RateLimitedSpec(ReplayTableSpec::Kind kind = kUniform) {
  return MakeSpec(kind, /*capacity=*/100, /*item_size=*/2, /*min_size=*/1,
                  /*samples_per_insert=*/1.0, /*error_buffer=*/2.0);
}

TEST(TableTest, RateLimiterBlocksInsertsAndResumesAfterSamples) {
  for (auto kind : kReplacementKinds) {
    SCOPED_TRACE(KindName(kind));
    auto table = MakeTable(RateLimitedSpec(kind));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(InsertLabelled(*table, 1, i).ok());  // balance 3
    EXPECT_FALSE(table->CanInsert(1));
    EXPECT_EQ(InsertLabelled(*table, 1, 3).code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(table->counters().refused_inserts, 1);

    Notification done;
    Status status;
    std::thread inserter([&] {
      const std::vector<float> items = MakeItems(1, 2, 3);
      status = table->InsertBlocking(items.data(), 1, kMustHappenTimeout);
      done.Notify();
    });
    EXPECT_FALSE(done.WaitFor(kMustNotHappenWindow));
    Rng rng(1);
    SampleBatch batch;
    ASSERT_TRUE(table->Sample(1, rng, &batch).ok());  // balance 2: one insert fits again
    EXPECT_TRUE(done.WaitFor(kMustHappenTimeout));
    inserter.join();
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(table->Keys(), Range(0, 4));
  }
}

TEST(TableTest, RateLimiterBlocksSamplesAndResumesAfterInserts) {
  for (auto kind : kReplacementKinds) {
    SCOPED_TRACE(KindName(kind));
    auto table = MakeTable(RateLimitedSpec(kind));
    ASSERT_TRUE(InsertLabelled(*table, 1, 0).ok());  // balance 1
    Rng rng(1);
    SampleBatch batch;
    ASSERT_TRUE(table->Sample(2, rng, &batch).ok());  // balance -1 = min_diff
    EXPECT_FALSE(table->CanSample(1));
    EXPECT_EQ(table->Sample(1, rng, &batch).code(), StatusCode::kFailedPrecondition);

    Notification done;
    Status status;
    std::thread sampler([&] {
      Rng thread_rng(2);
      SampleBatch thread_batch;
      status = table->SampleBlocking(2, thread_rng, &thread_batch, kMustHappenTimeout);
      done.Notify();
    });
    ASSERT_TRUE(InsertLabelled(*table, 1, 1).ok());  // balance 0: a sample of 2 needs 1
    EXPECT_FALSE(done.WaitFor(kMustNotHappenWindow));
    ASSERT_TRUE(InsertLabelled(*table, 1, 2).ok());  // balance 1: fits
    EXPECT_TRUE(done.WaitFor(kMustHappenTimeout));
    sampler.join();
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(table->counters().sampled_items, 4);
  }
}

TEST(TableTest, LargeInsertIsAdmittedByItsFirstItem) {
  // A fragment bigger than the buffer still goes in whole (no deadlock), then blocks inserts.
  auto table = MakeTable(RateLimitedSpec());
  ASSERT_TRUE(InsertLabelled(*table, 1, 0).ok());   // balance 1
  ASSERT_TRUE(InsertLabelled(*table, 10, 1).ok());  // admitted at balance 1, now 11
  EXPECT_FALSE(table->CanInsert(1));
  Rng rng(1);
  SampleBatch batch;
  ASSERT_TRUE(table->Sample(3, rng, &batch).ok());  // max_sample_items() = 3
  EXPECT_EQ(table->max_sample_items(), 3);
}

TEST(TableTest, QueueInsertBlockingWaitsForRoom) {
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/3, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*queue, 3, 0).ok());
  Notification done;
  Status status;
  std::thread inserter([&] {
    const std::vector<float> items = MakeItems(2, 2, 3);
    status = queue->InsertBlocking(items.data(), 2, kMustHappenTimeout);
    done.Notify();
  });
  Rng rng(1);
  SampleBatch batch;
  ASSERT_TRUE(queue->Sample(1, rng, &batch).ok());  // one free slot: not enough for 2
  EXPECT_FALSE(done.WaitFor(kMustNotHappenWindow));
  ASSERT_TRUE(queue->Sample(1, rng, &batch).ok());
  EXPECT_TRUE(done.WaitFor(kMustHappenTimeout));
  inserter.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(queue->Keys(), Range(2, 5));
}

TEST(TableTest, SampleBlockingTimesOutWithDeadlineExceeded) {
  auto table = MakeTable(MakeSpec(kUniform, /*capacity=*/10, /*item_size=*/2, /*min_size=*/5));
  Rng rng(1);
  SampleBatch batch;
  EXPECT_EQ(table->SampleBlocking(1, rng, &batch, milliseconds(20)).code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_EQ(table->SampleBlocking(1, rng, &batch, milliseconds(0)).code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(batch.keys.empty());
}

TEST(TableTest, InsertBlockingTimesOutWithDeadlineExceeded) {
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/2, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*queue, 2, 0).ok());
  const std::vector<float> items = MakeItems(1, 2, 2);
  EXPECT_EQ(queue->InsertBlocking(items.data(), 1, milliseconds(20)).code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_EQ(queue->Keys(), Range(0, 2));
  // Arguments that can never succeed fail at once instead of waiting.
  EXPECT_EQ(queue->InsertBlocking(items.data(), 0, kMustHappenTimeout).code(),
            StatusCode::kInvalidArgument);
}

TEST(TableTest, CloseWakesBlockedCallersWithCancelled) {
  auto table = MakeTable(MakeSpec(kUniform, /*capacity=*/10, /*item_size=*/2, /*min_size=*/5));
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/1, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*queue, 1, 0).ok());
  Notification sampler_done, inserter_done;
  Status sample_status, insert_status;
  std::thread sampler([&] {
    Rng rng(1);
    SampleBatch batch;
    sample_status = table->SampleBlocking(1, rng, &batch, kMustHappenTimeout);
    sampler_done.Notify();
  });
  std::thread inserter([&] {
    const std::vector<float> items = MakeItems(1, 2, 1);
    insert_status = queue->InsertBlocking(items.data(), 1, kMustHappenTimeout);
    inserter_done.Notify();
  });
  EXPECT_FALSE(sampler_done.WaitFor(kMustNotHappenWindow));
  EXPECT_FALSE(inserter_done.HasBeenNotified());
  table->Close();
  queue->Close();
  EXPECT_TRUE(sampler_done.WaitFor(kMustHappenTimeout));
  EXPECT_TRUE(inserter_done.WaitFor(kMustHappenTimeout));
  sampler.join();
  inserter.join();
  EXPECT_EQ(sample_status.code(), StatusCode::kCancelled);
  EXPECT_EQ(insert_status.code(), StatusCode::kCancelled);
}

TEST(TableTest, CallsAfterCloseReturnCancelled) {
  auto table = MakeTable(MakeSpec(kUniform, /*capacity=*/10, /*item_size=*/2));
  ASSERT_TRUE(InsertLabelled(*table, 2, 0).ok());
  table->Close();
  table->Close();  // idempotent
  EXPECT_TRUE(table->closed());
  Rng rng(1);
  SampleBatch batch;
  EXPECT_EQ(InsertLabelled(*table, 1, 2).code(), StatusCode::kCancelled);
  EXPECT_EQ(table->Sample(1, rng, &batch).code(), StatusCode::kCancelled);
  EXPECT_EQ(table->SampleBlocking(1, rng, &batch, kMustHappenTimeout).code(),
            StatusCode::kCancelled);
  const std::vector<float> items = MakeItems(1, 2, 2);
  EXPECT_EQ(table->InsertBlocking(items.data(), 1, kMustHappenTimeout).code(),
            StatusCode::kCancelled);
  EXPECT_FALSE(table->CanSample(1));
  EXPECT_EQ(table->Keys(), Range(0, 2));  // still readable
}

TEST(TableTest, UniformSamplingFrequenciesAreUniform) {
  constexpr int kItems = 20;
  constexpr int kDraws = 100000;
  auto table = MakeTable(MakeSpec(kUniform, /*capacity=*/kItems, /*item_size=*/1));
  // Insert 30 so the ring has wrapped: keys 10..29 remain.
  ASSERT_TRUE(InsertLabelled(*table, 30 - kItems, 0).ok());
  ASSERT_TRUE(InsertLabelled(*table, kItems, 30 - kItems).ok());
  Rng rng(12345);
  std::vector<int64_t> counts(kItems, 0);
  for (int drawn = 0; drawn < kDraws; drawn += 1000) {
    SampleBatch batch;
    ASSERT_TRUE(table->Sample(1000, rng, &batch).ok());
    for (uint64_t key : batch.keys) {
      ASSERT_GE(key, 10u);
      ASSERT_LT(key, 30u);
      ++counts[key - 10];
    }
  }
  const double expected = static_cast<double>(kDraws) / kItems;
  double chi_square = 0.0;
  for (int64_t count : counts) {
    const double deviation = static_cast<double>(count) - expected;
    chi_square += deviation * deviation / expected;
  }
  // Chi-square with 19 degrees of freedom: P(X > 43.82) = 0.001.
  EXPECT_LT(chi_square, 43.82);
}

// One inserter, two samplers and, for a prioritized table, one thread updating the priorities of
// the keys the samplers saw (some evicted by then), all at once.
void CheckConcurrentSamplesNeverSeeHalfWrittenItems(ReplayTableSpec::Kind kind) {
  constexpr int32_t kItemSize = 257;  // large items make torn copies likely if locking were wrong
  constexpr int64_t kItemsToInsert = 100000;
  constexpr int32_t kItemsPerInsert = 5;
  auto table = MakeTable(MakeSpec(kind, /*capacity=*/64, kItemSize));
  Notification start;
  std::atomic<bool> inserter_done{false};
  Status insert_status;
  std::thread inserter([&] {
    start.WaitFor(kMustHappenTimeout);
    std::vector<float> items;
    for (int64_t label = 0; label < kItemsToInsert; label += kItemsPerInsert) {
      // Items whose floats all equal their key (keys are consecutive from 0, exact in float).
      items = MakeItems(kItemsPerInsert, kItemSize, label);
      Status status = table->Insert(items.data(), kItemsPerInsert);
      if (!status.ok()) {
        insert_status = status;
        break;
      }
    }
    inserter_done = true;
  });
  std::vector<std::thread> samplers;
  std::atomic<int64_t> bad_items{0}, sampled{0}, sampled_during_inserts{0};
  std::atomic<uint64_t> last_seen_key{0};
  for (int s = 0; s < 2; ++s) {
    samplers.emplace_back([&, s] {
      Rng rng(100 + s);
      SampleBatch batch;
      start.WaitFor(kMustHappenTimeout);
      // Bounded by count, and by the inserter finishing (after a few rounds at least).
      for (int round = 0; round < 1000000 && (round < 10 || !inserter_done); ++round) {
        const bool during_inserts = !inserter_done;
        Status status = table->SampleBlocking(16, rng, &batch, kMustHappenTimeout);
        if (!status.ok()) break;
        for (int32_t i = 0; i < batch.num_items; ++i) {
          if (!ItemIsAll(batch, i, static_cast<float>(batch.keys[i]))) ++bad_items;
          if (!(batch.probabilities[i] > 0.0 && batch.probabilities[i] <= 1.0)) ++bad_items;
        }
        last_seen_key = batch.keys[0];
        sampled += batch.num_items;
        if (during_inserts) sampled_during_inserts += batch.num_items;
      }
    });
  }
  std::thread updater;
  std::atomic<int64_t> update_failures{0};
  if (kind == kPrioritized) {
    updater = std::thread([&] {
      Rng rng(7);
      start.WaitFor(kMustHappenTimeout);
      for (int round = 0; round < 1000000 && !inserter_done; ++round) {
        // Keys around the last one a sampler saw: some still stored, some evicted by now.
        const uint64_t base = last_seen_key.load();
        std::vector<uint64_t> keys;
        std::vector<double> priorities;
        for (int i = 0; i < 8; ++i) {
          keys.push_back(base + rng.UniformInt(200) - std::min<uint64_t>(base, 100));
          priorities.push_back(rng.Bernoulli(0.1) ? 0.0 : rng.Uniform(0.0, 5.0));
        }
        if (!table->UpdatePriorities(keys, priorities).ok()) ++update_failures;
      }
    });
  }
  start.Notify();
  inserter.join();
  for (auto& t : samplers) t.join();
  if (updater.joinable()) updater.join();
  EXPECT_TRUE(insert_status.ok()) << insert_status.ToString();
  EXPECT_EQ(bad_items.load(), 0);
  EXPECT_EQ(update_failures.load(), 0);
  EXPECT_GT(sampled.load(), 0);
  EXPECT_EQ(table->Keys(), Range(kItemsToInsert - 64, kItemsToInsert));
  if (kind == kPrioritized) {
    const Table::Counters counters = table->counters();
    EXPECT_GT(counters.priority_updates + counters.stale_priority_keys, 0);
  }
  // Informational: how much of the sampling overlapped the inserts on this machine.
  ::testing::Test::RecordProperty("sampled_during_inserts",
                                  std::to_string(sampled_during_inserts.load()));
}

TEST(TableTest, ConcurrentSamplesNeverSeeHalfWrittenItems) {
  CheckConcurrentSamplesNeverSeeHalfWrittenItems(kUniform);
}

TEST(TableTest, ConcurrentPrioritizedSamplesAndUpdatesNeverSeeHalfWrittenItems) {
  CheckConcurrentSamplesNeverSeeHalfWrittenItems(kPrioritized);
}

TEST(TableTest, ConcurrentQueueProducersAndConsumersSeeEachItemOnce) {
  constexpr int32_t kItemSize = 33;
  constexpr int kProducers = 2, kPerProducer = 3000;
  auto queue = MakeTable(MakeSpec(kQueue, /*capacity=*/50, kItemSize));
  std::vector<std::thread> producers;
  std::atomic<int> producer_failures{0};
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) {
        // The contents do not matter here: keys identify items.
        const std::vector<float> items(kItemSize, 1.0f);
        if (!queue->InsertBlocking(items.data(), 1, kMustHappenTimeout).ok()) ++producer_failures;
      }
    });
  }
  std::vector<uint64_t> keys;
  Rng rng(5);
  SampleBatch batch;
  while (keys.size() < static_cast<size_t>(kProducers * kPerProducer)) {
    Status status = queue->SampleBlocking(1, rng, &batch, kMustHappenTimeout);
    if (!status.ok()) {
      ADD_FAILURE() << status.ToString();
      queue->Close();  // releases the producers
      break;
    }
    keys.push_back(batch.keys[0]);
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(producer_failures.load(), 0);
  EXPECT_EQ(keys, Range(0, kProducers * kPerProducer));
}

// ---- prioritized tables ------------------------------------------------------------------------

// P(i) = p_i^α / Σ_j p_j^α, with weight 0 for priority 0 (whatever α).
std::vector<double> TheoreticalProbabilities(const std::vector<double>& priorities, double alpha) {
  std::vector<double> weights;
  double total = 0.0;
  for (double p : priorities) {
    weights.push_back(p == 0.0 ? 0.0 : std::pow(p, alpha));
    total += weights.back();
  }
  for (double& w : weights) w /= total;
  return weights;
}

// Draws `draws` items in batches of 1000 and counts them by key − first_key (num_keys keys). Also
// checks that every reported probability equals `expected` for its key (relative 1e-12) and that
// every item is intact.
std::vector<int64_t> CountDraws(Table& table, Rng& rng, int64_t draws, uint64_t first_key,
                                const std::vector<double>& expected) {
  std::vector<int64_t> counts(expected.size(), 0);
  for (int64_t drawn = 0; drawn < draws; drawn += 1000) {
    SampleBatch batch;
    Status status = table.Sample(1000, rng, &batch);
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!status.ok()) break;
    for (int32_t i = 0; i < batch.num_items; ++i) {
      const uint64_t key = batch.keys[i];
      EXPECT_GE(key, first_key);
      EXPECT_LT(key, first_key + expected.size());
      if (key < first_key || key >= first_key + expected.size()) continue;
      const size_t index = static_cast<size_t>(key - first_key);
      ++counts[index];
      EXPECT_NEAR(batch.probabilities[i], expected[index], 1e-12 * expected[index]);
      EXPECT_TRUE(ItemIsAll(batch, i, static_cast<float>(key)));
    }
  }
  return counts;
}

TEST(PrioritizedTableTest, ChiSquarePValueMatchesTables) {
  // Critical values from standard tables; df = 2 has the closed form exp(−x/2).
  EXPECT_NEAR(testing_util::ChiSquarePValue(3.841459, 1), 0.05, 1e-6);
  EXPECT_NEAR(testing_util::ChiSquarePValue(24.32189, 7), 0.001, 1e-7);
  EXPECT_NEAR(testing_util::ChiSquarePValue(43.82020, 19), 0.001, 1e-7);
  EXPECT_NEAR(testing_util::ChiSquarePValue(2.167350, 7), 0.95, 1e-6);
  for (double x : {0.1, 1.0, 5.0, 30.0}) {
    EXPECT_NEAR(testing_util::ChiSquarePValue(x, 2), std::exp(-x / 2), 1e-13);
  }
}

TEST(PrioritizedTableTest, CreateRejectsInvalidPrioritySpecs) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double alpha : {-0.1, inf, nan})
    EXPECT_EQ(Table::Create(MakePrioritizedSpec(10, 2, alpha)).status().code(),
              StatusCode::kInvalidArgument)
        << "alpha " << alpha;
  for (double initial : {0.0, -1.0, inf, nan, 1e300})
    EXPECT_EQ(Table::Create(MakePrioritizedSpec(10, 2, /*priority_exponent=*/1.0, initial))
                  .status()
                  .code(),
              StatusCode::kInvalidArgument)
        << "initial_priority " << initial;
  // A positive initial priority whose weight underflows to 0 would make new items unsampleable.
  EXPECT_EQ(Table::Create(MakePrioritizedSpec(10, 2, /*priority_exponent=*/2.0, 1e-200))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(Table::Create(MakePrioritizedSpec(10, 2, /*priority_exponent=*/0.0)).ok());
  EXPECT_TRUE(Table::Create(MakePrioritizedSpec(10, 2, /*priority_exponent=*/0.6, 1e-6)).ok());
  // The priority fields of other kinds are not looked at.
  ReplayTableSpec uniform = MakeSpec(kUniform, 10, 2);
  uniform.priority_exponent = -1.0;
  uniform.initial_priority = 0.0;
  EXPECT_TRUE(Table::Create(uniform).ok());
}

TEST(PrioritizedTableTest, SamplingFrequenciesMatchPriorities) {
  constexpr double kAlpha = 0.6;
  const std::vector<double> priorities = {0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0};
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/8, /*item_size=*/3, kAlpha));
  // 12 items through a table of 8: the ring has wrapped, keys 4..11 remain.
  ASSERT_TRUE(InsertLabelled(*table, 4, 0).ok());
  ASSERT_TRUE(InsertLabelled(*table, 8, 4).ok());
  ASSERT_TRUE(table->UpdatePriorities(Range(4, 12), priorities).ok());
  EXPECT_EQ(table->Priorities(), priorities);
  const std::vector<double> expected = TheoreticalProbabilities(priorities, kAlpha);
  Rng rng(2016);
  const std::vector<int64_t> counts = CountDraws(*table, rng, /*draws=*/200000, 4, expected);
  const double p_value = ChiSquareGoodnessOfFitP(counts, expected);
  EXPECT_GT(p_value, 1e-3);
  RecordProperty("chi_square_p_value", std::to_string(p_value));
  // The test has power: the same counts reject a slightly different exponent.
  EXPECT_LT(ChiSquareGoodnessOfFitP(counts, TheoreticalProbabilities(priorities, kAlpha - 0.05)),
            1e-6);
  EXPECT_EQ(table->counters().sampled_items, 200000);
}

TEST(PrioritizedTableTest, ReportedProbabilitiesEqualTheoreticalOnes) {
  constexpr double kAlpha = 0.7;
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/100, /*item_size=*/1, kAlpha));
  ASSERT_TRUE(InsertLabelled(*table, 37, 0).ok());
  Rng rng(5);
  std::vector<double> priorities;
  for (int i = 0; i < 37; ++i) priorities.push_back(rng.Bernoulli(0.2) ? 0.0 : rng.Uniform(0, 9));
  ASSERT_TRUE(table->UpdatePriorities(Range(0, 37), priorities).ok());
  const std::vector<double> expected = TheoreticalProbabilities(priorities, kAlpha);
  SampleBatch batch;
  ASSERT_TRUE(table->Sample(/*num_items=*/5000, rng, &batch).ok());
  EXPECT_EQ(batch.table_size, 37);
  for (int32_t i = 0; i < batch.num_items; ++i) {
    const double want = expected[batch.keys[i]];
    EXPECT_GT(want, 0.0) << "drew key " << batch.keys[i] << " of priority 0";
    EXPECT_NEAR(batch.probabilities[i], want, 1e-12 * want);
  }
}

TEST(PrioritizedTableTest, NewItemsGetTheLargestPrioritySeen) {
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/10, /*item_size=*/1,
                                             /*priority_exponent=*/1.0, /*initial_priority=*/2.0));
  EXPECT_EQ(table->max_priority(), 2.0);
  ASSERT_TRUE(InsertLabelled(*table, 2, 0).ok());
  EXPECT_EQ(table->Priorities(), (std::vector<double>{2.0, 2.0}));
  // Lower priorities do not lower the running maximum.
  ASSERT_TRUE(table->UpdatePriorities({0, 1}, {0.5, 0.25}).ok());
  ASSERT_TRUE(InsertLabelled(*table, 1, 2).ok());
  EXPECT_EQ(table->Priorities(), (std::vector<double>{0.5, 0.25, 2.0}));
  // A higher one raises it; a key given twice ends with its last priority.
  ASSERT_TRUE(table->UpdatePriorities({1, 0, 1}, {7.0, 5.0, 1.0}).ok());
  EXPECT_EQ(table->max_priority(), 7.0);
  ASSERT_TRUE(InsertLabelled(*table, 2, 3).ok());
  EXPECT_EQ(table->Priorities(), (std::vector<double>{5.0, 1.0, 2.0, 7.0, 7.0}));
  // A priority for a key that is not stored does not count.
  ASSERT_TRUE(table->UpdatePriorities({99}, {100.0}).ok());
  EXPECT_EQ(table->max_priority(), 7.0);
  // The new items are drawn with the new maximum's share: 7 / (5 + 1 + 2 + 7 + 7).
  Rng rng(1);
  SampleBatch batch;
  ASSERT_TRUE(table->Sample(200, rng, &batch).ok());
  for (int32_t i = 0; i < batch.num_items; ++i) {
    if (batch.keys[i] >= 3) {
      EXPECT_DOUBLE_EQ(batch.probabilities[i], 7.0 / 22.0);
    }
  }
}

TEST(PrioritizedTableTest, UpdatePrioritiesChangesFrequencies) {
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/4, /*item_size=*/2,
                                             /*priority_exponent=*/1.0));
  ASSERT_TRUE(InsertLabelled(*table, 4, 0).ok());
  Rng rng(77);
  const std::vector<double> uniform(4, 0.25);
  EXPECT_GT(ChiSquareGoodnessOfFitP(CountDraws(*table, rng, 40000, 0, uniform), uniform), 1e-3);

  ASSERT_TRUE(table->UpdatePriorities({0, 1, 2, 3}, {1.0, 0.0, 0.0, 3.0}).ok());
  const std::vector<int64_t> counts =
      CountDraws(*table, rng, 40000, 0, std::vector<double>{0.25, 0.0, 0.0, 0.75});
  EXPECT_EQ(counts[1], 0);  // priority 0: never drawn while others are positive
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(ChiSquareGoodnessOfFitP({counts[0], counts[3]}, {0.25, 0.75}), 1e-3);
  const Table::Counters counters = table->counters();
  EXPECT_EQ(counters.priority_updates, 4);
  EXPECT_EQ(counters.stale_priority_keys, 0);
}

TEST(PrioritizedTableTest, UpdatePrioritiesIgnoresKeysNotStored) {
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/4, /*item_size=*/1,
                                             /*priority_exponent=*/1.0));
  ASSERT_TRUE(InsertLabelled(*table, 2, 0).ok());
  ASSERT_TRUE(InsertLabelled(*table, 4, 2).ok());  // keys 0 and 1 evicted
  EXPECT_EQ(table->Keys(), Range(2, 6));
  ASSERT_TRUE(table->UpdatePriorities({0, 1, 3, 6, 1000}, {9.0, 9.0, 4.0, 9.0, 9.0}).ok());
  EXPECT_EQ(table->Priorities(), (std::vector<double>{1.0, 4.0, 1.0, 1.0}));
  const Table::Counters counters = table->counters();
  EXPECT_EQ(counters.priority_updates, 1);
  EXPECT_EQ(counters.stale_priority_keys, 4);
  EXPECT_EQ(table->max_priority(), 4.0);
  // An evicted item's weight is gone: the stored ones share the probability mass.
  Rng rng(3);
  SampleBatch batch;
  ASSERT_TRUE(table->Sample(100, rng, &batch).ok());
  for (int32_t i = 0; i < batch.num_items; ++i) {
    EXPECT_GE(batch.keys[i], 2u);
    EXPECT_DOUBLE_EQ(batch.probabilities[i], batch.keys[i] == 3 ? 4.0 / 7.0 : 1.0 / 7.0);
  }
}

TEST(PrioritizedTableTest, ZeroExponentSamplesUniformly) {
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/8, /*item_size=*/1,
                                             /*priority_exponent=*/0.0));
  ASSERT_TRUE(InsertLabelled(*table, 8, 0).ok());
  ASSERT_TRUE(table->UpdatePriorities(Range(0, 8), {0.1, 0.5, 1, 2, 3, 5, 8, 13}).ok());
  Rng rng(8);
  const std::vector<double> uniform(8, 0.125);
  const std::vector<int64_t> counts = CountDraws(*table, rng, 200000, 0, uniform);
  EXPECT_GT(ChiSquareGoodnessOfFitP(counts, uniform), 1e-3);
}

TEST(PrioritizedTableTest, AllZeroPrioritiesSampleUniformly) {
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/5, /*item_size=*/1,
                                             /*priority_exponent=*/0.6));
  ASSERT_TRUE(InsertLabelled(*table, 4, 0).ok());
  ASSERT_TRUE(table->UpdatePriorities(Range(0, 4), std::vector<double>(4, 0.0)).ok());
  Rng rng(4);
  const std::vector<double> uniform(4, 0.25);
  EXPECT_GT(ChiSquareGoodnessOfFitP(CountDraws(*table, rng, 40000, 0, uniform), uniform), 1e-3);
  // A new item gets the running maximum (1.0) and then takes every draw.
  ASSERT_TRUE(InsertLabelled(*table, 1, 4).ok());
  SampleBatch batch;
  ASSERT_TRUE(table->Sample(100, rng, &batch).ok());
  for (int32_t i = 0; i < batch.num_items; ++i) {
    EXPECT_EQ(batch.keys[i], 4u);
    EXPECT_EQ(batch.probabilities[i], 1.0);
  }
}

TEST(PrioritizedTableTest, InvalidPriorityUpdatesAreRejectedWithoutChanges) {
  auto table = MakeTable(MakePrioritizedSpec(/*capacity=*/4, /*item_size=*/1,
                                             /*priority_exponent=*/1.0));
  ASSERT_TRUE(InsertLabelled(*table, 3, 0).ok());
  ASSERT_TRUE(table->UpdatePriorities({0, 1, 2}, {1.0, 2.0, 3.0}).ok());
  const Table::Counters before = table->counters();
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // One bad priority after good ones: none is applied.
  for (double bad : {-1.0, -0.0 - 1e-300, nan, inf, -inf, 1e300}) {
    EXPECT_EQ(table->UpdatePriorities({0, 1, 2}, {9.0, 9.0, bad}).code(),
              StatusCode::kInvalidArgument)
        << "priority " << bad;
  }
  EXPECT_EQ(table->UpdatePriorities({0, 1}, {9.0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(table->UpdatePriorities({}, {9.0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(table->Priorities(), (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(table->max_priority(), 3.0);
  const Table::Counters after = table->counters();
  EXPECT_EQ(after.priority_updates, before.priority_updates);
  EXPECT_EQ(after.stale_priority_keys, before.stale_priority_keys);
  EXPECT_TRUE(table->UpdatePriorities({}, {}).ok());

  // Other kinds take no priorities, but an empty update is fine.
  for (auto kind : {kUniform, kQueue}) {
    auto other = MakeTable(MakeSpec(kind, /*capacity=*/4, /*item_size=*/1));
    ASSERT_TRUE(InsertLabelled(*other, 2, 0).ok());
    EXPECT_EQ(other->UpdatePriorities({0}, {1.0}).code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(other->UpdatePriorities({}, {}).ok());
    EXPECT_TRUE(other->Priorities().empty());
  }

  table->Close();
  EXPECT_EQ(table->UpdatePriorities({0}, {1.0}).code(), StatusCode::kCancelled);
  EXPECT_EQ(table->Priorities(), (std::vector<double>{1.0, 2.0, 3.0}));
}

// A reference model of a prioritized table: a FIFO of (key, priority) and the running maximum.
struct NaivePrioritizedTable {
  int64_t capacity;
  double alpha;
  double max_priority;
  std::vector<std::pair<uint64_t, double>> items;  // oldest first
  uint64_t next_key = 0;

  void Insert(int32_t n) {
    for (int32_t i = 0; i < n; ++i) items.emplace_back(next_key++, max_priority);
    while (static_cast<int64_t>(items.size()) > capacity) items.erase(items.begin());
  }
  int64_t Update(const std::vector<uint64_t>& keys, const std::vector<double>& priorities) {
    int64_t stale = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = std::find_if(items.begin(), items.end(),
                             [&](const auto& item) { return item.first == keys[i]; });
      if (it == items.end()) {
        ++stale;
        continue;
      }
      it->second = priorities[i];
      max_priority = std::max(max_priority, priorities[i]);
    }
    return stale;
  }
  // Probability of each stored key, recomputed in O(n).
  std::map<uint64_t, double> Probabilities() const {
    double total = 0.0;
    for (const auto& item : items) total += item.second == 0.0 ? 0.0 : std::pow(item.second, alpha);
    std::map<uint64_t, double> probabilities;
    for (const auto& item : items) {
      const double w = item.second == 0.0 ? 0.0 : std::pow(item.second, alpha);
      probabilities[item.first] = total > 0.0 ? w / total : 1.0 / static_cast<double>(items.size());
    }
    return probabilities;
  }
};

// Random inserts (evicting), priority updates (stale keys, duplicates, zeros, 24 orders of
// magnitude) and samples against the O(n) model: same keys, priorities, maximum, and every draw
// reports the model's probability and never an item of probability 0.
TEST(PrioritizedTableTest, AgreesWithNaiveImplementationUnderRandomOperations) {
  for (int64_t capacity : {1, 6, 50}) {
    SCOPED_TRACE("capacity " + std::to_string(capacity));
    constexpr double kAlpha = 0.6;
    auto table = MakeTable(MakePrioritizedSpec(capacity, /*item_size=*/2, kAlpha));
    NaivePrioritizedTable naive{capacity, kAlpha, /*max_priority=*/1.0, {}, 0};
    Rng rng(31 + capacity);
    int64_t stale = 0, inserted = 0;
    for (int op = 0; op < 20000; ++op) {
      const double choice = rng.Uniform();
      if (choice < 0.3 || naive.items.empty()) {
        const int32_t n = 1 + static_cast<int32_t>(rng.UniformInt(static_cast<uint32_t>(capacity)));
        ASSERT_TRUE(InsertLabelled(*table, n, inserted).ok());
        inserted += n;
        naive.Insert(n);
      } else if (choice < 0.7) {
        std::vector<uint64_t> keys;
        std::vector<double> priorities;
        const int k = 1 + static_cast<int>(rng.UniformInt(8));
        for (int i = 0; i < k; ++i) {
          // Mostly stored keys, some evicted or never inserted.
          // next_key + 1 down to next_key + 2 − (capacity + 4), clamped at 0.
          const uint64_t end = naive.next_key + 2;
          const uint64_t back = 1 + rng.UniformInt(static_cast<uint32_t>(capacity) + 4);
          keys.push_back(end >= back ? end - back : 0);
          priorities.push_back(rng.Bernoulli(0.15) ? 0.0 : std::pow(10.0, rng.Uniform(-12, 12)));
        }
        ASSERT_TRUE(table->UpdatePriorities(keys, priorities).ok());
        stale += naive.Update(keys, priorities);
      } else {
        const std::map<uint64_t, double> expected = naive.Probabilities();
        SampleBatch batch;
        ASSERT_TRUE(table->Sample(16, rng, &batch).ok());
        for (int32_t i = 0; i < batch.num_items; ++i) {
          auto it = expected.find(batch.keys[i]);
          ASSERT_NE(it, expected.end()) << "op " << op << ": drew key " << batch.keys[i];
          ASSERT_GT(it->second, 0.0) << "op " << op << ": drew key " << batch.keys[i];
          ASSERT_NEAR(batch.probabilities[i], it->second, 1e-9 * it->second) << "op " << op;
          ASSERT_TRUE(ItemIsAll(batch, i, static_cast<float>(batch.keys[i])));
        }
      }
      if (op % 50 == 0 || op == 19999) {
        std::vector<uint64_t> keys;
        std::vector<double> priorities;
        for (const auto& item : naive.items) {
          keys.push_back(item.first);
          priorities.push_back(item.second);
        }
        ASSERT_EQ(table->Keys(), keys) << "op " << op;
        ASSERT_EQ(table->Priorities(), priorities) << "op " << op;
        ASSERT_EQ(table->max_priority(), naive.max_priority) << "op " << op;
      }
    }
    EXPECT_EQ(table->counters().stale_priority_keys, stale);
    EXPECT_GT(stale, 0);
    EXPECT_GT(table->counters().evicted_items, 0);
  }
}

}  // namespace
}  // namespace slaterl
