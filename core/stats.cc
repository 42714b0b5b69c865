#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace slaterl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Boost.Math reports errors by throwing by default. Every error is ignored here instead (Boost
// then returns NaN for a domain error, ±inf for an overflow, its best value for an evaluation or
// rounding error), and the public functions below guard their arguments before calling Boost, so
// no exception leaves this file. Doubles are still promoted to long double inside Boost (its
// default), which is what keeps the tails and the large-df CDF accurate.
using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::denorm_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::rounding_error<boost::math::policies::ignore_error>,
    boost::math::policies::indeterminate_result_error<boost::math::policies::ignore_error>>;
using StudentT = boost::math::students_t_distribution<double, NoThrowPolicy>;

constexpr double kPi = 3.14159265358979323846;

// Degrees of freedom Boost accepts: > 0 or +inf (NaN fails the comparison).
bool ValidDf(double df) { return df > 0.0; }

// P(T <= −|t|), the lower tail. df = 1 (Cauchy) uses the closed form atan(1/|t|)/π: Boost.Math
// maps it to I(½, ½), whose arcsine shortcut evaluates asin(sqrt(1 − x)) next to 1 and loses
// ~1e-12 absolute for |t| < 1e-6; every other df goes through Boost's Student's t CDF.
double LowerTail(double t, double df) {
  if (df == 1.0) return std::atan(1.0 / std::fabs(t)) / kPi;  // t = 0: atan(inf) = π/2
  return boost::math::cdf(StudentT(df), -std::fabs(t));
}

// Welch–Satterthwaite df of va + vb (the squared standard errors of two means from samples of
// na and nb), with va and vb scaled by their maximum so that squaring them neither overflows nor
// underflows. Needs va, vb finite and >= 0, not both 0, and na, nb >= 2; then df ∈
// [min(na, nb) − 1, na + nb − 2].
double WelchSatterthwaiteDf(double va, int64_t na, double vb, int64_t nb) {
  const double scale = std::max(va, vb);
  const double ra = va / scale;
  const double rb = vb / scale;
  return (ra + rb) * (ra + rb) /
         (ra * ra / static_cast<double>(na - 1) + rb * rb / static_cast<double>(nb - 1));
}

// The checks every two-sample function makes on a SampleSummary: n >= 2, finite mean, finite
// std >= 0. `test` names the caller in the message (strings are only built on failure).
Status CheckSample(const char* test, const char* name, const SampleSummary& x) {
  if (x.n < 2)
    return InvalidArgumentError(std::string(test) + ": " + name + " sample needs n >= 2, got " +
                                std::to_string(x.n));
  if (!std::isfinite(x.mean) || !std::isfinite(x.std) || x.std < 0.0)
    return InvalidArgumentError(std::string(test) + ": " + name +
                                " sample needs a finite mean and a finite std >= 0");
  return Status::Ok();
}

}  // namespace

// ---- sample summaries -------------------------------------------------------------------------

double Mean(const double* values, size_t count) {
  if (count == 0) return 0.0;
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) sum += values[i];
  return sum / static_cast<double>(count);
}
double Mean(const std::vector<double>& values) { return Mean(values.data(), values.size()); }

double SampleStd(const double* values, size_t count) {
  if (count < 2) return 0.0;
  const double mean = Mean(values, count);
  double sum_sq = 0.0;
  for (size_t i = 0; i < count; ++i) sum_sq += (values[i] - mean) * (values[i] - mean);
  return std::sqrt(sum_sq / static_cast<double>(count - 1));
}
double SampleStd(const std::vector<double>& values) { return SampleStd(values.data(), values.size()); }

double Sem(const double* values, size_t count) {
  if (count < 2) return 0.0;
  return SampleStd(values, count) / std::sqrt(static_cast<double>(count));
}
double Sem(const std::vector<double>& values) { return Sem(values.data(), values.size()); }

SampleSummary Summarize(const std::vector<double>& values) {
  SampleSummary s;
  s.mean = Mean(values);
  s.std = SampleStd(values);
  s.n = static_cast<int64_t>(values.size());
  return s;
}

// ---- special functions and the t distribution -----------------------------------------------------

double RegularizedIncompleteBeta(double a, double b, double x) {
  if (!(a > 0.0) || !(b > 0.0)) return kNaN;
  if (!(x >= 0.0 && x <= 1.0)) return kNaN;  // also NaN x
  if (x == 0.0) return 0.0;
  if (x == 1.0) return 1.0;
  if (std::isinf(a) || std::isinf(b)) return kNaN;
  return boost::math::ibeta(a, b, x, NoThrowPolicy());
}

double StudentTCdf(double t, double df) {
  if (std::isnan(t) || !ValidDf(df)) return kNaN;
  if (t == 0.0) return 0.5;
  const double tail = LowerTail(t, df);
  return t < 0.0 ? tail : 1.0 - tail;
}

double StudentTTwoSidedP(double t, double df) {
  if (std::isnan(t) || !ValidDf(df)) return kNaN;
  // A lower tail, computed directly: no 1 − CDF cancellation for tiny p-values.
  return 2.0 * LowerTail(t, df);
}

double StudentTPdf(double t, double df) {
  if (std::isnan(t) || !ValidDf(df)) return kNaN;
  return boost::math::pdf(StudentT(df), t);
}

Result<double> StudentTQuantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0))
    return InvalidArgumentError("StudentTQuantile: p must be in (0, 1), got " + std::to_string(p));
  if (!ValidDf(df))
    return InvalidArgumentError("StudentTQuantile: df must be > 0, got " + std::to_string(df));
  if (p == 0.5) return 0.0;
  const double t = boost::math::quantile(StudentT(df), p);
  if (!std::isfinite(t)) return InvalidArgumentError("StudentTQuantile: no finite quantile");
  return t;
}

Result<double> MeanConfidenceHalfWidth(double std, int64_t n, double level) {
  if (n < 2) return InvalidArgumentError("confidence interval needs n >= 2, got " + std::to_string(n));
  if (!(level > 0.0 && level < 1.0))
    return InvalidArgumentError("confidence level must be in (0, 1), got " + std::to_string(level));
  if (!(std >= 0.0) || std::isinf(std))
    return InvalidArgumentError("confidence interval: std must be finite and >= 0");
  ASSIGN_OR_RETURN(const double t, StudentTQuantile(0.5 * (1.0 + level), static_cast<double>(n - 1)));
  return t * std / std::sqrt(static_cast<double>(n));
}

// ---- Welch's two-sample t-test ------------------------------------------------------------------

Result<WelchTestResult> WelchTTest(const SampleSummary& a, const SampleSummary& b) {
  RETURN_IF_ERROR(CheckSample("Welch t-test", "first", a));
  RETURN_IF_ERROR(CheckSample("Welch t-test", "second", b));
  const double va = a.std * a.std / static_cast<double>(a.n);
  const double vb = b.std * b.std / static_cast<double>(b.n);
  const double se2 = va + vb;
  if (!(se2 > 0.0))
    return FailedPreconditionError("Welch t-test: both samples have zero variance");
  WelchTestResult r;
  r.t = (a.mean - b.mean) / std::sqrt(se2);
  r.df = WelchSatterthwaiteDf(va, a.n, vb, b.n);
  r.p_two_sided = StudentTTwoSidedP(r.t, r.df);
  return r;
}

// ---- equivalence testing and detectable differences --------------------------------------------

Result<TostResult> TostEquivalenceTest(const SampleSummary& a, const SampleSummary& b,
                                       double margin, double alpha) {
  const char* const test = "TOST equivalence test";
  RETURN_IF_ERROR(CheckSample(test, "first", a));
  RETURN_IF_ERROR(CheckSample(test, "second", b));
  if (!(margin > 0.0) || std::isinf(margin))
    return InvalidArgumentError(std::string(test) + ": margin must be finite and > 0, got " +
                                std::to_string(margin));
  if (!(alpha > 0.0 && alpha < 0.5))
    return InvalidArgumentError(std::string(test) + ": alpha must be in (0, 0.5), got " +
                                std::to_string(alpha));
  const double va = a.std * a.std / static_cast<double>(a.n);
  const double vb = b.std * b.std / static_cast<double>(b.n);
  const double se2 = va + vb;
  if (std::isinf(se2))
    return InvalidArgumentError(std::string(test) + ": standard error of the difference overflows");
  if (!(se2 > 0.0))
    return FailedPreconditionError(std::string(test) + ": both samples have zero variance");
  TostResult r;
  r.difference = a.mean - b.mean;
  r.standard_error = std::sqrt(se2);
  r.df = WelchSatterthwaiteDf(va, a.n, vb, b.n);
  // H0: difference <= −margin, rejected for large t_lower; H0: difference >= +margin, rejected
  // for small t_upper. Both p-values are lower tails of T, so neither loses precision to 1 − CDF.
  const double t_lower = (r.difference + margin) / r.standard_error;
  const double t_upper = (r.difference - margin) / r.standard_error;
  r.p_lower = StudentTCdf(-t_lower, r.df);
  r.p_upper = StudentTCdf(t_upper, r.df);
  r.p_tost = std::max(r.p_lower, r.p_upper);
  r.equivalent = r.p_tost < alpha;
  ASSIGN_OR_RETURN(const double t_alpha, StudentTQuantile(alpha, r.df));  // < 0
  r.ci_lower = r.difference + t_alpha * r.standard_error;
  r.ci_upper = r.difference - t_alpha * r.standard_error;
  return r;
}

Result<double> WelchMinimumDetectableDifference(double se_a, int64_t n_a, double se_b,
                                                int64_t n_b, double alpha, double power) {
  const char* const what = "minimum detectable difference";
  if (n_a < 2 || n_b < 2)
    return InvalidArgumentError(std::string(what) + ": both samples need n >= 2, got " +
                                std::to_string(n_a) + " and " + std::to_string(n_b));
  if (!(se_a >= 0.0) || !(se_b >= 0.0) || std::isinf(se_a) || std::isinf(se_b))
    return InvalidArgumentError(std::string(what) + ": standard errors must be finite and >= 0");
  if (!(alpha > 0.0 && alpha < 1.0))
    return InvalidArgumentError(std::string(what) + ": alpha must be in (0, 1), got " +
                                std::to_string(alpha));
  if (!(power >= 0.5 && power < 1.0))
    return InvalidArgumentError(std::string(what) + ": power must be in [0.5, 1), got " +
                                std::to_string(power));
  const double va = se_a * se_a;
  const double vb = se_b * se_b;
  const double se2 = va + vb;
  if (std::isinf(se2))
    return InvalidArgumentError(std::string(what) + ": standard error of the difference overflows");
  if (!(se2 > 0.0))
    return FailedPreconditionError(std::string(what) + ": both standard errors are 0");
  const double df = WelchSatterthwaiteDf(va, n_a, vb, n_b);
  // Lower-tail quantiles, whose arguments are exact: −t_{1−α/2} and −t_{power} (1 − power is
  // exact for power >= 0.5).
  ASSIGN_OR_RETURN(const double t_alpha, StudentTQuantile(0.5 * alpha, df));
  ASSIGN_OR_RETURN(const double t_beta, StudentTQuantile(1.0 - power, df));
  return -(t_alpha + t_beta) * std::sqrt(se2);
}

}  // namespace slaterl
