#include "bench/lib/env_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "algos/registry.h"
#include "algos/run_config.h"
#include "bench/lib/performance_markdown.h"
#include "core/files.h"
#include "core/reference_table.h"
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
      case ValueType::kHostList:  // no env has one; its default is the empty list
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
  ObsBatch reset_obs(spec);
  SlateBatch slates(spec);
  StepBatch step(spec);
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

// What one pass measures: an env with an env_config (from a config file, or the defaults).
struct EnvBenchTarget {
  const EnvEntry* entry = nullptr;
  std::string config;  // "" = the env's defaults
  Params env_config;
};

// `path` as given if it exists; else relative to the repository the reference table lives in (so
// that the table's repo-relative config paths resolve from any working directory).
std::string ResolveConfigPath(const std::string& path, const std::string& table_path) {
  const std::string suffix = "data/reference/reference.csv";
  if (PathExists(path) || path.empty() || path[0] == '/') return path;
  if (table_path.size() >= suffix.size() &&
      table_path.compare(table_path.size() - suffix.size(), std::string::npos, suffix) == 0)
    return table_path.substr(0, table_path.size() - suffix.size()) + path;
  return path;
}

Result<EnvBenchTarget> TargetFromConfig(const std::string& config, const std::string& table_path) {
  ASSIGN_OR_RETURN(RunConfig run, LoadRun(ResolveConfigPath(config, table_path)));
  EnvBenchTarget target;
  target.entry = FindEnv(run.env);
  if (target.entry == nullptr) return InvalidArgumentError(config + ": unknown env '" + run.env + "'");
  target.config = config;
  target.env_config = run.env_config;
  return target;
}

Result<EnvBenchTarget> TargetFromDefaults(const EnvEntry& entry) {
  EnvBenchTarget target;
  target.entry = &entry;
  ASSIGN_OR_RETURN(target.env_config, DefaultParams(entry.schema()));
  return target;
}

// Measures every batch size and policy of `target` once; `on_measurement(policy, batch, steps/s,
// spec)` receives each result.
template <typename OnMeasurement>
Status BenchOneTarget(const EnvBenchTarget& target, const EnvBenchOptions& options, OnMeasurement on_measurement) {
  const EnvEntry& entry = *target.entry;
  for (const int batch : options.batch_sizes) {
    ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> env, entry.create(target.env_config, batch));
    AlgoContext ctx;
    ctx.env_name = entry.name;
    ctx.env_spec = env->spec();
    ctx.env_config = &target.env_config;
    // `random` everywhere; also the env-filled `oracle` where the env has one (topics, whose
    // oracle scores the whole catalogue every step: the Python
    // measurements of docs/performance.md time it too).
    std::vector<std::string> policies = {"random"};
    if (env->spec().oracle_sentinel) policies.push_back("oracle");
    for (const std::string& policy_name : policies) {
      ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, CreateBaseline(policy_name, ctx));
      const double steps_per_sec = MeasureStepsPerSec(*env, *policy, options.warmup_seconds,
                                                      options.seconds_per_measurement);
      on_measurement(policy_name, batch, steps_per_sec, env->spec());
    }
  }
  return Status::Ok();
}

}  // namespace

Status RunEnvBench(std::ostream& out, BenchOutput output, const EnvBenchOptions& options) {
  if (!(options.seconds_per_measurement > 0.0) || !(options.warmup_seconds >= 0.0))
    return InvalidArgumentError("bench envs: measurement and warm-up times must be positive");
  if (options.repeats < 1) return InvalidArgumentError("bench envs: --repeats must be at least 1");
  const bool json = output == BenchOutput::kJson, markdown = output == BenchOutput::kMarkdown;
  const std::string table_path =
      options.reference_table.empty() ? DefaultReferenceTablePath() : options.reference_table;
  ReferenceTable table;
  if (markdown) {
    ASSIGN_OR_RETURN(table, ReferenceTable::Load(table_path));
  }

  // What to measure; a target that cannot even be listed counts as an error of its env.
  std::vector<Result<EnvBenchTarget>> targets;
  std::vector<std::string> target_names;
  if (!options.configs.empty()) {
    for (const std::string& config : options.configs) {
      targets.push_back(TargetFromConfig(config, table_path));
      target_names.push_back(config);
    }
  } else if (markdown) {
    std::vector<std::string> configs;
    for (const ReferenceRow& row : table.rows())
      if (row.kind == ReferenceKind::kSpeed && row.metric == "steps_per_s" && !row.config.empty() &&
          std::find(configs.begin(), configs.end(), row.config) == configs.end())
        configs.push_back(row.config);
    std::set<std::string> covered;
    for (const std::string& config : configs) {
      targets.push_back(TargetFromConfig(config, table_path));
      target_names.push_back(config);
      if (targets.back().ok()) covered.insert(targets.back()->entry->name);
    }
    for (const EnvEntry& entry : EnvRegistry())
      if (covered.count(entry.name) == 0) {
        targets.push_back(TargetFromDefaults(entry));
        target_names.push_back(entry.name);
      }
  } else {
    for (const EnvEntry& entry : EnvRegistry()) {
      targets.push_back(TargetFromDefaults(entry));
      target_names.push_back(entry.name);
    }
  }

  // Markdown rows, keyed by target and policy, in first-measured order.
  std::vector<EnvBenchResult> results;
  std::map<std::pair<size_t, std::string>, size_t> result_index;
  std::vector<Status> errors(targets.size());
  for (int repeat = 0; repeat < options.repeats; ++repeat) {
    for (size_t t = 0; t < targets.size(); ++t) {
      if (!errors[t].ok()) continue;  // reported once
      Status s = targets[t].status();
      if (s.ok()) {
        const EnvBenchTarget& target = *targets[t];
        s = BenchOneTarget(target, options, [&](const std::string& policy, int batch, double steps_per_sec,
                                                const EnvSpec& spec) {
          if (markdown) {
            auto [it, inserted] = result_index.emplace(std::make_pair(t, policy), results.size());
            if (inserted) {
              EnvBenchResult r;
              r.env = target.entry->name;
              r.config = target.config;
              r.policy = policy;
              r.num_candidates = spec.num_candidates;
              r.slate_size = spec.slate_size;
              results.push_back(r);
            }
            EnvBenchResult& r = results[it->second];
            (batch == options.batch_sizes[0] ? r.batch1 : r.batch64).push_back(steps_per_sec);
            return;
          }
          char number[32];
          std::snprintf(number, sizeof(number), "%.6g", steps_per_sec);
          if (json) {
            out << "{\"bench\":\"envs\",\"env\":\"" << JsonEscape(target.entry->name) << "\",";
            if (!target.config.empty()) out << "\"config\":\"" << JsonEscape(target.config) << "\",";
            out << "\"batch\":" << batch << ",\"steps_per_sec\":" << number << ",\"policy\":\"" << policy << "\"";
            if (options.repeats > 1) out << ",\"repeat\":" << repeat;
            out << "}\n";
          } else {
            char millions[32];
            std::snprintf(millions, sizeof(millions), "%.2f", steps_per_sec / 1e6);
            out << "env " << target.entry->name;
            if (!target.config.empty()) out << " (" << target.config << ")";
            out << "  batch " << batch << "  " << millions << " M steps/s  (policy " << policy << ", 1 core)\n";
          }
          out.flush();
        });
      }
      if (s.ok()) continue;
      errors[t] = s.WithContext("bench envs: '" + target_names[t] + "'");
      if (json)
        out << "{\"bench\":\"envs\",\"env\":\"" << JsonEscape(target_names[t]) << "\",\"error\":\""
            << JsonEscape(errors[t].ToString()) << "\"}\n";
      else if (!markdown)
        out << "env " << target_names[t] << "  error: " << errors[t].ToString() << "\n";
    }
  }
  Status first_error;
  if (markdown) out << EnvMarkdownTable(results, table);
  for (const Status& e : errors) {
    if (e.ok()) continue;
    if (markdown) out << "\nerror: " << e.ToString() << "\n";
    if (first_error.ok()) first_error = e;
  }
  return first_error;
}

}  // namespace slaterl
