#include "replay/table_checkpoint.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/rng.h"
#include "replay/table.h"
#include "tests/replay/replay_test_util.h"

namespace slaterl {
namespace {

using testing_util::MakePrioritizedSpec;
using testing_util::MakeSpec;

constexpr auto kUniform = ReplayTableSpec::Kind::kUniform;
constexpr auto kPrioritized = ReplayTableSpec::Kind::kPrioritized;
constexpr auto kQueue = ReplayTableSpec::Kind::kQueue;

// A fresh path under the test temp dir, removed (with its checkpoint) at the end of the test.
class TempPath {
 public:
  explicit TempPath(const std::string& stem) {
    static int counter = 0;
    path_ = ::testing::TempDir() + "/table_checkpoint_" + stem + "_" +
            std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".ckpt";
  }
  ~TempPath() { std::remove(path_.c_str()); }
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<Table> MakeTable(const ReplayTableSpec& spec) {
  auto table = Table::Create(spec);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return std::move(table).value();
}

// Item `label`: float j = label * 100 + j, so both the item and the position within it show.
std::vector<float> Items(int32_t num_items, int32_t item_size, int64_t first_label) {
  std::vector<float> data;
  for (int32_t i = 0; i < num_items; ++i)
    for (int32_t j = 0; j < item_size; ++j)
      data.push_back(static_cast<float>((first_label + i) * 100 + j));
  return data;
}

void InsertItems(Table& table, int32_t num_items, int64_t first_label) {
  const std::vector<float> items = Items(num_items, table.item_size(), first_label);
  ASSERT_TRUE(table.Insert(items.data(), num_items).ok());
}

void ExpectSameCounters(const Table::Counters& a, const Table::Counters& b) {
  EXPECT_EQ(a.inserted_items, b.inserted_items);
  EXPECT_EQ(a.sampled_items, b.sampled_items);
  EXPECT_EQ(a.evicted_items, b.evicted_items);
  EXPECT_EQ(a.refused_inserts, b.refused_inserts);
  EXPECT_EQ(a.refused_samples, b.refused_samples);
  EXPECT_EQ(a.priority_updates, b.priority_updates);
  EXPECT_EQ(a.stale_priority_keys, b.stale_priority_keys);
}

// Every sampled item holds the contents it was inserted with (items are labelled by key).
void ExpectContentsMatchKeys(const SampleBatch& batch) {
  for (int32_t i = 0; i < batch.num_items; ++i)
    for (int32_t j = 0; j < batch.item_size; ++j)
      EXPECT_EQ(batch.data[static_cast<size_t>(i) * batch.item_size + j],
                static_cast<float>(batch.keys[static_cast<size_t>(i)] * 100 + j))
          << "item " << i << " float " << j;
}

void ExpectSameBatch(const SampleBatch& a, const SampleBatch& b) {
  EXPECT_EQ(a.num_items, b.num_items);
  EXPECT_EQ(a.table_size, b.table_size);
  EXPECT_EQ(a.keys, b.keys);
  EXPECT_EQ(a.probabilities, b.probabilities);  // bit for bit: same slots, same sum tree
  EXPECT_EQ(a.data, b.data);
}

// A table of `kind` whose ring has wrapped (head ≠ 0) and whose counters are all non-trivial.
std::unique_ptr<Table> MakeUsedTable(ReplayTableSpec::Kind kind) {
  ReplayTableSpec spec = kind == kPrioritized ? MakePrioritizedSpec(16, 3, 0.7, 1.5)
                                              : MakeSpec(kind, 16, 3);
  auto table = MakeTable(spec);
  Rng rng(7);
  SampleBatch batch;
  if (kind == kQueue) {
    InsertItems(*table, 10, 0);
    EXPECT_TRUE(table->Sample(6, rng, &batch).ok());
    InsertItems(*table, 9, 10);  // wraps around the ring: 13 items, head at slot 6
    EXPECT_FALSE(table->Insert(Items(5, 3, 19).data(), 5).ok());  // refused: queue full
  } else {
    InsertItems(*table, 16, 0);
    InsertItems(*table, 9, 16);  // 9 evicted, head at slot 9
    EXPECT_TRUE(table->Sample(5, rng, &batch).ok());
  }
  if (kind == kPrioritized) {
    EXPECT_TRUE(table->UpdatePriorities({10, 12, 13, 3, 24}, {0.25, 0.0, 4.0, 9.0, 2.0}).ok());
  }
  return table;
}

class TableCheckpointRoundTrip : public ::testing::TestWithParam<ReplayTableSpec::Kind> {};

TEST_P(TableCheckpointRoundTrip, RestoresKeysContentsPrioritiesCountersAndSampling) {
  auto original = MakeUsedTable(GetParam());
  TempPath path("roundtrip");
  Table::CheckpointStats stats;
  ASSERT_TRUE(original->SaveCheckpoint(path.str(), &stats).ok());
  EXPECT_EQ(stats.items, original->size());
  EXPECT_GT(stats.bytes, 0);

  auto loaded = Table::LoadCheckpoint(original->spec(), path.str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Table& restored = *loaded.value();
  EXPECT_EQ(restored.size(), original->size());
  EXPECT_EQ(restored.Keys(), original->Keys());
  EXPECT_EQ(restored.Priorities(), original->Priorities());
  EXPECT_EQ(restored.max_priority(), original->max_priority());
  ExpectSameCounters(restored.counters(), original->counters());
  EXPECT_EQ(restored.CanInsert(1), original->CanInsert(1));

  // The same draws give the same items, probabilities and contents (a queue: every item, in
  // order).
  const int32_t n = GetParam() == kQueue ? static_cast<int32_t>(original->size()) : 64;
  Rng rng_a(123), rng_b(123);
  SampleBatch a, b;
  ASSERT_TRUE(original->Sample(n, rng_a, &a).ok());
  ASSERT_TRUE(restored.Sample(n, rng_b, &b).ok());
  ExpectSameBatch(a, b);
  ExpectContentsMatchKeys(b);
}

TEST_P(TableCheckpointRoundTrip, InsertsAfterRestoreContinueTheKeySequence) {
  auto original = MakeUsedTable(GetParam());
  TempPath path("continue");
  ASSERT_TRUE(original->SaveCheckpoint(path.str()).ok());
  auto loaded = Table::LoadCheckpoint(original->spec(), path.str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Table& restored = *loaded.value();
  const uint64_t next_key = original->Keys().back() + 1;

  if (GetParam() == kQueue) {  // make room first, the same way in both
    Rng rng_a(1), rng_b(1);
    SampleBatch a, b;
    ASSERT_TRUE(original->Sample(4, rng_a, &a).ok());
    ASSERT_TRUE(restored.Sample(4, rng_b, &b).ok());
  }
  InsertItems(*original, 3, static_cast<int64_t>(next_key));
  InsertItems(restored, 3, static_cast<int64_t>(next_key));
  const std::vector<uint64_t> keys = restored.Keys();
  ASSERT_GE(keys.size(), 3u);
  EXPECT_EQ(keys[keys.size() - 3], next_key);
  EXPECT_EQ(keys.back(), next_key + 2);
  EXPECT_EQ(keys, original->Keys());
  EXPECT_EQ(restored.Priorities(), original->Priorities());
  ExpectSameCounters(restored.counters(), original->counters());
}

INSTANTIATE_TEST_SUITE_P(Kinds, TableCheckpointRoundTrip,
                         ::testing::Values(kUniform, kPrioritized, kQueue),
                         [](const ::testing::TestParamInfo<ReplayTableSpec::Kind>& info) {
                           switch (info.param) {
                             case kUniform: return std::string("Uniform");
                             case kPrioritized: return std::string("Prioritized");
                             default: return std::string("Queue");
                           }
                         });

TEST(TableCheckpoint, EmptyTableRoundTrips) {
  auto original = MakeTable(MakePrioritizedSpec(8, 2, 0.6));
  TempPath path("empty");
  ASSERT_TRUE(original->SaveCheckpoint(path.str()).ok());
  auto loaded = Table::LoadCheckpoint(original->spec(), path.str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value()->size(), 0);
  InsertItems(*loaded.value(), 2, 0);
  EXPECT_EQ(loaded.value()->Keys(), (std::vector<uint64_t>{0, 1}));
}

TEST(TableCheckpoint, SavingAgainReplacesTheFile) {
  auto table = MakeTable(MakeSpec(kUniform, 8, 2));
  TempPath path("replace");
  InsertItems(*table, 2, 0);
  ASSERT_TRUE(table->SaveCheckpoint(path.str()).ok());
  InsertItems(*table, 3, 2);
  ASSERT_TRUE(table->SaveCheckpoint(path.str()).ok());
  auto loaded = Table::LoadCheckpoint(table->spec(), path.str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value()->Keys(), table->Keys());
}

// A small prioritized table's checkpoint, as bytes.
std::string SmallCheckpointBytes(const ReplayTableSpec& spec, const std::string& path) {
  auto table = MakeTable(spec);
  InsertItems(*table, 5, 0);
  EXPECT_TRUE(table->UpdatePriorities({1, 3}, {0.5, 3.0}).ok());
  EXPECT_TRUE(table->SaveCheckpoint(path).ok());
  auto bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok());
  return bytes.value();
}

TEST(TableCheckpoint, EverySingleByteCorruptionIsDataLoss) {
  const ReplayTableSpec spec = MakePrioritizedSpec(8, 2, 0.6);
  TempPath good("good"), bad("corrupt");
  const std::string bytes = SmallCheckpointBytes(spec, good.str());
  ASSERT_GT(bytes.size(), table_checkpoint::kHeaderBytes);
  // Every position of this small file, each with a one-bit and an all-bits flip.
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    for (unsigned char flip : {0x01, 0xFF}) {
      std::string corrupt = bytes;
      corrupt[pos] = static_cast<char>(static_cast<unsigned char>(corrupt[pos]) ^ flip);
      ASSERT_TRUE(WriteFileAtomic(bad.str(), corrupt).ok());
      auto loaded = Table::LoadCheckpoint(spec, bad.str());
      ASSERT_FALSE(loaded.ok()) << "byte " << pos << " flip " << int(flip);
      EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss)
          << "byte " << pos << ": " << loaded.status().ToString();
      EXPECT_NE(loaded.status().message().find(bad.str()), std::string::npos)
          << loaded.status().ToString();
    }
  }
  // The intact file still loads.
  EXPECT_TRUE(Table::LoadCheckpoint(spec, good.str()).ok());
}

TEST(TableCheckpoint, EveryTruncationIsDataLoss) {
  const ReplayTableSpec spec = MakePrioritizedSpec(8, 2, 0.6);
  TempPath good("good"), bad("truncated");
  const std::string bytes = SmallCheckpointBytes(spec, good.str());
  for (size_t length = 0; length < bytes.size(); ++length) {
    ASSERT_TRUE(WriteFileAtomic(bad.str(), bytes.substr(0, length)).ok());
    auto loaded = Table::LoadCheckpoint(spec, bad.str());
    ASSERT_FALSE(loaded.ok()) << "length " << length;
    EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss)
        << "length " << length << ": " << loaded.status().ToString();
    EXPECT_NE(loaded.status().message().find(bad.str()), std::string::npos);
  }
  // Trailing garbage is caught too.
  ASSERT_TRUE(WriteFileAtomic(bad.str(), bytes + std::string(1, '\0')).ok());
  EXPECT_EQ(Table::LoadCheckpoint(spec, bad.str()).status().code(), StatusCode::kDataLoss);
}

TEST(TableCheckpoint, SpecMismatchIsInvalidArgument) {
  const ReplayTableSpec spec = MakePrioritizedSpec(8, 2, 0.6);
  TempPath path("mismatch");
  SmallCheckpointBytes(spec, path.str());
  ReplayTableSpec other_capacity = spec;
  other_capacity.capacity = 9;
  ReplayTableSpec other_item_size = spec;
  other_item_size.item_size = 3;
  ReplayTableSpec other_exponent = spec;
  other_exponent.priority_exponent = 0.5;
  ReplayTableSpec other_kind = spec;
  other_kind.kind = kUniform;
  for (const ReplayTableSpec& other :
       {other_capacity, other_item_size, other_exponent, other_kind}) {
    auto loaded = Table::LoadCheckpoint(other, path.str());
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument)
        << loaded.status().ToString();
  }
  // Fields that need not match: name, min_size, rate limiter, initial priority.
  ReplayTableSpec compatible = spec;
  compatible.name = "renamed";
  compatible.min_size = 3;
  compatible.samples_per_insert = 1.0;
  compatible.error_buffer = 10.0;
  compatible.initial_priority = 2.0;
  auto loaded = Table::LoadCheckpoint(compatible, path.str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value()->size(), 5);
}

TEST(TableCheckpoint, MissingFileIsNotFound) {
  TempPath path("missing");
  auto loaded = Table::LoadCheckpoint(MakeSpec(kUniform, 8, 2), path.str());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound) << loaded.status().ToString();
}

// Not a timed assertion: prints the insert pause of a 100k × 64-float table's checkpoint.
TEST(TableCheckpoint, ReportsTheInsertPauseOfALargeTable) {
  const int32_t kItems = 100000, kItemSize = 64;
  auto table = MakeTable(MakePrioritizedSpec(kItems, kItemSize, 0.6));
  const std::vector<float> items(static_cast<size_t>(kItems) * kItemSize, 1.0f);
  ASSERT_TRUE(table->Insert(items.data(), kItems).ok());
  TempPath path("large");
  Table::CheckpointStats stats;
  ASSERT_TRUE(table->SaveCheckpoint(path.str(), &stats).ok());
  EXPECT_EQ(stats.items, kItems);
  const auto us = [](std::chrono::nanoseconds d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  };
  std::printf("{\"checkpoint_items\": %d, \"item_floats\": %d, \"bytes\": %lld, "
              "\"insert_pause_us\": %lld, \"total_us\": %lld}\n",
              kItems, kItemSize, static_cast<long long>(stats.bytes),
              static_cast<long long>(us(stats.insert_pause)),
              static_cast<long long>(us(stats.total)));
  RecordProperty("insert_pause_us", static_cast<int>(us(stats.insert_pause)));
  auto loaded = Table::LoadCheckpoint(table->spec(), path.str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value()->size(), kItems);
}

}  // namespace
}  // namespace slaterl
