// backend: inproc — every role in this process, driven by a deterministic single-threaded
// scheduler over the same component and message code as the local backend. Each round:
//   1. every actor (in id order) collects one fragment; it is encoded and decoded as on the wire
//      and handed to shard (a mod K), and the actor's stats go to the metrics;
//   2. the learner keeps `requests_in_flight` requests per shard; shards serve what they can, in
//      shard order; each batch is one update; due broadcasts reach every actor and the evaluator
//      at once;
//   3. evaluation and metrics rows fire when timesteps_total crosses their intervals.
// No clock or thread influences what happens, so a run is a pure function of config and seed.
#include <memory>
#include <vector>

#include "actors/actor.h"
#include "actors/evaluator.h"
#include "core/json.h"
#include "core/logging.h"
#include "core/wire.h"
#include "launch/launcher.h"
#include "launch/progress.h"
#include "launch/run_config.h"
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

Result<std::string> RunInproc(const RunConfig& run, RunDirectory& dir, RunMetrics& metrics) {
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
  RETURN_IF_ERROR(broadcast(learner->PublishWeights()));

  const int64_t eval_interval = run.evaluation.GetInt("interval_timesteps");
  const int64_t eval_episodes = run.evaluation.GetInt("episodes");
  int64_t final_episodes = run.evaluation.GetInt("final_episodes");
  if (final_episodes == 0) final_episodes = eval_episodes;
  const int64_t report_interval = run.reporting.GetInt("interval_timesteps");
  int64_t next_eval = eval_interval, next_report = report_interval;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_s = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  ProgressLine progress(run.reporting.GetString("progress"));
  std::vector<int> pending(num_shards, 0);
  std::string stop_reason;

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
    if (InterruptCount() > 0) stop_reason = "interrupted";
    if (report_interval == 0 || metrics.timesteps_total() >= next_report || !stop_reason.empty()) {
      RETURN_IF_ERROR(dir.AppendMetricsRow(metrics.NextRow(elapsed_s())));
      while (report_interval > 0 && next_report <= metrics.timesteps_total()) next_report += report_interval;
      const int64_t target = run.stop.GetInt("timesteps_total");
      const double rate = metrics.timesteps_total() / std::max(1e-9, elapsed_s());
      const auto& eval = metrics.last_eval();
      progress.Update(ProgressLine::Format(
          metrics.timesteps_total(), target, rate, metrics.episode_reward_mean(),
          eval.count("eval/episode_reward_mean") ? eval.at("eval/episode_reward_mean") : NAN,
          target > 0 ? (target - metrics.timesteps_total()) / std::max(rate, 1e-9) : -1));
    }
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
