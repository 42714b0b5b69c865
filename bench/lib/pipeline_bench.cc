#include "bench/lib/pipeline_bench.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "actors/actor.h"
#include "algos/common/torch_util.h"
#include "core/files.h"
#include "core/json.h"
#include "core/wire.h"
#include "launch/launcher.h"
#include "algos/run_config.h"
#include "bench/lib/performance_markdown.h"

namespace slaterl {

namespace {

// num_actors threads stepping ActorCores (collect + encode) for `seconds`; total env steps/s.
Result<double> ActorsAloneStepsPerSec(const RunConfig& run, double seconds) {
  ASSIGN_OR_RETURN(RunObjects objects, ResolveRunObjects(run, 1));
  const int num_actors = static_cast<int>(run.cluster.GetInt("num_actors"));
  std::vector<std::unique_ptr<ActorCore>> actors;
  for (int a = 0; a < num_actors; ++a) {
    ASSIGN_OR_RETURN(auto actor, ActorCore::Create(run, *objects.env, *objects.algo, a, 0));
    actors.push_back(std::move(actor));
  }
  std::atomic<bool> stop{false};
  std::vector<int64_t> steps(num_actors, 0), bytes(num_actors, 0);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int a = 0; a < num_actors; ++a)
    threads.emplace_back([&, a] {
      while (!stop.load(std::memory_order_relaxed)) {
        Fragment fragment = actors[a]->CollectFragment();
        EncodedMessage encoded = Encode(fragment);
        steps[a] += fragment.env_steps;
        bytes[a] += static_cast<int64_t>(encoded.payload.size());  // keeps the encoding observable
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t total = 0, total_bytes = 0;
  for (int a = 0; a < num_actors; ++a) total += steps[a], total_bytes += bytes[a];
  if (total_bytes <= 0) return InternalError("actors produced no fragments");
  return total / elapsed;
}

}  // namespace

namespace {

struct PipelineRates {
  RunConfig run;
  double env_steps_per_sec = 0, updates_per_sec = 0;
};

// Launches `config` with `overrides` for `seconds` and reads the steady-state rates from its
// metrics rows: from the first row after the start-up second at which the learner has updated (so
// that filling the replay before learning starts, when actors run unbounded, is not counted; the
// first row after the start-up second if the learner never updated) to the last row within
// `seconds`.
Result<PipelineRates> MeasurePipeline(const std::string& config, std::vector<std::string> overrides, double seconds,
                                      const std::string& executable, const std::string& run_dir) {
  for (const char* o : {"stop.timesteps_total=0", "stop.episodes_total=0", "reporting.progress=off",
                        "reporting.interval_s=1"})
    overrides.push_back(o);
  overrides.push_back("stop.time_total_s=" + std::to_string(seconds));
  PipelineRates rates;
  ASSIGN_OR_RETURN(rates.run, LoadRun(config, overrides));
  LaunchOptions launch;
  launch.run_dir = run_dir;
  launch.executable = executable;
  ASSIGN_OR_RETURN(LaunchResult result, Launch(rates.run, launch));
  ASSIGN_OR_RETURN(std::string metrics, ReadFile(run_dir + "/metrics.jsonl"));
  struct Row {
    double t = 0, s = 0, u = 0;
  };
  std::vector<Row> rows;
  size_t pos = 0;
  while (pos < metrics.size()) {
    size_t end = metrics.find('\n', pos);
    if (end == std::string::npos) end = metrics.size();
    const std::string line = metrics.substr(pos, end - pos);
    pos = end + 1;
    Row row;
    if (!JsonGetNumber(line, "time_total_s", &row.t) || !JsonGetNumber(line, "timesteps_total", &row.s)) continue;
    JsonGetNumber(line, "learner/num_updates", &row.u);
    if (row.t >= 1.0 && row.t <= seconds) rows.push_back(row);
  }
  size_t first = 0;
  while (first < rows.size() && rows[first].u <= 0) ++first;
  if (first + 1 >= rows.size()) first = 0;  // the learner never updated (or only in the last row)
  if (rows.size() < 2 || rows.back().t <= rows[first].t)
    return FailedPreconditionError("bench pipeline: " + config + " reported too few metrics rows");
  const double t0 = rows[first].t, s0 = rows[first].s, u0 = rows[first].u;
  const double t1 = rows.back().t, s1 = rows.back().s, u1 = rows.back().u;
  if (s1 <= s0)
    return FailedPreconditionError("bench pipeline: " + config + " counted no env steps between " + std::to_string(t0) +
                                   " s and " + std::to_string(t1) + " s (a slow start-up?); raise --seconds");
  rates.env_steps_per_sec = (s1 - s0) / (t1 - t0);
  rates.updates_per_sec = (u1 - u0) / (t1 - t0);
  return rates;
}

// One CONFIG: the pipeline, then the actors alone (and --against); prints text or JSON at once and
// returns the markdown row.
Result<PipelineBenchResult> BenchOneConfig(std::ostream& out, BenchOutput output, const PipelineBenchOptions& options,
                                           const std::string& config, const std::string& dir) {
  const bool json = output == BenchOutput::kJson;
  ASSIGN_OR_RETURN(PipelineRates local, MeasurePipeline(config, {"cluster.backend=local"}, options.seconds,
                                                        options.executable, dir + "/run"));
  const RunConfig& run = local.run;
  ASSIGN_OR_RETURN(double alone_steps, ActorsAloneStepsPerSec(run, options.seconds));
  const double ratio = local.env_steps_per_sec / alone_steps;
  PipelineRates remote;
  if (!options.against.empty()) {
    ASSIGN_OR_RETURN(remote, MeasurePipeline(options.against, {}, options.seconds, options.executable, dir + "/against"));
  }
  PipelineBenchResult result;
  result.config = config;
  result.env = run.env;
  result.algo = run.algo;
  result.num_actors = static_cast<int>(run.cluster.GetInt("num_actors"));
  result.num_envs_per_actor = static_cast<int>(run.cluster.GetInt("num_envs_per_actor"));
  result.pipeline_env_steps_per_sec = local.env_steps_per_sec;
  result.alone_env_steps_per_sec = alone_steps;
  result.learner_updates_per_sec = local.updates_per_sec;
  result.batch_size = run.config.Has("batch_size") ? run.config.GetInt("batch_size") : 0;
  if (output == BenchOutput::kMarkdown) return result;
  if (json) {
    JsonObject o;
    o.Add("bench", "pipeline").Add("config", config).Add("env", run.env).Add("algo", run.algo)
        .Add("num_actors", run.cluster.GetInt("num_actors")).Add("replay_shards", run.cluster.GetInt("replay_shards"))
        .Add("pipeline_env_steps_per_sec", local.env_steps_per_sec).Add("alone_env_steps_per_sec", alone_steps)
        .Add("ratio", ratio).Add("learner_updates_per_sec", local.updates_per_sec).Add("seconds", options.seconds);
    if (!options.against.empty())
      o.Add("against", options.against).Add("against_backend", remote.run.cluster.GetString("backend"))
          .Add("against_curve", CurveEnabled(remote.run, remote.run.cluster.GetString("backend") == "hosts") ? 1 : 0)
          .Add("against_env_steps_per_sec", remote.env_steps_per_sec)
          .Add("against_learner_updates_per_sec", remote.updates_per_sec)
          .Add("against_ratio", remote.env_steps_per_sec / local.env_steps_per_sec);
    out << o.str() << "\n";
  } else {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%s: pipeline %.0f env steps/s, actors alone %.0f env steps/s, ratio %.2f; learner %.1f updates/s\n",
                  config.c_str(), local.env_steps_per_sec, alone_steps, ratio, local.updates_per_sec);
    out << line;
    if (!options.against.empty()) {
      std::snprintf(line, sizeof(line), "%s (backend %s): %.0f env steps/s = %.2f × the ipc run; learner %.1f updates/s\n",
                    options.against.c_str(), remote.run.cluster.GetString("backend").c_str(), remote.env_steps_per_sec,
                    remote.env_steps_per_sec / local.env_steps_per_sec, remote.updates_per_sec);
      out << line;
    }
  }
  out.flush();
  return result;
}

}  // namespace

Status RunPipelineBench(std::ostream& out, BenchOutput output, const PipelineBenchOptions& options) {
  if (options.configs.empty()) return InvalidArgumentError("bench pipeline: no config");
  if (!options.against.empty() && (options.configs.size() != 1 || output == BenchOutput::kMarkdown))
    return InvalidArgumentError("bench pipeline: --against needs exactly one CONFIG and no --markdown");
  ConfigureTorchForRole(/*num_threads=*/1);
  char tmpl[] = "/tmp/slaterl-bench-pipeline-XXXXXX";
  if (!::mkdtemp(tmpl)) return UnavailableError("mkdtemp failed");
  const std::string dir = tmpl;
  std::vector<PipelineBenchResult> results;
  for (size_t i = 0; i < options.configs.size(); ++i) {
    const std::string config_dir = dir + "/" + std::to_string(i);
    RETURN_IF_ERROR(MakeDirectories(config_dir));
    ASSIGN_OR_RETURN(PipelineBenchResult result, BenchOneConfig(out, output, options, options.configs[i], config_dir));
    results.push_back(result);
  }
  if (output == BenchOutput::kMarkdown) out << PipelineMarkdownTable(results);
  return Status::Ok();
}

}  // namespace slaterl
