#include "learner/learner_process.h"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <zmq.hpp>
#include <vector>

#include "core/checkpoint_store.h"
#include "core/files.h"
#include "core/json.h"
#include "core/logging.h"
#include "core/transport.h"
#include "learner/learner.h"

namespace slaterl {

using Clock = std::chrono::steady_clock;

Status RunLearnerProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects) {
  zmq::context_t zmq_context(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> control_client, ConnectControl(zmq_context, options, ctx));
  ControlClient& control = *control_client;
  ASSIGN_OR_RETURN(auto learner, LearnerCore::Create(ctx.run, *objects.env, *objects.algo));
  ASSIGN_OR_RETURN(std::unique_ptr<ZapAuthenticator> zap, ctx.StartZap(zmq_context));
  SocketOptions pub_options;
  pub_options.send_hwm = 16;
  ASSIGN_OR_RETURN(auto pub, OpenSocket(zmq_context, zmq::socket_type::pub, ctx.endpoints.weights_pub,
                                        /*bind=*/true, ctx.Server(pub_options)));
  ASSIGN_OR_RETURN(auto weights_router, OpenSocket(zmq_context, zmq::socket_type::router,
                                                   ctx.endpoints.weights_request, /*bind=*/true, ctx.Server()));
  std::vector<std::unique_ptr<zmq::socket_t>> shards;
  // A shard that dies loses the requests queued to it: its disconnection resets them at once.
  std::vector<std::unique_ptr<DisconnectMonitor>> shard_monitors;
  for (const auto& endpoint : ctx.endpoints.shard_sample) {
    ASSIGN_OR_RETURN(auto dealer, OpenSocket(zmq_context, zmq::socket_type::dealer, endpoint, /*bind=*/false,
                                             ctx.Client()));
    ASSIGN_OR_RETURN(auto monitor, DisconnectMonitor::Attach(zmq_context, *dealer,
                                                             "learner-shard-" + std::to_string(shards.size())));
    shards.push_back(std::move(dealer));
    shard_monitors.push_back(std::move(monitor));
  }
  const int in_flight = static_cast<int>(ctx.run.cluster.GetInt("requests_in_flight"));
  std::vector<int> pending(shards.size(), 0);
  // A shard that dropped a request (a full queue, a malformed request) never answers it: after
  // cluster.shard_request_timeout_s of silence with requests pending, the learner asks again.
  // (Long: a shard legitimately stays silent while it fills up to min_size or while its rate
  // limiter waits for inserts. A shard that died is noticed at once by its DisconnectMonitor.)
  const auto request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(ctx.run.cluster.GetDouble("shard_request_timeout_s")));
  std::vector<Clock::time_point> last_reply(shards.size(), Clock::now());
  int64_t shard_disconnects = 0;
  DropCounter drops("learner");
  // Periodic checkpoints (checkpoint.interval_updates) into RUN_DIR/checkpoints/ckpt-<updates>/.
  ASSIGN_OR_RETURN(CheckpointStore store, CheckpointStore::Open(options.run_dir + "/checkpoints",
                                                                static_cast<int>(ctx.run.checkpoint.GetInt("keep_last"))));
  const int64_t checkpoint_interval = ctx.run.checkpoint.GetInt("interval_updates");
  int64_t next_checkpoint = checkpoint_interval, checkpoints_written = 0, last_checkpoint = -1;
  auto write_checkpoint = [&]() -> Status {
    const int64_t step = learner->num_updates();
    if (step <= last_checkpoint) return Status::Ok();
    ASSIGN_OR_RETURN(std::string tmp, store.Begin(step));
    RETURN_IF_ERROR(learner->SaveCheckpoint(tmp + "/learner"));
    JsonObject counters;
    counters.Add("num_updates", step).Add("weights_version", learner->latest_weights().version)
        .Add("rejected_batches", learner->rejected_batches())
        .Add("timesteps_total", learner->latest_weights().timesteps_total)
        .Add("episodes_total", learner->latest_weights().episodes_total);
    RETURN_IF_ERROR(WriteFileAtomic(tmp + "/counters.json", counters.str() + "\n"));
    RETURN_IF_ERROR(store.Commit(step));
    // Every shard checkpoints its tables as checkpoint `step` on receiving its next request.
    learner->RequestShardCheckpoints(step, static_cast<int>(shards.size()));
    last_checkpoint = step;
    ++checkpoints_written;
    return Status::Ok();
  };
  if (options.incarnation > 0 || options.resume) {
    // A restarted (or resumed) learner continues from the newest valid checkpoint.
    std::vector<std::string> skipped;
    Result<CheckpointInfo> latest = store.AtOrLatest(options.resume ? options.checkpoint_step : 0, &skipped);
    for (const auto& why : skipped) LOG(WARNING) << "skipping a checkpoint: " << why;
    if (latest.ok()) {
      ASSIGN_OR_RETURN(std::string counters, ReadFile(latest->path + "/counters.json"));
      double updates = 0, version = 0, rejected = 0;  // rejected_batches: absent in older checkpoints
      JsonGetNumber(counters, "num_updates", &updates);
      JsonGetNumber(counters, "weights_version", &version);
      JsonGetNumber(counters, "rejected_batches", &rejected);
      RETURN_IF_ERROR(learner->RestoreCheckpoint(latest->path + "/learner", static_cast<int64_t>(updates),
                                                 static_cast<int64_t>(rejected), static_cast<int64_t>(version),
                                                 options.weights_version_floor));
      last_checkpoint = latest->step;
      next_checkpoint = latest->step + checkpoint_interval;
      // Newer checkpoints were skipped as invalid: set them aside so new ones can be written.
      ASSIGN_OR_RETURN(std::vector<std::string> moved, store.SetAsideNewerThan(latest->step));
      for (const auto& path : moved) LOG(WARNING) << "set aside " << path;
      LOG(INFO) << "learner restarted from " << latest->path << " (" << latest->step << " updates)";
    } else {
      LOG(WARNING) << "learner restarted with no valid checkpoint: starting from fresh weights";
      learner->RaiseVersionFloor(options.weights_version_floor);
    }
  }
  // Late joiners (a restarted actor, the evaluator taking the final weights) ask with a Hello on
  // the weights ROUTER; each gets the latest published version.
  auto answer_weights_requests = [&] {
    RawMessage raw;
    while (true) {
      auto got = ReceiveMessage(*weights_router, /*is_router=*/true, &raw);
      if (!got.ok() || !*got) break;
      Hello hello;
      Status status = raw.Decode(&hello);
      if (!status.ok()) {
        drops.Drop("bad weights request", status);
        continue;
      }
      (void)SendMessage(*weights_router, learner->latest_weights(), raw.identity);
    }
  };
  (void)SendMessage(*pub, learner->PublishWeights());
  auto last_stats = Clock::now();
  while (true) {
    control.Poll();
    if (control.shutdown_requested()) break;
    if (!control.launcher_alive()) return UnavailableError("launcher went silent; exiting");
    for (size_t k = 0; k < shards.size(); ++k) {
      if (shard_monitors[k]->TakeDisconnects() > 0) {
        LOG(WARNING) << "shard " << k << " disconnected (" << pending[k]
                     << " requests lost with it); asking again as soon as it is back";
        pending[k] = 0;
        last_reply[k] = Clock::now();
        ++shard_disconnects;
      }
      if (pending[k] > 0 && Clock::now() - last_reply[k] > request_timeout) {
        LOG(WARNING) << "shard " << k << " answered nothing for " << request_timeout.count()
                     << " ms; sending new requests";
        pending[k] = 0;
        last_reply[k] = Clock::now();
      }
    }
    for (size_t k = 0; k < shards.size(); ++k)
      for (; pending[k] < in_flight; ++pending[k])
        if (!SendMessage(*shards[k], learner->NextRequest(static_cast<int>(k))).ok()) break;
    std::vector<zmq::pollitem_t> items;
    for (auto& s : shards) items.push_back({s->handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({weights_router->handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({control.socket()->handle(), 0, ZMQ_POLLIN, 0});
    (void)PollSockets(items.data(), items.size(), ctx.heartbeat_interval / 4);
    for (size_t k = 0; k < shards.size(); ++k) {
      RawMessage raw;
      // One batch per shard per pass, so that the control channel (heartbeats) is served between
      // updates even when one update takes a second (SAC+WkNN).
      for (int batches = 0; batches < 1; ++batches) {
        auto got = ReceiveMessage(*shards[k], /*is_router=*/false, &raw);
        if (!got.ok() || !*got) break;
        SampleBatch batch;
        Status status = raw.Decode(&batch);
        if (status.ok()) status = learner->OnSampleBatch(batch);
        // Too many batches the trainer cannot use: the run cannot learn. The last stats carry the
        // counters to the launcher, which ends the run with the same message.
        if (learner->too_many_rejected_batches()) {
          (void)control.SendStats(learner->TakeStats());
          return status;
        }
        if (!status.ok()) drops.Drop("bad sample batch", status);
        pending[k] = std::max(0, pending[k] - 1);
        last_reply[k] = Clock::now();
        if (learner->broadcast_due()) (void)SendMessage(*pub, learner->PublishWeights());
      }
    }
    answer_weights_requests();
    if (checkpoint_interval > 0 && learner->num_updates() >= next_checkpoint) {
      Status written = write_checkpoint();
      if (!written.ok()) LOG(ERROR) << "checkpoint at " << learner->num_updates() << " updates failed: " << written.message();
      while (next_checkpoint <= learner->num_updates()) next_checkpoint += checkpoint_interval;
    }
    if (Clock::now() - last_stats >= ctx.stats_interval) {
      Stats stats = learner->TakeStats();
      stats.scalars["learner/dropped_messages"] = static_cast<double>(drops.total());
      stats.scalars["learner/checkpoints"] = static_cast<double>(checkpoints_written);
      stats.scalars["learner/shard_disconnects"] = static_cast<double>(shard_disconnects);
      (void)control.SendStats(stats);
      last_stats = Clock::now();
    }
  }
  // The final version, then a checkpoint. It is not broadcast (the actors have stopped): the
  // evaluator asks for it on the weights ROUTER (the hand-off below, docs/runtime.md).
  (void)learner->PublishWeights();
  Status saved = learner->SaveCheckpoint(options.run_dir + "/checkpoints/final");
  if (!saved.ok()) LOG(ERROR) << "final checkpoint failed: " << saved.message();
  if (checkpoint_interval > 0) {
    Status sealed = write_checkpoint();
    if (!sealed.ok()) LOG(ERROR) << "final store checkpoint failed: " << sealed.message();
  }
  const int64_t final_version = learner->latest_weights().version;
  const bool hand_off = control.shutdown_reason() == "final_weights";
  Stats stats = learner->TakeStats();
  stats.scalars["learner/dropped_messages"] = static_cast<double>(drops.total());
  stats.scalars["learner/checkpoints"] = static_cast<double>(checkpoints_written);
  // The launcher waits for this report before it sends the evaluator its "final_evaluation".
  if (hand_off) stats.scalars["learner/final_weights_version"] = static_cast<double>(final_version);
  (void)control.SendStats(stats);
  LOG(INFO) << "learner done: " << learner->num_updates() << " updates, weights version " << final_version;
  if (hand_off) {
    // Hold the final weights ready for the evaluator, which asks for them, until the launcher's
    // "stop" (sent once the final evaluation is over).
    LOG(INFO) << "holding the final weights (version " << final_version << ") for the final evaluation";
    while (control.shutdown_reason() == "final_weights") {
      if (!control.launcher_alive()) return UnavailableError("launcher went silent; exiting");
      zmq::pollitem_t items[] = {{weights_router->handle(), 0, ZMQ_POLLIN, 0},
                                 {control.socket()->handle(), 0, ZMQ_POLLIN, 0}};
      (void)PollSockets(items, 2, ctx.heartbeat_interval / 4);
      answer_weights_requests();
      control.Poll();
    }
  }
  return Status::Ok();
}

}  // namespace slaterl
