#include "core/transport.h"

#include <cerrno>
#include <cstring>

#include "core/logging.h"

namespace slaterl {

Result<std::unique_ptr<zmq::socket_t>> OpenSocket(zmq::context_t& context, zmq::socket_type type,
                                                  const std::string& endpoint, bool bind,
                                                  const SocketOptions& options) {
  try {
    auto socket = std::make_unique<zmq::socket_t>(context, type);
    socket->set(zmq::sockopt::linger, options.linger_ms);
    socket->set(zmq::sockopt::sndhwm, options.send_hwm);
    socket->set(zmq::sockopt::rcvhwm, options.receive_hwm);
    if (!options.curve_secret_key.empty() && options.curve_server_key.empty()) {  // CURVE server
      socket->set(zmq::sockopt::curve_server, 1);
      socket->set(zmq::sockopt::curve_secretkey, options.curve_secret_key);
      socket->set(zmq::sockopt::zap_domain, std::string("slaterl"));
    } else if (!options.curve_server_key.empty()) {  // CURVE client
      socket->set(zmq::sockopt::curve_serverkey, options.curve_server_key);
      socket->set(zmq::sockopt::curve_publickey, options.curve_public_key);
      socket->set(zmq::sockopt::curve_secretkey, options.curve_secret_key);
    }
    // Reject absurd frames before they are buffered (2× the payload limit covers framing).
    socket->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxPayloadBytes) + 64);
    if (type == zmq::socket_type::router && options.router_mandatory)
      socket->set(zmq::sockopt::router_mandatory, 1);
    if (type == zmq::socket_type::sub)
      for (const auto& topic : options.subscribe) socket->set(zmq::sockopt::subscribe, topic);
    if (bind && endpoint.rfind("tcp://", 0) == 0 && endpoint.find_last_of(':') > 6) {
      // tcp://ADDRESS:PORT names where peers connect; the binding side listens on every interface.
      socket->bind("tcp://*" + endpoint.substr(endpoint.find_last_of(':')));
    } else if (bind) {
      socket->bind(endpoint);
    } else
      socket->connect(endpoint);
    return socket;
  } catch (const zmq::error_t& e) {
    return UnavailableError(std::string(bind ? "bind" : "connect") + " " + endpoint + ": " + e.what());
  }
}

Result<WireHeader> RawMessage::Header() const {
  if (frames.size() != 2)
    return DataLossError("expected 2 frames (header, payload), got " + std::to_string(frames.size()));
  return DecodeHeader(frames[0].data(), frames[0].size(), frames[1].size());
}

Result<bool> ReceiveMessage(zmq::socket_t& socket, bool is_router, RawMessage* out) {
  out->identity.clear();
  out->frames.clear();
  try {
    bool first = true;
    while (true) {
      zmq::message_t frame;
      auto received = socket.recv(frame, first ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
      if (!received) return false;
      const bool more = frame.more();
      if (first && is_router) {
        out->identity.assign(static_cast<const char*>(frame.data()), frame.size());
      } else if (out->frames.size() < 8) {
        out->frames.push_back(std::move(frame));
      }  // else: absurd frame counts are truncated; Decode rejects them
      first = false;
      if (!more) break;
    }
    return true;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR && out->frames.empty() && out->identity.empty()) return false;  // retry later
    return UnavailableError(std::string("receive: ") + e.what());
  }
}

Status SendEncoded(zmq::socket_t& socket, const EncodedMessage& message, const std::string& identity,
                   bool dont_wait) {
  const auto more = dont_wait ? (zmq::send_flags::sndmore | zmq::send_flags::dontwait)
                              : zmq::send_flags::sndmore;
  const auto last = dont_wait ? zmq::send_flags::dontwait : zmq::send_flags::none;
  try {
    if (!identity.empty()) {
      if (!socket.send(zmq::buffer(identity), more)) return ResourceExhaustedError("send queue full");
    }
    if (!socket.send(zmq::buffer(message.header), more)) return ResourceExhaustedError("send queue full");
    if (!socket.send(zmq::buffer(message.payload), last)) return ResourceExhaustedError("send queue full");
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return ResourceExhaustedError("send interrupted by a signal; retry");
    return UnavailableError(std::string("send: ") + e.what());
  }
}

Result<int> PollSockets(zmq::pollitem_t* items, size_t count, std::chrono::milliseconds timeout) {
  try {
    return zmq::poll(items, count, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return 0;
    return UnavailableError(std::string("poll: ") + e.what());
  }
}

void DropCounter::Drop(const std::string& reason, const Status& detail) {
  ++total_;
  if (by_reason_[reason]++ == 0) {
    LOG(WARNING) << owner_ << ": dropped a message (" << reason << "): " << detail.message()
                 << " (further drops of this kind are counted, not logged)";
  }
}

Result<std::unique_ptr<DisconnectMonitor>> DisconnectMonitor::Attach(zmq::context_t& context, zmq::socket_t& socket,
                                                                     const std::string& name) {
  const std::string endpoint = "inproc://disconnect-monitor-" + name;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), ZMQ_EVENT_DISCONNECTED) != 0)
    return UnavailableError("cannot monitor socket '" + name + "': " + zmq_strerror(zmq_errno()));
  try {
    auto pair = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
    pair->set(zmq::sockopt::linger, 0);
    pair->connect(endpoint);
    return std::unique_ptr<DisconnectMonitor>(new DisconnectMonitor(std::move(pair)));
  } catch (const zmq::error_t& e) {
    return UnavailableError("cannot monitor socket '" + name + "': " + e.what());
  }
}

int DisconnectMonitor::TakeDisconnects() {
  int disconnects = 0;
  try {
    while (true) {
      zmq::message_t event;  // frame 1: u16 event id, u32 value; frame 2: the peer's address
      if (!pair_->recv(event, zmq::recv_flags::dontwait)) break;
      uint16_t id = 0;
      if (event.size() >= sizeof(id)) std::memcpy(&id, event.data(), sizeof(id));
      while (event.more()) {
        zmq::message_t rest;
        if (!pair_->recv(rest, zmq::recv_flags::dontwait)) break;
        event.swap(rest);
      }
      if (id == ZMQ_EVENT_DISCONNECTED) ++disconnects;
    }
  } catch (const zmq::error_t&) {
    // A closing context: nothing more to report.
  }
  return disconnects;
}

}  // namespace slaterl
