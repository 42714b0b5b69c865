// core/curve.h — ZeroMQ CURVE transport security for a run: every server socket
// authenticates clients against the run's allow-list (docs/multi-node.md, "Transport security").
//
// A run has one server key pair (every binding socket: the launcher's control ROUTER, shards'
// PULL/ROUTER, the learner's PUB/ROUTER) and one client key pair (every connecting socket). The
// launcher generates both into RUN_DIR/keys/ (directory 0700, files 0600): `server.key`,
// `client.key` (each "public\nsecret\n", Z85) and `allowed_clients` (one Z85 public key per line).
// A server socket only completes the CURVE handshake with a client whose public key is on the
// allow-list: the check is a ZAP handler (ZeroMQ RFC 27) that the process runs on its context.
// A client without the run's keys, or with other keys, never gets a message through: the
// handshake fails before any message is delivered, on PUSH/PULL, DEALER/ROUTER and PUB/SUB alike.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "core/status.h"

namespace slaterl {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;
};

Result<CurveKeyPair> GenerateCurveKeyPair();

// What one process needs to secure its sockets (loaded from RUN_DIR/keys/).
struct RunKeys {
  CurveKeyPair server, client;
  std::set<std::string> allowed_clients;  // Z85 public keys
};
// Creates RUN_DIR/keys/ with fresh keys (0700 / 0600). Overwrites nothing: when the
// directory holds keys already: FailedPrecondition (a resumed run keeps its keys).
Status WriteRunKeys(const std::string& keys_dir);
Result<RunKeys> LoadRunKeys(const std::string& keys_dir);

// The ZAP handler of one zmq::context_t: a thread answering "inproc://zeromq.zap.01" that
// accepts CURVE clients on the allow-list and rejects everything else (other mechanisms
// included). Start it before binding server sockets on the context; it stops (joins) in its
// destructor, before the context is closed. Every request gets a reply, a malformed one (too few
// frames, another version, a CURVE request without one 32-byte key) status 400, and the handler
// keeps serving: whatever arrives on its endpoint cannot stop it. Thread-safe counters; a
// malformed request counts as rejected and as malformed.
class ZapAuthenticator {
 public:
  static Result<std::unique_ptr<ZapAuthenticator>> Start(zmq::context_t& context,
                                                         std::set<std::string> allowed_clients);
  ~ZapAuthenticator();
  int64_t accepted() const { return accepted_.load(); }
  int64_t rejected() const { return rejected_.load(); }
  int64_t malformed() const { return malformed_.load(); }

 private:
  ZapAuthenticator(std::unique_ptr<zmq::socket_t> socket, std::set<std::string> allowed);
  void Loop();
  std::unique_ptr<zmq::socket_t> socket_;
  std::set<std::string> allowed_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> accepted_{0}, rejected_{0}, malformed_{0};
  std::thread thread_;
};

}  // namespace slaterl
