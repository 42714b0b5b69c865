#include "launch/bench_pipeline.h"

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
#include "launch/run_config.h"

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

Status RunPipelineBench(std::ostream& out, bool json, const PipelineBenchOptions& options) {
  ConfigureTorchForRole(/*num_threads=*/1);
  char tmpl[] = "/tmp/slaterl-bench-pipeline-XXXXXX";
  if (!::mkdtemp(tmpl)) return UnavailableError("mkdtemp failed");
  const std::string dir = tmpl;
  ASSIGN_OR_RETURN(RunConfig run,
                   LoadRun(options.config, {"cluster.backend=local", "stop.timesteps_total=0",
                                            "stop.episodes_total=0",
                                            "stop.time_total_s=" + std::to_string(options.seconds),
                                            "reporting.progress=off", "reporting.interval_s=1"}));
  LaunchOptions launch;
  launch.run_dir = dir + "/run";
  launch.executable = options.executable;
  ASSIGN_OR_RETURN(LaunchResult result, Launch(run, launch));
  // Steady-state rates from the metrics rows after the first (start-up) second.
  ASSIGN_OR_RETURN(std::string metrics, ReadFile(dir + "/run/metrics.jsonl"));
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
    if (t0 >= 0 && t <= options.seconds) t1 = t, s1 = s, u1 = u;
  }
  if (t0 < 0 || t1 <= t0) return FailedPreconditionError("bench pipeline: the run reported too few metrics rows");
  const double pipeline_steps = (s1 - s0) / (t1 - t0);
  const double updates = (u1 - u0) / (t1 - t0);
  ASSIGN_OR_RETURN(double alone_steps, ActorsAloneStepsPerSec(run, options.seconds));
  const double ratio = pipeline_steps / alone_steps;
  if (json) {
    JsonObject o;
    o.Add("bench", "pipeline").Add("config", options.config).Add("env", run.env).Add("algo", run.algo)
        .Add("num_actors", run.cluster.GetInt("num_actors")).Add("replay_shards", run.cluster.GetInt("replay_shards"))
        .Add("pipeline_env_steps_per_sec", pipeline_steps).Add("alone_env_steps_per_sec", alone_steps)
        .Add("ratio", ratio).Add("learner_updates_per_sec", updates).Add("seconds", options.seconds);
    out << o.str() << "\n";
  } else {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%s: pipeline %.0f env steps/s, actors alone %.0f env steps/s, ratio %.2f; learner %.1f updates/s\n",
                  options.config.c_str(), pipeline_steps, alone_steps, ratio, updates);
    out << line;
  }
  return Status::Ok();
}

}  // namespace slaterl
