#include "replay/shard_server.h"

#include <functional>

#include "core/curve.h"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "core/checkpoint_store.h"
#include "core/control.h"
#include "core/logging.h"
#include "core/messages.h"
#include "core/rng.h"
#include "core/transport.h"
#include "core/wire.h"
#include "replay/shard.h"

namespace slaterl {
namespace {

using Clock = std::chrono::steady_clock;

Status ValidateOptions(const ShardServerOptions& options) {
  const std::string where = "replay shard server " + std::to_string(options.shard_id) + ": ";
  if (options.insert_endpoint.empty() || options.sample_endpoint.empty() ||
      options.control_endpoint.empty())
    return InvalidArgumentError(where + "insert, sample and control endpoints are required");
  if (options.heartbeat_interval.count() <= 0 || options.stats_interval.count() <= 0)
    return InvalidArgumentError(where + "heartbeat_interval and stats_interval must be > 0");
  if (options.heartbeat_liveness < 1)
    return InvalidArgumentError(where + "heartbeat_liveness must be >= 1");
  if (options.insert_receive_hwm <= 0 || options.sample_receive_hwm <= 0 ||
      options.sample_send_hwm <= 0 || options.max_messages_per_poll <= 0)
    return InvalidArgumentError(where + "socket HWMs and max_messages_per_poll must be > 0");
  return Status::Ok();
}

// Checks frames, header and type of `raw`, decodes it as M and counts every failure in `core`
// under its own reason. Returns nullopt for a dropped message.
template <typename M>
std::optional<M> DecodeOrDrop(const RawMessage& raw, const char* socket_name, ShardCore& core) {
  if (raw.frames.size() != 2) {
    core.RecordDrop("bad_frame_count",
                    DataLossError(std::string(socket_name) + ": expected 2 frames (header, payload), got " +
                                  std::to_string(raw.frames.size())));
    return std::nullopt;
  }
  Result<WireHeader> header = raw.Header();
  if (!header.ok()) {
    core.RecordDrop("bad_header", header.status().WithContext(socket_name));
    return std::nullopt;
  }
  if (header->type != M::kType) {
    core.RecordDrop("wrong_type",
                    InvalidArgumentError(std::string(socket_name) + ": a " +
                                         MessageTypeName(header->type) + " message, expected " +
                                         MessageTypeName(M::kType)));
    return std::nullopt;
  }
  M message;
  Status status = raw.Decode(&message);
  if (!status.ok()) {
    core.RecordDrop("bad_payload", status.WithContext(socket_name));
    return std::nullopt;
  }
  return message;
}

// Reads up to `max_messages` fragments while the core accepts them. Errors: transport failures.
Status DrainInserts(zmq::socket_t& pull, ShardCore& core, int max_messages) {
  RawMessage raw;
  for (int i = 0; i < max_messages && core.accepting_fragments(); ++i) {
    Result<bool> got = ReceiveMessage(pull, /*is_router=*/false, &raw);
    if (!got.ok()) return got.status().WithContext("insert socket");
    if (!*got) break;
    std::optional<Fragment> fragment = DecodeOrDrop<Fragment>(raw, "insert socket", core);
    if (fragment) (void)core.HandleFragment(std::move(*fragment));  // the core counts rejections
  }
  return Status::Ok();
}

// Reads up to `max_messages` sample requests. Errors: transport failures.
// `checkpoint(step)` runs for a request that carries a checkpoint step, before it is queued.
Status DrainRequests(zmq::socket_t& router, ShardCore& core, int max_messages,
                     const std::function<void(int64_t)>& checkpoint) {
  RawMessage raw;
  for (int i = 0; i < max_messages; ++i) {
    Result<bool> got = ReceiveMessage(router, /*is_router=*/true, &raw);
    if (!got.ok()) return got.status().WithContext("sample socket");
    if (!*got) break;
    std::optional<SampleRequest> request = DecodeOrDrop<SampleRequest>(raw, "sample socket", core);
    if (!request) continue;
    if (request->checkpoint_step > 0) checkpoint(request->checkpoint_step);
    (void)core.EnqueueSampleRequest(raw.identity, *request);  // counted by the core
  }
  return Status::Ok();
}

// Answers what the core can serve now. A reply that cannot be queued (learner gone, its queue at
// the HWM) is dropped and counted; the learner re-requests on its own schedule.
void ServeAndReply(zmq::socket_t& router, ShardCore& core, Rng& rng) {
  for (auto& reply : core.ServeReady(rng)) {
    Status status = SendMessage(router, reply.second, reply.first, /*dont_wait=*/true);
    if (!status.ok()) core.RecordDrop("reply_not_sent", status.WithContext("sample socket"));
  }
}

Status RunLoop(const ShardServerOptions& options, zmq::context_t& context) {
  ShardOptions shard_options;
  shard_options.shard_id = options.shard_id;
  shard_options.tables = options.tables;
  shard_options.max_pending_requests_per_client = options.max_pending_requests_per_client;
  shard_options.max_backlog_fragments = options.max_backlog_fragments;
  ASSIGN_OR_RETURN(std::unique_ptr<ShardCore> core, ShardCore::Create(shard_options));

  std::unique_ptr<ZapAuthenticator> zap;  // before the sockets: destroyed after them
  const bool curve = !options.curve_server_secret_key.empty();
  if (curve) {
    ASSIGN_OR_RETURN(zap, ZapAuthenticator::Start(context, options.allowed_clients));
  }
  SocketOptions pull_options;
  pull_options.curve_secret_key = options.curve_server_secret_key;
  pull_options.receive_hwm = options.insert_receive_hwm;
  ASSIGN_OR_RETURN(std::unique_ptr<zmq::socket_t> pull,
                   OpenSocket(context, zmq::socket_type::pull, options.insert_endpoint,
                              /*bind=*/true, pull_options));
  SocketOptions router_options;
  router_options.curve_secret_key = options.curve_server_secret_key;
  router_options.receive_hwm = options.sample_receive_hwm;
  router_options.send_hwm = options.sample_send_hwm;
  router_options.router_mandatory = true;  // unroutable or queue-full replies are counted
  ASSIGN_OR_RETURN(std::unique_ptr<zmq::socket_t> router,
                   OpenSocket(context, zmq::socket_type::router, options.sample_endpoint,
                              /*bind=*/true, router_options));

  Hello hello;
  hello.role = "shard";
  hello.id = options.shard_id;
  hello.incarnation = options.incarnation;
  hello.config_hash = options.config_hash;
  SocketOptions control_options;
  if (curve) {
    control_options.curve_server_key = options.curve_server_public_key;
    control_options.curve_public_key = options.curve_client_public_key;
    control_options.curve_secret_key = options.curve_client_secret_key;
  }
  ControlClient control(context, options.control_endpoint, hello, options.heartbeat_interval,
                        options.heartbeat_liveness, control_options);
  RETURN_IF_ERROR(control.Connect());
  LOG(INFO) << "replay shard " << options.shard_id << " serving inserts on "
            << options.insert_endpoint << " and samples on " << options.sample_endpoint;

  Rng rng(DeriveSeed(options.seed, {kSeedReplay, static_cast<uint64_t>(options.shard_id)}));
  std::optional<CheckpointStore> store;
  int64_t last_checkpoint = -1;
  if (!options.checkpoint_dir.empty()) {
    ASSIGN_OR_RETURN(CheckpointStore opened, CheckpointStore::Open(options.checkpoint_dir, options.checkpoint_keep_last));
    store = std::move(opened);
    if (options.restore) {
      std::vector<std::string> skipped;
      Result<CheckpointInfo> latest = store->AtOrLatest(options.restore_step, &skipped);
      for (const auto& why : skipped) LOG(WARNING) << "skipping a shard checkpoint: " << why;
      if (latest.ok()) {
        RETURN_IF_ERROR(core->LoadCheckpoint(latest->path));
        last_checkpoint = latest->step;
        // Newer checkpoints were skipped as invalid (or belong to a redone part of the run).
        ASSIGN_OR_RETURN(std::vector<std::string> moved, store->SetAsideNewerThan(latest->step));
        for (const auto& path : moved) LOG(WARNING) << "replay shard " << options.shard_id << ": set aside " << path;
        LOG(INFO) << "replay shard " << options.shard_id << " restored from " << latest->path << " ("
                  << core->fragments() << " fragments, " << core->env_steps() << " env steps)";
      } else {
        LOG(WARNING) << "replay shard " << options.shard_id << " restarted with no valid checkpoint: empty tables";
      }
    }
  }
  // Checkpoint `step` of the run, asked for by the learner right after its own (monotonic: a
  // step not above the newest one, e.g. from a learner restarted from an older checkpoint, is
  // skipped).
  std::function<void(int64_t)> checkpoint = [&](int64_t step) {
    if (!store) return;
    if (step <= last_checkpoint) {
      LOG(WARNING) << "replay shard " << options.shard_id << ": checkpoint " << step << " asked for, but "
                   << last_checkpoint << " exists already; skipped";
      return;
    }
    Status written = [&]() -> Status {
      ASSIGN_OR_RETURN(std::string tmp, store->Begin(step));
      RETURN_IF_ERROR(core->SaveCheckpoint(tmp));
      return store->Commit(step);
    }();
    if (written.ok()) last_checkpoint = step;
    else LOG(ERROR) << "replay shard " << options.shard_id << " checkpoint " << step << " failed: " << written.message();
  };
  const auto poll_interval =
      std::max(std::chrono::milliseconds(1), options.heartbeat_interval / 2);
  auto next_stats = Clock::now() + options.stats_interval;
  Status result;
  while (true) {
    control.Poll();
    if (control.shutdown_requested()) {
      LOG(INFO) << "replay shard " << options.shard_id << " shutting down: "
                << control.shutdown_reason();
      result = Status::Ok();
      break;
    }
    if (!control.launcher_alive()) {
      result = UnavailableError("replay shard " + std::to_string(options.shard_id) +
                                ": the launcher has been silent for " +
                                std::to_string(options.heartbeat_liveness) +
                                " heartbeat intervals");
      LOG(WARNING) << result.message() << "; exiting";
      break;
    }

    const auto now = Clock::now();
    if (now >= next_stats) {
      (void)control.SendStats(core->MakeStats());
      next_stats = now + options.stats_interval;
    }
    auto timeout = std::min(poll_interval, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               next_stats - now) + std::chrono::milliseconds(1));
    timeout = std::max(timeout, std::chrono::milliseconds(1));

    // The PULL socket is polled (and read) only while the core can take fragments.
    const bool read_inserts = core->accepting_fragments();
    std::vector<zmq::pollitem_t> items = {
        {router->handle(), 0, ZMQ_POLLIN, 0},
        {control.socket()->handle(), 0, ZMQ_POLLIN, 0},
    };
    if (read_inserts) items.push_back({pull->handle(), 0, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items, timeout);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;
    }

    if (items[0].revents & ZMQ_POLLIN)
      RETURN_IF_ERROR(DrainRequests(*router, *core, options.max_messages_per_poll, checkpoint));
    if (read_inserts && (items[2].revents & ZMQ_POLLIN))
      RETURN_IF_ERROR(DrainInserts(*pull, *core, options.max_messages_per_poll));
    ServeAndReply(*router, *core, rng);
  }
  (void)control.SendStats(core->MakeStats());
  return result;
}

}  // namespace

Status RunShardServer(const ShardServerOptions& options) {
  try {
    RETURN_IF_ERROR(ValidateOptions(options));
    if (options.context != nullptr) return RunLoop(options, *options.context);
    zmq::context_t context(1);
    return RunLoop(options, context);
  } catch (const zmq::error_t& e) {
    return UnavailableError("replay shard " + std::to_string(options.shard_id) + ": ZeroMQ: " +
                            e.what());
  } catch (const std::exception& e) {
    return InternalError("replay shard " + std::to_string(options.shard_id) + ": " + e.what());
  } catch (...) {
    return InternalError("replay shard " + std::to_string(options.shard_id) +
                         ": unknown exception");
  }
}

}  // namespace slaterl
