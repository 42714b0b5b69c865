#include "replay/shard.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "core/state_archive.h"
#include "tests/replay/replay_test_util.h"

namespace slaterl {
namespace {

using testing_util::ItemIsAll;
using testing_util::MakeFragment;
using testing_util::MakePrioritizedSpec;
using testing_util::MakeSpec;

constexpr auto kUniform = ReplayTableSpec::Kind::kUniform;
constexpr auto kQueue = ReplayTableSpec::Kind::kQueue;
constexpr int32_t kItemSize = 4;

ShardOptions MakeOptions(std::vector<ReplayTableSpec> tables, int32_t shard_id = 2) {
  ShardOptions options;
  options.shard_id = shard_id;
  options.tables = std::move(tables);
  return options;
}

std::unique_ptr<ShardCore> MakeCore(const ShardOptions& options) {
  auto core = ShardCore::Create(options);
  EXPECT_TRUE(core.ok()) << core.status().ToString();
  return std::move(core).value();
}

SampleRequest MakeRequest(uint64_t request_id, int32_t batch_size,
                          const std::string& table = "transitions") {
  SampleRequest request;
  request.request_id = request_id;
  request.table = table;
  request.batch_size = batch_size;
  return request;
}

// A request that also carries priority updates (what the learner piggybacks).
SampleRequest MakeRequestWithPriorities(uint64_t request_id, int32_t batch_size,
                                        std::vector<uint64_t> keys, std::vector<double> priorities,
                                        const std::string& table = "transitions") {
  SampleRequest request = MakeRequest(request_id, batch_size, table);
  request.priority_keys = std::move(keys);
  request.priorities = std::move(priorities);
  return request;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t end) {
  std::vector<uint64_t> keys;
  for (uint64_t k = first; k < end; ++k) keys.push_back(k);
  return keys;
}

TEST(ShardCoreTest, CreateRejectsBadTableSets) {
  EXPECT_EQ(ShardCore::Create(MakeOptions({})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ShardCore::Create(MakeOptions({MakeSpec(kUniform, 10, kItemSize),
                                           MakeSpec(kQueue, 10, kItemSize)}))
                .status()
                .code(),
            StatusCode::kInvalidArgument);  // duplicate name
  EXPECT_EQ(ShardCore::Create(MakeOptions({MakeSpec(kUniform, 10, kItemSize),
                                           MakeSpec(kQueue, 10, kItemSize + 1, 1, 0, 0, "q")}))
                .status()
                .code(),
            StatusCode::kInvalidArgument);  // different item sizes
  EXPECT_EQ(ShardCore::Create(MakeOptions({MakeSpec(kUniform, 0, kItemSize)})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(ShardCore::Create(MakeOptions({MakeSpec(kUniform, 10, kItemSize),
                                             MakeSpec(kQueue, 10, kItemSize, 1, 0, 0, "q")}))
                  .ok());
}

TEST(ShardCoreTest, MalformedFragmentsAreRejectedAndTablesUnchanged) {
  auto core = MakeCore(MakeOptions({MakeSpec(kUniform, /*capacity=*/8, kItemSize)}));
  ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, 0, /*env_steps=*/3, 1)).ok());
  const Table* table = core->table("transitions");
  ASSERT_NE(table, nullptr);

  std::vector<Fragment> malformed;
  malformed.push_back(MakeFragment(2, kItemSize + 1, 100));  // wrong item size
  Fragment zero = MakeFragment(2, kItemSize, 100);
  zero.num_items = 0;
  malformed.push_back(zero);
  Fragment negative = MakeFragment(2, kItemSize, 100);
  negative.num_items = -2;
  malformed.push_back(negative);
  Fragment short_data = MakeFragment(2, kItemSize, 100);
  short_data.data.resize(short_data.data.size() - 1);
  malformed.push_back(short_data);
  Fragment long_data = MakeFragment(2, kItemSize, 100);
  long_data.data.push_back(1.0f);
  malformed.push_back(long_data);
  Fragment lying = MakeFragment(2, kItemSize, 100);
  lying.num_items = 1 << 30;  // num_items × item_size overflows int32
  malformed.push_back(lying);
  malformed.push_back(MakeFragment(9, kItemSize, 100));  // larger than the capacity
  malformed.push_back(MakeFragment(1, kItemSize, 100, /*env_steps=*/-5));
  malformed.push_back(MakeFragment(1, kItemSize, 100, /*env_steps=*/1, /*episodes=*/-1));

  for (const Fragment& fragment : malformed) {
    EXPECT_EQ(core->HandleFragment(fragment).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(table->Keys(), Range(0, 3));
  EXPECT_EQ(core->env_steps(), 3);
  EXPECT_EQ(core->episodes(), 1);
  EXPECT_EQ(core->drops().total(), static_cast<int64_t>(malformed.size()));
  EXPECT_EQ(core->drops().by_reason().at("fragment_invalid"), static_cast<int64_t>(malformed.size()));
  // Contents are intact: every item holds its own label.
  Rng rng(1);
  ASSERT_TRUE(core->EnqueueSampleRequest("learner", MakeRequest(1, 50)).ok());
  auto served = core->ServeReady(rng);
  ASSERT_EQ(served.size(), 1u);
  for (int32_t i = 0; i < 50; ++i)
    EXPECT_TRUE(ItemIsAll(served[0].second, i, static_cast<float>(served[0].second.keys[i])));
}

TEST(ShardCoreTest, ValidFragmentGoesIntoEveryTable) {
  auto core = MakeCore(MakeOptions({MakeSpec(kUniform, 10, kItemSize),
                                    MakeSpec(kQueue, 10, kItemSize, 1, 0, 0, "queue")}));
  ASSERT_TRUE(core->HandleFragment(MakeFragment(4, kItemSize, 0, /*env_steps=*/4, 0)).ok());
  Fragment second = MakeFragment(2, kItemSize, 4, /*env_steps=*/2, /*episodes=*/1);
  ASSERT_TRUE(core->HandleFragment(std::move(second)).ok());
  EXPECT_EQ(core->table("transitions")->Keys(), Range(0, 6));
  EXPECT_EQ(core->table("queue")->Keys(), Range(0, 6));
  EXPECT_EQ(core->env_steps(), 6);
  EXPECT_EQ(core->episodes(), 1);
}

TEST(ShardCoreTest, BadSampleRequestsAreRejectedAndCounted) {
  auto core = MakeCore(MakeOptions({MakeSpec(kQueue, /*capacity=*/10, kItemSize)}));
  EXPECT_EQ(core->EnqueueSampleRequest("a", MakeRequest(1, 4, "nope")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(core->EnqueueSampleRequest("a", MakeRequest(2, 0)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(core->EnqueueSampleRequest("a", MakeRequest(3, -7)).code(),
            StatusCode::kInvalidArgument);
  // A queue of 10 can never serve 11 at once.
  EXPECT_EQ(core->EnqueueSampleRequest("a", MakeRequest(4, 11)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(core->pending_requests(), 0);
  EXPECT_EQ(core->drops().total(), 4);

  auto uniform = MakeCore(MakeOptions({MakeSpec(kUniform, 10, kItemSize)}));
  // Sampling with replacement allows more than the size, but not a reply beyond the wire limit.
  EXPECT_TRUE(uniform->EnqueueSampleRequest("a", MakeRequest(5, 1000)).ok());
  EXPECT_EQ(uniform->EnqueueSampleRequest("a", MakeRequest(6, 2000000000)).code(),
            StatusCode::kInvalidArgument);
}

TEST(ShardCoreTest, ServeReadyWaitsForMinSizeAndCarriesShardCounters) {
  auto core = MakeCore(MakeOptions({MakeSpec(kUniform, 100, kItemSize, /*min_size=*/5)}, 3));
  Rng rng(1);
  ASSERT_TRUE(core->EnqueueSampleRequest("learner", MakeRequest(42, 8)).ok());
  ASSERT_TRUE(core->HandleFragment(MakeFragment(4, kItemSize, 0, /*env_steps=*/4, 0)).ok());
  EXPECT_TRUE(core->ServeReady(rng).empty());
  EXPECT_EQ(core->pending_requests(), 1);
  ASSERT_TRUE(core->HandleFragment(MakeFragment(1, kItemSize, 4, /*env_steps=*/1, 2)).ok());
  auto served = core->ServeReady(rng);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].first, "learner");
  const SampleBatch& batch = served[0].second;
  EXPECT_EQ(batch.request_id, 42u);
  EXPECT_EQ(batch.table, "transitions");
  EXPECT_EQ(batch.shard_id, 3);
  EXPECT_EQ(batch.num_items, 8);
  EXPECT_EQ(batch.item_size, kItemSize);
  EXPECT_EQ(batch.shard_env_steps, 5);
  EXPECT_EQ(batch.shard_episodes, 2);
  EXPECT_EQ(batch.table_size, 5);
  EXPECT_EQ(core->pending_requests(), 0);
  EXPECT_TRUE(core->ServeReady(rng).empty());  // answered exactly once
}

TEST(ShardCoreTest, ServeReadyAnswersInArrivalOrderPerTable) {
  auto core = MakeCore(MakeOptions({MakeSpec(kQueue, 100, kItemSize),
                                    MakeSpec(kUniform, 100, kItemSize, 1, 0, 0, "uniform")}));
  Rng rng(1);
  ASSERT_TRUE(core->EnqueueSampleRequest("a", MakeRequest(1, 5)).ok());   // queue: needs 5
  ASSERT_TRUE(core->EnqueueSampleRequest("b", MakeRequest(2, 1)).ok());   // queue: waits behind 1
  ASSERT_TRUE(core->EnqueueSampleRequest("c", MakeRequest(3, 2, "uniform")).ok());
  ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, 0)).ok());
  auto served = core->ServeReady(rng);
  // Only the uniform request: request 2 must not overtake request 1 on the queue.
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].second.request_id, 3u);
  ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, 3)).ok());
  served = core->ServeReady(rng);
  ASSERT_EQ(served.size(), 2u);
  EXPECT_EQ(served[0].first, "a");
  EXPECT_EQ(served[0].second.keys, Range(0, 5));
  EXPECT_EQ(served[1].first, "b");
  EXPECT_EQ(served[1].second.keys, Range(5, 6));
}

TEST(ShardCoreTest, PendingRequestsAreCappedPerClient) {
  ShardOptions options = MakeOptions({MakeSpec(kUniform, 100, kItemSize, /*min_size=*/10)});
  options.max_pending_requests_per_client = 3;
  options.max_pending_requests = 5;
  auto core = MakeCore(options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(core->EnqueueSampleRequest("a", MakeRequest(i, 1)).ok());
  EXPECT_EQ(core->EnqueueSampleRequest("a", MakeRequest(9, 1)).code(),
            StatusCode::kResourceExhausted);
  ASSERT_TRUE(core->EnqueueSampleRequest("b", MakeRequest(10, 1)).ok());
  ASSERT_TRUE(core->EnqueueSampleRequest("c", MakeRequest(11, 1)).ok());
  EXPECT_EQ(core->EnqueueSampleRequest("d", MakeRequest(12, 1)).code(),
            StatusCode::kResourceExhausted);  // shard-wide cap
  EXPECT_EQ(core->pending_requests(), 5);
  EXPECT_EQ(core->drops().by_reason().at("request_too_many_pending"), 2);
  // Serving frees the slots again.
  Rng rng(1);
  ASSERT_TRUE(core->HandleFragment(MakeFragment(10, kItemSize, 0)).ok());
  EXPECT_EQ(core->ServeReady(rng).size(), 5u);
  EXPECT_TRUE(core->EnqueueSampleRequest("a", MakeRequest(13, 1)).ok());
}

TEST(ShardCoreTest, RateLimitedFragmentsWaitInBacklogAndGoInAfterSamples) {
  // samples_per_insert=1, error_buffer=4, min_size=2: offset 2, min_diff -2, max_diff 6.
  ShardOptions options =
      MakeOptions({MakeSpec(kUniform, 100, kItemSize, /*min_size=*/2, /*samples_per_insert=*/1.0,
                            /*error_buffer=*/4.0)});
  options.max_backlog_fragments = 2;
  auto core = MakeCore(options);
  Rng rng(1);
  ASSERT_TRUE(core->HandleFragment(MakeFragment(6, kItemSize, 0, /*env_steps=*/6)).ok());
  EXPECT_TRUE(core->accepting_fragments());
  // Balance 6: the next insert would exceed max_diff, so fragments wait in order.
  ASSERT_TRUE(core->HandleFragment(MakeFragment(2, kItemSize, 6, /*env_steps=*/2)).ok());
  EXPECT_FALSE(core->accepting_fragments());
  ASSERT_TRUE(core->HandleFragment(MakeFragment(2, kItemSize, 8, /*env_steps=*/2)).ok());
  EXPECT_EQ(core->HandleFragment(MakeFragment(1, kItemSize, 10)).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(core->backlog_fragments(), 2);
  EXPECT_EQ(core->table("transitions")->Keys(), Range(0, 6));
  EXPECT_EQ(core->env_steps(), 6);  // counted when visible

  // A sample of 1 brings the balance to 5: the first backlog fragment fits (5 + 1 <= 6), goes
  // in (balance 7) and blocks the second one again.
  ASSERT_TRUE(core->EnqueueSampleRequest("learner", MakeRequest(1, 1)).ok());
  auto served = core->ServeReady(rng);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(core->table("transitions")->Keys(), Range(0, 8));
  EXPECT_EQ(core->backlog_fragments(), 1);
  EXPECT_EQ(core->env_steps(), 8);
  // Samples of 2 more: balance 5, the last one goes in.
  ASSERT_TRUE(core->EnqueueSampleRequest("learner", MakeRequest(2, 2)).ok());
  served = core->ServeReady(rng);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(core->table("transitions")->Keys(), Range(0, 10));
  EXPECT_TRUE(core->accepting_fragments());
  EXPECT_EQ(core->env_steps(), 10);
}

TEST(ShardCoreTest, QueueShardServesEveryItemOnceAcrossRequests) {
  ShardOptions options = MakeOptions({MakeSpec(kQueue, /*capacity=*/8, kItemSize)});
  options.max_backlog_fragments = 64;
  auto core = MakeCore(options);
  Rng rng(1);
  int64_t label = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, label)).ok());
    label += 3;
  }
  // The queue holds 6 (two fragments); the others wait in the backlog rather than being lost.
  EXPECT_EQ(core->table("transitions")->size(), 6);
  std::vector<uint64_t> keys;
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(core->EnqueueSampleRequest("l", MakeRequest(i, 2)).ok());
  for (const auto& reply : core->ServeReady(rng)) {
    for (int32_t j = 0; j < reply.second.num_items; ++j) {
      EXPECT_TRUE(ItemIsAll(reply.second, j, static_cast<float>(reply.second.keys[j])));
      keys.push_back(reply.second.keys[j]);
    }
  }
  EXPECT_EQ(keys, Range(0, 30));
  EXPECT_EQ(core->backlog_fragments(), 0);
}

TEST(ShardCoreTest, SameSeedGivesSameSamples) {
  auto run = [](uint64_t seed) {
    auto core = MakeCore(MakeOptions({MakeSpec(kUniform, 50, kItemSize)}));
    EXPECT_TRUE(core->HandleFragment(MakeFragment(40, kItemSize, 0)).ok());
    Rng rng(seed);
    std::vector<uint64_t> keys;
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(core->EnqueueSampleRequest("l", MakeRequest(i, 16)).ok());
      for (const auto& reply : core->ServeReady(rng))
        keys.insert(keys.end(), reply.second.keys.begin(), reply.second.keys.end());
    }
    return keys;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(ShardCoreTest, StatsReportCountersAndDrops) {
  auto core = MakeCore(MakeOptions({MakeSpec(kUniform, /*capacity=*/4, kItemSize)}, 5));
  ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, 0, /*env_steps=*/30, 2)).ok());
  ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, 3, /*env_steps=*/30, 1)).ok());
  EXPECT_FALSE(core->HandleFragment(MakeFragment(1, kItemSize + 1, 6)).ok());
  core->RecordDrop("bad_header", DataLossError("test"));
  ASSERT_TRUE(core->EnqueueSampleRequest("l", MakeRequest(1, 7)).ok());
  Rng rng(1);
  ASSERT_EQ(core->ServeReady(rng).size(), 1u);
  // Pending until the next ServeReady.
  ASSERT_TRUE(core->EnqueueSampleRequest("l", MakeRequest(2, 1)).ok());
  const Stats stats = core->MakeStats();
  EXPECT_EQ(stats.role, "shard");
  EXPECT_EQ(stats.id, 5);
  EXPECT_EQ(stats.scalars.at("replay/size"), 4);
  EXPECT_EQ(stats.scalars.at("replay/transitions/size"), 4);
  EXPECT_EQ(stats.scalars.at("replay/inserted_items"), 6);
  EXPECT_EQ(stats.scalars.at("replay/evicted_items"), 2);
  EXPECT_EQ(stats.scalars.at("replay/sampled_items"), 7);
  EXPECT_EQ(stats.scalars.at("replay/env_steps"), 60);
  EXPECT_EQ(stats.scalars.at("replay/episodes"), 3);
  EXPECT_EQ(stats.scalars.at("replay/fragments"), 2);
  EXPECT_EQ(stats.scalars.at("replay/pending_requests"), 1);
  EXPECT_EQ(stats.scalars.at("replay/served_requests"), 1);
  EXPECT_EQ(stats.scalars.at("replay/dropped_messages"), 2);
  EXPECT_EQ(stats.scalars.at("replay/dropped/fragment_invalid"), 1);
  EXPECT_EQ(stats.scalars.at("replay/dropped/bad_header"), 1);
  EXPECT_EQ(stats.scalars.at("replay/priority_updates"), 0);
  EXPECT_EQ(stats.scalars.at("replay/stale_priority_keys"), 0);
}

TEST(ShardCoreTest, AppliesPiggybackedPriorityUpdatesBeforeServing) {
  auto core = MakeCore(MakeOptions({MakePrioritizedSpec(/*capacity=*/6, kItemSize,
                                                        /*priority_exponent=*/1.0)}));
  ASSERT_TRUE(core->HandleFragment(MakeFragment(8, kItemSize, 0)).code() ==
              StatusCode::kInvalidArgument);  // larger than the table
  ASSERT_TRUE(core->HandleFragment(MakeFragment(4, kItemSize, 0)).ok());
  ASSERT_TRUE(core->HandleFragment(MakeFragment(4, kItemSize, 4)).ok());  // keys 2..7 stored
  // Every stored item but key 5 gets priority 0; keys 0 and 1 are gone.
  ASSERT_TRUE(core->EnqueueSampleRequest(
                      "learner", MakeRequestWithPriorities(1, 32, {0, 1, 2, 3, 4, 5, 6, 7},
                                                           {9, 9, 0, 0, 0, 3, 0, 0}))
                  .ok());
  Rng rng(1);
  auto served = core->ServeReady(rng);
  ASSERT_EQ(served.size(), 1u);
  const SampleBatch& batch = served[0].second;
  ASSERT_EQ(batch.num_items, 32);
  for (int32_t i = 0; i < batch.num_items; ++i) {
    EXPECT_EQ(batch.keys[i], 5u);
    EXPECT_EQ(batch.probabilities[i], 1.0);
    EXPECT_TRUE(ItemIsAll(batch, i, 5.0f));
  }
  const Table* table = core->table("transitions");
  EXPECT_EQ(table->Priorities(), (std::vector<double>{0, 0, 0, 3, 0, 0}));
  EXPECT_EQ(table->max_priority(), 3.0);  // stale keys' priorities do not count
  // A new fragment's items get the running maximum, 3.
  ASSERT_TRUE(core->HandleFragment(MakeFragment(1, kItemSize, 8)).ok());
  EXPECT_EQ(table->Priorities(), (std::vector<double>{0, 0, 3, 0, 0, 3}));

  const Stats stats = core->MakeStats();
  EXPECT_EQ(stats.scalars.at("replay/priority_updates"), 6);
  EXPECT_EQ(stats.scalars.at("replay/stale_priority_keys"), 2);
  EXPECT_EQ(stats.scalars.at("replay/transitions/max_priority"), 3.0);
  EXPECT_EQ(stats.scalars.at("replay/dropped_messages"), 1);  // the oversized fragment
}

TEST(ShardCoreTest, BadPriorityUpdatesAreDroppedWithoutChanges) {
  auto core = MakeCore(MakeOptions(
      {MakePrioritizedSpec(/*capacity=*/10, kItemSize, /*priority_exponent=*/0.5),
       MakeSpec(kUniform, /*capacity=*/10, kItemSize, 1, 0, 0, "uniform")}));
  ASSERT_TRUE(core->HandleFragment(MakeFragment(3, kItemSize, 0)).ok());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<SampleRequest> bad = {
      MakeRequestWithPriorities(1, 4, {0, 1}, {1.0}),         // sizes differ
      MakeRequestWithPriorities(2, 4, {}, {1.0}),             // sizes differ
      MakeRequestWithPriorities(3, 4, {0, 1}, {2.0, -1.0}),   // negative
      MakeRequestWithPriorities(4, 4, {0, 1}, {2.0, nan}),    // NaN
      MakeRequestWithPriorities(5, 4, {0, 1}, {inf, 2.0}),    // infinite
      MakeRequestWithPriorities(6, 4, {0}, {2.0}, "uniform"), // not a prioritized table
  };
  for (const SampleRequest& request : bad) {
    EXPECT_EQ(core->EnqueueSampleRequest("learner", request).code(), StatusCode::kInvalidArgument)
        << "request " << request.request_id;
  }
  EXPECT_EQ(core->pending_requests(), 0);
  EXPECT_EQ(core->drops().by_reason().at("request_bad_priorities"),
            static_cast<int64_t>(bad.size()));
  EXPECT_EQ(core->table("transitions")->Priorities(), (std::vector<double>{1.0, 1.0, 1.0}));
  // A request rejected for another reason applies none of its priorities either.
  EXPECT_EQ(core->EnqueueSampleRequest("learner", MakeRequestWithPriorities(7, 0, {0}, {5.0}))
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(core->table("transitions")->Priorities(), (std::vector<double>{1.0, 1.0, 1.0}));
  // The same client can still send good requests; an empty update is fine on any table.
  EXPECT_TRUE(core->EnqueueSampleRequest("learner", MakeRequest(8, 4, "uniform")).ok());
  EXPECT_TRUE(
      core->EnqueueSampleRequest("learner", MakeRequestWithPriorities(9, 4, {1}, {4.0})).ok());
  EXPECT_EQ(core->table("transitions")->Priorities(), (std::vector<double>{1.0, 4.0, 1.0}));
  Rng rng(1);
  EXPECT_EQ(core->ServeReady(rng).size(), 2u);
}

// Whole-run snapshots (core/state_archive.h): tables through SaveCheckpoint/LoadCheckpoint, the rest through
// VisitQueueState; a restored core then serves exactly what the original serves.
TEST(ShardCoreTest, ARestoredCoreHoldsTheBacklogQueuedRequestsAndDropsAndServesTheSame) {
  ShardOptions options =
      MakeOptions({MakeSpec(kUniform, 100, kItemSize, /*min_size=*/2, /*samples_per_insert=*/1.0,
                            /*error_buffer=*/4.0)});
  options.max_backlog_fragments = 2;
  auto original = MakeCore(options);
  ASSERT_TRUE(original->HandleFragment(MakeFragment(6, kItemSize, 0, /*env_steps=*/6)).ok());
  ASSERT_TRUE(original->HandleFragment(MakeFragment(2, kItemSize, 6, /*env_steps=*/2)).ok());  // backlog
  Fragment malformed = MakeFragment(1, kItemSize, 20);
  malformed.item_size = kItemSize + 1;
  EXPECT_FALSE(original->HandleFragment(malformed).ok());  // a counted drop
  ASSERT_TRUE(original->EnqueueSampleRequest("learner", MakeRequest(1, 1)).ok());
  ASSERT_TRUE(original->EnqueueSampleRequest("learner", MakeRequest(2, 3)).ok());
  ASSERT_EQ(original->backlog_fragments(), 1);
  ASSERT_EQ(original->pending_requests(), 2);

  char pattern[] = "/tmp/slaterl-test-shard-snapshot-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  ASSERT_TRUE(original->SaveCheckpoint(dir).ok());
  StateArchive saved = StateArchive::ForSaving();
  ASSERT_TRUE(original->VisitQueueState(saved).ok());

  auto restored = MakeCore(options);
  ASSERT_TRUE(restored->LoadCheckpoint(dir).ok());
  auto loading = StateArchive::ForLoading(saved.bytes());
  ASSERT_TRUE(loading.ok());
  ASSERT_TRUE(restored->VisitQueueState(*loading).ok()) << loading->status().ToString();
  EXPECT_TRUE(loading->CheckFullyRead().ok());
  EXPECT_EQ(restored->backlog_fragments(), 1);
  EXPECT_EQ(restored->pending_requests(), 2);
  EXPECT_EQ(restored->drops().total(), 1);
  EXPECT_EQ(restored->MakeStats().scalars, original->MakeStats().scalars);

  Rng rng_a(5), rng_b(5);
  const auto served_original = original->ServeReady(rng_a);
  const auto served_restored = restored->ServeReady(rng_b);
  ASSERT_EQ(served_restored.size(), served_original.size());
  ASSERT_GE(served_restored.size(), 1u);
  for (size_t i = 0; i < served_original.size(); ++i) {
    EXPECT_EQ(served_restored[i].first, "learner");
    EXPECT_EQ(served_restored[i].second.request_id, served_original[i].second.request_id);
    EXPECT_EQ(served_restored[i].second.keys, served_original[i].second.keys);
    EXPECT_EQ(served_restored[i].second.data, served_original[i].second.data);
  }
  EXPECT_EQ(restored->table("transitions")->Keys(), original->table("transitions")->Keys());
}

}  // namespace
}  // namespace slaterl
