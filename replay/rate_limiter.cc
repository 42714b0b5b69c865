#include "replay/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace slaterl {

Status RateLimiter::Validate(const ReplayTableSpec& spec) {
  const std::string where = "replay table '" + spec.name + "': ";
  if (spec.min_size < 0)
    return InvalidArgumentError(where + "min_size must be >= 0, got " + std::to_string(spec.min_size));
  if (!std::isfinite(spec.samples_per_insert) || spec.samples_per_insert < 0.0)
    return InvalidArgumentError(where + "samples_per_insert must be finite and >= 0, got " +
                                std::to_string(spec.samples_per_insert));
  if (!std::isfinite(spec.error_buffer) || spec.error_buffer < 0.0)
    return InvalidArgumentError(where + "error_buffer must be finite and >= 0, got " +
                                std::to_string(spec.error_buffer));
  if (spec.samples_per_insert > 0.0 &&
      spec.error_buffer < std::max(1.0, spec.samples_per_insert))
    return InvalidArgumentError(
        where + "error_buffer (" + std::to_string(spec.error_buffer) +
        ") must be >= max(1, samples_per_insert) = " +
        std::to_string(std::max(1.0, spec.samples_per_insert)) +
        "; a smaller buffer can block inserts and samples forever");
  return Status::Ok();
}

RateLimiter::RateLimiter(const ReplayTableSpec& spec)
    : samples_per_insert_(spec.samples_per_insert),
      min_size_(std::max<int64_t>(1, spec.min_size)) {
  SLATERL_CHECK(Validate(spec).ok());
  const double offset = samples_per_insert_ * static_cast<double>(min_size_);
  min_diff_ = offset - spec.error_buffer;
  max_diff_ = offset + spec.error_buffer;
}

double RateLimiter::balance() const {
  return static_cast<double>(inserted_items_) * samples_per_insert_ -
         static_cast<double>(sampled_items_);
}

bool RateLimiter::CanInsert(int64_t size) const {
  if (!enabled()) return true;
  if (size < min_size_) return true;  // filling up to min_size is free (Reverb)
  return balance() + samples_per_insert_ <= max_diff_;
}

bool RateLimiter::CanSample(int64_t size, int64_t num_items) const {
  if (num_items <= 0 || size < min_size_) return false;
  if (!enabled()) return true;
  return balance() - static_cast<double>(num_items) >= min_diff_;
}

int64_t RateLimiter::max_sample_items() const {
  if (!enabled()) return std::numeric_limits<int64_t>::max();
  // After inserts stop being admitted, balance > max_diff − samples_per_insert; a sample of n then
  // fits whenever max_diff − samples_per_insert − n ≥ min_diff. Filling up to min_size also reaches
  // balance = offset, which serves n ≤ error_buffer; the larger of the two bounds holds.
  const double buffer = (max_diff_ - min_diff_) / 2.0;
  const double bound = std::max(buffer, max_diff_ - samples_per_insert_ - min_diff_);
  return std::max<int64_t>(1, static_cast<int64_t>(std::floor(bound)));
}

}  // namespace slaterl
