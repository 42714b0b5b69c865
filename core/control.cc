#include "core/control.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>

#include "core/logging.h"
#include "core/transport.h"

namespace slaterl {

ControlClient::ControlClient(zmq::context_t& context, std::string endpoint, Hello hello,
                             std::chrono::milliseconds heartbeat_interval, int liveness, SocketOptions socket_options)
    : context_(context),
      endpoint_(std::move(endpoint)),
      hello_(std::move(hello)),
      heartbeat_interval_(heartbeat_interval),
      liveness_(liveness),
      socket_options_(std::move(socket_options)) {}

Status ControlClient::Connect() {
  SocketOptions options = socket_options_;
  options.linger_ms = 200;  // let the last Stats/Hello out on exit
  auto socket = OpenSocket(context_, zmq::socket_type::dealer, endpoint_, /*bind=*/false, options);
  if (!socket.ok()) return socket.status().WithContext("control channel");
  socket_ = std::move(socket).value();
  last_heard_ = last_sent_ = Clock::now();
  hello_.protocol_version = kProtocolVersion;
  hello_.pid = static_cast<int32_t>(::getpid());
  return SendMessage(*socket_, hello_, "", /*dont_wait=*/false);
}

void ControlClient::Poll() {
  if (!socket_) return;
  RawMessage raw;
  while (true) {
    auto got = ReceiveMessage(*socket_, /*is_router=*/false, &raw);
    if (!got.ok() || !*got) break;
    auto header = raw.Header();
    if (!header.ok()) continue;  // the launcher never sends garbage; ignore defensively
    last_heard_ = Clock::now();
    if (header->type == MessageType::kShutdown) {
      Shutdown shutdown;
      if (raw.Decode(&shutdown).ok()) {
        shutdown_requested_ = true;
        shutdown_reason_ = shutdown.reason;
        final_weights_version_ = shutdown.final_weights_version;
      }
    }
  }
  const auto now = Clock::now();
  if (now - last_sent_ >= heartbeat_interval_) {
    Heartbeat heartbeat;
    heartbeat.sequence = ++heartbeat_sequence_;
    (void)SendMessage(*socket_, heartbeat);
    last_sent_ = now;
  }
}

Status ControlClient::SendStats(const Stats& stats) {
  if (!socket_) return FailedPreconditionError("control channel not connected");
  last_sent_ = Clock::now();
  return SendMessage(*socket_, stats);
}

bool ControlClient::launcher_alive() const {
  return Clock::now() - last_heard_ < heartbeat_interval_ * liveness_;
}

void DieWithParent() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) std::_Exit(3);  // parent died before prctl took effect
}

}  // namespace slaterl
