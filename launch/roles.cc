#include "launch/roles.h"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <zmq.hpp>

#include "actors/actor.h"
#include "actors/evaluator.h"
#include "algos/common/torch_util.h"
#include "core/checkpoint_store.h"
#include "core/json.h"
#include "core/control.h"
#include "core/curve.h"
#include "core/endpoints.h"
#include "core/files.h"
#include "core/logging.h"
#include "core/transport.h"
#include "launch/run_config.h"
#include "learner/learner.h"
#include "replay/shard_server.h"

namespace slaterl {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What every role process sets up first: its config, endpoints and control channel.
struct RoleContext {
  RunConfig run;
  RunObjects objects;
  RunEndpoints endpoints;
  milliseconds heartbeat_interval{500};
  int liveness = 6;
  milliseconds stats_interval{500};
  bool curve = false;  // security.curve: the run's keys below secure every socket
  RunKeys keys;

  // `base` plus the run's CURVE server (bound sockets) or client (connecting sockets) keys.
  SocketOptions Server(SocketOptions base = {}) const {
    if (curve) base.curve_secret_key = keys.server.secret_key;
    return base;
  }
  SocketOptions Client(SocketOptions base = {}) const {
    if (curve) {
      base.curve_server_key = keys.server.public_key;
      base.curve_public_key = keys.client.public_key;
      base.curve_secret_key = keys.client.secret_key;
    }
    return base;
  }
  // Server roles authenticate clients on their context (before binding; keep it alive longer
  // than the sockets).
  Result<std::unique_ptr<ZapAuthenticator>> StartZap(zmq::context_t& zmq_context) const {
    if (!curve) return std::unique_ptr<ZapAuthenticator>();
    return ZapAuthenticator::Start(zmq_context, keys.allowed_clients);
  }
};

Result<RoleContext> MakeRoleContext(const RoleOptions& options) {
  RoleContext ctx;
  ASSIGN_OR_RETURN(ctx.run, LoadRun(options.run_dir + "/config.yaml"));
  ASSIGN_OR_RETURN(ctx.objects, ResolveRunObjects(ctx.run, 1));
  ASSIGN_OR_RETURN(ctx.endpoints, RunEndpointsFor(ctx.run, options.socket_dir, options.launcher_address));
  ctx.heartbeat_interval = milliseconds(ctx.run.cluster.GetInt("heartbeat_interval_ms"));
  ctx.liveness = static_cast<int>(ctx.run.cluster.GetInt("liveness"));
  ctx.stats_interval = milliseconds(static_cast<int64_t>(
      std::max(50.0, std::min(1000.0, 500.0 * ctx.run.reporting.GetDouble("interval_s")))));
  ctx.curve = CurveEnabled(ctx.run, /*any_tcp_endpoint=*/ctx.run.cluster.GetString("backend") == "hosts");
  if (ctx.curve) {
    ASSIGN_OR_RETURN(ctx.keys, LoadRunKeys(options.run_dir + "/keys"));
  }
  return ctx;
}

Hello MakeHello(const RoleOptions& options, const RoleContext& ctx) {
  Hello hello;
  hello.role = options.role;
  hello.id = options.id;
  hello.incarnation = options.incarnation;
  hello.config_hash = ctx.run.hash;
  return hello;
}

// The role's control channel to the launcher, connected (Hello sent).
Result<std::unique_ptr<ControlClient>> ConnectControl(zmq::context_t& zmq_context, const RoleOptions& options,
                                                      const RoleContext& ctx) {
  auto control = std::make_unique<ControlClient>(zmq_context, ctx.endpoints.control, MakeHello(options, ctx),
                                                 ctx.heartbeat_interval, ctx.liveness, ctx.Client());
  RETURN_IF_ERROR(control->Connect());
  return control;
}

// Subscriber side of weight broadcasts: SUB for new versions plus a DEALER that asks the
// learner once for the current version (late joiners miss earlier PUB messages).
class WeightsReceiver {
 public:
  Status Open(zmq::context_t& zmq_context, const RoleContext& ctx, const Hello& hello) {
    SocketOptions sub_options;
    sub_options.subscribe = {""};
    sub_options.receive_hwm = 4;  // only the newest versions matter
    ASSIGN_OR_RETURN(sub_, OpenSocket(zmq_context, zmq::socket_type::sub, ctx.endpoints.weights_pub,
                                      /*bind=*/false, ctx.Client(sub_options)));
    ASSIGN_OR_RETURN(request_, OpenSocket(zmq_context, zmq::socket_type::dealer,
                                          ctx.endpoints.weights_request, /*bind=*/false, ctx.Client()));
    return SendMessage(*request_, hello);
  }
  // Decodes every waiting Weights message; keeps the newest in *latest. Returns true if any came.
  bool Drain(Weights* latest, DropCounter* drops) {
    bool any = false;
    for (zmq::socket_t* socket : {sub_.get(), request_.get()}) {
      RawMessage raw;
      while (true) {
        auto got = ReceiveMessage(*socket, /*is_router=*/false, &raw);
        if (!got.ok() || !*got) break;
        Weights weights;
        Status status = raw.Decode(&weights);
        if (!status.ok()) {
          drops->Drop("bad weights message", status);
          continue;
        }
        if (weights.version > latest->version) {
          *latest = std::move(weights);
          any = true;
        }
      }
    }
    return any;
  }
  zmq::socket_t* sub() { return sub_.get(); }

 private:
  std::unique_ptr<zmq::socket_t> sub_, request_;
};

// ---- actor ---------------------------------------------------------------------------------------

Status RunActor(const RoleOptions& options) {
  ASSIGN_OR_RETURN(RoleContext ctx, MakeRoleContext(options));
  zmq::context_t zmq_context(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> control_client, ConnectControl(zmq_context, options, ctx));
  ControlClient& control = *control_client;
  const int shard = options.id % static_cast<int>(ctx.endpoints.shard_insert.size());
  SocketOptions push_options;
  push_options.send_hwm = 8;  // bounded: a slow shard pushes back on the actor
  // Whole trajectories (GeMS protocol): at most one waiting on this side.
  if (ctx.objects.algo->replay_spec(ctx.run.config, ctx.objects.context).trajectory_steps > 0) push_options.send_hwm = 1;
  ASSIGN_OR_RETURN(auto push, OpenSocket(zmq_context, zmq::socket_type::push,
                                         ctx.endpoints.shard_insert[shard], /*bind=*/false, ctx.Client(push_options)));
  WeightsReceiver weights_receiver;
  RETURN_IF_ERROR(weights_receiver.Open(zmq_context, ctx, MakeHello(options, ctx)));
  ASSIGN_OR_RETURN(auto actor, ActorCore::Create(ctx.run, *ctx.objects.env, *ctx.objects.algo,
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

// ---- learner -------------------------------------------------------------------------------------

Status RunLearner(const RoleOptions& options) {
  ASSIGN_OR_RETURN(RoleContext ctx, MakeRoleContext(options));
  zmq::context_t zmq_context(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> control_client, ConnectControl(zmq_context, options, ctx));
  ControlClient& control = *control_client;
  ASSIGN_OR_RETURN(auto learner, LearnerCore::Create(ctx.run, *ctx.objects.env, *ctx.objects.algo));
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
  // this much silence with requests pending, the learner asks again. (Long: a shard legitimately
  // stays silent while it fills up to min_size or while its rate limiter waits for inserts. A
  // shard that died is noticed at once by its DisconnectMonitor instead.)
  const auto request_timeout = std::chrono::milliseconds(60000);
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
    // A restarted (or resumed) learner continues from the newest valid checkpoint (issue 8).
    std::vector<std::string> skipped;
    Result<CheckpointInfo> latest = store.AtOrLatest(options.resume ? options.checkpoint_step : 0, &skipped);
    for (const auto& why : skipped) LOG(WARNING) << "skipping a checkpoint: " << why;
    if (latest.ok()) {
      ASSIGN_OR_RETURN(std::string counters, ReadFile(latest->path + "/counters.json"));
      double updates = 0, version = 0;
      JsonGetNumber(counters, "num_updates", &updates);
      JsonGetNumber(counters, "weights_version", &version);
      RETURN_IF_ERROR(learner->RestoreCheckpoint(latest->path + "/learner", static_cast<int64_t>(updates),
                                                 static_cast<int64_t>(version), options.weights_version_floor));
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
        if (!status.ok()) drops.Drop("bad sample batch", status);
        pending[k] = std::max(0, pending[k] - 1);
        last_reply[k] = Clock::now();
        if (learner->broadcast_due()) (void)SendMessage(*pub, learner->PublishWeights());
      }
    }
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
  // Final weights for the evaluator's final evaluation, then a checkpoint.
  (void)SendMessage(*pub, learner->PublishWeights(), "", /*dont_wait=*/false);
  Status saved = learner->SaveCheckpoint(options.run_dir + "/checkpoints/final");
  if (!saved.ok()) LOG(ERROR) << "final checkpoint failed: " << saved.message();
  if (checkpoint_interval > 0) {
    Status sealed = write_checkpoint();
    if (!sealed.ok()) LOG(ERROR) << "final store checkpoint failed: " << sealed.message();
  }
  Stats stats = learner->TakeStats();
  stats.scalars["learner/dropped_messages"] = static_cast<double>(drops.total());
  stats.scalars["learner/checkpoints"] = static_cast<double>(checkpoints_written);
  (void)control.SendStats(stats);
  LOG(INFO) << "learner done: " << learner->num_updates() << " updates, weights version "
            << learner->latest_weights().version;
  return Status::Ok();
}

// ---- evaluator -----------------------------------------------------------------------------------

Status RunEvaluator(const RoleOptions& options) {
  ASSIGN_OR_RETURN(RoleContext ctx, MakeRoleContext(options));
  zmq::context_t zmq_context(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> control_client, ConnectControl(zmq_context, options, ctx));
  ControlClient& control = *control_client;
  WeightsReceiver weights_receiver;
  RETURN_IF_ERROR(weights_receiver.Open(zmq_context, ctx, MakeHello(options, ctx)));
  ASSIGN_OR_RETURN(auto evaluator, EvaluatorCore::Create(ctx.run, *ctx.objects.env, *ctx.objects.algo));
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
    // The learner published its final weights before it exited; take them.
    auto deadline = Clock::now() + std::chrono::milliseconds(500);
    while (Clock::now() < deadline) {
      if (weights_receiver.Drain(&latest, &drops)) RETURN_IF_ERROR(evaluator->ApplyWeights(latest));
      zmq::pollitem_t item{weights_receiver.sub()->handle(), 0, ZMQ_POLLIN, 0};
      (void)PollSockets(&item, 1, std::chrono::milliseconds(20));
    }
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

// ---- replay shard --------------------------------------------------------------------------------

Status RunShard(const RoleOptions& options) {
  ASSIGN_OR_RETURN(RoleContext ctx, MakeRoleContext(options));
  ShardServerOptions shard;
  shard.shard_id = options.id;
  const ReplaySpec replay_spec = ctx.objects.algo->replay_spec(ctx.run.config, ctx.objects.context);
  shard.tables = replay_spec.tables;
  // Whole-trajectory replay (GeMS protocol): keep the queue in front of the rate limiter short, so
  // actors wait instead of running ahead of the learner with stale weights.
  if (replay_spec.trajectory_steps > 0) shard.insert_receive_hwm = 2;
  shard.insert_endpoint = ctx.endpoints.shard_insert.at(options.id);
  shard.sample_endpoint = ctx.endpoints.shard_sample.at(options.id);
  shard.control_endpoint = ctx.endpoints.control;
  shard.config_hash = ctx.run.hash;
  shard.incarnation = options.incarnation;
  shard.heartbeat_interval = ctx.heartbeat_interval;
  shard.heartbeat_liveness = ctx.liveness;
  shard.stats_interval = ctx.stats_interval;
  shard.seed = ctx.run.seed;
  if (ctx.run.checkpoint.GetInt("interval_updates") > 0) {
    shard.checkpoint_dir = options.run_dir + "/checkpoints/shard-" + std::to_string(options.id);
    shard.checkpoint_keep_last = static_cast<int>(ctx.run.checkpoint.GetInt("keep_last"));
    shard.restore = options.incarnation > 0 || options.resume;
    if (options.resume) shard.restore_step = options.checkpoint_step;
  }
  if (ctx.curve) {
    shard.curve_server_secret_key = ctx.keys.server.secret_key;
    shard.curve_server_public_key = ctx.keys.server.public_key;
    shard.curve_client_public_key = ctx.keys.client.public_key;
    shard.curve_client_secret_key = ctx.keys.client.secret_key;
    shard.allowed_clients = ctx.keys.allowed_clients;
  }
  return RunShardServer(shard);
}

}  // namespace

Result<RunEndpoints> RunEndpointsFor(const RunConfig& run, const std::string& socket_dir,
                                     const std::string& launcher_address) {
  if (run.cluster.GetString("backend") != "hosts")
    return RunEndpoints::ForIpcDirectory(socket_dir, static_cast<int>(run.cluster.GetInt("replay_shards")));
  ASSIGN_OR_RETURN(std::vector<HostSpec> hosts, ParseHostList(run.cluster.GetString("hosts")));
  if (launcher_address.empty()) return InvalidArgumentError("backend hosts: no launcher address");
  return RunEndpoints::ForHosts(launcher_address, hosts, static_cast<int>(run.cluster.GetInt("base_port")));
}

Status RunRole(const RoleOptions& options) {
  SetLogTag(options.role + "-" + std::to_string(options.id));
  ConfigureTorchForRole(/*num_threads=*/1);
  try {
    if (options.role == "actor") return RunActor(options);
    if (options.role == "learner") return RunLearner(options);
    if (options.role == "evaluator") return RunEvaluator(options);
    if (options.role == "shard") return RunShard(options);
  } catch (const zmq::error_t& e) {
    return UnavailableError(std::string("ZeroMQ: ") + e.what());
  } catch (const std::exception& e) {
    return InternalError(std::string("unexpected exception: ") + e.what());
  }
  return InvalidArgumentError("unknown role '" + options.role + "'");
}

}  // namespace slaterl
