// bench/replay_bench.cc — single-thread throughput of replay tables: uniform vs prioritized.
//
// For a table of `capacity` items × `item_size` floats (default 100,000 × 64, as a shard of an
// off-policy run), kept full so every insert evicts, measures
//   insert            items/s, inserting fragments of `fragment_items` items (Table::Insert),
//   sample            batches/s and items/s, batches of `batch` items (Table::Sample),
//   update_priorities (prioritized) keys/s, `batch` keys per call with random priorities,
//   sample+update     (prioritized) the learner's loop: one batch, then new priorities for it.
// The prioritized table's priorities are spread over four orders of magnitude first, so draws
// descend a realistic tree. Each figure is the median of `repeats` timings of ≥ `seconds` each,
// after a warm-up; ratios prioritized/uniform are measured in the same run, so they are stable on
// noisy machines. Prints one JSON object per line:
//   {"bench":"replay","table":"prioritized","op":"sample","batch":32,"calls_per_sec":...,
//    "items_per_sec":...,"capacity":100000,"item_size":64}
//   {"bench":"replay","op":"sample","ratio":"prioritized/uniform","value":0.8}
// Usage: bench_replay_bench [--seconds S] [--repeats N] [--capacity C] [--item-size F]
//                           [--batch B] [--fragment-items M]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/messages.h"
#include "core/replay_spec.h"
#include "core/rng.h"
#include "core/status.h"
#include "replay/table.h"

namespace slaterl {
namespace {

struct BenchOptions {
  double seconds = 0.3;
  int repeats = 5;
  int64_t capacity = 100000;
  int32_t item_size = 64;
  int32_t batch = 32;
  int32_t fragment_items = 128;
};

using Clock = std::chrono::steady_clock;

// Calls `op` (one call = one operation) in rounds until `seconds` have passed; returns calls/s.
double TimeCalls(const std::function<void()>& op, double seconds) {
  int64_t calls = 0;
  int64_t round = 1;
  const auto start = Clock::now();
  double elapsed = 0.0;
  while (elapsed < seconds) {
    for (int64_t i = 0; i < round; ++i) op();
    calls += round;
    round = std::min<int64_t>(round * 2, 4096);
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return static_cast<double>(calls) / elapsed;
}

double MedianCallsPerSec(const std::function<void()>& op, const BenchOptions& options) {
  TimeCalls(op, options.seconds / 4);  // warm-up
  std::vector<double> rates;
  for (int r = 0; r < options.repeats; ++r) rates.push_back(TimeCalls(op, options.seconds));
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

void Fail(const Status& status, const char* what) {
  std::fprintf(stderr, "bench_replay_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

void Print(const JsonObject& row) { std::cout << row.str() << std::endl; }

JsonObject Row(const char* table, const char* op) {
  JsonObject row;
  row.Add("bench", "replay").Add("table", table).Add("op", op);
  return row;
}

void Finish(JsonObject& row, const BenchOptions& options) {
  row.Add("capacity", options.capacity).Add("item_size", static_cast<int64_t>(options.item_size));
}

struct KindResult {
  double insert_items_per_sec = 0.0;
  double sample_items_per_sec = 0.0;
};

KindResult BenchKind(ReplayTableSpec::Kind kind, const BenchOptions& options) {
  const char* name = kind == ReplayTableSpec::Kind::kPrioritized ? "prioritized" : "uniform";
  ReplayTableSpec spec;
  spec.name = name;
  spec.kind = kind;
  spec.capacity = options.capacity;
  spec.item_size = options.item_size;
  spec.min_size = 1;
  spec.priority_exponent = 0.6;
  spec.initial_priority = 1.0;
  auto created = Table::Create(spec);
  if (!created.ok()) Fail(created.status(), "create table");
  std::unique_ptr<Table> table = std::move(created).value();

  Rng rng(DeriveSeed(0, {kSeedReplay, static_cast<uint64_t>(kind)}));
  std::vector<float> fragment(static_cast<size_t>(options.fragment_items) * options.item_size);
  for (float& x : fragment) x = rng.UniformFloat();
  // Fill the table so that every timed insert evicts.
  for (int64_t filled = 0; filled < options.capacity; filled += options.fragment_items) {
    Status status = table->Insert(fragment.data(), options.fragment_items);
    if (!status.ok()) Fail(status, "fill");
  }
  if (kind == ReplayTableSpec::Kind::kPrioritized) {
    // Priorities 10^U(-2, 2) for every stored item, set in update-sized calls.
    const std::vector<uint64_t> keys = table->Keys();
    for (size_t first = 0; first < keys.size(); first += 1024) {
      const size_t n = std::min<size_t>(1024, keys.size() - first);
      std::vector<uint64_t> chunk(keys.begin() + first, keys.begin() + first + n);
      std::vector<double> priorities(n);
      for (double& p : priorities) p = std::pow(10.0, rng.Uniform(-2.0, 2.0));
      Status status = table->UpdatePriorities(chunk, priorities);
      if (!status.ok()) Fail(status, "initial priorities");
    }
  }

  KindResult result;
  {
    const double calls = MedianCallsPerSec(
        [&] {
          Status status = table->Insert(fragment.data(), options.fragment_items);
          if (!status.ok()) Fail(status, "insert");
        },
        options);
    result.insert_items_per_sec = calls * options.fragment_items;
    JsonObject row = Row(name, "insert");
    row.Add("items_per_call", static_cast<int64_t>(options.fragment_items))
        .Add("calls_per_sec", calls)
        .Add("items_per_sec", result.insert_items_per_sec);
    Finish(row, options);
    Print(row);
  }
  SampleBatch batch;
  {
    const double calls = MedianCallsPerSec(
        [&] {
          Status status = table->Sample(options.batch, rng, &batch);
          if (!status.ok()) Fail(status, "sample");
        },
        options);
    result.sample_items_per_sec = calls * options.batch;
    JsonObject row = Row(name, "sample");
    row.Add("batch", static_cast<int64_t>(options.batch))
        .Add("calls_per_sec", calls)
        .Add("items_per_sec", result.sample_items_per_sec);
    Finish(row, options);
    Print(row);
  }
  if (kind == ReplayTableSpec::Kind::kPrioritized) {
    std::vector<double> priorities(static_cast<size_t>(options.batch));
    auto new_priorities = [&] {
      for (double& p : priorities) p = std::pow(10.0, rng.Uniform(-2.0, 2.0));
    };
    // Keys of the last batch: stored ones (the table is not written to meanwhile).
    const std::vector<uint64_t> keys = batch.keys;
    const double updates = MedianCallsPerSec(
        [&] {
          new_priorities();
          Status status = table->UpdatePriorities(keys, priorities);
          if (!status.ok()) Fail(status, "update priorities");
        },
        options);
    JsonObject row = Row(name, "update_priorities");
    row.Add("batch", static_cast<int64_t>(options.batch))
        .Add("calls_per_sec", updates)
        .Add("items_per_sec", updates * options.batch);
    Finish(row, options);
    Print(row);

    const double loops = MedianCallsPerSec(
        [&] {
          Status status = table->Sample(options.batch, rng, &batch);
          if (!status.ok()) Fail(status, "sample");
          new_priorities();
          status = table->UpdatePriorities(batch.keys, priorities);
          if (!status.ok()) Fail(status, "update priorities");
        },
        options);
    JsonObject loop_row = Row(name, "sample+update");
    loop_row.Add("batch", static_cast<int64_t>(options.batch))
        .Add("calls_per_sec", loops)
        .Add("items_per_sec", loops * options.batch);
    Finish(loop_row, options);
    Print(loop_row);
  }
  return result;
}

bool ParseArgs(int argc, char** argv, BenchOptions* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") continue;  // JSON is the only output format
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--seconds") options->seconds = std::atof(value);
    else if (arg == "--repeats") options->repeats = std::atoi(value);
    else if (arg == "--capacity") options->capacity = std::atoll(value);
    else if (arg == "--item-size") options->item_size = std::atoi(value);
    else if (arg == "--batch") options->batch = std::atoi(value);
    else if (arg == "--fragment-items") options->fragment_items = std::atoi(value);
    else return false;
  }
  return options->seconds > 0 && options->repeats > 0 && options->capacity > 0 &&
         options->item_size > 0 && options->batch > 0 && options->fragment_items > 0 &&
         options->fragment_items <= options->capacity;
}

}  // namespace
}  // namespace slaterl

int main(int argc, char** argv) {
  using namespace slaterl;
  BenchOptions options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: %s [--seconds S] [--repeats N] [--capacity C] [--item-size F] "
                 "[--batch B] [--fragment-items M]\n",
                 argv[0]);
    return 2;
  }
  const KindResult uniform = BenchKind(ReplayTableSpec::Kind::kUniform, options);
  const KindResult prioritized = BenchKind(ReplayTableSpec::Kind::kPrioritized, options);
  JsonObject insert_ratio;
  insert_ratio.Add("bench", "replay").Add("op", "insert").Add("ratio", "prioritized/uniform")
      .Add("value", prioritized.insert_items_per_sec / uniform.insert_items_per_sec);
  std::cout << insert_ratio.str() << std::endl;
  JsonObject sample_ratio;
  sample_ratio.Add("bench", "replay").Add("op", "sample").Add("ratio", "prioritized/uniform")
      .Add("value", prioritized.sample_items_per_sec / uniform.sample_items_per_sec);
  std::cout << sample_ratio.str() << std::endl;
  return 0;
}
