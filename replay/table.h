// replay/table.h — one replay table: fixed-size float items in a ring arena, sampled uniformly or
// in proportion to priorities (with replacement), or as a FIFO queue, behind min-size gating and a
// rate limiter.
//
// Contract.
// * Ownership. A Table owns one contiguous arena of capacity × item_size floats (allocated once by
//   Create, never reallocated) plus one key per slot (kPrioritized: also one priority per slot and
//   a sum tree of their weights). Items are opaque float records; the table never interprets
//   them. Each inserted item gets a key: 0, 1, 2, ... in insertion order, unique per table for its
//   lifetime, so callers (the learner's priority updates, tests) can tell which items it holds.
// * Kinds (ReplayTableSpec::Kind).
//   - kUniform: sampling draws with replacement, each stored item with probability 1/size (that
//     probability is reported per sampled item). When full, an insert evicts the oldest items
//     (FIFO eviction), so the table always holds the newest `capacity` items inserted.
//   - kPrioritized: proportional prioritized replay (Schaul et al. 2016; Reverb's
//     PrioritizedSelector). Every stored item i has a priority p_i ≥ 0; a sample draws n items
//     with replacement, item i with probability P(i) = w_i / Σ_j w_j, w_i = p_i^α
//     (α = priority_exponent), and reports that probability. A new item gets the largest priority
//     the table has seen so far: initial_priority, or a larger one set by UpdatePriorities (a
//     running maximum that never decreases, as in RLlib's and OpenAI baselines' buffers).
//     UpdatePriorities sets priorities by key. Eviction is FIFO, as for kUniform. The weights live
//     in a sum tree over the arena's slots (replay/sum_tree.h: O(log capacity) per draw and per
//     update, no floating-point drift); a slot without an item has weight 0.
//     Priority 0 is allowed, as in Reverb: its weight is 0 (even when α = 0), so the item is not
//     drawn while any item has a positive weight; when every weight is 0 the draw is uniform over
//     the stored items (probability 1/size reported), so the table never stalls. A positive
//     priority whose p^α underflows to 0 behaves like 0. Priorities must be finite, ≥ 0, and have
//     p^α ≤ kMaxPriorityWeight (so no sum can overflow); others are rejected.
//   - kQueue: sampling n items removes and returns the n oldest (FIFO), so every item is sampled
//     exactly once (probability 1.0 is reported). A queue never evicts: when an insert does not
//     fit in the free slots it is refused (ResourceExhausted; InsertBlocking waits for room), so
//     on-policy data is never silently lost.
// * Gating. No sample is served while size < max(1, min_size), nor while the rate limiter
//   (replay/rate_limiter.h, Reverb's SampleToInsertRatio; off when samples_per_insert == 0)
//   forbids it; inserts are refused/blocked while the rate limiter forbids them.
// * Atomicity. Insert is all-or-nothing: every item of a call goes in, or none does (nothing is
//   written). A sample copies whole items out under the mutex, so no sample ever holds a
//   half-written item.
// * Thread-safety. All public methods are thread-safe (one mutex; see `mu_`). The blocking
//   variants wait on condition variables with a timeout and never hold the mutex while waiting.
// * Shutdown. Close() makes every later call return Cancelled and wakes every blocked caller,
//   which returns Cancelled. Destroying a Table while a caller is blocked in it is a bug (callers
//   must Close() and join first).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/messages.h"
#include "core/replay_spec.h"
#include "core/rng.h"
#include "core/status.h"
#include "replay/rate_limiter.h"
#include "replay/sum_tree.h"

namespace slaterl {

class Table {
 public:
  using Kind = ReplayTableSpec::Kind;

  // The largest accepted weight p^α of a priority (1e250): 2^31 such weights still sum to a finite
  // double.
  static constexpr double kMaxPriorityWeight = 1e250;

  // Cumulative item counts since creation.
  struct Counters {
    int64_t inserted_items = 0;   // items accepted by inserts
    int64_t sampled_items = 0;    // items returned by samples (with repetition for kUniform)
    int64_t evicted_items = 0;    // oldest items overwritten by inserts into a full table
    int64_t refused_inserts = 0;  // insert calls refused (queue full or rate limited), not retried
    int64_t refused_samples = 0;  // sample calls refused (min_size, rate limiter, too few items)
    int64_t priority_updates = 0;     // kPrioritized: priorities set by UpdatePriorities
    int64_t stale_priority_keys = 0;  // keys UpdatePriorities ignored: not (or no longer) stored
  };

  // Checks a spec: non-empty name, item_size > 0, capacity > 0, capacity × item_size floats below
  // 2^36 (256 GiB; a sanity bound, not a memory check), min_size ≤ capacity, the rate-limiter
  // fields (RateLimiter::Validate), and for kPrioritized: priority_exponent finite and ≥ 0,
  // initial_priority finite and > 0 with initial_priority^α in (0, kMaxPriorityWeight]. Returns
  // InvalidArgument naming the table and field.
  static Status ValidateSpec(const ReplayTableSpec& spec);

  // Validates `spec` and allocates the arena (and, for kPrioritized, the sum tree and the
  // per-slot priorities). Returns InvalidArgument for a bad spec, ResourceExhausted when the memory
  // cannot be allocated.
  static Result<std::unique_ptr<Table>> Create(const ReplayTableSpec& spec);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table() = default;

  // ---- inserts ---------------------------------------------------------------------------------

  // Inserts `num_items` items of item_size floats each, read from `items` (num_items × item_size
  // floats; the caller guarantees the buffer is that long). Never blocks.
  // Returns: OK (all items stored, with consecutive keys);
  //   InvalidArgument (num_items ≤ 0, or more items than `capacity`: such a call could never be
  //     stored whole);
  //   ResourceExhausted (the rate limiter forbids inserts now, or a kQueue lacks free slots for
  //     all items; nothing stored, `refused_inserts` counted);
  //   Cancelled (Close() was called).
  Status Insert(const float* items, int32_t num_items);

  // Like Insert, but first checks the fragment against the table: fragment.item_size == item_size,
  // num_items > 0, data.size() == num_items × item_size. Returns InvalidArgument (table untouched)
  // when it does not match; otherwise what Insert returns.
  Status InsertFragment(const Fragment& fragment);

  // Like Insert, but waits up to `timeout` while the rate limiter or a full queue forbids the
  // insert. Returns OK, InvalidArgument, DeadlineExceeded (timed out; nothing stored) or Cancelled
  // (Close() was called before or while waiting; nothing stored).
  Status InsertBlocking(const float* items, int32_t num_items, std::chrono::milliseconds timeout);

  // ---- samples ---------------------------------------------------------------------------------

  // Whether Sample(num_items, ...) would succeed now (false once closed). Advisory under
  // concurrency: another thread may change the answer before the caller acts on it.
  bool CanSample(int32_t num_items) const;
  // Whether Insert of `num_items` items would succeed now (false once closed). Advisory, as above.
  bool CanInsert(int32_t num_items) const;

  // Samples `num_items` items, never blocking. Fills out->table, item_size, num_items, keys,
  // probabilities, data (memcpy of whole items) and table_size (items held when the sample was
  // taken, before a queue removes them); leaves request_id, shard_id and the shard counters as
  // they were. `rng` drives kUniform and kPrioritized draws (one Uniform() or UniformInt() per
  // item; kQueue draws nothing). kPrioritized reports P(i) = w_i / Σ_j w_j of each sampled item
  // (the learner's importance weights are (table_size · P(i))^-β).
  // Returns: OK; InvalidArgument (num_items ≤ 0 or > max_sample_items(): never servable);
  //   FailedPrecondition (min_size not reached, the rate limiter forbids it, or a kQueue holds
  //   fewer than num_items; `out` untouched, `refused_samples` counted); ResourceExhausted (no
  //   memory for the batch); Cancelled (closed).
  Status Sample(int32_t num_items, Rng& rng, SampleBatch* out);

  // Like Sample, but waits up to `timeout` for the table to allow the sample. Returns OK,
  // InvalidArgument, ResourceExhausted, DeadlineExceeded (timed out; `out` untouched) or
  // Cancelled (Close() was called before or while waiting).
  Status SampleBlocking(int32_t num_items, Rng& rng, SampleBatch* out,
                        std::chrono::milliseconds timeout);

  // ---- priorities (kPrioritized) ---------------------------------------------------------------

  // Sets the priority of the item with key keys[i] to priorities[i], for every i, in order (a key
  // given twice ends with its last priority). Keys not stored (evicted, or never inserted) are
  // skipped and counted in `stale_priority_keys`; each applied priority counts in
  // `priority_updates` and may raise the running maximum that new items get. Never blocks; O(k log
  // capacity) under the mutex for k keys.
  // Returns: OK (also for an empty update on any kind);
  //   InvalidArgument, with nothing changed: keys.size() != priorities.size(), a non-empty update
  //     on a table that is not kPrioritized, or any priority that is NaN, infinite, negative or has
  //     p^α > kMaxPriorityWeight (every priority is checked before any is applied);
  //   ResourceExhausted (no memory for the update's weights; nothing changed);
  //   Cancelled (Close() was called; nothing changed).
  Status UpdatePriorities(const std::vector<uint64_t>& keys, const std::vector<double>& priorities);

  // Wakes every blocked caller (they return Cancelled) and makes all later inserts, samples and
  // priority updates return Cancelled. Idempotent. Stored items stay readable through Keys(),
  // Priorities() and size().
  void Close();

  // ---- checkpoints (replay/table_checkpoint.{h,cc}: file format and details) ----------------

  // What one SaveCheckpoint did.
  struct CheckpointStats {
    // How long the table's mutex was held to copy the state out: inserts, samples and priority
    // updates were blocked this long (the pause the checkpoint costs the shard).
    std::chrono::nanoseconds insert_pause{0};
    std::chrono::nanoseconds total{0};  // the whole call: copy, checksum, write, fsync, rename
    int64_t items = 0;                  // items written
    int64_t bytes = 0;                  // size of the file
  };

  // Writes every stored item (with its key and, for kPrioritized, its priority), the ring
  // position, the next key, the running maximum priority, the counters and the rate limiter's
  // counts to `path`, atomically (WriteFileAtomic: a crash leaves the old file or the new one).
  // Holds the mutex only while copying the state into a buffer (allocated beforehand, for
  // capacity items); the checksum and the write happen after releasing it. Works on a closed
  // table too. Fills `*stats` when given. Returns OK; ResourceExhausted (no memory for the
  // buffer); Unavailable (the file cannot be written; the old file, if any, is left as it was).
  Status SaveCheckpoint(const std::string& path, CheckpointStats* stats = nullptr) const;

  // Creates a table from `spec` holding exactly what the checkpoint at `path` holds: the same
  // items in the same slots with the same keys and priorities, the same next key, running maximum
  // priority, counters and rate-limiter counts (so the same Rng draws sample the same items).
  // `spec` must match the saved kind, capacity, item_size and (kPrioritized) priority_exponent;
  // the other fields (name, min_size, rate-limiter settings, initial_priority) come from `spec`.
  // Returns the table; NotFound (no file at `path`); DataLoss naming `path` (truncated, corrupt —
  // bad magic or checksum — inconsistent, or of an unknown format version); InvalidArgument
  // (`spec` is invalid or does not match the checkpoint); ResourceExhausted (no memory).
  // Never returns a partially restored table.
  static Result<std::unique_ptr<Table>> LoadCheckpoint(const ReplayTableSpec& spec,
                                                       const std::string& path);

  // ---- inspection ------------------------------------------------------------------------------

  // Keys of the stored items, oldest first.
  std::vector<uint64_t> Keys() const;
  // kPrioritized: the priorities of the stored items, in the order of Keys(); empty for the other
  // kinds.
  std::vector<double> Priorities() const;
  // kPrioritized: the priority the next inserted item gets (the running maximum); 0 otherwise.
  double max_priority() const;
  int64_t size() const;
  Counters counters() const;
  bool closed() const;
  // The largest sample this table accepts: what it can eventually serve (queue capacity, the
  // rate limiter's max_sample_items), and at most 2^28 floats (1 GiB) per sample. Larger requests
  // would wait forever or exhaust memory; they get InvalidArgument. Constant.
  int64_t max_sample_items() const { return max_sample_items_; }

  const ReplayTableSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  Kind kind() const { return spec_.kind; }
  int32_t item_size() const { return spec_.item_size; }
  int64_t capacity() const { return spec_.capacity; }

 private:
  Table(const ReplayTableSpec& spec, std::vector<float> arena, SumTree sum_tree,
        std::vector<double> priorities);

  // w = p^α, with w = 0 for p = 0 whatever α (Reverb's convention), for a checked priority.
  static double PriorityWeight(double priority, double exponent);
  // Whether `priority` is acceptable under exponent α (see the class comment). `what` names it.
  static Status CheckPriority(double priority, double exponent, const std::string& what);

  // Whether num_items is a sample size this table accepts at all (no lock needed: constant).
  Status CheckSampleSize(int32_t num_items) const;
  // REQUIRES(mu_). What Insert/Sample check, without counting refusals.
  Status CheckInsertLocked(int32_t num_items) const;
  bool CanSampleLocked(int32_t num_items) const;
  // REQUIRES(mu_). Perform an admitted insert/sample and signal the waiters.
  void InsertLocked(const float* items, int32_t num_items);
  void SampleLocked(int32_t num_items, Rng& rng, SampleBatch* out);
  // REQUIRES(mu_). Slot of the item with `key`, or -1 when it is not stored.
  int64_t SlotOfKeyLocked(uint64_t key) const;

  const ReplayTableSpec spec_;
  const int64_t max_sample_items_;

  // mu_ guards the arena contents, the ring indices, the priorities and sum tree, the rate
  // limiter, the counters and closed_.
  // Condition variables: can_insert_cv_ is notified when a sample or Close() may let a blocked
  // insert proceed, can_sample_cv_ when an insert or Close() may let a blocked sample proceed.
  mutable std::mutex mu_;
  std::condition_variable can_insert_cv_;
  std::condition_variable can_sample_cv_;
  std::vector<float> arena_;        // GUARDED_BY(mu_) capacity × item_size floats
  std::vector<uint64_t> keys_;      // GUARDED_BY(mu_) key of the item in each slot
  int64_t head_ = 0;                // GUARDED_BY(mu_) slot of the oldest item
  int64_t size_ = 0;                // GUARDED_BY(mu_) items stored, ≤ capacity
  uint64_t next_key_ = 0;           // GUARDED_BY(mu_)
  // kPrioritized only (empty otherwise). Stored keys are consecutive (next_key_ − size_ ...
  // next_key_ − 1, oldest at head_), so a key's slot is computed, not looked up.
  SumTree sum_tree_;                // GUARDED_BY(mu_) weight p^α of each slot; 0 when empty
  std::vector<double> priorities_;  // GUARDED_BY(mu_) priority of the item in each slot
  double max_priority_ = 0.0;       // GUARDED_BY(mu_) priority of the next inserted item
  double max_weight_ = 0.0;         // GUARDED_BY(mu_) max_priority_^α
  RateLimiter rate_limiter_;        // GUARDED_BY(mu_)
  Counters counters_;               // GUARDED_BY(mu_)
  bool closed_ = false;             // GUARDED_BY(mu_)
};

}  // namespace slaterl
