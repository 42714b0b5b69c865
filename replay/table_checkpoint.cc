// replay/table_checkpoint.cc — Table::SaveCheckpoint and Table::LoadCheckpoint (format in
// replay/table_checkpoint.h).
#include "replay/table_checkpoint.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "core/crc32c.h"
#include "core/files.h"
#include "replay/table.h"

namespace slaterl {

namespace {

using table_checkpoint::kChecksumBytes;
using table_checkpoint::kHeaderBytes;

// Bytes per stored item: its key, its priority (kPrioritized) and its floats.
size_t BytesPerItem(ReplayTableSpec::Kind kind, int32_t item_size) {
  return sizeof(uint64_t) + (kind == ReplayTableSpec::Kind::kPrioritized ? sizeof(double) : 0) +
         static_cast<size_t>(item_size) * sizeof(float);
}

// Appends plain values at a cursor into a pre-sized buffer.
class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}
  template <typename T>
  void Put(const T& value) {
    std::memcpy(out_ + pos_, &value, sizeof(T));
    pos_ += sizeof(T);
  }
  void PutBytes(const void* data, size_t size) {
    if (size > 0) std::memcpy(out_ + pos_, data, size);
    pos_ += size;
  }
  size_t pos() const { return pos_; }

 private:
  char* out_;
  size_t pos_ = 0;
};

// Reads plain values from a buffer whose length the caller has checked.
class Reader {
 public:
  explicit Reader(const char* in) : in_(in) {}
  template <typename T>
  T Get() {
    T value;
    std::memcpy(&value, in_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  const char* Skip(size_t size) {
    const char* at = in_ + pos_;
    pos_ += size;
    return at;
  }

 private:
  const char* in_;
  size_t pos_ = 0;
};

}  // namespace

Status Table::SaveCheckpoint(const std::string& path, CheckpointStats* stats) const {
  const auto start = std::chrono::steady_clock::now();
  const std::string where = "replay table '" + spec_.name + "' checkpoint " + path + ": ";
  const bool prioritized = spec_.kind == Kind::kPrioritized;
  const size_t item_floats = static_cast<size_t>(spec_.item_size);
  // Room for a full table, allocated (and zero-filled) before taking the lock.
  std::string buffer;
  try {
    buffer.resize(kHeaderBytes +
                  static_cast<size_t>(spec_.capacity) * BytesPerItem(spec_.kind, spec_.item_size) +
                  kChecksumBytes);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError(where + "no memory for the checkpoint buffer");
  }
  Writer w(&buffer[0]);
  int64_t n = 0;
  std::chrono::nanoseconds pause{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto locked = std::chrono::steady_clock::now();
    n = size_;
    w.PutBytes(table_checkpoint::kMagic, sizeof(table_checkpoint::kMagic));
    w.Put<uint32_t>(table_checkpoint::kFormatVersion);
    w.Put<uint32_t>(static_cast<uint32_t>(spec_.kind));
    w.Put<int64_t>(spec_.capacity);
    w.Put<int32_t>(spec_.item_size);
    w.Put<uint32_t>(0);
    w.Put<double>(prioritized ? spec_.priority_exponent : 0.0);
    w.Put<int64_t>(size_);
    w.Put<int64_t>(head_);
    w.Put<uint64_t>(next_key_);
    w.Put<double>(max_priority_);
    w.Put<int64_t>(counters_.inserted_items);
    w.Put<int64_t>(counters_.sampled_items);
    w.Put<int64_t>(counters_.evicted_items);
    w.Put<int64_t>(counters_.refused_inserts);
    w.Put<int64_t>(counters_.refused_samples);
    w.Put<int64_t>(counters_.priority_updates);
    w.Put<int64_t>(counters_.stale_priority_keys);
    w.Put<int64_t>(rate_limiter_.inserted_items());
    w.Put<int64_t>(rate_limiter_.sampled_items());
    // The ring [head_, head_ + size_) modulo capacity is at most two contiguous runs.
    const int64_t first = std::min(size_, spec_.capacity - head_);
    const int64_t second = size_ - first;
    w.PutBytes(keys_.data() + head_, static_cast<size_t>(first) * sizeof(uint64_t));
    w.PutBytes(keys_.data(), static_cast<size_t>(second) * sizeof(uint64_t));
    if (prioritized) {
      w.PutBytes(priorities_.data() + head_, static_cast<size_t>(first) * sizeof(double));
      w.PutBytes(priorities_.data(), static_cast<size_t>(second) * sizeof(double));
    }
    w.PutBytes(arena_.data() + static_cast<size_t>(head_) * item_floats,
               static_cast<size_t>(first) * item_floats * sizeof(float));
    w.PutBytes(arena_.data(), static_cast<size_t>(second) * item_floats * sizeof(float));
    pause = std::chrono::steady_clock::now() - locked;
  }
  const uint32_t crc = Crc32c(buffer.data(), w.pos());
  w.Put<uint32_t>(crc);
  buffer.resize(w.pos());
  Status status = WriteFileAtomic(path, buffer);
  if (!status.ok()) return status.WithContext("replay table '" + spec_.name + "' checkpoint");
  if (stats != nullptr) {
    stats->insert_pause = pause;
    stats->total = std::chrono::steady_clock::now() - start;
    stats->items = n;
    stats->bytes = static_cast<int64_t>(buffer.size());
  }
  return Status::Ok();
}

Result<std::unique_ptr<Table>> Table::LoadCheckpoint(const ReplayTableSpec& spec,
                                                     const std::string& path) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  const std::string where = "replay table '" + spec.name + "' checkpoint " + path + ": ";
  if (!PathExists(path)) return NotFoundError(where + "no such file");
  auto read = ReadFile(path);
  if (!read.ok()) return read.status().WithContext("replay table '" + spec.name + "' checkpoint");
  const std::string& file = read.value();

  // Length, magic and checksum before anything is interpreted.
  if (file.size() < kHeaderBytes + kChecksumBytes)
    return DataLossError(where + "truncated: " + std::to_string(file.size()) +
                         " bytes, shorter than the header");
  if (std::memcmp(file.data(), table_checkpoint::kMagic, sizeof(table_checkpoint::kMagic)) != 0)
    return DataLossError(where + "not a replay table checkpoint (bad magic)");
  const size_t body = file.size() - kChecksumBytes;
  uint32_t stored_crc;
  std::memcpy(&stored_crc, file.data() + body, sizeof(stored_crc));
  if (Crc32c(file.data(), body) != stored_crc)
    return DataLossError(where + "checksum mismatch (corrupt or truncated file)");

  Reader r(file.data());
  r.Skip(sizeof(table_checkpoint::kMagic));
  const uint32_t version = r.Get<uint32_t>();
  if (version != table_checkpoint::kFormatVersion)
    return DataLossError(where + "unsupported format version " + std::to_string(version) +
                         " (this build reads version " +
                         std::to_string(table_checkpoint::kFormatVersion) + ")");
  const uint32_t kind = r.Get<uint32_t>();
  const int64_t capacity = r.Get<int64_t>();
  const int32_t item_size = r.Get<int32_t>();
  r.Get<uint32_t>();  // reserved
  const double priority_exponent = r.Get<double>();
  const bool prioritized = spec.kind == Kind::kPrioritized;
  if (kind != static_cast<uint32_t>(spec.kind))
    return InvalidArgumentError(where + "saved table kind " + std::to_string(kind) +
                                " does not match the spec's kind " +
                                std::to_string(static_cast<int>(spec.kind)));
  if (capacity != spec.capacity)
    return InvalidArgumentError(where + "saved capacity " + std::to_string(capacity) +
                                " does not match the spec's capacity " +
                                std::to_string(spec.capacity));
  if (item_size != spec.item_size)
    return InvalidArgumentError(where + "saved item_size " + std::to_string(item_size) +
                                " does not match the spec's item_size " +
                                std::to_string(spec.item_size));
  if (prioritized && priority_exponent != spec.priority_exponent)
    return InvalidArgumentError(where + "saved priority_exponent " +
                                std::to_string(priority_exponent) +
                                " does not match the spec's priority_exponent " +
                                std::to_string(spec.priority_exponent));

  const int64_t size = r.Get<int64_t>();
  const int64_t head = r.Get<int64_t>();
  const uint64_t next_key = r.Get<uint64_t>();
  const double max_priority = r.Get<double>();
  Counters counters;
  counters.inserted_items = r.Get<int64_t>();
  counters.sampled_items = r.Get<int64_t>();
  counters.evicted_items = r.Get<int64_t>();
  counters.refused_inserts = r.Get<int64_t>();
  counters.refused_samples = r.Get<int64_t>();
  counters.priority_updates = r.Get<int64_t>();
  counters.stale_priority_keys = r.Get<int64_t>();
  const int64_t limiter_inserted = r.Get<int64_t>();
  const int64_t limiter_sampled = r.Get<int64_t>();

  // Consistency: a checksummed file written by SaveCheckpoint always passes these.
  if (size < 0 || size > capacity || head < 0 || head >= capacity ||
      next_key < static_cast<uint64_t>(size))
    return DataLossError(where + "inconsistent header (size " + std::to_string(size) + ", head " +
                         std::to_string(head) + ", next key " + std::to_string(next_key) + ")");
  const size_t expected = kHeaderBytes +
                          static_cast<size_t>(size) * BytesPerItem(spec.kind, spec.item_size) +
                          kChecksumBytes;
  if (file.size() != expected)
    return DataLossError(where + "file holds " + std::to_string(file.size()) + " bytes, " +
                         std::to_string(size) + " items need " + std::to_string(expected));
  if (limiter_inserted < 0 || limiter_sampled < 0 || counters.inserted_items < 0 ||
      counters.sampled_items < 0)
    return DataLossError(where + "negative counters");
  if (prioritized && !(max_priority > 0.0 &&
                       CheckPriority(max_priority, spec.priority_exponent, "max priority").ok() &&
                       PriorityWeight(max_priority, spec.priority_exponent) > 0.0))
    return DataLossError(where + "invalid max priority " + std::to_string(max_priority));

  const char* keys = r.Skip(static_cast<size_t>(size) * sizeof(uint64_t));
  const char* priorities =
      prioritized ? r.Skip(static_cast<size_t>(size) * sizeof(double)) : nullptr;
  const char* items = r.Skip(static_cast<size_t>(size) * static_cast<size_t>(item_size) *
                             sizeof(float));
  const uint64_t oldest = next_key - static_cast<uint64_t>(size);
  for (int64_t i = 0; i < size; ++i) {
    uint64_t key;
    std::memcpy(&key, keys + static_cast<size_t>(i) * sizeof(uint64_t), sizeof(key));
    if (key != oldest + static_cast<uint64_t>(i))
      return DataLossError(where + "item " + std::to_string(i) + " has key " +
                           std::to_string(key) + ", expected " +
                           std::to_string(oldest + static_cast<uint64_t>(i)));
    if (prioritized) {
      double priority;
      std::memcpy(&priority, priorities + static_cast<size_t>(i) * sizeof(double),
                  sizeof(priority));
      if (!CheckPriority(priority, spec.priority_exponent, "priority").ok())
        return DataLossError(where + "item " + std::to_string(i) + " has invalid priority " +
                             std::to_string(priority));
    }
  }

  // Everything checked: build the table, then fill it (nobody else can see it yet).
  ASSIGN_OR_RETURN(std::unique_ptr<Table> table, Create(spec));
  Table& t = *table;
  std::lock_guard<std::mutex> lock(t.mu_);
  const size_t item_floats = static_cast<size_t>(item_size);
  for (int64_t i = 0; i < size; ++i) {
    const size_t slot = static_cast<size_t>((head + i) % capacity);
    t.keys_[slot] = oldest + static_cast<uint64_t>(i);
    std::memcpy(t.arena_.data() + slot * item_floats,
                items + static_cast<size_t>(i) * item_floats * sizeof(float),
                item_floats * sizeof(float));
    if (prioritized) {
      double priority;
      std::memcpy(&priority, priorities + static_cast<size_t>(i) * sizeof(double),
                  sizeof(priority));
      t.priorities_[slot] = priority;
      t.sum_tree_.Set(static_cast<int64_t>(slot),
                      PriorityWeight(priority, spec.priority_exponent));
    }
  }
  t.head_ = head;
  t.size_ = size;
  t.next_key_ = next_key;
  if (prioritized) {
    t.max_priority_ = max_priority;
    t.max_weight_ = PriorityWeight(max_priority, spec.priority_exponent);
  }
  t.counters_ = counters;
  t.rate_limiter_.RestoreCounts(limiter_inserted, limiter_sampled);
  return table;
}

}  // namespace slaterl
