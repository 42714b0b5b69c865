// core/stats.h — the statistics slaterl reports and tests with: sample summaries, Student's t
// distribution (CDF, two-sided p-value, quantile) and Welch's two-sample t-test.
//
// Used by `slaterl eval` / sweep reports (95 % confidence intervals) and by parity tests that
// compare our environments with the reference rows of reference/RESULTS.md. Pure functions of
// their arguments; no allocation; thread-safe. The t distribution goes through the regularized
// incomplete beta function (continued fraction, modified Lentz; the log-beta prefactor uses a
// Stirling-difference for large arguments): checked against mpmath, the CDF is accurate to ~1e-15
// and two-sided p-values to ~1e-14 absolute for df from 1 to 1e6.
// Domain errors of the pure maths functions give NaN, as the <cmath> functions do; the functions
// that take user-facing inputs (quantile, Welch test, confidence interval) return Result.
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

// What a two-sample test needs to know about one sample (e.g. a row of RESULTS.md).
struct SampleSummary {
  double mean = 0.0;
  double std = 0.0;  // sample std (n − 1)
  int64_t n = 0;
};
SampleSummary Summarize(const std::vector<double>& values);

// ---- special functions and the t distribution -----------------------------------------------------

// Regularized incomplete beta I_x(a, b) for a, b > 0 and x ∈ [0, 1]; NaN outside the domain.
double RegularizedIncompleteBeta(double a, double b, double x);

// P(T <= t) for Student's t with `df` > 0 degrees of freedom (df = +inf: standard normal).
double StudentTCdf(double t, double df);
// P(|T| >= |t|), computed without cancellation (accurate for tiny p-values).
double StudentTTwoSidedP(double t, double df);
// Density of Student's t.
double StudentTPdf(double t, double df);
// The t with P(T <= t) = p, for p ∈ (0, 1) and df > 0 (Newton steps safeguarded by bisection;
// relative accuracy ~1e-13 up to df = 1e4, ~1e-11 at df = 1e6). InvalidArgument outside the
// domain.
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

}  // namespace slaterl
