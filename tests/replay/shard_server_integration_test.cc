// End-to-end tests of RunShardServer over ipc:// sockets: a fake launcher (a ROUTER bound by the
// test, answering heartbeats and collecting Stats), a PUSH and a DEALER standing in for actors and
// the learner, and a flood of malformed messages that must be counted and dropped.
#include "replay/shard_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "core/curve.h"
#include "core/messages.h"
#include "core/rng.h"
#include "core/transport.h"
#include "core/wire.h"
#include "tests/replay/replay_test_util.h"

namespace slaterl {
namespace {

using std::chrono::milliseconds;
using testing_util::ItemIsAll;
using testing_util::kMustHappenTimeout;
using testing_util::MakeFragment;
using testing_util::MakeSpec;

constexpr int32_t kItemSize = 8;
constexpr int64_t kCapacity = 1000;
const char kUniformTable[] = "transitions";
const char kQueueTable[] = "queue";

// A fresh directory for ipc:// endpoints, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/slaterl-replay-XXXXXX";
    const char* dir = ::mkdtemp(pattern);
    path_ = dir != nullptr ? dir : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The launcher's side of the control channel: a ROUTER that answers heartbeats, heartbeats on its
// own every 20 ms, keeps every Stats report, and sends Shutdown when asked. Its socket is used
// only by its own thread (created before the thread starts).
class FakeLauncher {
 public:
  FakeLauncher(zmq::context_t& context, const std::string& endpoint, bool answer, SocketOptions options = {})
      : answer_(answer) {
    options.router_mandatory = false;
    auto socket = OpenSocket(context, zmq::socket_type::router, endpoint, /*bind=*/true, options);
    EXPECT_TRUE(socket.ok()) << socket.status().ToString();
    if (socket.ok()) socket_ = std::move(socket).value();
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeLauncher() {
    stop_ = true;
    thread_.join();
  }

  void RequestShutdown() { shutdown_requested_ = true; }
  bool saw_hello() {
    std::lock_guard<std::mutex> lock(mu_);
    return hello_.has_value();
  }
  std::optional<Hello> hello() {
    std::lock_guard<std::mutex> lock(mu_);
    return hello_;
  }

  // Waits (bounded) for a Stats report satisfying `accept`; returns the last report seen either way.
  std::optional<Stats> WaitForStats(const std::function<bool(const Stats&)>& accept,
                                    milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return last_stats_ && accept(*last_stats_); });
    return last_stats_;
  }

 private:
  void Loop() {
    if (!socket_) return;
    auto last_heartbeat = std::chrono::steady_clock::now();
    bool shutdown_sent = false;
    uint64_t sequence = 0;
    while (!stop_) {
      std::vector<zmq::pollitem_t> items = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, milliseconds(10));
      } catch (const zmq::error_t&) {
        continue;
      }
      RawMessage raw;
      while (true) {
        auto got = ReceiveMessage(*socket_, /*is_router=*/true, &raw);
        if (!got.ok() || !*got) break;
        auto header = raw.Header();
        if (!header.ok()) continue;
        {
          std::lock_guard<std::mutex> lock(mu_);
          identity_ = raw.identity;
        }
        if (header->type == MessageType::kHello) {
          Hello hello;
          if (raw.Decode(&hello).ok()) {
            std::lock_guard<std::mutex> lock(mu_);
            hello_ = hello;
          }
        } else if (header->type == MessageType::kStats) {
          Stats stats;
          if (raw.Decode(&stats).ok()) {
            {
              std::lock_guard<std::mutex> lock(mu_);
              last_stats_ = stats;
            }
            cv_.notify_all();
          }
        } else if (header->type == MessageType::kHeartbeat && answer_) {
          Heartbeat heartbeat;
          heartbeat.sequence = ++sequence;
          (void)SendMessage(*socket_, heartbeat, raw.identity);
        }
      }
      std::string identity;
      {
        std::lock_guard<std::mutex> lock(mu_);
        identity = identity_;
      }
      if (identity.empty() || !answer_) continue;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_heartbeat >= milliseconds(20)) {
        Heartbeat heartbeat;
        heartbeat.sequence = ++sequence;
        (void)SendMessage(*socket_, heartbeat, identity);
        last_heartbeat = now;
      }
      if (shutdown_requested_ && !shutdown_sent) {
        Shutdown shutdown;
        shutdown.reason = "test finished";
        shutdown_sent = SendMessage(*socket_, shutdown, identity).ok();
      }
    }
  }

  const bool answer_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> shutdown_requested_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string identity_;             // guarded by mu_
  std::optional<Hello> hello_;       // guarded by mu_
  std::optional<Stats> last_stats_;  // guarded by mu_
};

// Runs RunShardServer on its own thread; Wait() gives its Status (bounded). On destruction (say,
// after a failed ASSERT) it asks the launcher to shut the server down and joins it, bounded.
class ServerThread {
 public:
  ServerThread(const ShardServerOptions& options, FakeLauncher& launcher) : launcher_(launcher) {
    std::promise<Status> promise;
    result_ = promise.get_future();
    thread_ = std::thread(
        [options, p = std::move(promise)]() mutable { p.set_value(RunShardServer(options)); });
  }
  ~ServerThread() {
    if (!thread_.joinable()) return;
    launcher_.RequestShutdown();
    if (result_.wait_for(kMustHappenTimeout) == std::future_status::ready) {
      thread_.join();
    } else {
      ADD_FAILURE() << "shard server did not stop";
      thread_.detach();  // owns copies of everything it uses
    }
  }
  std::optional<Status> Wait(milliseconds timeout) {
    if (result_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    Status status = result_.get();
    thread_.join();
    return status;
  }

 private:
  FakeLauncher& launcher_;
  std::future<Status> result_;
  std::thread thread_;
};

ShardServerOptions MakeServerOptions(const std::string& dir) {
  ShardServerOptions options;
  options.shard_id = 1;
  options.tables = {MakeSpec(ReplayTableSpec::Kind::kUniform, kCapacity, kItemSize, /*min_size=*/1,
                             0.0, 0.0, kUniformTable),
                    MakeSpec(ReplayTableSpec::Kind::kQueue, kCapacity, kItemSize, /*min_size=*/1,
                             0.0, 0.0, kQueueTable)};
  options.insert_endpoint = "ipc://" + dir + "/insert";
  options.sample_endpoint = "ipc://" + dir + "/sample";
  options.control_endpoint = "ipc://" + dir + "/control";
  options.heartbeat_interval = milliseconds(50);
  options.heartbeat_liveness = 100;  // 5 s of silence: generous on a loaded machine
  options.stats_interval = milliseconds(50);
  options.seed = 17;
  return options;
}

using Frames = std::vector<std::string>;

SampleRequest Request(uint64_t request_id, const std::string& table, int32_t batch_size) {
  SampleRequest request;
  request.request_id = request_id;
  request.table = table;
  request.batch_size = batch_size;
  return request;
}

std::string RandomBytes(Rng& rng, size_t n) {
  std::string bytes(n, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng.UniformInt(256));
  return bytes;
}

template <typename M>
Frames EncodeFrames(const M& message) {
  EncodedMessage encoded = Encode(message);
  return {encoded.header, encoded.payload};
}

// Whether the shard would accept `frames` (mirrors its checks; used to make sure every "garbage"
// message really is garbage, so the expected drop count is exact).
bool WouldBeAccepted(const Frames& frames, bool insert_socket) {
  if (frames.size() != 2) return false;
  const std::string& h = frames[0];
  const std::string& p = frames[1];
  if (insert_socket) {
    Fragment fragment;
    if (!Decode(h.data(), h.size(), p.data(), p.size(), &fragment).ok()) return false;
    return fragment.item_size == kItemSize && fragment.num_items > 0 &&
           fragment.num_items <= kCapacity && fragment.env_steps >= 0 && fragment.episodes >= 0 &&
           fragment.data.size() == static_cast<size_t>(fragment.num_items) * kItemSize;
  }
  SampleRequest request;
  if (!Decode(h.data(), h.size(), p.data(), p.size(), &request).ok()) return false;
  // Neither table is prioritized: any priority update is rejected.
  return (request.table == kUniformTable || request.table == kQueueTable) &&
         request.batch_size > 0 && request.priority_keys.empty() && request.priorities.empty();
}

// One malformed message for the insert (PULL) or sample (ROUTER) socket.
Frames MakeGarbage(Rng& rng, bool insert_socket) {
  const MessageType right_type = insert_socket ? MessageType::kFragment : MessageType::kSampleRequest;
  switch (rng.UniformInt(9)) {
    case 0: {  // random multipart count and random bytes (empty frames included)
      Frames frames(1 + rng.UniformInt(10));
      for (auto& f : frames) f = RandomBytes(rng, rng.UniformInt(64));
      return frames;
    }
    case 1: {  // valid header for the socket, garbage payload of the announced length
      const std::string payload = RandomBytes(rng, rng.UniformInt(2048));
      return {EncodeHeader(right_type, payload.size()), payload};
    }
    case 2: {  // header announcing another length than the payload frame has
      const std::string payload = RandomBytes(rng, 1 + rng.UniformInt(512));
      return {EncodeHeader(right_type, payload.size() + 1 + rng.UniformInt(100)), payload};
    }
    case 3: {  // truncated valid message, header unchanged or re-encoded for the truncated size
      Frames frames = insert_socket ? EncodeFrames(MakeFragment(3, kItemSize, 0))
                                    : EncodeFrames(Request(7, kUniformTable, 4));
      frames[1].resize(rng.UniformInt(static_cast<uint32_t>(frames[1].size())));
      if (rng.Bernoulli(0.5)) frames[0] = EncodeHeader(right_type, frames[1].size());
      return frames;
    }
    case 4: {  // a valid message of a type this socket does not take
      switch (rng.UniformInt(5)) {
        case 0: return EncodeFrames(Heartbeat{rng.NextU64()});
        case 1: return EncodeFrames(Shutdown{"not for you"});
        case 2: {
          Stats stats;
          stats.role = "actor";
          stats.scalars["x"] = 1.0;
          return EncodeFrames(stats);
        }
        case 3: {
          SampleBatch batch;
          batch.table = kUniformTable;
          return EncodeFrames(batch);
        }
        default:
          return insert_socket ? EncodeFrames(Request(1, kUniformTable, 4))
                               : EncodeFrames(MakeFragment(2, kItemSize, 0));
      }
    }
    case 5: {  // well-formed message whose content the shard rejects
      if (insert_socket) {
        Fragment fragment = MakeFragment(1 + rng.UniformInt(4), kItemSize, 0);
        switch (rng.UniformInt(4)) {
          case 0: fragment.item_size = kItemSize + 1; break;
          case 1: fragment.num_items += 1; break;
          case 2: fragment.data.pop_back(); break;
          default: fragment.num_items = 0; break;
        }
        return EncodeFrames(fragment);
      }
      switch (rng.UniformInt(4)) {
        case 0: return EncodeFrames(Request(1, "no_such_table", 4));
        case 1: return EncodeFrames(Request(2, kUniformTable, 0));
        case 2: {  // priorities for a table that is not prioritized
          SampleRequest request = Request(4, kUniformTable, 4);
          request.priority_keys = {0, 1};
          request.priorities = {1.0, 2.0};
          return EncodeFrames(request);
        }
        default: return EncodeFrames(Request(3, kQueueTable, -5));
      }
    }
    case 6: {  // corrupted header fields: magic, version, type, reserved bytes
      Frames frames = insert_socket ? EncodeFrames(MakeFragment(1, kItemSize, 0))
                                    : EncodeFrames(Request(1, kUniformTable, 1));
      const size_t byte = std::vector<size_t>{0, 4, 6, 7, 12, 15}[rng.UniformInt(6)];
      frames[0][byte] = static_cast<char>(frames[0][byte] ^ (1 + rng.UniformInt(255)));
      return frames;
    }
    case 7: {  // a valid message with an extra frame, or only its header
      Frames frames = insert_socket ? EncodeFrames(MakeFragment(1, kItemSize, 0))
                                    : EncodeFrames(Request(1, kUniformTable, 1));
      if (rng.Bernoulli(0.5))
        frames.push_back(RandomBytes(rng, rng.UniformInt(16)));
      else
        frames.pop_back();
      return frames;
    }
    default: {  // valid header, payload with a huge array length claim
      std::string payload = RandomBytes(rng, 64 + rng.UniformInt(64));
      for (size_t i = 48; i < 56; ++i) payload[i] = '\xff';
      return {EncodeHeader(right_type, payload.size()), payload};
    }
  }
}

// Sends all frames of one message, blocking up to the socket's send timeout.
bool SendFrames(zmq::socket_t& socket, const Frames& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (!socket.send(zmq::buffer(frames[i]), flags)) return false;
  }
  return true;
}

std::unique_ptr<zmq::socket_t> ConnectClient(zmq::context_t& context, zmq::socket_type type,
                                             const std::string& endpoint, SocketOptions options = {}) {
  options.send_hwm = 100000;  // the whole flood fits; sends never drop
  auto socket = OpenSocket(context, type, endpoint, /*bind=*/false, options);
  EXPECT_TRUE(socket.ok()) << socket.status().ToString();
  if (!socket.ok()) return nullptr;
  (*socket)->set(zmq::sockopt::sndtimeo, 20000);  // bounded blocking sends
  return std::move(socket).value();
}

std::string DescribeStats(const std::optional<Stats>& stats) {
  if (!stats) return "(none)";
  std::string text;
  for (const auto& entry : stats->scalars)
    text += entry.first + "=" + std::to_string(static_cast<int64_t>(entry.second)) + " ";
  return text;
}

// Receives one SampleBatch on `dealer`, waiting at most `timeout`.
std::optional<SampleBatch> ReceiveBatch(zmq::socket_t& dealer, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<zmq::pollitem_t> items = {{dealer.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, milliseconds(50));
    RawMessage raw;
    auto got = ReceiveMessage(dealer, /*is_router=*/false, &raw);
    if (!got.ok()) return std::nullopt;
    if (!*got) continue;
    SampleBatch batch;
    Status status = raw.Decode(&batch);
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (status.ok()) return batch;
  }
  return std::nullopt;
}

TEST(ShardServerTest, SurvivesMalformedFloodAndServesValidItems) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const ShardServerOptions options = MakeServerOptions(dir.path());
  zmq::context_t context(1);
  FakeLauncher launcher(context, options.control_endpoint, /*answer=*/true);
  ServerThread server(options, launcher);
  auto push = ConnectClient(context, zmq::socket_type::push, options.insert_endpoint);
  auto dealer = ConnectClient(context, zmq::socket_type::dealer, options.sample_endpoint);
  ASSERT_TRUE(push && dealer);

  // 10,000 messages: garbage to both sockets, with a valid fragment every 50 messages (items
  // labelled 0, 1, 2, ... in sending order) and a valid fragment last.
  constexpr int kMessages = 10000;
  constexpr int32_t kItemsPerFragment = 5;
  Rng rng(2024);
  int64_t expected_drops = 0, garbage_to_insert = 0, garbage_to_sample = 0;
  int64_t valid_items = 0, valid_env_steps = 0;
  for (int i = 0; i < kMessages; ++i) {
    if (i % 50 == 49 || i == kMessages - 1) {
      Fragment fragment = MakeFragment(kItemsPerFragment, kItemSize, valid_items,
                                       /*env_steps=*/kItemsPerFragment, /*episodes=*/1);
      fragment.actor_id = 3;
      fragment.sequence = static_cast<uint64_t>(valid_items / kItemsPerFragment);
      ASSERT_TRUE(SendFrames(*push, EncodeFrames(fragment)));
      valid_items += kItemsPerFragment;
      valid_env_steps += kItemsPerFragment;
      continue;
    }
    const bool insert_socket = rng.Bernoulli(0.5);
    Frames garbage = MakeGarbage(rng, insert_socket);
    for (int retry = 0; retry < 100 && WouldBeAccepted(garbage, insert_socket); ++retry)
      garbage = MakeGarbage(rng, insert_socket);
    ASSERT_FALSE(WouldBeAccepted(garbage, insert_socket));
    ASSERT_TRUE(SendFrames(insert_socket ? *push : *dealer, garbage)) << "message " << i;
    ++expected_drops;
    ++(insert_socket ? garbage_to_insert : garbage_to_sample);
  }
  EXPECT_GT(garbage_to_insert, 4000);
  EXPECT_GT(garbage_to_sample, 4000);

  // The queue serves a request for every valid item only once the last valid fragment (sent
  // after all insert-socket garbage) is in; the request itself follows all sample-socket garbage
  // on the same DEALER. So this reply proves every malformed message has been handled.
  ASSERT_TRUE(SendFrames(
      *dealer, EncodeFrames(Request(1, kQueueTable, static_cast<int32_t>(valid_items)))));
  std::optional<SampleBatch> all = ReceiveBatch(*dealer, kMustHappenTimeout);
  ASSERT_TRUE(all.has_value()) << "no reply from the queue table; last stats: "
                               << DescribeStats(launcher.WaitForStats(
                                      [](const Stats&) { return true; }, milliseconds(0)));
  EXPECT_EQ(all->request_id, 1u);
  EXPECT_EQ(all->shard_id, options.shard_id);
  ASSERT_EQ(all->num_items, valid_items);
  EXPECT_EQ(all->table_size, valid_items);
  EXPECT_EQ(all->shard_env_steps, valid_env_steps);
  EXPECT_EQ(all->shard_episodes, valid_items / kItemsPerFragment);
  for (int32_t i = 0; i < all->num_items; ++i) {
    EXPECT_EQ(all->keys[i], static_cast<uint64_t>(i));  // exactly the valid items, in order
    EXPECT_TRUE(ItemIsAll(*all, i, static_cast<float>(i))) << "item " << i;
  }

  // The uniform table holds the same items and still serves.
  ASSERT_TRUE(SendFrames(*dealer, EncodeFrames(Request(2, kUniformTable, 64))));
  std::optional<SampleBatch> uniform = ReceiveBatch(*dealer, kMustHappenTimeout);
  ASSERT_TRUE(uniform.has_value()) << "no reply from the uniform table";
  EXPECT_EQ(uniform->request_id, 2u);
  EXPECT_EQ(uniform->table_size, valid_items);
  ASSERT_EQ(uniform->num_items, 64);
  for (int32_t i = 0; i < uniform->num_items; ++i) {
    EXPECT_LT(uniform->keys[i], static_cast<uint64_t>(valid_items));
    EXPECT_DOUBLE_EQ(uniform->probabilities[i], 1.0 / static_cast<double>(valid_items));
    EXPECT_TRUE(ItemIsAll(*uniform, i, static_cast<float>(uniform->keys[i])));
  }

  // Stats reach the launcher with the exact drop count.
  std::optional<Stats> stats = launcher.WaitForStats(
      [&](const Stats& s) {
        auto it = s.scalars.find("replay/dropped_messages");
        auto served = s.scalars.find("replay/served_requests");
        return it != s.scalars.end() && it->second >= static_cast<double>(expected_drops) &&
               served != s.scalars.end() && served->second >= 2;
      },
      kMustHappenTimeout);
  ASSERT_TRUE(stats.has_value()) << "no Stats from the shard";
  EXPECT_EQ(stats->role, "shard");
  EXPECT_EQ(stats->id, options.shard_id);
  EXPECT_EQ(stats->scalars.at("replay/dropped_messages"), static_cast<double>(expected_drops));
  EXPECT_EQ(stats->scalars.at("replay/" + std::string(kUniformTable) + "/size"),
            static_cast<double>(valid_items));
  EXPECT_EQ(stats->scalars.at("replay/" + std::string(kQueueTable) + "/size"), 0.0);
  EXPECT_EQ(stats->scalars.at("replay/inserted_items"), static_cast<double>(2 * valid_items));
  EXPECT_EQ(stats->scalars.at("replay/env_steps"), static_cast<double>(valid_env_steps));
  EXPECT_EQ(stats->scalars.at("replay/pending_requests"), 0.0);
  ASSERT_TRUE(launcher.hello().has_value());
  EXPECT_EQ(launcher.hello()->role, "shard");
  EXPECT_EQ(launcher.hello()->id, options.shard_id);

  launcher.RequestShutdown();
  std::optional<Status> result = server.Wait(kMustHappenTimeout);
  ASSERT_TRUE(result.has_value()) << "shard server ignored Shutdown";
  EXPECT_TRUE(result->ok()) << result->ToString();
}

TEST(ShardServerTest, AppliesPriorityUpdatesCarriedBySampleRequests) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ShardServerOptions options = MakeServerOptions(dir.path());
  ReplayTableSpec prioritized = MakeSpec(ReplayTableSpec::Kind::kPrioritized, kCapacity, kItemSize,
                                         /*min_size=*/10, 0.0, 0.0, "prioritized");
  prioritized.priority_exponent = 1.0;
  options.tables = {prioritized};
  zmq::context_t context(1);
  FakeLauncher launcher(context, options.control_endpoint, /*answer=*/true);
  ServerThread server(options, launcher);
  auto push = ConnectClient(context, zmq::socket_type::push, options.insert_endpoint);
  auto dealer = ConnectClient(context, zmq::socket_type::dealer, options.sample_endpoint);
  ASSERT_TRUE(push && dealer);

  ASSERT_TRUE(SendFrames(*push, EncodeFrames(MakeFragment(10, kItemSize, 0))));
  // Served once all 10 items are in (min_size): every item has the initial priority.
  ASSERT_TRUE(SendFrames(*dealer, EncodeFrames(Request(1, "prioritized", 16))));
  std::optional<SampleBatch> first = ReceiveBatch(*dealer, kMustHappenTimeout);
  ASSERT_TRUE(first.has_value()) << "no reply from the prioritized table";
  for (int32_t i = 0; i < first->num_items; ++i)
    EXPECT_DOUBLE_EQ(first->probabilities[i], 0.1);

  // The next request carries new priorities: only key 7 keeps a positive one. Key 50 was never
  // inserted (stale).
  SampleRequest second = Request(2, "prioritized", 16);
  for (uint64_t key = 0; key < 10; ++key) {
    second.priority_keys.push_back(key);
    second.priorities.push_back(key == 7 ? 2.5 : 0.0);
  }
  second.priority_keys.push_back(50);
  second.priorities.push_back(9.0);
  ASSERT_TRUE(SendFrames(*dealer, EncodeFrames(second)));
  std::optional<SampleBatch> reply = ReceiveBatch(*dealer, kMustHappenTimeout);
  ASSERT_TRUE(reply.has_value()) << "no reply to the request with priorities";
  EXPECT_EQ(reply->request_id, 2u);
  ASSERT_EQ(reply->num_items, 16);
  for (int32_t i = 0; i < reply->num_items; ++i) {
    EXPECT_EQ(reply->keys[i], 7u);
    EXPECT_EQ(reply->probabilities[i], 1.0);
    EXPECT_TRUE(ItemIsAll(*reply, i, 7.0f));
  }

  std::optional<Stats> stats = launcher.WaitForStats(
      [](const Stats& s) {
        auto it = s.scalars.find("replay/priority_updates");
        return it != s.scalars.end() && it->second >= 10;
      },
      kMustHappenTimeout);
  ASSERT_TRUE(stats.has_value()) << "no Stats from the shard";
  EXPECT_EQ(stats->scalars.at("replay/priority_updates"), 10.0) << DescribeStats(stats);
  EXPECT_EQ(stats->scalars.at("replay/stale_priority_keys"), 1.0);
  EXPECT_EQ(stats->scalars.at("replay/prioritized/max_priority"), 2.5);
  EXPECT_EQ(stats->scalars.at("replay/dropped_messages"), 0.0);

  launcher.RequestShutdown();
  std::optional<Status> result = server.Wait(kMustHappenTimeout);
  ASSERT_TRUE(result.has_value()) << "shard server ignored Shutdown";
  EXPECT_TRUE(result->ok()) << result->ToString();
}

TEST(ShardServerTest, ExitsWhenLauncherIsSilent) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ShardServerOptions options = MakeServerOptions(dir.path());
  options.heartbeat_interval = milliseconds(20);
  options.heartbeat_liveness = 3;
  zmq::context_t context(1);
  FakeLauncher launcher(context, options.control_endpoint, /*answer=*/false);
  ServerThread server(options, launcher);
  std::optional<Status> result = server.Wait(kMustHappenTimeout);
  ASSERT_TRUE(result.has_value()) << "shard server outlived a silent launcher";
  EXPECT_EQ(result->code(), StatusCode::kUnavailable) << result->ToString();
}

TEST(ShardServerTest, RejectsBadOptionsWithoutCrashing) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ShardServerOptions no_tables = MakeServerOptions(dir.path());
  no_tables.tables.clear();
  EXPECT_EQ(RunShardServer(no_tables).code(), StatusCode::kInvalidArgument);

  ShardServerOptions no_endpoint = MakeServerOptions(dir.path());
  no_endpoint.sample_endpoint.clear();
  EXPECT_EQ(RunShardServer(no_endpoint).code(), StatusCode::kInvalidArgument);

  ShardServerOptions bad_bind = MakeServerOptions(dir.path());
  bad_bind.insert_endpoint = "ipc://" + dir.path() + "/no/such/dir/insert";
  EXPECT_EQ(RunShardServer(bad_bind).code(), StatusCode::kUnavailable);

  ShardServerOptions bad_table = MakeServerOptions(dir.path());
  bad_table.tables[0].samples_per_insert = 1.0;  // error_buffer 0 would deadlock
  EXPECT_EQ(RunShardServer(bad_table).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace slaterl

namespace slaterl {
namespace {

// With CURVE on (security.curve), the shard's tables take fragments and serve samples only for clients
// holding the run's client key: a stranger's keys or a plaintext client get nothing in.
TEST(ShardServerTest, WithCurveOnlyTheRunsClientsInsertAndSample) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(WriteRunKeys(dir.path() + "/keys").ok());
  const RunKeys keys = LoadRunKeys(dir.path() + "/keys").value();
  const CurveKeyPair stranger = GenerateCurveKeyPair().value();
  ShardServerOptions options = MakeServerOptions(dir.path());
  options.curve_server_secret_key = keys.server.secret_key;
  options.curve_server_public_key = keys.server.public_key;
  options.curve_client_public_key = keys.client.public_key;
  options.curve_client_secret_key = keys.client.secret_key;
  options.allowed_clients = keys.allowed_clients;
  zmq::context_t context(1);
  auto zap = ZapAuthenticator::Start(context, keys.allowed_clients);  // the launcher's side
  ASSERT_TRUE(zap.ok());
  SocketOptions server;
  server.curve_secret_key = keys.server.secret_key;
  server.router_mandatory = false;
  FakeLauncher launcher(context, options.control_endpoint, /*answer=*/true, server);
  ServerThread shard(options, launcher);
  auto client_options = [&](const CurveKeyPair& me) {
    SocketOptions o;
    o.send_hwm = 100000;
    o.curve_server_key = keys.server.public_key;
    o.curve_public_key = me.public_key;
    o.curve_secret_key = me.secret_key;
    return o;
  };
  zmq::context_t outside(1);
  auto bad_push = ConnectClient(outside, zmq::socket_type::push, options.insert_endpoint, client_options(stranger));
  auto plain_push = ConnectClient(outside, zmq::socket_type::push, options.insert_endpoint);
  auto bad_dealer = ConnectClient(outside, zmq::socket_type::dealer, options.sample_endpoint, client_options(stranger));
  auto push = ConnectClient(context, zmq::socket_type::push, options.insert_endpoint, client_options(keys.client));
  auto dealer = ConnectClient(context, zmq::socket_type::dealer, options.sample_endpoint, client_options(keys.client));
  ASSERT_TRUE(bad_push && plain_push && bad_dealer && push && dealer);
  for (int i = 0; i < 5; ++i) {
    (void)bad_push->send(zmq::buffer(std::string("x")), zmq::send_flags::dontwait);
    (void)SendFrames(*bad_push, EncodeFrames(MakeFragment(5, kItemSize, 0)));
    (void)SendFrames(*plain_push, EncodeFrames(MakeFragment(5, kItemSize, 0)));
  }
  (void)SendFrames(*bad_dealer, EncodeFrames(Request(1, kUniformTable, 1)));
  ASSERT_TRUE(SendFrames(*push, EncodeFrames(MakeFragment(3, kItemSize, 0))));
  std::optional<Stats> stats = launcher.WaitForStats(
      [](const Stats& s) {
        auto it = s.scalars.find("replay/inserted_items");
        return it != s.scalars.end() && it->second >= 3;
      },
      kMustHappenTimeout);
  ASSERT_TRUE(stats.has_value()) << "no Stats from the shard";
  EXPECT_FALSE(ReceiveBatch(*bad_dealer, milliseconds(500)).has_value()) << "a stranger was served";
  ASSERT_TRUE(SendFrames(*dealer, EncodeFrames(Request(2, kUniformTable, 2))));
  std::optional<SampleBatch> batch = ReceiveBatch(*dealer, kMustHappenTimeout);
  ASSERT_TRUE(batch.has_value()) << "the run's own client was not served";
  stats = launcher.WaitForStats([](const Stats& s) { return s.scalars.count("replay/served_requests") &&
                                                            s.scalars.at("replay/served_requests") >= 1; },
                                kMustHappenTimeout);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->scalars.at("replay/inserted_items"), 3.0 * options.tables.size()) << "only the 3 items of the run's client got in (into every table)";
  EXPECT_EQ(stats->scalars.at("replay/served_requests"), 1.0);
  EXPECT_EQ(stats->scalars.at("replay/dropped_messages"), 0.0) << "strangers never reach the shard's code";
  EXPECT_GE((*zap)->accepted(), 1) << "the shard's control channel authenticated with the launcher";
}

}  // namespace
}  // namespace slaterl
