// core/transport.h — ZeroMQ socket helpers shared by every process role.
//
// Sockets are owned by the caller (std::unique_ptr<zmq::socket_t>) and are not thread-safe, as in
// ZeroMQ itself. Every function here catches zmq::error_t and returns a Status naming the socket
// and endpoint. Receive never blocks (ZMQ_DONTWAIT); wait with PollSockets and a finite timeout.
// Malformed input never throws: ReceiveMessage returns it as a RawMessage whose Decode fails, and
// DropCounter counts the drop and logs the first of each kind.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/status.h"
#include "core/wire.h"

namespace slaterl {

struct SocketOptions {
  int send_hwm = 1000;
  int receive_hwm = 1000;
  int linger_ms = 0;
  bool router_mandatory = false;
  std::vector<std::string> subscribe;  // SUB sockets: topic prefixes ("" = everything)
  // CURVE (core/curve.h). Server: curve_secret_key set, curve_server_key empty (the socket
  // authenticates clients through the context's ZapAuthenticator). Client: curve_server_key (the
  // server's public key) plus this client's curve_public_key / curve_secret_key. All empty = off.
  std::string curve_public_key, curve_secret_key, curve_server_key;
};

// Opens `type` and binds (bind = true) or connects it to `endpoint`. A tcp://ADDRESS:PORT
// endpoint names where peers connect: binding it listens on tcp://*:PORT.
Result<std::unique_ptr<zmq::socket_t>> OpenSocket(zmq::context_t& context, zmq::socket_type type,
                                                  const std::string& endpoint, bool bind,
                                                  const SocketOptions& options = {});

// One received message: for ROUTER sockets `identity` holds the peer's routing id.
struct RawMessage {
  std::string identity;
  std::vector<zmq::message_t> frames;  // header, payload (identity already removed)
  Result<WireHeader> Header() const;
  template <typename M>
  Status Decode(M* out) const {
    if (frames.size() != 2)
      return DataLossError("expected 2 frames (header, payload), got " + std::to_string(frames.size()));
    return ::slaterl::Decode(frames[0].data(), frames[0].size(), frames[1].data(), frames[1].size(),
                             out);
  }
};

// Receives one whole multipart message if one is waiting. Returns false when none is.
Result<bool> ReceiveMessage(zmq::socket_t& socket, bool is_router, RawMessage* out);

// Sends [header, payload] (prefixed by `identity` when non-empty, for ROUTER sockets).
// With dont_wait, a full queue gives ResourceExhausted instead of blocking.
Status SendEncoded(zmq::socket_t& socket, const EncodedMessage& message,
                   const std::string& identity = "", bool dont_wait = true);
template <typename M>
Status SendMessage(zmq::socket_t& socket, const M& message, const std::string& identity = "",
                   bool dont_wait = true) {
  return SendEncoded(socket, Encode(message), identity, dont_wait);
}

// zmq::poll that treats a signal (EINTR) as a timeout instead of throwing, so Ctrl-C reaches
// the caller's loop. Returns the number of ready items (0 on timeout or interruption).
Result<int> PollSockets(zmq::pollitem_t* items, size_t count, std::chrono::milliseconds timeout);

// Counts dropped messages by reason and logs the first drop of each reason. Not thread-safe.
// Watches one socket for lost peers (zmq_socket_monitor, ZMQ_EVENT_DISCONNECTED): a peer process
// that died takes the messages queued to it along (e.g. a replay shard and the learner's pending
// sample requests), and its owner wants to know at once rather than after a long timeout.
// Owns a PAIR socket connected to the monitor endpoint; not thread-safe: poll it from the watched
// socket's owner thread. Never blocks. Destroy it before the watched socket's context.
class DisconnectMonitor {
 public:
  // `name` must be unique within `context` (it names the inproc endpoint).
  static Result<std::unique_ptr<DisconnectMonitor>> Attach(zmq::context_t& context, zmq::socket_t& socket,
                                                           const std::string& name);
  // Disconnections seen since the last call.
  int TakeDisconnects();

 private:
  explicit DisconnectMonitor(std::unique_ptr<zmq::socket_t> pair) : pair_(std::move(pair)) {}
  std::unique_ptr<zmq::socket_t> pair_;
};

class DropCounter {
 public:
  explicit DropCounter(std::string owner) : owner_(std::move(owner)) {}
  void Drop(const std::string& reason, const Status& detail);
  int64_t total() const { return total_; }
  const std::map<std::string, int64_t>& by_reason() const { return by_reason_; }
  // Snapshots: continues counting from restored counts (the total is their sum).
  void Restore(const std::map<std::string, int64_t>& by_reason) {
    by_reason_ = by_reason;
    total_ = 0;
    for (const auto& kv : by_reason_) total_ += kv.second;
  }

 private:
  std::string owner_;
  int64_t total_ = 0;
  std::map<std::string, int64_t> by_reason_;
};

}  // namespace slaterl
