#include "replay/rate_limiter.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/replay/replay_test_util.h"

namespace slaterl {
namespace {

using testing_util::MakeSpec;
constexpr auto kUniform = ReplayTableSpec::Kind::kUniform;

TEST(RateLimiterTest, ValidateRejectsBuffersThatCouldDeadlock) {
  EXPECT_TRUE(RateLimiter::Validate(MakeSpec(kUniform, 10, 1, /*min_size=*/1,
                                             /*samples_per_insert=*/2.0, /*error_buffer=*/2.0))
                  .ok());
  EXPECT_EQ(RateLimiter::Validate(MakeSpec(kUniform, 10, 1, 1, /*samples_per_insert=*/2.0,
                                           /*error_buffer=*/1.5))
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RateLimiter::Validate(MakeSpec(kUniform, 10, 1, 1, /*samples_per_insert=*/-1.0, 5.0))
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RateLimiter::Validate(MakeSpec(kUniform, 10, 1, 1, 1.0,
                                           std::numeric_limits<double>::infinity()))
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RateLimiter::Validate(MakeSpec(kUniform, 10, 1, /*min_size=*/-1)).code(),
            StatusCode::kInvalidArgument);
  // Off: any non-negative buffer is fine.
  EXPECT_TRUE(RateLimiter::Validate(MakeSpec(kUniform, 10, 1, 1, 0.0, 0.0)).ok());
}

TEST(RateLimiterTest, OffLimiterOnlyGatesOnMinSize) {
  RateLimiter limiter(MakeSpec(kUniform, 100, 1, /*min_size=*/3));
  EXPECT_FALSE(limiter.enabled());
  EXPECT_FALSE(limiter.CanSample(/*size=*/2, /*num_items=*/1));
  EXPECT_TRUE(limiter.CanSample(/*size=*/3, /*num_items=*/1000));
  EXPECT_FALSE(limiter.CanSample(/*size=*/3, /*num_items=*/0));
  limiter.RecordInsert(1000000);
  EXPECT_TRUE(limiter.CanInsert(/*size=*/100));
}

TEST(RateLimiterTest, MinSizeZeroMeansOne) {
  RateLimiter limiter(MakeSpec(kUniform, 100, 1, /*min_size=*/0));
  EXPECT_EQ(limiter.min_size(), 1);
  EXPECT_FALSE(limiter.CanSample(/*size=*/0, /*num_items=*/1));
  EXPECT_TRUE(limiter.CanSample(/*size=*/1, /*num_items=*/1));
}

// Reverb's SampleToInsertRatio(samples_per_insert=2, min_size_to_sample=2, error_buffer=3):
// offset = 4, min_diff = 1, max_diff = 7.
TEST(RateLimiterTest, FollowsReverbSampleToInsertRatio) {
  RateLimiter limiter(MakeSpec(kUniform, 100, 1, /*min_size=*/2, /*samples_per_insert=*/2.0,
                               /*error_buffer=*/3.0));
  int64_t size = 0;
  // Filling up to min_size is free.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(limiter.CanInsert(size));
    limiter.RecordInsert(1);
    ++size;
  }
  EXPECT_DOUBLE_EQ(limiter.balance(), 4.0);
  EXPECT_TRUE(limiter.CanInsert(size));  // 4 + 2 = 6 <= 7
  limiter.RecordInsert(1);
  ++size;
  EXPECT_FALSE(limiter.CanInsert(size));  // 6 + 2 = 8 > 7
  // Samples: balance 6 - n >= 1.
  EXPECT_TRUE(limiter.CanSample(size, 5));
  EXPECT_FALSE(limiter.CanSample(size, 6));
  limiter.RecordSample(1);  // balance 5
  EXPECT_TRUE(limiter.CanInsert(size));  // 5 + 2 = 7 <= 7
  limiter.RecordSample(4);  // balance 1
  EXPECT_FALSE(limiter.CanSample(size, 1));
  EXPECT_TRUE(limiter.CanInsert(size));
}

TEST(RateLimiterTest, MaxSampleItemsIsAlwaysReachable) {
  // samples_per_insert=1, error_buffer=10, min_size=5: offset 5, min_diff -5, max_diff 15.
  RateLimiter limiter(MakeSpec(kUniform, 1000, 1, 5, 1.0, 10.0));
  const int64_t max_items = limiter.max_sample_items();
  EXPECT_EQ(max_items, 19);  // 2 × 10 − 1
  // Insert until blocked, then a sample of max_items must fit.
  int64_t size = 0;
  while (limiter.CanInsert(size)) {
    limiter.RecordInsert(1);
    ++size;
  }
  EXPECT_TRUE(limiter.CanSample(size, max_items));
}

}  // namespace
}  // namespace slaterl
