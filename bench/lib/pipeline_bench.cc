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
// metrics rows (after the first, start-up second).
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
  double t0 = -1, s0 = 0, u0 = 0, t1 = 0, s1 = 0, u1 = 0;
  size_t pos = 0;
  while (pos < metrics.size()) {
    size_t end = metrics.find('\n', pos);
    if (end == std::string::npos) end = metrics.size();
    const std::string row = metrics.substr(pos, end - pos);
    pos = end + 1;
    double t = 0, s = 0, u = 0;
    if (!JsonGetNumber(row, "time_total_s", &t) || !JsonGetNumber(row, "timesteps_total", &s)) continue;
    JsonGetNumber(row, "learner/num_updates", &u);
    if (t0 < 0 && t >= 1.0) t0 = t, s0 = s, u0 = u;
    if (t0 >= 0 && t <= seconds) t1 = t, s1 = s, u1 = u;
  }
  if (t0 < 0 || t1 <= t0) return FailedPreconditionError("bench pipeline: " + config + " reported too few metrics rows");
  rates.env_steps_per_sec = (s1 - s0) / (t1 - t0);
  rates.updates_per_sec = (u1 - u0) / (t1 - t0);
  return rates;
}

}  // namespace

Status RunPipelineBench(std::ostream& out, bool json, const PipelineBenchOptions& options) {
  ConfigureTorchForRole(/*num_threads=*/1);
  char tmpl[] = "/tmp/slaterl-bench-pipeline-XXXXXX";
  if (!::mkdtemp(tmpl)) return UnavailableError("mkdtemp failed");
  const std::string dir = tmpl;
  ASSIGN_OR_RETURN(PipelineRates local, MeasurePipeline(options.config, {"cluster.backend=local"}, options.seconds,
                                                        options.executable, dir + "/run"));
  const RunConfig& run = local.run;
  ASSIGN_OR_RETURN(double alone_steps, ActorsAloneStepsPerSec(run, options.seconds));
  const double ratio = local.env_steps_per_sec / alone_steps;
  PipelineRates remote;
  if (!options.against.empty()) {
    ASSIGN_OR_RETURN(remote, MeasurePipeline(options.against, {}, options.seconds, options.executable, dir + "/against"));
  }
  if (json) {
    JsonObject o;
    o.Add("bench", "pipeline").Add("config", options.config).Add("env", run.env).Add("algo", run.algo)
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
                  options.config.c_str(), local.env_steps_per_sec, alone_steps, ratio, local.updates_per_sec);
    out << line;
    if (!options.against.empty()) {
      std::snprintf(line, sizeof(line), "%s (backend %s): %.0f env steps/s = %.2f × the ipc run; learner %.1f updates/s\n",
                    options.against.c_str(), remote.run.cluster.GetString("backend").c_str(), remote.env_steps_per_sec,
                    remote.env_steps_per_sec / local.env_steps_per_sec, remote.updates_per_sec);
      out << line;
    }
  }
  return Status::Ok();
}

}  // namespace slaterl
