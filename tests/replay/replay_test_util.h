// tests/replay/replay_test_util.h — helpers shared by the replay tests.
#pragma once

#include <chrono>
#include <cmath>
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

inline ReplayTableSpec MakePrioritizedSpec(int64_t capacity, int32_t item_size,
                                           double priority_exponent, double initial_priority = 1.0,
                                           const std::string& name = "transitions") {
  ReplayTableSpec spec = MakeSpec(ReplayTableSpec::Kind::kPrioritized, capacity, item_size);
  spec.name = name;
  spec.priority_exponent = priority_exponent;
  spec.initial_priority = initial_priority;
  return spec;
}

// P(X ≥ x) for X chi-square distributed with `df` degrees of freedom: the regularized upper
// incomplete gamma function Q(df/2, x/2), by its series (x < a + 1) or its continued fraction
// (modified Lentz), as in Numerical Recipes, section 6.2. Accurate to ~1e-14, ample for test p-values.
inline double ChiSquarePValue(double x, double df) {
  const double a = df / 2.0, z = x / 2.0;
  if (z <= 0.0) return 1.0;
  const double log_prefactor = a * std::log(z) - z - std::lgamma(a);
  if (z < a + 1.0) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000 && std::fabs(term) > std::fabs(sum) * 1e-16; ++n) {
      term *= z / (a + n);
      sum += term;
    }
    return 1.0 - sum * std::exp(log_prefactor);
  }
  const double tiny = 1e-300;
  double b = z + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(log_prefactor) * h;
}

// Pearson's chi-square statistic of observed counts against expected probabilities (which sum
// to 1) and its p-value with counts.size() − 1 degrees of freedom.
inline double ChiSquareGoodnessOfFitP(const std::vector<int64_t>& counts,
                                      const std::vector<double>& probabilities) {
  int64_t total = 0;
  for (int64_t count : counts) total += count;
  double statistic = 0.0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = probabilities[i] * static_cast<double>(total);
    const double deviation = static_cast<double>(counts[i]) - expected;
    statistic += deviation * deviation / expected;
  }
  return ChiSquarePValue(statistic, static_cast<double>(counts.size()) - 1.0);
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
