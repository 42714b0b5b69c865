// Tests of core/stats: summaries, Student's t (CDF, p-value, quantile), Welch's t-test, the TOST
// equivalence test and the minimum detectable difference.
// Reference values computed with mpmath at 40 digits (betainc, findroot) unless stated. The TOST
// and detectable-difference references come from an independent 60-digit Python `decimal`
// evaluation (power series of I_x(a, b), shifted Stirling ln Γ, quantiles by bisection), which
// reproduces the mpmath values above to ~1e-16.
#include "core/stats.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace slaterl {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

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

TEST(StatsTest, StudentTCdfNearZeroIsAccurateForOneDegreeOfFreedom) {
  // df = 1 is the Cauchy distribution: P(T <= t) = ½ + atan(t)/π.
  for (double t : {1e-12, 1e-9, 1e-8, 1e-6, 1e-3, 0.3, 5.0, 1e6}) {
    EXPECT_NEAR(StudentTCdf(t, 1), 0.5 + std::atan(t) / kPi, 3e-16) << t;
    EXPECT_NEAR(StudentTCdf(-t, 1), 0.5 - std::atan(t) / kPi, 3e-16) << t;
    // P(|T| >= t) = 1 − 2 atan(t)/π = 2 atan(1/t)/π.
    EXPECT_NEAR(StudentTTwoSidedP(t, 1) / (2.0 * std::atan(1.0 / t) / kPi), 1.0, 1e-14) << t;
  }
}

TEST(StatsTest, DegenerateArgumentsOfTheTDistributionGiveNaNOrLimits) {
  EXPECT_TRUE(std::isnan(StudentTCdf(kNaN, 3)));
  EXPECT_TRUE(std::isnan(StudentTCdf(1.0, 0.0)));
  EXPECT_TRUE(std::isnan(StudentTCdf(1.0, -2.0)));
  EXPECT_TRUE(std::isnan(StudentTCdf(1.0, kNaN)));
  EXPECT_TRUE(std::isnan(StudentTTwoSidedP(1.0, 0.0)));
  EXPECT_TRUE(std::isnan(StudentTPdf(1.0, -1.0)));
  EXPECT_EQ(StudentTCdf(kInf, 3), 1.0);
  EXPECT_EQ(StudentTCdf(-kInf, 3), 0.0);
  EXPECT_EQ(StudentTTwoSidedP(kInf, 3), 0.0);
  EXPECT_EQ(StudentTTwoSidedP(0.0, 3), 1.0);
  EXPECT_NEAR(StudentTPdf(0.0, kInf), 1.0 / std::sqrt(2.0 * kPi), 1e-16);
  EXPECT_NEAR(StudentTQuantile(0.975, kInf).value(), 1.959963984540054, 1e-14);
  // x at the ends of [0, 1] is exact even where the parameters are not usable inside it.
  EXPECT_EQ(RegularizedIncompleteBeta(kInf, 2, 0.0), 0.0);
  EXPECT_EQ(RegularizedIncompleteBeta(kInf, 2, 1.0), 1.0);
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(kInf, 2, 0.5)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(2, 3, kNaN)));
}

// ---- TOST equivalence test ----------------------------------------------------------------------

// se² = 4/20 + 6.25/24, Welch df = 41.945191345857170090, difference −0.25.
const SampleSummary kTostA{/*mean=*/10.0, /*std=*/2.0, /*n=*/20};
const SampleSummary kTostB{/*mean=*/10.25, /*std=*/2.5, /*n=*/24};
constexpr double kTostSe = 0.67854009952740940914;
constexpr double kTostDf = 41.945191345857170090;
constexpr double kTostT95 = 1.6820019220616143843;  // t_{0.95, df}

TEST(StatsTest, TostDeclaresEquivalenceWhenDifferenceIsWellInsideMargin) {
  const auto r = TostEquivalenceTest(kTostA, kTostB, /*margin=*/2.0, /*alpha=*/0.05);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->difference, -0.25);
  EXPECT_NEAR(r->standard_error, kTostSe, 1e-15);
  EXPECT_NEAR(r->df, kTostDf, 1e-12);
  EXPECT_NEAR(r->p_lower, 0.0067521995526444243129, 1e-14);   // P(T >= 1.75 / se)
  EXPECT_NEAR(r->p_upper, 0.00094586695945464953655, 1e-15);  // P(T <= −2.25 / se)
  EXPECT_EQ(r->p_tost, r->p_lower);
  EXPECT_TRUE(r->equivalent);
  EXPECT_NEAR(r->ci_lower, -1.3913057516009817483, 1e-12);
  EXPECT_NEAR(r->ci_upper, 0.89130575160098174832, 1e-12);
  EXPECT_NEAR(r->ci_upper - r->ci_lower, 2.0 * kTostT95 * kTostSe, 1e-12);
}

TEST(StatsTest, TostIsNotEquivalentWhenTheIntervalCrossesTheMargin) {
  // Same samples, margin 1: the 90 % interval [−1.39, 0.89] reaches below −1.
  const auto r = TostEquivalenceTest(kTostA, kTostB, /*margin=*/1.0, /*alpha=*/0.05);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->p_lower, 0.13766165241729465103, 1e-13);
  EXPECT_NEAR(r->p_upper, 0.036262038639139526104, 1e-13);
  EXPECT_EQ(r->p_tost, r->p_lower);
  EXPECT_FALSE(r->equivalent);
  EXPECT_LT(r->ci_lower, -1.0);
  // The interval does not depend on the margin.
  EXPECT_NEAR(r->ci_lower, -1.3913057516009817483, 1e-12);
}

TEST(StatsTest, TostIsNotEquivalentForANoisyDifferenceInsideTheMargin) {
  // Equal stds and sizes: Welch df is exactly 2 (n − 1) = 18. |difference| 0.5 < margin 1.25,
  // but with n = 10 the data cannot exclude a difference of −1.25.
  const auto r = TostEquivalenceTest({5.0, 1.5, 10}, {5.5, 1.5, 10}, /*margin=*/1.25,
                                     /*alpha=*/0.05);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->standard_error, 0.67082039324993690892, 1e-15);
  EXPECT_NEAR(r->df, 18.0, 1e-12);
  EXPECT_NEAR(r->p_lower, 0.13912637744412945630, 1e-13);
  EXPECT_NEAR(r->p_upper, 0.0088847325349571791740, 1e-14);
  EXPECT_NEAR(r->p_tost, 0.13912637744412945630, 1e-13);
  EXPECT_FALSE(r->equivalent);
  EXPECT_NEAR(r->ci_lower, -1.6632452305115812451, 1e-12);
  EXPECT_NEAR(r->ci_upper, 0.66324523051158124512, 1e-12);
}

TEST(StatsTest, TostIsNotEquivalentWhenTheDifferenceExceedsTheMargin) {
  // Precise samples whose means differ by 2: far outside a margin of 1.
  const auto r = TostEquivalenceTest({10.0, 1.0, 200}, {12.0, 1.0, 200}, /*margin=*/1.0, 0.05);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->p_lower, 0.999999);
  EXPECT_LT(r->p_upper, 1e-15);
  EXPECT_FALSE(r->equivalent);
  EXPECT_LT(r->ci_upper, -1.0);
}

TEST(StatsTest, TostEquivalenceMeansTheIntervalLiesInsideTheMargin) {
  for (double margin = 0.25; margin <= 3.0; margin += 0.125) {
    for (double alpha : {0.01, 0.05, 0.1}) {
      const auto r = TostEquivalenceTest(kTostA, kTostB, margin, alpha);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->equivalent, r->ci_lower > -margin && r->ci_upper < margin)
          << "margin " << margin << " alpha " << alpha;
      EXPECT_EQ(r->p_tost, std::fmax(r->p_lower, r->p_upper));
    }
  }
}

TEST(StatsTest, TostIsAntisymmetricInItsSamples) {
  const auto ab = TostEquivalenceTest(kTostA, kTostB, 1.0, 0.05);
  const auto ba = TostEquivalenceTest(kTostB, kTostA, 1.0, 0.05);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_DOUBLE_EQ(ab->difference, -ba->difference);
  EXPECT_DOUBLE_EQ(ab->standard_error, ba->standard_error);
  EXPECT_DOUBLE_EQ(ab->df, ba->df);
  EXPECT_DOUBLE_EQ(ab->p_lower, ba->p_upper);
  EXPECT_DOUBLE_EQ(ab->p_upper, ba->p_lower);
  EXPECT_DOUBLE_EQ(ab->p_tost, ba->p_tost);
  EXPECT_DOUBLE_EQ(ab->ci_lower, -ba->ci_upper);
  EXPECT_DOUBLE_EQ(ab->ci_upper, -ba->ci_lower);
}

TEST(StatsTest, TostWithOneDeterministicSampleUsesTheOtherSamplesDegreesOfFreedom) {
  const auto r = TostEquivalenceTest({3.0, 0.0, 7}, {3.1, 0.4, 9}, /*margin=*/0.5, 0.05);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->df, 8.0);
  EXPECT_NEAR(r->standard_error, 0.4 / 3.0, 1e-16);
  const double t95_8 = 1.8595480375308983900;  // t_{0.95, 8}
  EXPECT_NEAR(r->ci_upper - r->ci_lower, 2.0 * t95_8 * 0.4 / 3.0, 1e-12);
}

TEST(StatsTest, TostRejectsUnusableInput) {
  const SampleSummary ok{1.0, 1.0, 10};
  EXPECT_EQ(TostEquivalenceTest({1, 1, 1}, ok, 1.0, 0.05).status().code(),
            StatusCode::kInvalidArgument);  // n < 2
  EXPECT_EQ(TostEquivalenceTest(ok, {1, -1, 5}, 1.0, 0.05).status().code(),
            StatusCode::kInvalidArgument);  // negative std
  EXPECT_EQ(TostEquivalenceTest({kNaN, 1, 5}, ok, 1.0, 0.05).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(TostEquivalenceTest(ok, {1, kInf, 5}, 1.0, 0.05).status().code(),
            StatusCode::kInvalidArgument);
  for (double margin : {0.0, -1.0, kNaN, kInf})
    EXPECT_EQ(TostEquivalenceTest(ok, ok, margin, 0.05).status().code(),
              StatusCode::kInvalidArgument) << margin;
  for (double alpha : {0.0, 0.5, 0.7, -0.1, kNaN})
    EXPECT_EQ(TostEquivalenceTest(ok, ok, 1.0, alpha).status().code(),
              StatusCode::kInvalidArgument) << alpha;
  EXPECT_EQ(TostEquivalenceTest({1, 0, 5}, {1, 0, 10}, 1.0, 0.05).status().code(),
            StatusCode::kFailedPrecondition);  // no variance: the t statistics are undefined
  EXPECT_EQ(TostEquivalenceTest({1, 1e200, 5}, {1, 1e200, 5}, 1.0, 0.05).status().code(),
            StatusCode::kInvalidArgument);  // se² overflows
}

// ---- minimum detectable difference --------------------------------------------------------------

TEST(StatsTest, MinimumDetectableDifferenceMatchesReference) {
  // se_a = 0.5 (n 20), se_b = 0.6 (n 25): Welch df = 42.821926105390672320.
  const auto m = WelchMinimumDetectableDifference(0.5, 20, 0.6, 25, /*alpha=*/0.05, /*power=*/0.8);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NEAR(*m, 2.2392224557755204140, 1e-12);
  const auto strict = WelchMinimumDetectableDifference(0.5, 20, 0.6, 25, 0.01, 0.9);
  ASSERT_TRUE(strict.ok());
  EXPECT_NEAR(*strict, 3.1219563020772088709, 1e-12);
  // One exact sample: df = 5 − 1, (t_{.975,4} + t_{.8,4}) · 0.4.
  const auto one = WelchMinimumDetectableDifference(0.4, 5, 0.0, 8, 0.05, 0.8);
  ASSERT_TRUE(one.ok());
  EXPECT_NEAR(*one, 1.4869638729731902108, 1e-12);
}

TEST(StatsTest, MinimumDetectableDifferenceReachesTheRequestedPower) {
  // At the MDE, a true difference shifts the statistic so that it passes the two-sided
  // critical value with probability `power` (under the central-t approximation).
  const double se_a = 0.3, se_b = 0.45;
  const int64_t n_a = 6, n_b = 11;
  const double se = std::sqrt(se_a * se_a + se_b * se_b);
  const auto welch = WelchTTest({0, se_a * std::sqrt(6.0), n_a}, {0, se_b * std::sqrt(11.0), n_b});
  ASSERT_TRUE(welch.ok());
  const double t_crit = StudentTQuantile(0.975, welch->df).value();
  for (double power : {0.5, 0.8, 0.9, 0.99}) {
    const auto m = WelchMinimumDetectableDifference(se_a, n_a, se_b, n_b, 0.05, power);
    ASSERT_TRUE(m.ok());
    EXPECT_NEAR(StudentTCdf(*m / se - t_crit, welch->df), power, 1e-12) << power;
  }
  // Power 0.5: the MDE is just the critical difference.
  EXPECT_NEAR(WelchMinimumDetectableDifference(se_a, n_a, se_b, n_b, 0.05, 0.5).value(),
              t_crit * se, 1e-12);
}

TEST(StatsTest, MinimumDetectableDifferenceApproachesTheNormalFormulaForLargeSamples) {
  // (z_{0.975} + z_{0.8}) · se = 2.801585218112968 · se when df → inf.
  const auto m = WelchMinimumDetectableDifference(0.01, 10000000, 0.01, 10000000, 0.05, 0.8);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(*m / (0.01 * std::sqrt(2.0)), 2.801585218112968, 1e-6);
}

TEST(StatsTest, MinimumDetectableDifferenceRejectsUnusableInput) {
  EXPECT_EQ(WelchMinimumDetectableDifference(0.5, 1, 0.5, 10, 0.05, 0.8).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WelchMinimumDetectableDifference(0.5, 10, 0.5, 0, 0.05, 0.8).status().code(),
            StatusCode::kInvalidArgument);
  for (double se : {-0.1, kNaN, kInf})
    EXPECT_EQ(WelchMinimumDetectableDifference(se, 10, 0.5, 10, 0.05, 0.8).status().code(),
              StatusCode::kInvalidArgument) << se;
  for (double alpha : {0.0, 1.0, kNaN})
    EXPECT_EQ(WelchMinimumDetectableDifference(0.5, 10, 0.5, 10, alpha, 0.8).status().code(),
              StatusCode::kInvalidArgument) << alpha;
  for (double power : {0.0, 0.3, 1.0, kNaN})
    EXPECT_EQ(WelchMinimumDetectableDifference(0.5, 10, 0.5, 10, 0.05, power).status().code(),
              StatusCode::kInvalidArgument) << power;
  EXPECT_EQ(WelchMinimumDetectableDifference(0.0, 10, 0.0, 10, 0.05, 0.8).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace slaterl
