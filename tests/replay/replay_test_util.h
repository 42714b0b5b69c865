// tests/replay/replay_test_util.h — helpers shared by the replay tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/messages.h"
#include "core/replay_spec.h"

namespace slaterl {
namespace testing_util {

// One-shot event, as absl::Notification: tests check that a blocked call has not returned yet
// (WaitFor with a short timeout gives false) and that it returns once unblocked.
class Notification {
 public:
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      notified_ = true;
    }
    cv_.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return notified_; });
  }
  bool HasBeenNotified() {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

// How long a test waits for something that must happen (generous: machines are shared), and how
// long it watches for something that must not happen yet (Reverb's 250 ms convention).
constexpr std::chrono::milliseconds kMustHappenTimeout{20000};
constexpr std::chrono::milliseconds kMustNotHappenWindow{250};

inline ReplayTableSpec MakeSpec(ReplayTableSpec::Kind kind, int64_t capacity, int32_t item_size,
                                int64_t min_size = 1, double samples_per_insert = 0.0,
                                double error_buffer = 0.0, const std::string& name = "transitions") {
  ReplayTableSpec spec;
  spec.name = name;
  spec.kind = kind;
  spec.capacity = capacity;
  spec.item_size = item_size;
  spec.min_size = min_size;
  spec.samples_per_insert = samples_per_insert;
  spec.error_buffer = error_buffer;
  return spec;
}

// `num_items` items whose floats all equal their label: first_label, first_label + 1, ...
inline std::vector<float> MakeItems(int32_t num_items, int32_t item_size, int64_t first_label) {
  std::vector<float> data(static_cast<size_t>(num_items) * static_cast<size_t>(item_size));
  for (int32_t i = 0; i < num_items; ++i)
    for (int32_t j = 0; j < item_size; ++j)
      data[static_cast<size_t>(i) * item_size + j] = static_cast<float>(first_label + i);
  return data;
}

inline Fragment MakeFragment(int32_t num_items, int32_t item_size, int64_t first_label,
                             int64_t env_steps = 0, int64_t episodes = 0) {
  Fragment fragment;
  fragment.item_size = item_size;
  fragment.num_items = num_items;
  fragment.env_steps = env_steps;
  fragment.episodes = episodes;
  fragment.data = MakeItems(num_items, item_size, first_label);
  return fragment;
}

// True when every float of item `i` of a batch equals `value`.
inline bool ItemIsAll(const SampleBatch& batch, int32_t i, float value) {
  for (int32_t j = 0; j < batch.item_size; ++j)
    if (batch.data[static_cast<size_t>(i) * batch.item_size + j] != value) return false;
  return true;
}

}  // namespace testing_util
}  // namespace slaterl
