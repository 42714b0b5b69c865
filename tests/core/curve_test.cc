// CURVE with the run's allow-list: a client with the run's client keys gets messages through on
// PUSH/PULL, DEALER/ROUTER and PUB/SUB; a client with other keys or without CURVE gets nothing
// through (the server socket never sees a message; the ZAP handler counts the rejections). The
// ZAP handler answers garbage on its endpoint with status 400 and goes on authenticating.
#include "core/curve.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <random>
#include <thread>
#include <vector>

#include "core/messages.h"
#include "core/transport.h"

namespace slaterl {
namespace {

std::string TempDir() {
  char pattern[] = "/tmp/slaterl-curve-XXXXXX";
  return ::mkdtemp(pattern);
}

struct Fixture {
  std::string dir = TempDir();
  RunKeys keys;
  CurveKeyPair stranger;
  Fixture() {
    EXPECT_TRUE(WriteRunKeys(dir + "/keys").ok());
    keys = LoadRunKeys(dir + "/keys").value();
    stranger = GenerateCurveKeyPair().value();
  }
  SocketOptions Server() const {
    SocketOptions o;
    o.curve_secret_key = keys.server.secret_key;
    return o;
  }
  SocketOptions Client(const CurveKeyPair& me) const {
    SocketOptions o;
    o.curve_server_key = keys.server.public_key;
    o.curve_public_key = me.public_key;
    o.curve_secret_key = me.secret_key;
    return o;
  }
};

// Receives for up to `wait`; true when a message arrived.
bool Arrives(zmq::socket_t& socket, bool is_router, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  RawMessage raw;
  while (std::chrono::steady_clock::now() < until) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    (void)PollSockets(&item, 1, std::chrono::milliseconds(20));
    auto got = ReceiveMessage(socket, is_router, &raw);
    if (got.ok() && *got) return true;
  }
  return false;
}

TEST(CurveTest, KeysAreWrittenPrivatelyAndNeverOverwritten) {
  Fixture f;
  struct stat st;
  ASSERT_EQ(::stat((f.dir + "/keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* file : {"/keys/server.key", "/keys/client.key", "/keys/allowed_clients"}) {
    ASSERT_EQ(::stat((f.dir + file).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  EXPECT_EQ(f.keys.allowed_clients.count(f.keys.client.public_key), 1u);
  EXPECT_FALSE(WriteRunKeys(f.dir + "/keys").ok());
}

TEST(CurveTest, OnlyTheRunsClientsGetFragmentsThroughPushPull) {
  Fixture f;
  zmq::context_t context(1);
  auto zap = ZapAuthenticator::Start(context, f.keys.allowed_clients);
  ASSERT_TRUE(zap.ok());
  const std::string endpoint = "ipc://" + f.dir + "/insert";
  auto pull = OpenSocket(context, zmq::socket_type::pull, endpoint, true, f.Server());
  ASSERT_TRUE(pull.ok());
  Fragment fragment;
  fragment.num_items = 1;
  {
    zmq::context_t other(1);  // an outsider: other keys, then no CURVE at all
    auto bad = OpenSocket(other, zmq::socket_type::push, endpoint, false, f.Client(f.stranger));
    auto plain = OpenSocket(other, zmq::socket_type::push, endpoint, false);
    ASSERT_TRUE(bad.ok() && plain.ok());
    (void)SendMessage(**bad, fragment);
    (void)SendMessage(**plain, fragment);
    EXPECT_FALSE(Arrives(**pull, false, std::chrono::milliseconds(600)));
  }
  EXPECT_GE((*zap)->rejected(), 1);
  zmq::context_t client_context(1);
  auto good = OpenSocket(client_context, zmq::socket_type::push, endpoint, false, f.Client(f.keys.client));
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(SendMessage(**good, fragment, "", /*dont_wait=*/false).ok());
  EXPECT_TRUE(Arrives(**pull, false, std::chrono::milliseconds(3000)));
  EXPECT_GE((*zap)->accepted(), 1);
}

TEST(CurveTest, OnlyTheRunsClientsCanSampleOrReceiveWeights) {
  Fixture f;
  zmq::context_t context(1);
  auto zap = ZapAuthenticator::Start(context, f.keys.allowed_clients);
  ASSERT_TRUE(zap.ok());
  const std::string sample = "ipc://" + f.dir + "/sample", weights = "ipc://" + f.dir + "/weights";
  auto router = OpenSocket(context, zmq::socket_type::router, sample, true, f.Server());
  auto pub = OpenSocket(context, zmq::socket_type::pub, weights, true, f.Server());
  ASSERT_TRUE(router.ok() && pub.ok());
  zmq::context_t client_context(1);
  SocketOptions bad_sub = f.Client(f.stranger), good_sub = f.Client(f.keys.client);
  bad_sub.subscribe = good_sub.subscribe = {""};
  auto bad_dealer = OpenSocket(client_context, zmq::socket_type::dealer, sample, false, f.Client(f.stranger));
  auto good_dealer = OpenSocket(client_context, zmq::socket_type::dealer, sample, false, f.Client(f.keys.client));
  auto bad = OpenSocket(client_context, zmq::socket_type::sub, weights, false, bad_sub);
  auto good = OpenSocket(client_context, zmq::socket_type::sub, weights, false, good_sub);
  ASSERT_TRUE(bad_dealer.ok() && good_dealer.ok() && bad.ok() && good.ok());
  SampleRequest request;
  request.batch_size = 1;
  (void)SendMessage(**bad_dealer, request);
  EXPECT_FALSE(Arrives(**router, true, std::chrono::milliseconds(600))) << "a stranger's sample request";
  ASSERT_TRUE(SendMessage(**good_dealer, request, "", /*dont_wait=*/false).ok());
  EXPECT_TRUE(Arrives(**router, true, std::chrono::milliseconds(3000)));
  // PUB/SUB: publish until the good subscriber has joined; the stranger never receives.
  Weights w;
  w.version = 1;
  bool good_got = false, bad_got = false;
  for (int i = 0; i < 60 && !good_got; ++i) {
    (void)SendMessage(**pub, w);
    good_got = Arrives(**good, false, std::chrono::milliseconds(50));
    bad_got = bad_got || Arrives(**bad, false, std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(good_got);
  for (int i = 0; i < 10; ++i) (void)SendMessage(**pub, w);
  EXPECT_FALSE(bad_got || Arrives(**bad, false, std::chrono::milliseconds(300)));
}

// Receives one multipart message for up to `wait`; empty when none arrived.
std::vector<std::string> ReceiveFrames(zmq::socket_t& socket, std::chrono::milliseconds wait) {
  std::vector<std::string> frames;
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, wait) <= 0) return frames;
  for (bool more = true; more;) {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) break;
    more = frame.more();
    frames.push_back(frame.to_string());
  }
  return frames;
}

TEST(CurveTest, ZapHandlerAnswersMalformedRequestsWith400AndKeepsAuthenticating) {
  Fixture f;
  zmq::context_t context(1);
  auto zap = ZapAuthenticator::Start(context, f.keys.allowed_clients);
  ASSERT_TRUE(zap.ok());
  // A peer of the handler in its own context, as libzmq's sessions are: a DEALER speaking to the
  // REP, so the request envelope (an empty delimiter frame) is ours to write, or to leave out.
  zmq::socket_t fuzzer(context, zmq::socket_type::dealer);
  fuzzer.set(zmq::sockopt::linger, 0);
  fuzzer.connect("inproc://zeromq.zap.01");
  std::mt19937 rng(20260101);
  auto bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
  };
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int answered = 0;
  for (int i = 0; i < 1000; ++i) {
    std::vector<std::string> body;
    const int kind = pick(6);
    if (kind == 0) {  // short: 1 to 5 frames of garbage
      for (int n = 1 + pick(5); n > 0; --n) body.push_back(bytes(static_cast<size_t>(pick(12))));
    } else if (kind == 1) {  // long: 6 to 20 frames of garbage
      for (int n = 6 + pick(15); n > 0; --n) body.push_back(bytes(static_cast<size_t>(pick(64))));
    } else if (kind == 2) {  // well-formed but for the version
      body = {bytes(3), "1", "", "127.0.0.1", "", "CURVE", bytes(32)};
    } else if (kind == 3) {  // CURVE with a key of the wrong size, or none, or two
      body = {"1.0", "1", "", "127.0.0.1", "", "CURVE"};
      const int keys = pick(3);
      for (int k = 0; k < keys; ++k) body.push_back(bytes(static_cast<size_t>(keys == 1 ? 1 + pick(31) : 32)));
    } else if (kind == 4) {  // another mechanism
      body = {"1.0", "1", "", "127.0.0.1", "", pick(2) ? "NULL" : "PLAIN", bytes(static_cast<size_t>(pick(40)))};
    } else {  // no envelope at all: non-empty frames the REP socket discards without a request
      for (int n = 1 + pick(4); n > 0; --n) body.push_back(bytes(static_cast<size_t>(1 + pick(20))));
      for (size_t k = 0; k < body.size(); ++k)
        fuzzer.send(zmq::buffer(body[k]), k + 1 < body.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      continue;
    }
    const std::string request_id = body.size() >= 2 ? body[1] : std::string();
    fuzzer.send(zmq::buffer(std::string()), zmq::send_flags::sndmore);  // the REP envelope's delimiter
    for (size_t k = 0; k < body.size(); ++k)
      fuzzer.send(zmq::buffer(body[k]), k + 1 < body.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    const std::vector<std::string> reply = ReceiveFrames(fuzzer, std::chrono::milliseconds(2000));
    ASSERT_EQ(reply.size(), 7u) << "request " << i << " (kind " << kind << ", " << body.size() << " frames) got no reply";
    EXPECT_EQ(reply[0], "");  // the envelope
    EXPECT_EQ(reply[1], "1.0");
    EXPECT_EQ(reply[2], request_id);
    EXPECT_EQ(reply[3], "400") << reply[4];
    EXPECT_EQ(reply[5], "");  // no user id
    ++answered;
  }
  EXPECT_GT(answered, 700);
  EXPECT_EQ((*zap)->rejected(), answered);
  EXPECT_EQ((*zap)->accepted(), 0);
  EXPECT_GT((*zap)->malformed(), 0);
  EXPECT_LT((*zap)->malformed(), answered);  // other mechanisms are well-formed, only refused

  // The handler still serves the real handshakes: the run's client gets through, a stranger not.
  const std::string endpoint = "ipc://" + f.dir + "/after-fuzz";
  auto pull = OpenSocket(context, zmq::socket_type::pull, endpoint, true, f.Server());
  ASSERT_TRUE(pull.ok());
  Fragment fragment;
  fragment.num_items = 1;
  {
    zmq::context_t other(1);
    auto bad = OpenSocket(other, zmq::socket_type::push, endpoint, false, f.Client(f.stranger));
    ASSERT_TRUE(bad.ok());
    (void)SendMessage(**bad, fragment);
    EXPECT_FALSE(Arrives(**pull, false, std::chrono::milliseconds(600)));
  }
  EXPECT_EQ((*zap)->accepted(), 0);
  EXPECT_GT((*zap)->rejected(), answered) << "the stranger's handshake reached the handler";
  zmq::context_t client_context(1);
  auto good = OpenSocket(client_context, zmq::socket_type::push, endpoint, false, f.Client(f.keys.client));
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(SendMessage(**good, fragment, "", /*dont_wait=*/false).ok());
  EXPECT_TRUE(Arrives(**pull, false, std::chrono::milliseconds(3000)));
  EXPECT_EQ((*zap)->accepted(), 1);
}

}  // namespace
}  // namespace slaterl
