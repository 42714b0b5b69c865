#include "bench/lib/env_bench.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "algos/registry.h"
#include "core/rng.h"
#include "envs/registry.h"

namespace slaterl {
namespace {

constexpr uint64_t kBenchSeed = 0;
constexpr int kStepsBetweenClockReads = 256;

using Clock = std::chrono::steady_clock;

// Params holding every key of `schema` at its default value.
Result<Params> DefaultParams(const Schema& schema) {
  Params params;
  for (const KeySpec& key : schema.keys()) {
    if (key.required)
      return InvalidArgumentError("env_config key '" + key.name + "' is required (no default)");
    ParamValue v;
    v.type = key.type;
    const char* text = key.default_text.c_str();
    char* end = nullptr;
    switch (key.type) {
      case ValueType::kInt:
        v.i = std::strtoll(text, &end, 10);
        break;
      case ValueType::kDouble:
        v.d = std::strtod(text, &end);
        break;
      case ValueType::kBool:
        v.b = key.default_text == "true";
        end = const_cast<char*>(text) + key.default_text.size();
        break;
      case ValueType::kString:
      case ValueType::kEnum:
        v.s = key.default_text;
        end = const_cast<char*>(text) + key.default_text.size();
        break;
    }
    const bool numeric = key.type == ValueType::kInt || key.type == ValueType::kDouble;
    if ((numeric && end == text) || *end != '\0')
      return InternalError("env_config key '" + key.name + "': unparsable default '" +
                           key.default_text + "'");
    params.Set(key.name, v, /*is_explicit=*/false);
  }
  return params;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// Steps `env` with `policy` for about `seconds` after `warmup_seconds`; env steps per second.
double MeasureStepsPerSec(VecEnv& env, Policy& policy, double warmup_seconds, double seconds) {
  const EnvSpec& spec = env.spec();
  ObsBatch reset_obs;
  reset_obs.Allocate(spec);
  SlateBatch slates;
  slates.Allocate(spec);
  StepBatch step;
  step.Allocate(spec);
  Rng rng(DeriveSeed(kBenchSeed, {kSeedPolicy}));
  env.reset(kBenchSeed, &reset_obs);
  const ObsBatch* obs = &reset_obs;

  // Runs batches of steps until `duration` has passed; returns (batch steps, elapsed seconds).
  auto run_for = [&](double duration) {
    const Clock::time_point start = Clock::now();
    int64_t batch_steps = 0;
    double elapsed = 0.0;
    do {
      for (int s = 0; s < kStepsBetweenClockReads; ++s) {
        policy.act(*obs, rng, &slates);
        env.step(slates, &step);
        obs = &step.obs;
      }
      batch_steps += kStepsBetweenClockReads;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < duration);
    return std::make_pair(batch_steps, elapsed);
  };
  run_for(warmup_seconds);
  const auto [batch_steps, elapsed] = run_for(seconds);
  return static_cast<double>(batch_steps) * spec.num_envs / elapsed;
}

Status BenchOneEnv(const EnvEntry& entry, std::ostream& out, bool json,
                   const EnvBenchOptions& options) {
  ASSIGN_OR_RETURN(Params env_config, DefaultParams(entry.schema()));
  for (const int batch : options.batch_sizes) {
    ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> env, entry.create(env_config, batch));
    AlgoContext ctx;
    ctx.env_name = entry.name;
    ctx.env_spec = env->spec();
    ctx.env_config = &env_config;
    // `random` everywhere; also the env-filled `oracle` where the env has one (topics, whose
    // oracle scores the whole catalogue every step: the Python
    // measurements of docs/performance.md time it too).
    std::vector<std::string> policies = {"random"};
    if (env->spec().oracle_sentinel) policies.push_back("oracle");
    for (const std::string& policy_name : policies) {
      ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, CreateBaseline(policy_name, ctx));
      const double steps_per_sec = MeasureStepsPerSec(*env, *policy, options.warmup_seconds,
                                                      options.seconds_per_measurement);
      char number[32];
      std::snprintf(number, sizeof(number), "%.6g", steps_per_sec);
      if (json) {
        out << "{\"bench\":\"envs\",\"env\":\"" << JsonEscape(entry.name) << "\",\"batch\":" << batch
            << ",\"steps_per_sec\":" << number << ",\"policy\":\"" << policy_name << "\"}\n";
      } else {
        char millions[32];
        std::snprintf(millions, sizeof(millions), "%.2f", steps_per_sec / 1e6);
        out << "env " << entry.name << "  batch " << batch << "  " << millions
            << " M steps/s  (policy " << policy_name << ", 1 core)\n";
      }
      out.flush();
    }
  }
  return Status::Ok();
}

}  // namespace

Status RunEnvBench(std::ostream& out, bool json) { return RunEnvBench(out, json, EnvBenchOptions()); }

Status RunEnvBench(std::ostream& out, bool json, const EnvBenchOptions& options) {
  if (!(options.seconds_per_measurement > 0.0) || !(options.warmup_seconds >= 0.0))
    return InvalidArgumentError("bench envs: measurement and warm-up times must be positive");
  Status first_error;
  for (const EnvEntry& entry : EnvRegistry()) {
    Status s = BenchOneEnv(entry, out, json, options);
    if (s.ok()) continue;
    s = s.WithContext("bench envs: env '" + entry.name + "'");
    if (json)
      out << "{\"bench\":\"envs\",\"env\":\"" << JsonEscape(entry.name) << "\",\"error\":\""
          << JsonEscape(s.ToString()) << "\"}\n";
    else
      out << "env " << entry.name << "  error: " << s.ToString() << "\n";
    if (first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace slaterl
