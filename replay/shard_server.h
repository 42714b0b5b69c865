// replay/shard_server.h — the process main loop of one replay shard (docs/runtime.md, "Processes").
//
// Contract. RunShardServer owns, for its whole duration, a ShardCore (replay/shard.h), a PULL
// socket bound on `insert_endpoint` (actors PUSH fragments), a ROUTER socket bound on
// `sample_endpoint` (learners' DEALERs send SampleRequests and get SampleBatches back, routed by
// identity) and a ControlClient (core/control.h, role "shard") connected to the launcher's ROUTER.
// It runs a single-threaded loop:
//   zmq::poll(PULL — only while the core accepts fragments, ROUTER, control) with a finite timeout
//   (at most the heartbeat interval, at most the time to the next stats report; never infinite)
//   → read a bounded number of messages per socket → hand fragments and requests to the core →
//   ServeReady → send the batches (never blocking: a reply that cannot be queued is dropped and
//   counted) → ControlClient::Poll (heartbeats) → Stats every `stats_interval`.
// Every message is checked with core/wire.h before use: wrong frame count, bad header, a type not
// meant for that socket, an undecodable payload, or content the core rejects (fragment not
// matching the table, unknown table, bad batch size) is counted in the core's DropCounter and
// dropped — never a crash, never a partial table write. While the tables cannot take the next
// fragment (rate limiter, full queue) the PULL socket is not read, so back-pressure reaches the
// actors through ZeroMQ's bounded queues (HWMs below).
// Blocks the calling thread until Shutdown arrives on the control channel (returns OK), the
// launcher falls silent for `heartbeat_liveness` heartbeat intervals (returns Unavailable), or a
// setup/transport error occurs (returns that Status: InvalidArgument for bad options or tables,
// Unavailable for bind/connect failures, Internal for an unexpected exception). No exception
// escapes. Sends a last Stats report before returning when the control channel is up.
// Thread-safety: call from one thread; it creates and uses its sockets only on that thread. With
// `context` null it owns a fresh zmq::context_t; otherwise the caller's context must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/replay_spec.h"
#include "core/status.h"

namespace slaterl {

struct ShardServerOptions {
  int32_t shard_id = 0;
  std::vector<ReplayTableSpec> tables;
  std::string insert_endpoint;   // PULL, bound here
  std::string sample_endpoint;   // ROUTER, bound here
  std::string control_endpoint;  // the launcher's ROUTER; connected with a DEALER (ControlClient)
  std::chrono::milliseconds heartbeat_interval{1000};
  int heartbeat_liveness = 3;    // silent heartbeat intervals before the launcher counts as gone
  std::chrono::milliseconds stats_interval{5000};
  uint64_t seed = 0;             // run seed; sampling draws from DeriveSeed(seed, {kSeedReplay, id})
  int32_t incarnation = 0;       // restarts of this shard so far (Hello)
  std::string config_hash;       // Hello
  // Bounded memory: per-peer queue limits (messages) of the data sockets.
  int insert_receive_hwm = 64;   // fragments are 10–500 KB
  int sample_receive_hwm = 1024; // requests are tiny
  int sample_send_hwm = 256;     // batches waiting for a slow learner
  int32_t max_pending_requests_per_client = 64;
  int32_t max_backlog_fragments = 4;
  int max_messages_per_poll = 256;  // per socket and loop turn, so no socket starves the others
  zmq::context_t* context = nullptr;  // optional; must outlive the call
  // CURVE (core/curve.h), all empty = off: the run's server secret key for the two bound sockets
  // (checked against `allowed_clients` by a ZAP handler on the context), and the client keys for
  // the control channel.
  std::string curve_server_secret_key, curve_server_public_key, curve_client_public_key, curve_client_secret_key;
  std::set<std::string> allowed_clients;
  // Checkpoints, off when checkpoint_dir is empty: when a sample request carries a
  // checkpoint step N (the learner has just written its checkpoint N), the tables go to the
  // CheckpointStore in checkpoint_dir as checkpoint N (core/checkpoint_store.h; keep_last kept)
  // before the request is queued. With `restore`, checkpoint `restore_step` (> 0, launch --resume:
  // the run checkpoint the launcher chose) or else the newest valid one is loaded before serving.
  std::string checkpoint_dir;
  int checkpoint_keep_last = 2;
  bool restore = false;
  int64_t restore_step = 0;
};

Status RunShardServer(const ShardServerOptions& options);

}  // namespace slaterl
