#include "replay/table.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <utility>

namespace slaterl {
namespace {

constexpr int64_t kMaxArenaFloats = int64_t{1} << 36;
constexpr int64_t kMaxSampleFloats = int64_t{1} << 28;  // 1 GiB per sample at most

int64_t MaxSampleItems(const ReplayTableSpec& spec) {
  int64_t max_items = RateLimiter(spec).max_sample_items();
  if (spec.kind == ReplayTableSpec::Kind::kQueue) max_items = std::min(max_items, spec.capacity);
  max_items = std::min(max_items, kMaxSampleFloats / spec.item_size);
  max_items = std::min<int64_t>(max_items, std::numeric_limits<int32_t>::max());
  return std::max<int64_t>(1, max_items);
}

// steady_clock deadline `timeout` from now, saturating instead of overflowing.
std::chrono::steady_clock::time_point DeadlineAfter(std::chrono::milliseconds timeout) {
  const auto now = std::chrono::steady_clock::now();
  if (timeout.count() <= 0) return now;
  const auto max_wait = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::time_point::max() - now);
  return timeout >= max_wait ? std::chrono::steady_clock::time_point::max() : now + timeout;
}

Status Closed(const std::string& name) {
  return CancelledError("replay table '" + name + "' is closed");
}

}  // namespace

Status Table::ValidateSpec(const ReplayTableSpec& spec) {
  if (spec.name.empty()) return InvalidArgumentError("replay table: name must not be empty");
  const std::string where = "replay table '" + spec.name + "': ";
  if (spec.item_size <= 0)
    return InvalidArgumentError(where + "item_size must be > 0, got " + std::to_string(spec.item_size));
  if (spec.capacity <= 0 || spec.capacity > std::numeric_limits<int32_t>::max())
    return InvalidArgumentError(where + "capacity must be in [1, 2^31), got " +
                                std::to_string(spec.capacity));
  if (spec.capacity > kMaxArenaFloats / spec.item_size)
    return InvalidArgumentError(where + "capacity × item_size = " +
                                std::to_string(spec.capacity) + " × " + std::to_string(spec.item_size) +
                                " floats is beyond any sensible arena");
  if (spec.min_size > spec.capacity)
    return InvalidArgumentError(where + "min_size (" + std::to_string(spec.min_size) +
                                ") exceeds capacity (" + std::to_string(spec.capacity) + ")");
  if (spec.kind != Kind::kUniform && spec.kind != Kind::kPrioritized && spec.kind != Kind::kQueue)
    return InvalidArgumentError(where + "unknown table kind");
  if (spec.kind == Kind::kPrioritized) {
    if (!std::isfinite(spec.priority_exponent) || spec.priority_exponent < 0.0)
      return InvalidArgumentError(where + "priority_exponent must be finite and >= 0, got " +
                                  std::to_string(spec.priority_exponent));
    if (!(spec.initial_priority > 0.0))
      return InvalidArgumentError(where + "initial_priority must be > 0, got " +
                                  std::to_string(spec.initial_priority));
    RETURN_IF_ERROR(CheckPriority(spec.initial_priority, spec.priority_exponent,
                                  where + "initial_priority"));
    if (!(PriorityWeight(spec.initial_priority, spec.priority_exponent) > 0.0))
      return InvalidArgumentError(where + "initial_priority^priority_exponent underflows to 0");
  }
  return RateLimiter::Validate(spec);
}

double Table::PriorityWeight(double priority, double exponent) {
  return priority == 0.0 ? 0.0 : std::pow(priority, exponent);
}

Status Table::CheckPriority(double priority, double exponent, const std::string& what) {
  if (!std::isfinite(priority) || priority < 0.0)
    return InvalidArgumentError(what + " must be finite and >= 0, got " + std::to_string(priority));
  const double weight = PriorityWeight(priority, exponent);
  if (!(weight <= kMaxPriorityWeight))
    return InvalidArgumentError(what + " = " + std::to_string(priority) + " gives p^alpha = " +
                                std::to_string(weight) + " above the limit 1e250");
  return Status::Ok();
}

Result<std::unique_ptr<Table>> Table::Create(const ReplayTableSpec& spec) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  std::vector<float> arena;
  try {
    arena.assign(static_cast<size_t>(spec.capacity) * static_cast<size_t>(spec.item_size), 0.0f);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("replay table '" + spec.name + "': cannot allocate " +
                                  std::to_string(spec.capacity) + " × " +
                                  std::to_string(spec.item_size) + " floats");
  }
  SumTree sum_tree;
  std::vector<double> priorities;
  if (spec.kind == Kind::kPrioritized) {
    auto tree = SumTree::Create(spec.capacity);
    if (!tree.ok()) return tree.status().WithContext("replay table '" + spec.name + "'");
    sum_tree = std::move(tree).value();
    try {
      priorities.assign(static_cast<size_t>(spec.capacity), 0.0);
    } catch (const std::bad_alloc&) {
      return ResourceExhaustedError("replay table '" + spec.name + "': cannot allocate " +
                                    std::to_string(spec.capacity) + " priorities");
    }
  }
  return std::unique_ptr<Table>(
      new Table(spec, std::move(arena), std::move(sum_tree), std::move(priorities)));
}

Table::Table(const ReplayTableSpec& spec, std::vector<float> arena, SumTree sum_tree,
             std::vector<double> priorities)
    : spec_(spec),
      max_sample_items_(MaxSampleItems(spec)),
      arena_(std::move(arena)),
      keys_(static_cast<size_t>(spec.capacity), 0),
      sum_tree_(std::move(sum_tree)),
      priorities_(std::move(priorities)),
      rate_limiter_(spec) {
  if (spec_.kind == Kind::kPrioritized) {
    max_priority_ = spec_.initial_priority;
    max_weight_ = PriorityWeight(max_priority_, spec_.priority_exponent);
  }
}

// ---- inserts -----------------------------------------------------------------------------------

Status Table::CheckInsertLocked(int32_t num_items) const {
  if (closed_) return Closed(spec_.name);
  if (num_items <= 0 || num_items > spec_.capacity)
    return InvalidArgumentError("replay table '" + spec_.name + "': cannot insert " +
                                std::to_string(num_items) + " items (capacity " +
                                std::to_string(spec_.capacity) + ")");
  if (spec_.kind == Kind::kQueue && size_ + num_items > spec_.capacity)
    return ResourceExhaustedError("replay queue '" + spec_.name + "' is full");
  if (!rate_limiter_.CanInsert(size_))
    return ResourceExhaustedError("replay table '" + spec_.name + "': rate limiter blocks inserts");
  return Status::Ok();
}

void Table::InsertLocked(const float* items, int32_t num_items) {
  const int64_t capacity = spec_.capacity;
  const size_t item_floats = static_cast<size_t>(spec_.item_size);
  const int64_t n = num_items;
  // kUniform: make room by evicting the oldest items (kQueue was checked to have room).
  const int64_t evict = std::max<int64_t>(0, size_ + n - capacity);
  head_ = (head_ + evict) % capacity;
  size_ -= evict;
  counters_.evicted_items += evict;
  // Copy into [tail, tail + n) modulo capacity: at most two contiguous runs.
  const int64_t tail = (head_ + size_) % capacity;
  const int64_t first = std::min(n, capacity - tail);
  std::memcpy(arena_.data() + static_cast<size_t>(tail) * item_floats, items,
              static_cast<size_t>(first) * item_floats * sizeof(float));
  if (n > first)
    std::memcpy(arena_.data(), items + static_cast<size_t>(first) * item_floats,
                static_cast<size_t>(n - first) * item_floats * sizeof(float));
  for (int64_t i = 0; i < n; ++i) keys_[static_cast<size_t>((tail + i) % capacity)] = next_key_++;
  if (spec_.kind == Kind::kPrioritized) {
    // The new items take the running maximum. Every evicted slot is among the slots this insert
    // overwrites (the tail runs on over the old head), so no evicted item keeps a weight.
    sum_tree_.SetRange(tail, first, max_weight_);
    sum_tree_.SetRange(0, n - first, max_weight_);
    std::fill(priorities_.begin() + tail, priorities_.begin() + tail + first, max_priority_);
    std::fill(priorities_.begin(), priorities_.begin() + (n - first), max_priority_);
  }
  size_ += n;
  counters_.inserted_items += n;
  rate_limiter_.RecordInsert(n);
  can_sample_cv_.notify_all();
}

Status Table::Insert(const float* items, int32_t num_items) {
  std::lock_guard<std::mutex> lock(mu_);
  Status status = CheckInsertLocked(num_items);
  if (!status.ok()) {
    if (status.code() == StatusCode::kResourceExhausted) ++counters_.refused_inserts;
    return status;
  }
  InsertLocked(items, num_items);
  return Status::Ok();
}

Status Table::InsertFragment(const Fragment& fragment) {
  if (fragment.item_size != spec_.item_size)
    return InvalidArgumentError("fragment item_size " + std::to_string(fragment.item_size) +
                                " does not match table '" + spec_.name + "' item_size " +
                                std::to_string(spec_.item_size));
  if (fragment.num_items <= 0)
    return InvalidArgumentError("fragment num_items must be > 0, got " +
                                std::to_string(fragment.num_items));
  const uint64_t expected =
      static_cast<uint64_t>(fragment.num_items) * static_cast<uint64_t>(fragment.item_size);
  if (fragment.data.size() != expected)
    return InvalidArgumentError("fragment data holds " + std::to_string(fragment.data.size()) +
                                " floats, num_items × item_size = " + std::to_string(expected));
  return Insert(fragment.data.data(), fragment.num_items);
}

Status Table::InsertBlocking(const float* items, int32_t num_items,
                             std::chrono::milliseconds timeout) {
  const auto deadline = DeadlineAfter(timeout);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    Status status = CheckInsertLocked(num_items);
    if (status.ok()) break;
    if (status.code() != StatusCode::kResourceExhausted) return status;
    if (can_insert_cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      status = CheckInsertLocked(num_items);
      if (status.ok()) break;
      if (status.code() != StatusCode::kResourceExhausted) return status;
      return DeadlineExceededError("replay table '" + spec_.name +
                                   "': timed out waiting to insert (" + status.message() + ")");
    }
  }
  InsertLocked(items, num_items);
  return Status::Ok();
}

// ---- samples -----------------------------------------------------------------------------------

bool Table::CanSampleLocked(int32_t num_items) const {
  if (closed_ || num_items <= 0) return false;
  if (spec_.kind == Kind::kQueue && size_ < num_items) return false;
  return rate_limiter_.CanSample(size_, num_items);
}

bool Table::CanSample(int32_t num_items) const {
  std::lock_guard<std::mutex> lock(mu_);
  return CanSampleLocked(num_items);
}

bool Table::CanInsert(int32_t num_items) const {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckInsertLocked(num_items).ok();
}

void Table::SampleLocked(int32_t num_items, Rng& rng, SampleBatch* out) {
  const int64_t capacity = spec_.capacity;
  const size_t item_floats = static_cast<size_t>(spec_.item_size);
  const size_t item_bytes = item_floats * sizeof(float);
  const int64_t n = num_items;
  float* data = out->data.data();
  out->table_size = size_;
  if (spec_.kind == Kind::kUniform) {
    const double probability = 1.0 / static_cast<double>(size_);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t offset = rng.UniformInt(static_cast<uint32_t>(size_));
      const size_t slot = static_cast<size_t>((head_ + offset) % capacity);
      std::memcpy(data + static_cast<size_t>(i) * item_floats, arena_.data() + slot * item_floats,
                  item_bytes);
      out->keys[static_cast<size_t>(i)] = keys_[slot];
      out->probabilities[static_cast<size_t>(i)] = probability;
    }
  } else if (spec_.kind == Kind::kPrioritized) {
    const double total = sum_tree_.total();
    const double uniform_probability = 1.0 / static_cast<double>(size_);
    for (int64_t i = 0; i < n; ++i) {
      size_t slot;
      double probability;
      if (total > 0.0) {
        const int64_t tree_slot = sum_tree_.Sample(rng.Uniform());
        // Only stored items have a weight > 0, and Sample never returns a weight-0 slot.
        SLATERL_CHECK((tree_slot - head_ + capacity) % capacity < size_);
        slot = static_cast<size_t>(tree_slot);
        probability = sum_tree_.weight(tree_slot) / total;
      } else {
        // Every weight is 0: uniform over the stored items (Reverb does the same).
        const int64_t offset = rng.UniformInt(static_cast<uint32_t>(size_));
        slot = static_cast<size_t>((head_ + offset) % capacity);
        probability = uniform_probability;
      }
      std::memcpy(data + static_cast<size_t>(i) * item_floats, arena_.data() + slot * item_floats,
                  item_bytes);
      out->keys[static_cast<size_t>(i)] = keys_[slot];
      out->probabilities[static_cast<size_t>(i)] = probability;
    }
  } else {
    // The n oldest items, in FIFO order, in at most two contiguous runs; then drop them.
    const int64_t first = std::min(n, capacity - head_);
    std::memcpy(data, arena_.data() + static_cast<size_t>(head_) * item_floats,
                static_cast<size_t>(first) * item_bytes);
    if (n > first)
      std::memcpy(data + static_cast<size_t>(first) * item_floats, arena_.data(),
                  static_cast<size_t>(n - first) * item_bytes);
    for (int64_t i = 0; i < n; ++i) {
      out->keys[static_cast<size_t>(i)] = keys_[static_cast<size_t>((head_ + i) % capacity)];
      out->probabilities[static_cast<size_t>(i)] = 1.0;
    }
    head_ = (head_ + n) % capacity;
    size_ -= n;
  }
  counters_.sampled_items += n;
  rate_limiter_.RecordSample(n);
  can_insert_cv_.notify_all();
}

namespace {

// Output buffers allocated before taking the table lock and moved into the caller's batch after
// releasing it, so nothing is allocated or freed under the lock and `out` stays untouched on error.
struct SampleBuffers {
  SampleBatch batch;
  SampleBuffers(const std::string& table, int32_t item_size, int32_t num_items) {
    batch.table = table;
    batch.item_size = item_size;
    batch.num_items = num_items;
    batch.keys.resize(static_cast<size_t>(num_items));
    batch.probabilities.resize(static_cast<size_t>(num_items));
    batch.data.resize(static_cast<size_t>(num_items) * static_cast<size_t>(item_size));
  }
  void MoveInto(SampleBatch* out) {
    out->table = std::move(batch.table);
    out->item_size = batch.item_size;
    out->num_items = batch.num_items;
    out->keys.swap(batch.keys);
    out->probabilities.swap(batch.probabilities);
    out->data.swap(batch.data);
    out->table_size = batch.table_size;
  }
};

}  // namespace

Status Table::CheckSampleSize(int32_t num_items) const {
  if (num_items > 0 && num_items <= max_sample_items_) return Status::Ok();
  return InvalidArgumentError("replay table '" + spec_.name + "': cannot sample " +
                              std::to_string(num_items) + " items (1 to " +
                              std::to_string(max_sample_items_) + " per sample)");
}

Status Table::Sample(int32_t num_items, Rng& rng, SampleBatch* out) {
  if (closed()) return Closed(spec_.name);
  RETURN_IF_ERROR(CheckSampleSize(num_items));
  std::optional<SampleBuffers> buffers;
  try {
    buffers.emplace(spec_.name, spec_.item_size, num_items);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("replay table '" + spec_.name + "': no memory for a sample");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed(spec_.name);
    if (!CanSampleLocked(num_items)) {
      ++counters_.refused_samples;
      return FailedPreconditionError("replay table '" + spec_.name + "' cannot serve " +
                                     std::to_string(num_items) + " items now (size " +
                                     std::to_string(size_) + ", min_size " +
                                     std::to_string(rate_limiter_.min_size()) +
                                     (rate_limiter_.enabled() ? ", rate limiter on" : "") + ")");
    }
    SampleLocked(num_items, rng, &buffers->batch);
  }
  buffers->MoveInto(out);
  return Status::Ok();
}

Status Table::SampleBlocking(int32_t num_items, Rng& rng, SampleBatch* out,
                             std::chrono::milliseconds timeout) {
  if (closed()) return Closed(spec_.name);
  RETURN_IF_ERROR(CheckSampleSize(num_items));
  const auto deadline = DeadlineAfter(timeout);
  std::optional<SampleBuffers> buffers;
  try {
    buffers.emplace(spec_.name, spec_.item_size, num_items);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("replay table '" + spec_.name + "': no memory for a sample");
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (!CanSampleLocked(num_items)) {
      if (closed_) return Closed(spec_.name);
      if (can_sample_cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
        if (closed_) return Closed(spec_.name);
        if (CanSampleLocked(num_items)) break;
        return DeadlineExceededError("replay table '" + spec_.name +
                                     "': timed out waiting to sample " +
                                     std::to_string(num_items) + " items");
      }
    }
    SampleLocked(num_items, rng, &buffers->batch);
  }
  buffers->MoveInto(out);
  return Status::Ok();
}

// ---- priorities --------------------------------------------------------------------------------

int64_t Table::SlotOfKeyLocked(uint64_t key) const {
  const uint64_t oldest = next_key_ - static_cast<uint64_t>(size_);
  if (key < oldest || key >= next_key_) return -1;
  return (head_ + static_cast<int64_t>(key - oldest)) % spec_.capacity;
}

Status Table::UpdatePriorities(const std::vector<uint64_t>& keys,
                               const std::vector<double>& priorities) {
  const std::string where = "replay table '" + spec_.name + "': ";
  if (closed()) return Closed(spec_.name);
  if (keys.size() != priorities.size())
    return InvalidArgumentError(where + "priority update has " + std::to_string(keys.size()) +
                                " keys but " + std::to_string(priorities.size()) + " priorities");
  if (keys.empty()) return Status::Ok();
  if (spec_.kind != Kind::kPrioritized)
    return InvalidArgumentError(where + "priority update for a table that is not prioritized");
  // Check everything and compute the weights before taking the lock: all or nothing.
  std::vector<double> weights;
  try {
    weights.resize(priorities.size());
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError(where + "no memory for a priority update");
  }
  for (size_t i = 0; i < priorities.size(); ++i) {
    RETURN_IF_ERROR(CheckPriority(priorities[i], spec_.priority_exponent,
                                  where + "priority " + std::to_string(i) + " (key " +
                                      std::to_string(keys[i]) + ")"));
    weights[i] = PriorityWeight(priorities[i], spec_.priority_exponent);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Closed(spec_.name);
  int64_t applied = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const int64_t slot = SlotOfKeyLocked(keys[i]);
    if (slot < 0) continue;
    sum_tree_.Set(slot, weights[i]);
    priorities_[static_cast<size_t>(slot)] = priorities[i];
    if (priorities[i] > max_priority_) {
      max_priority_ = priorities[i];
      max_weight_ = weights[i];
    }
    ++applied;
  }
  counters_.priority_updates += applied;
  counters_.stale_priority_keys += static_cast<int64_t>(keys.size()) - applied;
  return Status::Ok();
}

// ---- lifecycle and inspection ------------------------------------------------------------------

void Table::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  can_insert_cv_.notify_all();
  can_sample_cv_.notify_all();
}

std::vector<uint64_t> Table::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> keys;
  keys.reserve(static_cast<size_t>(size_));
  for (int64_t i = 0; i < size_; ++i)
    keys.push_back(keys_[static_cast<size_t>((head_ + i) % spec_.capacity)]);
  return keys;
}

std::vector<double> Table::Priorities() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<double> priorities;
  if (spec_.kind != Kind::kPrioritized) return priorities;
  priorities.reserve(static_cast<size_t>(size_));
  for (int64_t i = 0; i < size_; ++i)
    priorities.push_back(priorities_[static_cast<size_t>((head_ + i) % spec_.capacity)]);
  return priorities;
}

double Table::max_priority() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_priority_;
}

int64_t Table::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

Table::Counters Table::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

bool Table::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

}  // namespace slaterl
