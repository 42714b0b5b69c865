#include "actors/actor_process.h"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <zmq.hpp>

#include "actors/actor.h"
#include "actors/evaluator.h"
#include "actors/weights_receiver.h"
#include "core/logging.h"
#include "core/transport.h"

namespace slaterl {

using Clock = std::chrono::steady_clock;

Status RunActorProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects) {
  zmq::context_t zmq_context(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> control_client, ConnectControl(zmq_context, options, ctx));
  ControlClient& control = *control_client;
  const int shard = options.id % static_cast<int>(ctx.endpoints.shard_insert.size());
  SocketOptions push_options;
  push_options.send_hwm = 8;  // bounded: a slow shard pushes back on the actor
  // Whole trajectories (GeMS protocol): at most one waiting on this side.
  if (objects.algo->replay_spec(ctx.run.config, objects.context).trajectory_steps > 0) push_options.send_hwm = 1;
  ASSIGN_OR_RETURN(auto push, OpenSocket(zmq_context, zmq::socket_type::push,
                                         ctx.endpoints.shard_insert[shard], /*bind=*/false, ctx.Client(push_options)));
  WeightsReceiver weights_receiver;
  RETURN_IF_ERROR(weights_receiver.Open(zmq_context, ctx, MakeHello(options, ctx)));
  ASSIGN_OR_RETURN(auto actor, ActorCore::Create(ctx.run, *objects.env, *objects.algo,
                                                 options.id, options.incarnation));
  DropCounter drops("actor-" + std::to_string(options.id));
  Weights latest;
  auto last_stats = Clock::now();
  LOG(INFO) << "actor " << options.id << " (incarnation " << options.incarnation << ") writing to shard "
            << shard;
  while (true) {
    control.Poll();
    if (control.shutdown_requested()) break;
    if (!control.launcher_alive()) return UnavailableError("launcher went silent; exiting");
    if (weights_receiver.Drain(&latest, &drops)) {
      Status applied = actor->ApplyWeights(latest);
      if (!applied.ok()) return applied.WithContext("applying weights version " + std::to_string(latest.version));
    }
    if (options.max_env_steps > 0 && actor->env_steps_total() >= options.max_env_steps) {
      // This actor's share of stop.timesteps_total is done: idle (heartbeating) until Shutdown.
      if (Clock::now() - last_stats >= ctx.stats_interval) {
        (void)control.SendStats(actor->TakeStats());
        last_stats = Clock::now();
      }
      zmq::pollitem_t item{control.socket()->handle(), 0, ZMQ_POLLIN, 0};
      (void)PollSockets(&item, 1, ctx.heartbeat_interval / 4);
      continue;
    }
    Fragment fragment = actor->CollectFragment();
    EncodedMessage encoded = Encode(fragment);
    // Back-pressure: wait (heartbeating) while the shard's queue is full.
    while (true) {
      Status sent = SendEncoded(*push, encoded);
      if (sent.ok()) break;
      if (sent.code() != StatusCode::kResourceExhausted) return sent.WithContext("pushing a fragment");
      zmq::pollitem_t item{push->handle(), 0, ZMQ_POLLOUT, 0};
      (void)PollSockets(&item, 1, std::chrono::milliseconds(50));
      control.Poll();
      if (control.shutdown_requested() || !control.launcher_alive()) break;
    }
    if (Clock::now() - last_stats >= ctx.stats_interval) {
      (void)control.SendStats(actor->TakeStats());
      last_stats = Clock::now();
    }
  }
  (void)control.SendStats(actor->TakeStats());
  LOG(INFO) << "actor " << options.id << " shutting down (" << control.shutdown_reason() << ")";
  return Status::Ok();
}

namespace {

// The hand-off of the learner's final weights (docs/runtime.md, "Shutdown and the final weights"):
// the launcher's "final_evaluation" names the version the learner is holding ready (it is not
// broadcast). Unless the evaluator already holds it, it asks the learner's weights ROUTER and waits
// for the reply. It stops waiting, logging which version it evaluates instead, when the launcher says the
// learner is gone (a Shutdown with version 0) or, as a last resort against a wedged learner,
// after shutdown_timeout_s.
Status TakeFinalWeights(const RoleContext& ctx, ControlClient& control, WeightsReceiver& weights_receiver,
                        Weights* latest, DropCounter* drops, EvaluatorCore& evaluator) {
  int64_t wanted = control.final_weights_version();
  const bool asked = wanted > 0 && latest->version < wanted;
  if (asked) {
    RETURN_IF_ERROR(weights_receiver.RequestLatest());
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                             ctx.run.cluster.GetDouble("shutdown_timeout_s")));
    while (latest->version < wanted && wanted > 0) {
      if (!control.launcher_alive()) return UnavailableError("launcher went silent; exiting");
      if (Clock::now() > deadline) {
        LOG(WARNING) << "the learner did not send its final weights (version " << wanted << ") within "
                     << "cluster.shutdown_timeout_s";
        break;
      }
      zmq::pollitem_t items[] = {{weights_receiver.sub()->handle(), 0, ZMQ_POLLIN, 0},
                                 {weights_receiver.request()->handle(), 0, ZMQ_POLLIN, 0},
                                 {control.socket()->handle(), 0, ZMQ_POLLIN, 0}};
      (void)PollSockets(items, 3, ctx.heartbeat_interval / 4);
      if (weights_receiver.Drain(latest, drops)) RETURN_IF_ERROR(evaluator.ApplyWeights(*latest));
      control.Poll();
      wanted = control.final_weights_version();
    }
  }
  if (wanted > 0 && latest->version >= wanted) {
    LOG(INFO) << "took the learner's final weights, version " << latest->version
              << (asked ? " (asked the learner for them)" : " (from its broadcast)");
  } else {
    LOG(WARNING) << "the learner's final weights did not arrive"
                 << (wanted > 0 ? " (version " + std::to_string(wanted) + ")" : std::string(" (the learner is gone)"))
                 << "; evaluating the newest version held, " << latest->version;
  }
  return Status::Ok();
}

}  // namespace

Status RunEvaluatorProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects) {
  zmq::context_t zmq_context(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> control_client, ConnectControl(zmq_context, options, ctx));
  ControlClient& control = *control_client;
  WeightsReceiver weights_receiver;
  RETURN_IF_ERROR(weights_receiver.Open(zmq_context, ctx, MakeHello(options, ctx)));
  ASSIGN_OR_RETURN(auto evaluator, EvaluatorCore::Create(ctx.run, *objects.env, *objects.algo));
  DropCounter drops("evaluator");
  const int64_t interval_timesteps = ctx.run.evaluation.GetInt("interval_timesteps");
  const double interval_s = ctx.run.evaluation.GetDouble("interval_s");
  const int64_t episodes = ctx.run.evaluation.GetInt("episodes");
  int64_t final_episodes = ctx.run.evaluation.GetInt("final_episodes");
  if (final_episodes == 0) final_episodes = episodes;
  // Evaluations run on a worker thread while this thread keeps heartbeating, so a long
  // evaluation never looks like a hung process.
  auto evaluate = [&](std::function<Result<EvalResult>()> work) -> Result<EvalResult> {
    std::future<Result<EvalResult>> pending = std::async(std::launch::async, std::move(work));
    while (pending.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) control.Poll();
    return pending.get();
  };
  Weights latest;
  int64_t evaluated_version = 0;
  int64_t next_eval_timesteps = interval_timesteps;
  auto next_eval_time = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(interval_s));
  while (true) {
    control.Poll();
    if (control.shutdown_requested()) break;
    if (!control.launcher_alive()) return UnavailableError("launcher went silent; exiting");
    if (weights_receiver.Drain(&latest, &drops)) RETURN_IF_ERROR(evaluator->ApplyWeights(latest));
    const bool due_by_steps = interval_timesteps > 0 && evaluator->weights_timesteps() >= next_eval_timesteps;
    const bool due_by_time = interval_s > 0 && Clock::now() >= next_eval_time;
    if ((due_by_steps || due_by_time) && evaluator->weights_version() > evaluated_version) {
      ASSIGN_OR_RETURN(EvalResult result, evaluate([&] { return evaluator->Evaluate(episodes); }));
      evaluator->RecordValidation(result);
      (void)control.SendStats(evaluator->MakeStats(result, /*final=*/false));
      evaluated_version = evaluator->weights_version();
      while (interval_timesteps > 0 && next_eval_timesteps <= evaluator->weights_timesteps())
        next_eval_timesteps += interval_timesteps;
      next_eval_time = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(interval_s));
    }
    zmq::pollitem_t items[] = {{weights_receiver.sub()->handle(), 0, ZMQ_POLLIN, 0},
                               {control.socket()->handle(), 0, ZMQ_POLLIN, 0}};
    (void)PollSockets(items, 2, ctx.heartbeat_interval / 4);
  }
  if (control.shutdown_reason() == "final_evaluation") {
    if (weights_receiver.Drain(&latest, &drops)) RETURN_IF_ERROR(evaluator->ApplyWeights(latest));
    RETURN_IF_ERROR(TakeFinalWeights(ctx, control, weights_receiver, &latest, &drops, *evaluator));
    const bool select_best = ctx.run.evaluation.GetBool("select_best");
    ASSIGN_OR_RETURN(EvalResult result,
                     evaluate([&] { return evaluator->EvaluateFinal(final_episodes, select_best); }));
    Status sent = control.SendStats(evaluator->MakeStats(result, /*final=*/true));
    LOG(INFO) << "final evaluation of weights version " << evaluator->weights_version() << ": "
              << result.return_mean << " over " << result.episodes << " episodes";
    return sent;
  }
  return Status::Ok();
}

}  // namespace slaterl
