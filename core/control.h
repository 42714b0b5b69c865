// core/control.h — a process's control channel to the launcher (docs/runtime.md, "Processes").
//
// Every role process owns one ControlClient: a DEALER connected to the launcher's ROUTER. It
// sends Hello once, then Heartbeats every `heartbeat_interval`, and Stats when asked. Heartbeats
// flow both ways; the launcher's heartbeats (or any message from it) keep the client alive. When
// nothing has come from the launcher for `liveness` intervals, launcher_alive() turns false and
// the process must exit, so no orphan survives a dead launcher. A Shutdown message sets
// shutdown_requested(); a later Shutdown replaces the reason and final weights version of an
// earlier one (core/messages.h). Single-threaded: call Poll() from the process's own loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "core/messages.h"
#include "core/status.h"
#include "core/transport.h"

namespace slaterl {

class ControlClient {
 public:
  using Clock = std::chrono::steady_clock;
  // `socket_options` carries the run's CURVE client keys when security is on (core/curve.h).
  ControlClient(zmq::context_t& context, std::string endpoint, Hello hello,
                std::chrono::milliseconds heartbeat_interval, int liveness, SocketOptions socket_options = {});

  // Connects and sends Hello.
  Status Connect();
  // Drains incoming control messages and sends a heartbeat when one is due. Never blocks.
  void Poll();
  Status SendStats(const Stats& stats);

  bool shutdown_requested() const { return shutdown_requested_; }
  const std::string& shutdown_reason() const { return shutdown_reason_; }
  // The newest Shutdown's final_weights_version (0 before any, or when the learner is gone).
  int64_t final_weights_version() const { return final_weights_version_; }
  // False once the launcher has been silent for `liveness` heartbeat intervals.
  bool launcher_alive() const;
  // The socket, for callers that want to include it in their own zmq::poll.
  zmq::socket_t* socket() { return socket_.get(); }

 private:
  zmq::context_t& context_;
  std::string endpoint_;
  Hello hello_;
  std::chrono::milliseconds heartbeat_interval_;
  int liveness_;
  SocketOptions socket_options_;
  std::unique_ptr<zmq::socket_t> socket_;
  Clock::time_point last_heard_;
  Clock::time_point last_sent_;
  uint64_t heartbeat_sequence_ = 0;
  bool shutdown_requested_ = false;
  std::string shutdown_reason_;
  int64_t final_weights_version_ = 0;
};

// Makes this process receive SIGKILL when its parent dies (Linux PR_SET_PDEATHSIG), and exits at
// once if the parent is already gone. Call first thing in every child process.
void DieWithParent();

}  // namespace slaterl
