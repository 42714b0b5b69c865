#include "core/stats.h"

#include <cmath>
#include <limits>
#include <string>

namespace slaterl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxContinuedFractionTerms = 100000;
constexpr double kContinuedFractionEps = 1e-16;
constexpr double kTiny = 1e-300;

// Continued fraction of I_x(a, b) (Numerical Recipes "betacf", modified Lentz); converges fast
// for x < (a + 1)/(a + b + 2), the callers use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) above.
double BetaContinuedFraction(double a, double b, double x) {
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxContinuedFractionTerms; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kContinuedFractionEps) break;
  }
  return h;
}

// ln Γ(x + b) − ln Γ(x) for x >= kLargeGammaArgument and b > 0, from the difference of two
// Stirling series, free of the cancellation lgamma(x + b) − lgamma(x) suffers for large x.
double LogGammaRatioLarge(double x, double b) {
  auto series = [](double z) {  // ln Γ(z) − [(z − ½) ln z − z + ½ ln 2π], 5 terms (error < 1e-14)
    const double z2 = 1.0 / (z * z);
    return (1.0 / 12 + z2 * (-1.0 / 360 + z2 * (1.0 / 1260 + z2 * (-1.0 / 1680 + z2 / 1188)))) / z;
  };
  return b * std::log(x) + (x + b - 0.5) * std::log1p(b / x) - b + (series(x + b) - series(x));
}

constexpr double kLargeGammaArgument = 10.0;

// ln B(a, b), accurate also when one argument is large (the t distribution at large df).
double LogBeta(double a, double b) {
  const double lo = std::fmin(a, b), hi = std::fmax(a, b);
  if (hi >= kLargeGammaArgument) return std::lgamma(lo) - LogGammaRatioLarge(hi, lo);
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// I_x(a, b) with y = 1 − x and both logarithms passed separately, so callers that know them
// precisely (the t distribution: y = t²/(df + t²), ln x = −log1p(t²/df)) keep full precision
// near x = 1 and for large a.
double IncompleteBetaXY(double a, double b, double x, double y, double log_x, double log_y) {
  if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(y >= 0.0) || std::isnan(x) || std::isnan(y))
    return kNaN;
  if (x == 0.0) return 0.0;
  if (y == 0.0) return 1.0;
  const double front = std::exp(a * log_x + b * log_y - LogBeta(a, b));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1.0 - front * BetaContinuedFraction(b, a, y) / b;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// P(T > t) for t >= 0.
double UpperTail(double t, double df) {
  if (std::isinf(df)) return NormalCdf(-t);
  const double t2 = t * t;
  // x = df/(df+t²), 1 − x = t²/(df+t²): P(|T| >= t) = I_x(df/2, 1/2).
  const double y = t2 / (df + t2);
  return 0.5 * IncompleteBetaXY(0.5 * df, 0.5, df / (df + t2), y, -std::log1p(t2 / df),
                                std::log(y));
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
  if (std::isnan(x) || x < 0.0 || x > 1.0) return kNaN;
  return IncompleteBetaXY(a, b, x, 1.0 - x, std::log(x), std::log1p(-x));
}

double StudentTCdf(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || !(df > 0.0)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  const double tail = UpperTail(std::fabs(t), df);
  return t >= 0.0 ? 1.0 - tail : tail;
}

double StudentTTwoSidedP(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || !(df > 0.0)) return kNaN;
  if (std::isinf(t)) return 0.0;
  return 2.0 * UpperTail(std::fabs(t), df);
}

double StudentTPdf(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || !(df > 0.0)) return kNaN;
  if (std::isinf(df)) return std::exp(-0.5 * t * t) / std::sqrt(2.0 * kPi);
  const double log_pdf = std::lgamma(0.5 * (df + 1.0)) - std::lgamma(0.5 * df) -
                         0.5 * std::log(df * kPi) - 0.5 * (df + 1.0) * std::log1p(t * t / df);
  return std::exp(log_pdf);
}

Result<double> StudentTQuantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0))
    return InvalidArgumentError("StudentTQuantile: p must be in (0, 1), got " + std::to_string(p));
  if (!(df > 0.0))
    return InvalidArgumentError("StudentTQuantile: df must be > 0, got " + std::to_string(df));
  if (p == 0.5) return 0.0;
  // Solve P(T > t) = q for t > 0 on the upper tail (precise for p near 1), then use symmetry.
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;
  double lo = 0.0;
  double hi = 1.0;
  while (UpperTail(hi, df) > q) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e300) return InvalidArgumentError("StudentTQuantile: no finite quantile");
  }
  double t = 0.5 * (lo + hi);
  for (int iter = 0; iter < 500; ++iter) {
    const double f = UpperTail(t, df) - q;  // decreasing in t
    if (f == 0.0) break;
    if (f > 0.0) lo = t; else hi = t;
    const double pdf = StudentTPdf(t, df);
    double next = pdf > 0.0 ? t + f / pdf : 0.5 * (lo + hi);  // Newton: f'(t) = −pdf(t)
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const double step = std::fabs(next - t);
    t = next;
    if (step <= 1e-15 * std::fmax(1.0, t) || hi - lo <= 1e-15 * std::fmax(1.0, t)) break;
  }
  return upper ? t : -t;
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
  const SampleSummary* samples[] = {&a, &b};
  for (int s = 0; s < 2; ++s) {
    const SampleSummary& x = *samples[s];
    const std::string name = s == 0 ? "first" : "second";
    if (x.n < 2)
      return InvalidArgumentError("Welch t-test: " + name + " sample needs n >= 2, got " +
                                  std::to_string(x.n));
    if (!std::isfinite(x.mean) || !std::isfinite(x.std) || x.std < 0.0)
      return InvalidArgumentError("Welch t-test: " + name +
                                  " sample needs a finite mean and a finite std >= 0");
  }
  const double va = a.std * a.std / static_cast<double>(a.n);
  const double vb = b.std * b.std / static_cast<double>(b.n);
  const double se2 = va + vb;
  if (!(se2 > 0.0))
    return FailedPreconditionError("Welch t-test: both samples have zero variance");
  WelchTestResult r;
  r.t = (a.mean - b.mean) / std::sqrt(se2);
  r.df = se2 * se2 / (va * va / static_cast<double>(a.n - 1) + vb * vb / static_cast<double>(b.n - 1));
  r.p_two_sided = StudentTTwoSidedP(r.t, r.df);
  return r;
}

}  // namespace slaterl
