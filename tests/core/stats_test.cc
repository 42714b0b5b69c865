// Tests of core/stats: summaries, Student's t (CDF, p-value, quantile) and Welch's t-test.
// Reference values computed with mpmath at 40 digits (betainc, findroot) unless stated.
#include "core/stats.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace slaterl {
namespace {

TEST(StatsTest, MeanStdSemOfKnownSample) {
  const std::vector<double> x = {2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(Mean(x), 5.0);
  // Sum of squared deviations 32, n − 1 = 7.
  EXPECT_NEAR(SampleStd(x), std::sqrt(32.0 / 7.0), 1e-15);
  EXPECT_NEAR(Sem(x), std::sqrt(32.0 / 7.0) / std::sqrt(8.0), 1e-15);
  const SampleSummary s = Summarize(x);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_EQ(s.n, 8);
}

TEST(StatsTest, DegenerateSamplesHaveZeroSpread) {
  EXPECT_EQ(Mean(std::vector<double>{}), 0.0);
  EXPECT_EQ(SampleStd(std::vector<double>{3.0}), 0.0);
  EXPECT_EQ(Sem(std::vector<double>{3.0}), 0.0);
}

TEST(StatsTest, RegularizedIncompleteBetaMatchesReference) {
  EXPECT_NEAR(RegularizedIncompleteBeta(2, 3, 0.4), 0.52480000000000003837, 1e-14);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.5, 0.5, 0.1), 0.20483276469913345754, 1e-14);
  EXPECT_NEAR(RegularizedIncompleteBeta(10, 20, 0.3), 0.36400408107194422775, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(100, 50, 0.7), 0.80544816622775348609, 1e-12);
  EXPECT_NEAR(RegularizedIncompleteBeta(1, 1, 0.25), 0.25, 1e-15);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 3, 0.0), 0.0);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 3, 1.0), 1.0);
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(2, 3, 1.5)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(-1, 3, 0.5)));
}

TEST(StatsTest, StudentTCdfMatchesReference) {
  EXPECT_NEAR(StudentTCdf(2.0, 5), 0.94903026058507082188, 1e-13);
  EXPECT_NEAR(StudentTCdf(-1.5, 3.5), 0.10890909350767261737, 1e-13);
  EXPECT_NEAR(StudentTCdf(0.3, 1), 0.59277357907774234032, 1e-13);
  EXPECT_NEAR(StudentTCdf(10, 2), 0.99507377148833715458, 1e-13);
  EXPECT_NEAR(StudentTCdf(4, 100), 0.99993923817784961916, 1e-13);
  EXPECT_NEAR(StudentTCdf(1.96, 1e4), 0.97498823988408347523, 1e-11);
  EXPECT_DOUBLE_EQ(StudentTCdf(0.0, 7), 0.5);
  // df = inf is the standard normal.
  EXPECT_NEAR(StudentTCdf(1.959963984540054, INFINITY), 0.975, 1e-15);
}

TEST(StatsTest, StudentTStaysAccurateAtLargeDegreesOfFreedom) {
  // mpmath references; lgamma(a + ½) − lgamma(a) would lose ~1e-10 here at df = 1e6.
  EXPECT_NEAR(StudentTCdf(1.5, 1e3), 0.93303498058895691, 1e-14);
  EXPECT_NEAR(StudentTCdf(1.5, 1e5), 0.9331912202385847, 1e-14);
  EXPECT_NEAR(StudentTCdf(1.5, 1e6), 0.93319264088160362, 1e-14);
  EXPECT_NEAR(StudentTTwoSidedP(3.0, 1e4), 0.0027064481899976663, 1e-14);
  EXPECT_NEAR(StudentTTwoSidedP(3.0, 1e6), 0.0026998625414217971, 1e-13);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e4).value(), 1.9602012398906259, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e6).value(), 1.9599663568141067, 1e-10);
}

TEST(StatsTest, TwoSidedPValueKeepsPrecisionInTheTail) {
  EXPECT_NEAR(StudentTTwoSidedP(2.0, 5), 0.10193947882985835625, 1e-13);
  EXPECT_NEAR(StudentTTwoSidedP(-2.0, 5), 0.10193947882985835625, 1e-13);
  EXPECT_NEAR(StudentTTwoSidedP(4, 100), 0.0001215236443007616772, 1e-15);
  // Relative accuracy far in the tail (1 − CDF would lose it to cancellation).
  const double p = StudentTTwoSidedP(30, 10);
  EXPECT_NEAR(p / 3.9617923420313242705e-11, 1.0, 1e-10);
}

TEST(StatsTest, StudentTQuantileMatchesKnownValues) {
  EXPECT_NEAR(StudentTQuantile(0.975, 4).value(), 2.7764451051977987, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.975, 1).value(), 12.706204736174705, 1e-10);
  EXPECT_NEAR(StudentTQuantile(0.975, 30).value(), 2.0422724563012373, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.995, 10).value(), 3.1692726726169507118, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.05, 7).value(), -1.8945786050900073517, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.975, 2.5).value(), 3.5746548420036817607, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.975, 999).value(), 1.9623414611334495975, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.999999, 3).value() / 103.29946777942897177, 1.0, 1e-9);
  EXPECT_EQ(StudentTQuantile(0.5, 3).value(), 0.0);
}

TEST(StatsTest, QuantileInvertsCdf) {
  for (double df : {1.0, 2.0, 3.7, 10.0, 57.0, 998.0}) {
    for (double p : {0.001, 0.025, 0.3, 0.7, 0.95, 0.999}) {
      const double t = StudentTQuantile(p, df).value();
      EXPECT_NEAR(StudentTCdf(t, df), p, 1e-12) << "df " << df << " p " << p;
    }
  }
}

TEST(StatsTest, QuantileRejectsOutOfDomainArguments) {
  EXPECT_EQ(StudentTQuantile(0.0, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(StudentTQuantile(1.0, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(StudentTQuantile(0.5, 0.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(StudentTQuantile(NAN, 3).ok());
}

TEST(StatsTest, WelchTestMatchesHandComputation) {
  // se² = 4/10 + 9/15 = 1, t = (10 − 12)/1 = −2,
  // df = 1 / (0.4²/9 + 0.6²/14) = 22.992700729927007; p from mpmath.
  const auto r = WelchTTest({/*mean=*/10, /*std=*/2, /*n=*/10}, {/*mean=*/12, /*std=*/3, /*n=*/15});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->t, -2.0, 1e-15);
  EXPECT_NEAR(r->df, 22.99270072992700729927, 1e-12);
  EXPECT_NEAR(r->p_two_sided, 0.05744839625979583083, 1e-12);
}

// The sizes sweeps use (3 and 5 seeds): values from mpmath at 40 digits.
TEST(StatsTest, StudentTQuantileForSweepSeedCounts) {
  EXPECT_NEAR(StudentTQuantile(0.975, 2).value(), 4.3026527297494638523, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 3).value(), 3.1824463052837095927, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 8).value(), 2.3060041352041666833, 1e-9);
  EXPECT_NEAR(MeanConfidenceHalfWidth(/*std=*/2.0, /*n=*/3, /*level=*/0.95).value(),
              4.3026527297494638523 * 2.0 / std::sqrt(3.0), 1e-9);
}

TEST(StatsTest, WelchTestWithUnequalSizesMatchesMpmath) {
  const auto r = WelchTTest({/*mean=*/164.5, /*std=*/1.9, /*n=*/3}, {/*mean=*/154.0, /*std=*/0.7, /*n=*/5});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->t, 9.2043902123023809172, 1e-9);
  EXPECT_NEAR(r->df, 2.3312956518533621897, 1e-9);
  EXPECT_NEAR(r->p_two_sided, 0.0069715719779088506643, 1e-9);
}

TEST(StatsTest, WelchTestIsSymmetricInItsSamples) {
  const SampleSummary a{943.7687, 165.3804, 500}, b{1111.0928, 193.3970, 500};
  const auto ab = WelchTTest(a, b), ba = WelchTTest(b, a);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_DOUBLE_EQ(ab->t, -ba->t);
  EXPECT_DOUBLE_EQ(ab->df, ba->df);
  EXPECT_DOUBLE_EQ(ab->p_two_sided, ba->p_two_sided);
  EXPECT_LT(ab->p_two_sided, 1e-20);  // random vs choc on LTS-default: clearly different
}

TEST(StatsTest, WelchTestRejectsUnusableSamples) {
  EXPECT_EQ(WelchTTest({1, 1, 1}, {1, 1, 10}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WelchTTest({1, -1, 5}, {1, 1, 10}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WelchTTest({1, 0, 5}, {2, 0, 10}).status().code(), StatusCode::kFailedPrecondition);
}

TEST(StatsTest, ConfidenceHalfWidthUsesTQuantile) {
  const auto h = MeanConfidenceHalfWidth(/*std=*/2.0, /*n=*/5, /*level=*/0.95);
  ASSERT_TRUE(h.ok());
  EXPECT_NEAR(*h, 2.7764451051977987 * 2.0 / std::sqrt(5.0), 1e-12);
  EXPECT_FALSE(MeanConfidenceHalfWidth(2.0, 1, 0.95).ok());
  EXPECT_FALSE(MeanConfidenceHalfWidth(2.0, 5, 1.0).ok());
}

}  // namespace
}  // namespace slaterl
