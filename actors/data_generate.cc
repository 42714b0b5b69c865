#include "actors/data_generate.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "algos/baselines/baselines.h"
#include "datasets/logged_data.h"
#include "core/build_info.h"
#include "core/json.h"
#include "core/rng.h"
#include "envs/registry.h"
#include "core/progress.h"

namespace slaterl {
namespace {

// env_config as a JSON object, every resolved key.
std::string ParamsJson(const Params& params) {
  JsonObject o;
  for (const auto& [key, value] : params.values()) {
    if (value.unset) {
      o.AddRaw(key, "null");
      continue;
    }
    switch (value.type) {
      case ValueType::kInt: o.Add(key, value.i); break;
      case ValueType::kDouble: o.Add(key, value.d); break;
      case ValueType::kBool: o.Add(key, value.b); break;
      case ValueType::kString:
      case ValueType::kEnum:
      case ValueType::kHostList: o.Add(key, value.s); break;  // a host list's text
    }
  }
  return o.str();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Status PlayLoggingPolicy(TopicsVecEnv& env, Policy& policy, int64_t trajectories,
                         uint64_t env_seed, uint64_t policy_seed, const TrajectorySink& sink,
                         const std::function<void(int64_t done)>& on_progress) {
  if (trajectories < 1)
    return InvalidArgumentError("data generate: trajectories must be >= 1, got " +
                                std::to_string(trajectories));
  const EnvSpec& spec = env.spec();
  const int n = spec.num_envs;
  const int k = spec.slate_size;
  const int horizon = spec.max_steps;
  if (horizon < 1) return InternalError("data generate: the env has no fixed episode length");
  const size_t slots = static_cast<size_t>(horizon) * k;

  ObsBatch reset_obs(spec);
  SlateBatch slates(spec);
  StepBatch step(spec);
  Rng rng(DeriveSeed(policy_seed, {kSeedPolicy}));
  std::vector<int32_t> items(static_cast<size_t>(n) * slots);
  std::vector<uint8_t> clicks(static_cast<size_t>(n) * slots);
  std::vector<int32_t> steps_taken(static_cast<size_t>(n), 0);

  env.reset(env_seed, &reset_obs);
  const ObsBatch* obs = &reset_obs;
  int64_t done = 0;
  int64_t batch_steps = 0;
  while (done < trajectories) {
    policy.act(*obs, rng, &slates);
    Status valid = ValidateSlates(spec, slates);
    if (!valid.ok()) return valid.WithContext("data generate: policy slate at step " + std::to_string(batch_steps));
    env.step(slates, &step);
    obs = &step.obs;
    ++batch_steps;
    bool round_finished = false;
    for (int i = 0; i < n; ++i) {
      const size_t t = static_cast<size_t>(steps_taken[static_cast<size_t>(i)]);
      if (t >= static_cast<size_t>(horizon))
        return InternalError("data generate: env " + std::to_string(i) + " ran past " +
                             std::to_string(horizon) + " steps without finishing its episode");
      const int32_t* served = env.served_slate(i);
      const float* responses = step.responses.data() + static_cast<size_t>(i) * k * spec.response_dim;
      int32_t* out_items = items.data() + static_cast<size_t>(i) * slots + t * k;
      uint8_t* out_clicks = clicks.data() + static_cast<size_t>(i) * slots + t * k;
      for (int r = 0; r < k; ++r) {
        out_items[r] = served[r];
        out_clicks[r] = responses[static_cast<size_t>(r) * spec.response_dim] > 0.5f ? 1 : 0;
      }
      ++steps_taken[static_cast<size_t>(i)];
      if (step.terminated[static_cast<size_t>(i)] || step.truncated[static_cast<size_t>(i)]) {
        if (steps_taken[static_cast<size_t>(i)] != horizon)
          return InternalError("data generate: env " + std::to_string(i) + "'s episode lasted " +
                               std::to_string(steps_taken[static_cast<size_t>(i)]) +
                               " steps, not " + std::to_string(horizon));
        steps_taken[static_cast<size_t>(i)] = 0;
        round_finished = true;
        if (done < trajectories) {
          RETURN_IF_ERROR(sink(items.data() + static_cast<size_t>(i) * slots,
                               clicks.data() + static_cast<size_t>(i) * slots));
          ++done;
        }
      }
    }
    if (round_finished && on_progress) on_progress(done);
  }
  return Status::Ok();
}

std::string LoggedDataProvenanceJson(const RunConfig& run, const DataGenerateOptions& options,
                                     const EnvSpec& spec) {
  JsonObject o;
  o.Add("format", "SLRLLOG1")
      .Add("generator", "slaterl data generate")
      .Add("stored", "per trajectory the served slate (after oracle substitution) and the clicks of "
                     "each of the T step() calls; the reset observation is not stored "
                     "(docs/algorithms.md §4.4.4)")
      .Add("config", run.source)
      .Add("config_hash", run.hash)
      .Add("env", run.env)
      .AddRaw("env_config", ParamsJson(run.env_config))
      .Add("env_seed", static_cast<int64_t>(run.seed))
      .Add("policy", options.policy)
      .Add("epsilon", options.epsilon)
      .Add("policy_seed", static_cast<int64_t>(options.policy_seed))
      .Add("num_envs", options.num_envs)
      .Add("num_trajectories", options.episodes)
      .Add("steps_per_trajectory", spec.max_steps)
      .Add("slate_size", spec.slate_size)
      .Add("num_items", spec.num_candidates)
      .AddRaw("build", BuildInfoJson());
  return o.str();
}

Result<DataGenerateResult> GenerateLoggedData(const RunConfig& run,
                                              const DataGenerateOptions& options) {
  if (run.env != "topics")
    return InvalidArgumentError("data generate: " + run.source + " has env '" + run.env +
                                "'; logged data (docs/algorithms.md §4.4.4) is defined for env 'topics' "
                                "only");
  if (options.policy != "oracle")
    return InvalidArgumentError("data generate: --policy '" + options.policy +
                                "' is not a logging policy (valid: oracle, the epsilon-greedy "
                                "oracle; --epsilon 1 gives uniformly random slates)");
  if (!(options.epsilon >= 0.0 && options.epsilon <= 1.0))
    return InvalidArgumentError("data generate: --epsilon must be in [0, 1], got " +
                                std::to_string(options.epsilon));
  if (options.episodes < 1)
    return InvalidArgumentError("data generate: --episodes must be >= 1");
  if (options.num_envs < 1) return InvalidArgumentError("data generate: --num-envs must be >= 1");
  if (options.out.empty()) return InvalidArgumentError("data generate: --out FILE is required");

  const EnvEntry* entry = FindEnv(run.env);
  if (entry == nullptr) return InternalError("data generate: env 'topics' is not registered");
  ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> env, entry->create(run.env_config, options.num_envs));
  auto* topics = dynamic_cast<TopicsVecEnv*>(env.get());
  if (topics == nullptr) return InternalError("data generate: env 'topics' is not a TopicsVecEnv");
  const EnvSpec& spec = topics->spec();
  EpsilonOraclePolicy policy(spec, options.epsilon);

  LoggedDataHeader header;
  header.num_trajectories = options.episodes;
  header.steps_per_trajectory = spec.max_steps;
  header.slate_size = spec.slate_size;
  header.num_items = spec.num_candidates;
  header.provenance_json = LoggedDataProvenanceJson(run, options, spec);
  ASSIGN_OR_RETURN(auto writer, LoggedDataWriter::Open(options.out, header));

  ProgressLine progress(options.progress);
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  int64_t clicks_total = 0;
  const size_t slots = static_cast<size_t>(header.slots_per_trajectory());
  auto sink = [&](const int32_t* items, const uint8_t* clicks) {
    for (size_t s = 0; s < slots; ++s) clicks_total += clicks[s];
    return writer->Append(items, clicks);
  };
  auto on_progress = [&](int64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_report).count() < options.progress_interval_s &&
        done < options.episodes)
      return;
    last_report = now;
    const double elapsed = SecondsSince(start);
    char line[256];
    std::snprintf(line, sizeof(line), "data generate: %lld/%lld trajectories (%.0f%%) | %.0f trajectories/s",
                  static_cast<long long>(done), static_cast<long long>(options.episodes),
                  100.0 * static_cast<double>(done) / static_cast<double>(options.episodes),
                  elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0);
    progress.Update(line);
  };
  RETURN_IF_ERROR(PlayLoggingPolicy(*topics, policy, options.episodes, run.seed,
                                    options.policy_seed, sink, on_progress));
  RETURN_IF_ERROR(writer->Finish());
  progress.Finish();

  DataGenerateResult result;
  result.trajectories = options.episodes;
  result.steps_per_trajectory = header.steps_per_trajectory;
  result.slate_size = header.slate_size;
  result.seconds = SecondsSince(start);
  result.trajectories_per_sec =
      result.seconds > 0 ? static_cast<double>(result.trajectories) / result.seconds : 0.0;
  result.clicks_per_trajectory =
      static_cast<double>(clicks_total) / static_cast<double>(result.trajectories);
  const int64_t policy_slots = policy.random_slots() + policy.oracle_slots();
  result.random_slot_fraction =
      policy_slots > 0 ? static_cast<double>(policy.random_slots()) / policy_slots : 0.0;
  result.file_bytes = header.FileBytes();
  result.provenance_json = header.provenance_json;
  return result;
}

}  // namespace slaterl
