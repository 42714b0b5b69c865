// tests/envs/env_test_util.h — small helpers shared by the environment tests: env_config Params
// builders, batch buffers, and the chi-square tail probability for goodness-of-fit checks.
// Header-only; pure functions and plain values.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "algos/registry.h"
#include "core/params.h"
#include "envs/vec_env.h"

namespace slaterl {
namespace testing_envs {

inline ParamValue IntValue(int64_t v) {
  ParamValue p;
  p.type = ValueType::kInt;
  p.i = v;
  return p;
}
inline ParamValue DoubleValue(double v) {
  ParamValue p;
  p.type = ValueType::kDouble;
  p.d = v;
  return p;
}
inline ParamValue BoolValue(bool v) {
  ParamValue p;
  p.type = ValueType::kBool;
  p.b = v;
  return p;
}
inline Params MakeParams(const std::map<std::string, ParamValue>& values) {
  Params params;
  for (const auto& [key, value] : values) params.Set(key, value, /*is_explicit=*/true);
  return params;
}

// The value of a Result, failing the test (and returning nullptr) on an error.
template <typename T>
std::unique_ptr<T> Unwrap(Result<std::unique_ptr<T>> result) {
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? std::move(result).value() : nullptr;
}

// The baseline policy `name` for envs of `spec` (nullptr and a test failure if there is none).
inline std::unique_ptr<Policy> MakePolicy(const std::string& name, const EnvSpec& spec) {
  AlgoContext ctx;
  ctx.env_name = spec.name;
  ctx.env_spec = spec;
  return Unwrap(CreateBaseline(name, ctx));
}

// The three buffers a step loop needs, allocated once for `spec`.
struct Buffers {
  ObsBatch obs;
  SlateBatch slates;
  StepBatch out;
  explicit Buffers(const EnvSpec& spec) {
    obs.Allocate(spec);
    slates.Allocate(spec);
    out.Allocate(spec);
  }
};

// P(X >= x) for X ~ chi-square with integer `df` >= 1 degrees of freedom (closed forms:
// e^{-x/2} Σ (x/2)^j / j! for even df; erfc(sqrt(x/2)) + e^{-x/2} Σ (x/2)^{j-1/2} / Γ(j+1/2) for
// odd df).
inline double ChiSquareSurvival(double x, int df) {
  if (x <= 0.0) return 1.0;
  const double h = x / 2.0;
  if (df % 2 == 0) {
    double term = 1.0, sum = 1.0;
    for (int j = 1; j < df / 2; ++j) {
      term *= h / j;
      sum += term;
    }
    return std::exp(-h) * sum;
  }
  double sum = std::erfc(std::sqrt(h));
  double term = std::sqrt(h) / std::tgamma(1.5);  // (x/2)^{1/2} / Γ(3/2)
  for (int j = 1; j <= (df - 1) / 2; ++j) {
    sum += std::exp(-h) * term;
    term *= h / (j + 0.5);  // Γ(j+3/2) = (j+1/2)·Γ(j+1/2)
  }
  return sum;
}

// Pearson's statistic of observed counts against expected probabilities (same length).
inline double PearsonChiSquare(const int64_t* observed, const double* probabilities, int n,
                               int64_t total) {
  double stat = 0.0;
  for (int j = 0; j < n; ++j) {
    const double expected = probabilities[j] * static_cast<double>(total);
    const double diff = static_cast<double>(observed[j]) - expected;
    stat += diff * diff / expected;
  }
  return stat;
}

}  // namespace testing_envs
}  // namespace slaterl
