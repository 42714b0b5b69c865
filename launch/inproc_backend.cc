// backend: inproc — every role in this process, driven by a deterministic single-threaded
// scheduler over the same component and message code as the local backend. Each round:
//   1. every actor (in id order) collects one fragment; it is encoded and decoded as on the wire
//      and handed to shard (a mod K), and the actor's stats go to the metrics;
//   2. the learner keeps `requests_in_flight` requests per shard; shards serve what they can, in
//      shard order; each batch is one update; due broadcasts reach every actor and the evaluator
//      at once;
//   3. evaluation and metrics rows fire when timesteps_total crosses their intervals.
// No clock or thread influences what happens, so a run is a pure function of config and seed.
//
// Snapshots (with checkpoint.interval_updates > 0): at the end of the first round that
// reaches each multiple of interval_updates, and when interrupted, the whole run goes into one
// CheckpointStore checkpoint (RUN_DIR/checkpoints/ckpt-<updates>/): learner/ (the trainer),
// shard-<k>/ (tables and counters), counters.json, and inproc.state (core/state_archive.h: the
// scheduler, the learner's counters and last weights, every actor's envs, policy state, Rng and
// observation, the evaluator's best weights, the shards' queues and samplers, the run metrics).
// `launch --resume` restores all of it and continues with the next round, so the resumed run
// writes exactly the metrics rows the uninterrupted run writes from there (bit-identical).
#include <memory>
#include <optional>
#include <vector>

#include "actors/actor.h"
#include "actors/evaluator.h"
#include "core/checkpoint_store.h"
#include "core/files.h"
#include "core/json.h"
#include "core/state_archive.h"
#include "core/logging.h"
#include "core/wire.h"
#include "launch/launcher.h"
#include "core/progress.h"
#include "algos/run_config.h"
#include "launch/run_dir.h"
#include "learner/learner.h"
#include "replay/shard.h"

#include <chrono>

namespace slaterl {
namespace {

// Encodes and decodes a message as the transport would, so inproc exercises the wire format.
template <typename M>
Result<M> RoundTrip(const M& message) {
  EncodedMessage encoded = Encode(message);
  M decoded;
  RETURN_IF_ERROR(Decode(encoded.header.data(), encoded.header.size(), encoded.payload.data(),
                         encoded.payload.size(), &decoded));
  return decoded;
}

}  // namespace

Result<std::string> RunInproc(const RunConfig& run, RunDirectory& dir, RunMetrics& metrics,
                              const std::string& resume_checkpoint) {
  ASSIGN_OR_RETURN(RunObjects objects, ResolveRunObjects(run, 1));
  const int num_actors = static_cast<int>(run.cluster.GetInt("num_actors"));
  const int num_shards = static_cast<int>(run.cluster.GetInt("replay_shards"));
  const int in_flight = static_cast<int>(run.cluster.GetInt("requests_in_flight"));

  ASSIGN_OR_RETURN(auto learner, LearnerCore::Create(run, *objects.env, *objects.algo));
  std::vector<std::unique_ptr<ShardCore>> shards;
  for (int k = 0; k < num_shards; ++k) {
    ShardOptions options;
    options.shard_id = k;
    options.tables = learner->replay_spec().tables;
    ASSIGN_OR_RETURN(auto shard, ShardCore::Create(options));
    shards.push_back(std::move(shard));
  }
  std::vector<Rng> shard_rngs;
  for (int k = 0; k < num_shards; ++k)
    shard_rngs.emplace_back(DeriveSeed(run.seed, {kSeedReplay, static_cast<uint64_t>(k)}));
  std::vector<std::unique_ptr<ActorCore>> actors;
  for (int a = 0; a < num_actors; ++a) {
    ASSIGN_OR_RETURN(auto actor, ActorCore::Create(run, *objects.env, *objects.algo, a, /*incarnation=*/0));
    actors.push_back(std::move(actor));
  }
  ASSIGN_OR_RETURN(auto evaluator, EvaluatorCore::Create(run, *objects.env, *objects.algo));

  auto broadcast = [&](const Weights& weights) -> Status {
    ASSIGN_OR_RETURN(Weights received, RoundTrip(weights));
    for (auto& actor : actors) RETURN_IF_ERROR(actor->ApplyWeights(received));
    return evaluator->ApplyWeights(received);
  };

  const int64_t eval_interval = run.evaluation.GetInt("interval_timesteps");
  const int64_t eval_episodes = run.evaluation.GetInt("episodes");
  int64_t final_episodes = run.evaluation.GetInt("final_episodes");
  if (final_episodes == 0) final_episodes = eval_episodes;
  const int64_t report_interval = run.reporting.GetInt("interval_timesteps");
  const int64_t checkpoint_interval = run.checkpoint.GetInt("interval_updates");
  int64_t next_eval = eval_interval, next_report = report_interval, next_checkpoint = checkpoint_interval;
  double elapsed_before_s = 0.0;  // a resumed run's time before this process
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_s = [&] {
    return elapsed_before_s + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<int> pending(num_shards, 0);

  // Everything a round depends on, in one archive (both directions; see the header comment).
  auto visit_run_state = [&](StateArchive& archive) -> Status {
    archive.Field("pending", pending);
    archive.Field("next_eval", next_eval);
    archive.Field("next_report", next_report);
    archive.Field("next_checkpoint", next_checkpoint);
    double elapsed = archive.loading() ? 0.0 : elapsed_s();
    archive.Field("time_total_s", elapsed);
    if (archive.loading()) elapsed_before_s = elapsed;
    archive.Field("shard_rngs", shard_rngs);
    {
      StateArchive::Scope scope(archive, "learner");
      RETURN_IF_ERROR(learner->VisitState(archive));
    }
    // The weights every actor and the evaluator hold: the learner's last published version.
    if (archive.loading()) RETURN_IF_ERROR(broadcast(learner->latest_weights()));
    for (int a = 0; a < num_actors; ++a) {
      StateArchive::Scope scope(archive, "actor/" + std::to_string(a));
      RETURN_IF_ERROR(actors[a]->VisitState(archive).WithContext("actor " + std::to_string(a)));
    }
    {
      StateArchive::Scope scope(archive, "evaluator");
      RETURN_IF_ERROR(evaluator->VisitState(archive));
    }
    for (int k = 0; k < num_shards; ++k) {
      StateArchive::Scope scope(archive, "shard/" + std::to_string(k));
      RETURN_IF_ERROR(shards[k]->VisitQueueState(archive));
    }
    {
      StateArchive::Scope scope(archive, "metrics");
      RETURN_IF_ERROR(metrics.VisitState(archive));
    }
    return archive.status();
  };

  std::optional<CheckpointStore> store;
  if (checkpoint_interval > 0) {
    ASSIGN_OR_RETURN(CheckpointStore opened, CheckpointStore::Open(dir.path() + "/checkpoints",
                                                                   static_cast<int>(run.checkpoint.GetInt("keep_last"))));
    store.emplace(std::move(opened));
  }
  int64_t last_snapshot = -1;
  auto write_snapshot = [&]() -> Status {
    const int64_t step = learner->num_updates();
    if (step <= last_snapshot) return Status::Ok();
    ASSIGN_OR_RETURN(std::string tmp, store->Begin(step));
    RETURN_IF_ERROR(learner->SaveCheckpoint(tmp + "/learner"));
    for (int k = 0; k < num_shards; ++k) {
      const std::string shard_dir = tmp + "/shard-" + std::to_string(k);
      RETURN_IF_ERROR(MakeDirectories(shard_dir));
      RETURN_IF_ERROR(shards[k]->SaveCheckpoint(shard_dir));
    }
    StateArchive archive = StateArchive::ForSaving();
    RETURN_IF_ERROR(visit_run_state(archive));
    RETURN_IF_ERROR(WriteFileAtomic(tmp + "/inproc.state", archive.bytes()));
    JsonObject counters;
    counters.Add("num_updates", step).Add("weights_version", learner->latest_weights().version)
        .Add("timesteps_total", metrics.timesteps_total()).Add("episodes_total", metrics.episodes_total())
        .Add("training_iteration", metrics.training_iteration()).Add("backend", std::string("inproc"));
    RETURN_IF_ERROR(WriteFileAtomic(tmp + "/counters.json", counters.str() + "\n"));
    RETURN_IF_ERROR(store->Commit(step));
    last_snapshot = step;
    return Status::Ok();
  };

  if (resume_checkpoint.empty()) {
    RETURN_IF_ERROR(broadcast(learner->PublishWeights()));
  } else {
    RETURN_IF_ERROR(learner->LoadTrainer(resume_checkpoint + "/learner"));
    for (int k = 0; k < num_shards; ++k)
      RETURN_IF_ERROR(shards[k]->LoadCheckpoint(resume_checkpoint + "/shard-" + std::to_string(k))
                          .WithContext("shard " + std::to_string(k)));
    ASSIGN_OR_RETURN(std::string bytes, ReadFile(resume_checkpoint + "/inproc.state"));
    ASSIGN_OR_RETURN(StateArchive archive, StateArchive::ForLoading(std::move(bytes)));
    RETURN_IF_ERROR(visit_run_state(archive).WithContext(resume_checkpoint + "/inproc.state"));
    RETURN_IF_ERROR(archive.CheckFullyRead().WithContext(resume_checkpoint + "/inproc.state"));
    last_snapshot = learner->num_updates();
    LOG(INFO) << "resumed the in-process run at " << metrics.timesteps_total() << " env steps, "
              << learner->num_updates() << " updates, training_iteration " << metrics.training_iteration();
  }

  ProgressLine progress(run.reporting.GetString("progress"));
  std::string stop_reason;
  auto write_row = [&]() -> Status {
    RETURN_IF_ERROR(dir.AppendMetricsRow(metrics.NextRow(elapsed_s())));
    while (report_interval > 0 && next_report <= metrics.timesteps_total()) next_report += report_interval;
    const int64_t target = run.stop.GetInt("timesteps_total");
    const double rate = metrics.timesteps_total() / std::max(1e-9, elapsed_s());
    const auto& eval = metrics.last_eval();
    progress.Update(ProgressLine::Format(
        metrics.timesteps_total(), target, rate, metrics.episode_reward_mean(),
        eval.count("eval/episode_reward_mean") ? eval.at("eval/episode_reward_mean") : NAN,
        target > 0 ? (target - metrics.timesteps_total()) / std::max(rate, 1e-9) : -1));
    return Status::Ok();
  };

  while (stop_reason.empty()) {
    // 1. actors → shards. An actor whose shard is still full (rate limiter, full queue) waits
    //    this round, as a blocked PUSH would in the local backend.
    int fragments_this_round = 0;
    for (int a = 0; a < num_actors; ++a) {
      ShardCore& shard = *shards[a % num_shards];
      if (!shard.accepting_fragments()) continue;
      ASSIGN_OR_RETURN(Fragment fragment, RoundTrip(actors[a]->CollectFragment()));
      RETURN_IF_ERROR(shard.HandleFragment(std::move(fragment)).WithContext("shard " + std::to_string(a % num_shards)));
      metrics.OnStats(actors[a]->TakeStats());
      ++fragments_this_round;
    }
    // 2. learner ⇄ shards, until no shard can serve anything more this round
    int64_t batches_this_round = 0;
    for (bool progressed = true; progressed;) {
      progressed = false;
      for (int k = 0; k < num_shards; ++k) {
        for (; pending[k] < in_flight; ++pending[k])
          RETURN_IF_ERROR(shards[k]->EnqueueSampleRequest("learner", learner->NextRequest(static_cast<int>(k))));
        for (auto& reply : shards[k]->ServeReady(shard_rngs[k])) {
          ASSIGN_OR_RETURN(SampleBatch batch, RoundTrip(reply.second));
          RETURN_IF_ERROR(learner->OnSampleBatch(batch));
          --pending[k];
          progressed = true;
          ++batches_this_round;
          if (learner->broadcast_due()) RETURN_IF_ERROR(broadcast(learner->PublishWeights()));
        }
      }
    }
    if (fragments_this_round == 0 && batches_this_round == 0)
      return FailedPreconditionError("inproc scheduler stalled: no shard accepts fragments and none can "
                                     "serve a sample (check the replay spec's rate limiter and sizes)");
    for (auto& shard : shards) metrics.OnStats(shard->MakeStats());
    metrics.OnStats(learner->TakeStats());
    // 3. evaluation and reporting on env-step schedules
    if (eval_interval > 0 && metrics.timesteps_total() >= next_eval) {
      ASSIGN_OR_RETURN(EvalResult result, evaluator->Evaluate(eval_episodes));
      evaluator->RecordValidation(result);
      metrics.OnStats(evaluator->MakeStats(result, /*final=*/false));
      while (next_eval <= metrics.timesteps_total()) next_eval += eval_interval;
    }
    stop_reason = metrics.StopReason(run.stop, /*time_total_s=*/0.0);
    const bool interrupted = InterruptCount() > 0;
    bool row_due = report_interval == 0 || metrics.timesteps_total() >= next_report || !stop_reason.empty();
    // 4. snapshots, after the round's row and before an interruption's extra row (a resume cuts
    //    the rows written after its snapshot)
    if (store && (learner->num_updates() >= next_checkpoint || interrupted)) {
      if (row_due) RETURN_IF_ERROR(write_row());
      row_due = false;
      while (next_checkpoint <= learner->num_updates()) next_checkpoint += checkpoint_interval;
      RETURN_IF_ERROR(write_snapshot().WithContext("checkpoint at " + std::to_string(learner->num_updates()) + " updates"));
    }
    if (interrupted && stop_reason.empty()) {
      stop_reason = "interrupted";
      row_due = true;
    }
    if (row_due) RETURN_IF_ERROR(write_row());
  }
  progress.Finish();
  // Final weights, final evaluation, final checkpoint.
  RETURN_IF_ERROR(broadcast(learner->PublishWeights()));
  ASSIGN_OR_RETURN(EvalResult final_result,
                   evaluator->EvaluateFinal(final_episodes, run.evaluation.GetBool("select_best")));
  metrics.OnStats(evaluator->MakeStats(final_result, /*final=*/true));
  RETURN_IF_ERROR(learner->SaveCheckpoint(dir.path() + "/checkpoints/final"));
  return stop_reason;
}

}  // namespace slaterl
