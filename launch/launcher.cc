#include "launch/launcher.h"

#include "launch/slurm_backend.h"
#include "core/files.h"
#include "core/checkpoint_store.h"
#include <optional>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>

#include "actors/evaluator.h"
#include "algos/common/torch_util.h"
#include "core/build_info.h"
#include "core/json.h"
#include "core/logging.h"
#include "algos/run_config.h"
#include "launch/run_dir.h"

namespace slaterl {
namespace {

std::atomic<int> g_interrupts{0};
void OnInterrupt(int) { g_interrupts.fetch_add(1); }

// Checks what the schema cannot: the run must be able to end. An algorithm that does not learn
// (a baseline: random, greedy, ...) runs as a baseline run (RunBaseline), which needs no stop.
Status CheckLaunchable(const RunConfig& run) {
  const AlgoEntry* algo = FindAlgo(run.algo);
  if (!algo || !algo->create_policy)
    return InvalidArgumentError(run.source + ": key 'algo': '" + run.algo + "' cannot act");
  if (!algo->create_trainer) return Status::Ok();
  const bool inproc = run.cluster.GetString("backend") == "inproc";
  const bool by_steps = run.stop.GetInt("timesteps_total") > 0 || run.stop.GetInt("episodes_total") > 0;
  if (!by_steps && (inproc || run.stop.GetDouble("time_total_s") <= 0))
    return InvalidArgumentError(run.source + ": key 'stop': give stop.timesteps_total or stop.episodes_total" +
                                (inproc ? " (backend inproc is deterministic and ignores wall time)"
                                        : " or stop.time_total_s") +
                                ", or the run never ends");
  return Status::Ok();
}

// A baseline run: an algorithm without a trainer has nothing to learn, so no actors, shards or
// learner start. The evaluator's path runs instead, in this process: `evaluation.final_episodes`
// (or `evaluation.episodes`) episodes on the evaluation users (`evaluation.seed`, or derived from
// the run seed, exactly as a learning run's final evaluation). metrics.jsonl gets two rows with
// that result, at timesteps_total 0 and at stop.timesteps_total, so the baseline draws as a flat
// line next to learning curves; summary.json's final_eval holds it (timesteps_total stays 0: no
// env step was trained on). Sweeps use it for points like `algo: random`.
Result<std::string> RunBaseline(const RunConfig& run, RunDirectory& dir, RunMetrics& metrics) {
  const EnvEntry* env = FindEnv(run.env);
  const AlgoEntry* algo = FindAlgo(run.algo);
  if (!env || !algo) return InvalidArgumentError(run.source + ": unknown env or algo");
  ASSIGN_OR_RETURN(std::unique_ptr<EvaluatorCore> evaluator, EvaluatorCore::Create(run, *env, *algo));
  const int64_t final_episodes = run.evaluation.GetInt("final_episodes");
  const auto start = std::chrono::steady_clock::now();
  const int64_t episodes = final_episodes > 0 ? final_episodes : run.evaluation.GetInt("episodes");
  // With select_best a learning run's final evaluation meets the fresh test users: so does the
  // baseline, on exactly the same users.
  ASSIGN_OR_RETURN(EvalResult result, run.evaluation.GetBool("select_best") ? evaluator->EvaluateTestUsers(episodes)
                                                                           : evaluator->Evaluate(episodes));
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics.OnStats(evaluator->MakeStats(result, /*final=*/true));
  const int64_t horizon = run.stop.GetInt("timesteps_total");
  int64_t iteration = 0;
  for (int64_t step : {int64_t{0}, horizon}) {
    if (iteration > 0 && step == 0) break;
    JsonObject row;
    row.Add("training_iteration", ++iteration)
        .Add("timesteps_total", step)
        .Add("episodes_total", int64_t{0})
        .Add("eval/episode_reward_mean", result.return_mean)
        .Add("eval/episode_reward_std", result.return_std)
        .Add("eval/episode_len_mean", result.length_mean)
        .Add("eval/episodes", result.episodes)
        .Add("time_total_s", elapsed);
    RETURN_IF_ERROR(dir.AppendMetricsRow(row.str()));
  }
  return std::string("baseline");
}

std::string MapJson(const std::map<std::string, double>& values) {
  JsonObject o;
  for (const auto& kv : values) o.Add(kv.first, kv.second);
  return o.str();
}

std::string SummaryJson(const RunConfig& run, const std::string& run_dir, const std::string& stop_reason,
                        const RunMetrics& metrics, double wall_time_s, const std::string& error) {
  JsonObject processes;
  const bool inproc = run.cluster.GetString("backend") == "inproc";
  processes.Add("actors", run.cluster.GetInt("num_actors"))
      .Add("replay_shards", run.cluster.GetInt("replay_shards"))
      .Add("learners", int64_t{1})
      .Add("evaluators", int64_t{1})
      .Add("os_processes", inproc ? int64_t{1}
                                  : run.cluster.GetInt("num_actors") + run.cluster.GetInt("replay_shards") + 3);
  JsonObject actors;
  for (const auto& kv : metrics.actors()) {
    JsonObject a;
    a.Add("max_policy_version", kv.second.max_policy_version)
        .Add("env_steps", kv.second.env_steps)
        .Add("incarnation", kv.second.incarnation);
    actors.AddRaw(std::to_string(kv.first), a.str());
  }
  JsonObject shards;
  for (const auto& kv : metrics.shards()) shards.AddRaw(std::to_string(kv.first), MapJson(kv.second));
  JsonObject summary;
  summary.Add("name", run.name)
      .Add("run_dir", run_dir)
      .Add("env", run.env)
      .Add("algo", run.algo)
      .Add("seed", static_cast<int64_t>(run.seed))
      .Add("backend", run.cluster.GetString("backend"))
      .Add("config_hash", run.hash)
      .Add("git_commit", GitCommit())
      .AddRaw("versions", BuildInfoJson())
      .AddRaw("hosts", "[\"" + JsonEscape(HostName()) + "\"]")
      .AddRaw("processes", processes.str())
      .Add("stop_reason", stop_reason)
      .Add("status", error.empty() ? std::string("ok") : std::string("error"))
      .Add("timesteps_total", metrics.timesteps_total())
      .Add("episodes_total", metrics.episodes_total())
      .Add("episode_reward_mean", metrics.episode_reward_mean())
      .Add("wall_time_s", wall_time_s)
      .Add("actor_restarts", metrics.restarts("actor"))
      .Add("learner_restarts", metrics.restarts("learner"))
      .Add("shard_restarts", metrics.restarts("shard"))
      .AddRaw("learner", MapJson(metrics.learner()))
      .AddRaw("actors", actors.str())
      .AddRaw("shards", shards.str())
      .AddRaw("last_eval", MapJson(metrics.last_eval()))
      .AddRaw("final_eval", MapJson(metrics.final_eval()));
  if (!error.empty()) summary.Add("error", error);
  return summary.str();
}

}  // namespace

int InterruptCount() { return g_interrupts.load(); }

namespace {

// Process backends: the newest step N with a valid learner checkpoint ckpt-N and a valid
// shard-<k>/ckpt-N for every shard (the shards checkpoint on the learner's request);
// 0 when there is none.
Result<int64_t> NewestCompleteRunCheckpoint(const CheckpointStore& learner_store, const std::string& run_dir,
                                            int num_shards) {
  std::vector<CheckpointStore> shard_stores;
  for (int k = 0; k < num_shards; ++k) {
    ASSIGN_OR_RETURN(CheckpointStore store,
                     CheckpointStore::Open(run_dir + "/checkpoints/shard-" + std::to_string(k), 1));
    shard_stores.push_back(std::move(store));
  }
  std::vector<int64_t> steps = learner_store.Steps();
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (!CheckpointStore::Verify(learner_store.PathFor(*it)).ok()) continue;
    bool complete = true;
    for (const auto& shard : shard_stores) complete = complete && CheckpointStore::Verify(shard.PathFor(*it)).ok();
    if (complete) return *it;
  }
  return int64_t{0};
}

}  // namespace

Result<LaunchResult> Launch(const RunConfig& run_in, const LaunchOptions& options_in) {
  RETURN_IF_ERROR(CheckLaunchable(run_in));
  RunConfig run = run_in;
  if (run.cluster.GetString("backend") == "slurm") {
    if (!InSlurmAllocation()) return SubmitSlurmRun(run, options_in);
    // Inside the job: the same run as backend hosts over the allocation's nodes.
    ASSIGN_OR_RETURN(std::vector<std::string> nodes, SlurmAllocationNodes());
    ASSIGN_OR_RETURN(run, SlurmAllocationConfig(run_in, nodes));
    LOG(INFO) << "slurm job " << std::getenv("SLURM_JOB_ID") << ": " << nodes.size() << " node(s), launcher on "
              << nodes[0];
  }
  LaunchOptions options = options_in;
  if (options.executable.empty()) options.executable = "/proc/self/exe";
  const std::string backend = run.cluster.GetString("backend");
  if (options.dry_run) {
    if (!FindAlgo(run.algo)->create_trainer) {
      std::printf("baseline run: algo %s does not learn; evaluates it in this process\n", run.algo.c_str());
      return LaunchResult{};
    }
    std::printf("%s", backend != "inproc" ? DescribeLocalLaunch(run, options).c_str()
                                         : "backend: inproc (one process, deterministic scheduler)\n");
    return LaunchResult{};
  }
  RunMetrics metrics(run.reporting.GetInt("smoothing_episodes"));
  std::optional<RunDirectory> opened;
  std::string inproc_snapshot;  // backend inproc, --resume: the checkpoint to continue from
  if (options.resume) {
    if (run.checkpoint.GetInt("interval_updates") <= 0)
      return FailedPreconditionError(options.run_dir + ": nothing to resume from (checkpoint.interval_updates is 0)");
    auto store = CheckpointStore::Open(options.run_dir + "/checkpoints", 1);
    if (!store.ok()) return store.status();
    std::vector<std::string> skipped;
    ASSIGN_OR_RETURN(CheckpointInfo latest, store->Latest(&skipped));
    for (const auto& why : skipped) LOG(WARNING) << "skipping a checkpoint: " << why;
    if (backend != "inproc") {
      // The newest run checkpoint N that the learner and every shard hold, all verified.
      ASSIGN_OR_RETURN(int64_t step, NewestCompleteRunCheckpoint(*store, options.run_dir,
                                                                 static_cast<int>(run.cluster.GetInt("replay_shards"))));
      if (step > 0 && step != latest.step) {
        LOG(WARNING) << "resuming from run checkpoint " << step << ", the newest one every shard holds too (the learner's "
                     << "newest is " << latest.step << ")";
        ASSIGN_OR_RETURN(latest, CheckpointStore::Verify(store->PathFor(step)));
      }
      if (step <= 0)
        LOG(WARNING) << "no run checkpoint is held by the learner and every shard: each resumes from its newest valid one";
      options.resume_checkpoint_step = step > 0 ? step : 0;
    }
    // Checkpoints newer than the one resumed from (corrupt, or past the newest complete one)
    // belong to the part of the run being redone.
    auto set_aside = [](CheckpointStore& aside_store, int64_t step) -> Status {
      ASSIGN_OR_RETURN(std::vector<std::string> moved, aside_store.SetAsideNewerThan(step));
      for (const auto& path : moved) LOG(WARNING) << "set aside " << path << " (newer than the checkpoint resumed from)";
      return Status::Ok();
    };
    RETURN_IF_ERROR(set_aside(*store, latest.step));
    for (int k = 0; backend != "inproc" && options.resume_checkpoint_step > 0 &&
                    k < static_cast<int>(run.cluster.GetInt("replay_shards")); ++k) {
      ASSIGN_OR_RETURN(CheckpointStore shard_store,
                       CheckpointStore::Open(options.run_dir + "/checkpoints/shard-" + std::to_string(k), 1));
      RETURN_IF_ERROR(set_aside(shard_store, options.resume_checkpoint_step));
    }
    ASSIGN_OR_RETURN(std::string counters, ReadFile(latest.path + "/counters.json"));
    double timesteps = 0, episodes = 0, snapshot_iteration = -1;
    JsonGetNumber(counters, "timesteps_total", &timesteps);
    JsonGetNumber(counters, "episodes_total", &episodes);
    if (backend == "inproc") {
      if (!PathExists(latest.path + "/inproc.state"))
        return FailedPreconditionError(latest.path + " was written by a process backend (no inproc.state); resume it with "
                                       "the backend that wrote it");
      inproc_snapshot = latest.path;
      JsonGetNumber(counters, "training_iteration", &snapshot_iteration);
    }
    int64_t iteration = 0;
    double time_total_s = 0.0;
    ASSIGN_OR_RETURN(RunDirectory reopened,
                     RunDirectory::Reopen(options.run_dir, static_cast<int64_t>(timesteps),
                                          static_cast<int64_t>(snapshot_iteration), &iteration, &time_total_s));
    opened.emplace(std::move(reopened));
    // inproc restores the metrics (and its elapsed time) with the rest of the snapshot.
    if (backend != "inproc")
      metrics.ResumeFrom(static_cast<int64_t>(timesteps), static_cast<int64_t>(episodes), iteration, time_total_s);
    LOG(INFO) << "resuming " << options.run_dir << " from " << latest.path << " (" << latest.step << " updates, "
              << static_cast<int64_t>(timesteps) << " env steps)";
  } else {
    ASSIGN_OR_RETURN(RunDirectory created, RunDirectory::Create(run, options.run_dir));
    opened.emplace(std::move(created));
  }
  RunDirectory& dir = *opened;
  LOG(INFO) << "run " << run.name << " (" << run.env << ", " << run.algo << ", backend " << backend
            << ") in " << dir.path();
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  if (backend == "inproc") ConfigureTorchForRole(/*num_threads=*/1);
  const auto start = std::chrono::steady_clock::now();
  const bool learns = FindAlgo(run.algo)->create_trainer != nullptr;
  Result<std::string> outcome = !learns              ? RunBaseline(run, dir, metrics)
                                : backend == "inproc" ? RunInproc(run, dir, metrics, inproc_snapshot)
                                                      : RunLocal(run, options, dir, metrics);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string stop_reason = outcome.ok() ? *outcome : "error";
  const std::string error = outcome.ok() ? "" : outcome.status().ToString();
  if (metrics.has_final_eval())
    RETURN_IF_ERROR(dir.AddFinalEvaluation(metrics.timesteps_total(), metrics.final_eval()));
  RETURN_IF_ERROR(dir.WriteSummary(SummaryJson(run, dir.path(), stop_reason, metrics, wall_s, error)));
  if (!outcome.ok()) return outcome.status().WithContext("run " + dir.path());

  LaunchResult result;
  result.run_dir = dir.path();
  result.stop_reason = stop_reason;
  result.has_final_eval = metrics.has_final_eval();
  if (result.has_final_eval) result.final_eval_mean = metrics.final_eval().at("eval/episode_reward_mean");
  LOG(INFO) << "run finished (" << stop_reason << "): " << metrics.timesteps_total() << " env steps in "
            << wall_s << " s" << (result.has_final_eval ? ", final evaluation " + std::to_string(result.final_eval_mean) : "")
            << "; summary in " << dir.path() << "/summary.json";
  return result;
}

}  // namespace slaterl
