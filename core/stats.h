// core/stats.h — the statistics slaterl reports and tests with: sample summaries, Student's t
// distribution (CDF, two-sided p-value, quantile), Welch's two-sample t-test, a two one-sided
// tests (TOST) equivalence test and the smallest difference a Welch test can detect.
//
// Used by `slaterl eval` / sweep reports (95 % confidence intervals) and by parity tests that
// compare our environments with published reference rows. Pure functions of their arguments; no
// allocation; thread-safe. The t distribution and the incomplete beta function come from
// Boost.Math (header-only, double arguments evaluated in long double), except the CDF at df = 1,
// which uses the Cauchy closed form (see stats.cc): checked against mpmath, the CDF is accurate to
// ~1e-15 and two-sided p-values to ~1e-14 absolute for df from 1 to 1e6.
// df = +inf is the standard normal throughout.
// Nothing here throws: Boost.Math is called with a policy that ignores its errors, behind
// argument guards. Domain errors of the pure maths functions give NaN, as the <cmath> functions
// do; the functions that take user-facing inputs (quantile, Welch test, confidence interval,
// TOST, detectable difference) return Result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace slaterl {

// ---- sample summaries -------------------------------------------------------------------------

// Arithmetic mean; 0 for an empty sample.
double Mean(const double* values, size_t count);
double Mean(const std::vector<double>& values);
// Sample standard deviation with Bessel's correction (n − 1); 0 when count < 2.
double SampleStd(const double* values, size_t count);
double SampleStd(const std::vector<double>& values);
// Standard error of the mean: SampleStd / sqrt(n); 0 when count < 2.
double Sem(const double* values, size_t count);
double Sem(const std::vector<double>& values);

// What a two-sample test needs to know about one sample (e.g. a published reference row).
struct SampleSummary {
  double mean = 0.0;
  double std = 0.0;  // sample std (n − 1)
  int64_t n = 0;
};
SampleSummary Summarize(const std::vector<double>& values);

// ---- special functions and the t distribution -----------------------------------------------------

// Regularized incomplete beta I_x(a, b) for a, b > 0 and x ∈ [0, 1] (0 at x = 0, 1 at x = 1);
// NaN outside the domain, for NaN arguments, and for an infinite a or b with 0 < x < 1.
double RegularizedIncompleteBeta(double a, double b, double x);

// P(T <= t) for Student's t with `df` > 0 degrees of freedom (df = +inf: standard normal);
// t = ±inf gives 1 / 0. NaN when t is NaN or df is not > 0.
double StudentTCdf(double t, double df);
// P(|T| >= |t|), computed as a lower tail without cancellation (accurate for tiny p-values);
// 0 for t = ±inf. NaN when t is NaN or df is not > 0.
double StudentTTwoSidedP(double t, double df);
// Density of Student's t. NaN when t is NaN or df is not > 0.
double StudentTPdf(double t, double df);
// The t with P(T <= t) = p, for p ∈ (0, 1) and df > 0 (relative accuracy ~2e-15 against mpmath
// for df from 1 to 1e6); exactly 0 for p = 0.5. InvalidArgument outside the domain (NaN included)
// or when the quantile is not a finite double (p extremely close to 0 or 1 at tiny df).
Result<double> StudentTQuantile(double p, double df);

// Half-width of the two-sided `level` (e.g. 0.95) confidence interval of a mean:
// t_{(1+level)/2, n−1} · std / sqrt(n). InvalidArgument when n < 2 or level ∉ (0, 1).
Result<double> MeanConfidenceHalfWidth(double std, int64_t n, double level);

// ---- Welch's two-sample t-test ------------------------------------------------------------------

struct WelchTestResult {
  double t = 0.0;          // (mean_a − mean_b) / sqrt(std_a²/n_a + std_b²/n_b)
  double df = 0.0;         // Welch–Satterthwaite degrees of freedom
  double p_two_sided = 1.0;
};
// InvalidArgument when a sample has n < 2, a negative or non-finite std or mean;
// FailedPrecondition when both stds are 0 (the statistic is undefined).
Result<WelchTestResult> WelchTTest(const SampleSummary& a, const SampleSummary& b);

// ---- equivalence testing and detectable differences --------------------------------------------

// Outcome of a TOST equivalence test of mean_a − mean_b against the margin (−margin, +margin).
// Differences, standard errors and interval ends are in the units of the sample means.
struct TostResult {
  double difference = 0.0;      // mean_a − mean_b
  double standard_error = 0.0;  // sqrt(std_a²/n_a + std_b²/n_b)
  double df = 0.0;              // Welch–Satterthwaite degrees of freedom
  double p_lower = 1.0;         // H0: difference <= −margin; P(T >= (difference + margin)/se)
  double p_upper = 1.0;         // H0: difference >= +margin; P(T <= (difference − margin)/se)
  double p_tost = 1.0;          // max(p_lower, p_upper): the p-value of the equivalence test
  bool equivalent = false;      // p_tost < alpha
  double ci_lower = 0.0;        // (1 − 2α) confidence interval of the difference:
  double ci_upper = 0.0;        //   difference ∓ t_{1−α, df} · standard_error
};
// Two one-sided tests (Schuirmann's TOST) with Welch's unequal-variance t statistic: the means of
// `a` and `b` are declared equivalent at level `alpha` when both H0: mean_a − mean_b <= −margin
// and H0: mean_a − mean_b >= +margin are rejected by a one-sided Welch test at level alpha, i.e.
// p_tost < alpha, or (up to rounding at the boundary) the (1 − 2α) confidence interval lies
// strictly inside (−margin, +margin). `margin` is an absolute difference in the units of the
// means (not a ratio, not in standard deviations). Swapping a and b negates the difference and
// the interval and swaps p_lower with p_upper.
// InvalidArgument when a sample has n < 2 or a negative or non-finite std or mean, when margin is
// not finite and > 0, when alpha ∉ (0, 0.5), or when the standard error overflows;
// FailedPrecondition when both stds are 0 (the t statistics are undefined).
Result<TostResult> TostEquivalenceTest(const SampleSummary& a, const SampleSummary& b,
                                       double margin, double alpha);

// The smallest true difference of two means that a two-sided Welch test at level `alpha` detects
// with probability `power`, from the standard errors of the two means (se = std / sqrt(n), in the
// units of the means) and the sample sizes (for the Welch–Satterthwaite df):
//   (t_{1−α/2, df} + t_{power, df}) · sqrt(se_a² + se_b²).
// The usual approximation: it ignores rejections in the opposite tail and uses the central t
// instead of the noncentral one. At the returned difference the exact (noncentral t) power is
// within 0.001 of `power` for df >= 20, but falls short for very few degrees of freedom (0.79
// instead of 0.80 at df = 4, 0.77 at df = 2), where the true minimum is somewhat larger.
// Meant for power >= 0.5 (e.g. 0.8 or 0.9). One standard error may be 0 (df is then the other
// n − 1). Same units as the standard errors; always > 0 when it succeeds.
// InvalidArgument when n_a or n_b < 2, a standard error is negative or not finite, alpha ∉ (0, 1),
// power ∉ [0.5, 1), or the combined standard error overflows; FailedPrecondition when both
// standard errors are 0 (the test has no sampling noise and df is undefined).
Result<double> WelchMinimumDetectableDifference(double se_a, int64_t n_a, double se_b, int64_t n_b,
                                                double alpha, double power);

}  // namespace slaterl
