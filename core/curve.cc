#include "core/curve.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/files.h"

namespace slaterl {

Result<CurveKeyPair> GenerateCurveKeyPair() {
  char public_key[41] = {0}, secret_key[41] = {0};
  if (zmq_curve_keypair(public_key, secret_key) != 0)
    return UnavailableError("zmq_curve_keypair failed: this libzmq has no CURVE (libsodium) support");
  return CurveKeyPair{public_key, secret_key};
}

namespace {

Status WritePrivate(const std::string& path, const std::string& content) {
  RETURN_IF_ERROR(WriteFileAtomic(path, content));
  if (::chmod(path.c_str(), 0600) != 0) return UnavailableError("chmod 0600 " + path);
  return Status::Ok();
}

Result<CurveKeyPair> ReadPair(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::istringstream in(text);
  CurveKeyPair pair;
  if (!(in >> pair.public_key >> pair.secret_key) || pair.public_key.size() != 40 || pair.secret_key.size() != 40)
    return DataLossError(path + ": not a CURVE key pair (two Z85 lines of 40 characters)");
  return pair;
}

}  // namespace

Status WriteRunKeys(const std::string& keys_dir) {
  if (PathExists(keys_dir + "/server.key")) return FailedPreconditionError(keys_dir + ": keys exist already");
  RETURN_IF_ERROR(MakeDirectories(keys_dir, 0700));
  if (::chmod(keys_dir.c_str(), 0700) != 0) return UnavailableError("chmod 0700 " + keys_dir);
  ASSIGN_OR_RETURN(CurveKeyPair server, GenerateCurveKeyPair());
  ASSIGN_OR_RETURN(CurveKeyPair client, GenerateCurveKeyPair());
  RETURN_IF_ERROR(WritePrivate(keys_dir + "/server.key", server.public_key + "\n" + server.secret_key + "\n"));
  RETURN_IF_ERROR(WritePrivate(keys_dir + "/client.key", client.public_key + "\n" + client.secret_key + "\n"));
  return WritePrivate(keys_dir + "/allowed_clients", client.public_key + "\n");
}

Result<RunKeys> LoadRunKeys(const std::string& keys_dir) {
  RunKeys keys;
  ASSIGN_OR_RETURN(keys.server, ReadPair(keys_dir + "/server.key"));
  ASSIGN_OR_RETURN(keys.client, ReadPair(keys_dir + "/client.key"));
  ASSIGN_OR_RETURN(std::string allowed, ReadFile(keys_dir + "/allowed_clients"));
  std::istringstream in(allowed);
  for (std::string key; in >> key;) {
    if (key.size() != 40) return DataLossError(keys_dir + "/allowed_clients: not a Z85 public key: " + key);
    keys.allowed_clients.insert(key);
  }
  return keys;
}

Result<std::unique_ptr<ZapAuthenticator>> ZapAuthenticator::Start(zmq::context_t& context,
                                                                   std::set<std::string> allowed_clients) {
  try {
    auto socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::rep);
    socket->set(zmq::sockopt::linger, 0);
    socket->bind("inproc://zeromq.zap.01");
    return std::unique_ptr<ZapAuthenticator>(new ZapAuthenticator(std::move(socket), std::move(allowed_clients)));
  } catch (const zmq::error_t& e) {
    return UnavailableError(std::string("ZAP handler: ") + e.what());
  }
}

ZapAuthenticator::ZapAuthenticator(std::unique_ptr<zmq::socket_t> socket, std::set<std::string> allowed)
    : socket_(std::move(socket)), allowed_(std::move(allowed)) {
  thread_ = std::thread([this] { Loop(); });
}

ZapAuthenticator::~ZapAuthenticator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {

struct ZapReply {
  std::string code, text, user_id;
};

// The answer to one ZAP request (frames after the REP envelope). RFC 27: request = version
// "1.0", request id, domain, address, identity, mechanism, credentials...
ZapReply Judge(const std::vector<zmq::message_t>& frames, const std::set<std::string>& allowed) {
  if (frames.size() < 6)
    return {"400", "malformed ZAP request: " + std::to_string(frames.size()) + " frame(s), at least 6 expected", ""};
  if (frames[0].to_string() != "1.0") return {"400", "malformed ZAP request: version is not 1.0", ""};
  if (frames[5].to_string() != "CURVE") return {"400", "mechanism is not CURVE", ""};
  if (frames.size() != 7 || frames[6].size() != 32)
    return {"400", "malformed ZAP request: CURVE needs one 32-byte public key", ""};
  char z85[41] = {0};
  zmq_z85_encode(z85, static_cast<const uint8_t*>(frames[6].data()), 32);
  if (!allowed.count(z85)) return {"400", "client key not on the run's allow-list", ""};
  return {"200", "OK", "client"};
}

}  // namespace

// Every request gets a reply (a REP socket must answer before it can receive again), malformed
// ones included: reply = version "1.0", request id (empty when the request has none), status
// code, status text, user id, metadata.
void ZapAuthenticator::Loop() {
  while (!stop_) {
    try {
      zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) <= 0) continue;
      // A request arrives whole (ZeroMQ delivers every frame of a message or none): read them all.
      std::vector<zmq::message_t> frames;
      for (bool more = true; more;) {
        zmq::message_t frame;
        if (!socket_->recv(frame, zmq::recv_flags::dontwait)) break;
        more = frame.more();
        frames.push_back(std::move(frame));
      }
      if (frames.empty()) continue;  // nothing was received: no reply is owed
      const ZapReply reply = Judge(frames, allowed_);
      const bool ok = reply.code == "200";
      (ok ? accepted_ : rejected_)++;
      if (reply.text.rfind("malformed", 0) == 0) malformed_++;
      const std::string request_id = frames.size() >= 2 ? frames[1].to_string() : std::string();
      socket_->send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
      socket_->send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket_->send(zmq::buffer(reply.code), zmq::send_flags::sndmore);
      socket_->send(zmq::buffer(reply.text), zmq::send_flags::sndmore);
      socket_->send(zmq::buffer(reply.user_id), zmq::send_flags::sndmore);
      socket_->send(zmq::buffer(std::string()), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;  // the context is closing: nothing left to authenticate
      // Anything else concerns one request only: keep serving the next ones.
    }
  }
}

}  // namespace slaterl
