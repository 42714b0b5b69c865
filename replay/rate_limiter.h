// replay/rate_limiter.h — min-size gating and Reverb's SampleToInsertRatio rate limiter.
//
// Contract. A RateLimiter decides, from counts alone, whether a table may take an insert or serve
// a sample now. It owns nothing but its counters; the table it belongs to reports every insert,
// sample and size change to it. Not thread-safe: the owning Table calls it with its own mutex held
// (Reverb's RateLimiter is likewise called under the table's mutex).
//
// Semantics (Reverb `SampleToInsertRatio(samples_per_insert, min_size_to_sample, error_buffer)`):
//   offset   = samples_per_insert × min_size
//   min_diff = offset − error_buffer,   max_diff = offset + error_buffer
//   balance  = inserted_items × samples_per_insert − sampled_items
//   * A sample of n items is allowed iff size ≥ min_size and balance − n ≥ min_diff.
//   * An insert is allowed iff the table holds fewer than min_size items (filling up is free), or
//     balance + samples_per_insert ≤ max_diff.
// samples_per_insert == 0 turns the limiter off: only min_size gates samples and inserts are free.
//
// Deviation from Reverb, on purpose: Reverb rate-limits every item separately. Our inserts are
// all-or-nothing per call (a whole fragment goes in or none of it does), so an insert of m items is
// admitted by the check for its *first* item, as Reverb would admit it, and then counts m inserts.
// A fragment can therefore push the balance above max_diff by less than m × samples_per_insert,
// which only delays the next insert; it can never deadlock on a fragment bigger than the buffer.
// Samples are not relaxed: a sample of n items waits until all n fit in the buffer.
#pragma once

#include <cstdint>

#include "core/replay_spec.h"
#include "core/status.h"

namespace slaterl {

class RateLimiter {
 public:
  // Checks the rate-limiter fields of a table spec. samples_per_insert and error_buffer must be
  // finite and ≥ 0; with the limiter on, error_buffer ≥ max(1, samples_per_insert) (smaller
  // buffers can block inserts and samples forever, as Reverb's Python API also rejects);
  // min_size ≥ 0. Returns InvalidArgument naming the field otherwise.
  static Status Validate(const ReplayTableSpec& spec);

  // `spec` must pass Validate (CHECKed). min_size 0 means 1: a sample needs one item anyway.
  explicit RateLimiter(const ReplayTableSpec& spec);

  bool enabled() const { return samples_per_insert_ > 0.0; }
  int64_t min_size() const { return min_size_; }

  // Whether an insert may start now into a table that holds `size` items.
  bool CanInsert(int64_t size) const;
  // Whether a sample of `num_items` (> 0) items may be served from a table holding `size` items.
  bool CanSample(int64_t size, int64_t num_items) const;

  void RecordInsert(int64_t num_items) { inserted_items_ += num_items; }
  void RecordSample(int64_t num_items) { sampled_items_ += num_items; }

  // The cumulative counts behind balance(), for checkpoints (replay/table_checkpoint.h), and
  // their restore into a fresh limiter (both ≥ 0; the caller checks).
  int64_t inserted_items() const { return inserted_items_; }
  int64_t sampled_items() const { return sampled_items_; }
  void RestoreCounts(int64_t inserted_items, int64_t sampled_items) {
    inserted_items_ = inserted_items;
    sampled_items_ = sampled_items;
  }

  // The largest sample the limiter can always eventually serve: a request of at most this many
  // items cannot be starved by the buffer as long as inserts keep coming (2·error_buffer −
  // samples_per_insert, rounded down); unbounded (INT64_MAX) when the limiter is off.
  int64_t max_sample_items() const;

  // inserted_items × samples_per_insert − sampled_items (Reverb's "diff").
  double balance() const;

 private:
  double samples_per_insert_;
  double min_diff_;
  double max_diff_;
  int64_t min_size_;
  int64_t inserted_items_ = 0;
  int64_t sampled_items_ = 0;
};

}  // namespace slaterl
