// Fuzz: 100,000 malformed, truncated, mistyped, oversized or replayed messages (fixed
// seed) against every bound socket of a running local run — the launcher's control ROUTER, the
// shard's insert PULL and sample ROUTER, the learner's weights ROUTER — while it trains. No process
// crashes or hangs (no restarts, the run finishes on time), and the garbage is counted as dropped
// by each receiver.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <zmq.hpp>

#include "core/json.h"
#include "core/messages.h"
#include "core/wire.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

std::string SocketDir(const std::string& run_dir) {
  const pid_t shard = FindRolePid(run_dir, "shard", 0);
  if (shard <= 0) return "";
  std::ifstream cmdline("/proc/" + std::to_string(shard) + "/cmdline");
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  const std::string flag = std::string("--socket-dir") + '\0';
  const size_t at = args.find(flag);
  if (at == std::string::npos) return "";
  return args.substr(at + flag.size(), args.find('\0', at + flag.size()) - at - flag.size());
}

// One garbage message of kind `kind` (frames).
std::vector<std::string> Garbage(std::mt19937_64& rng, int kind) {
  auto bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  Fragment fragment;  // valid shape, wrong for this run (item size 3, data of 2 items)
  fragment.item_size = 3;
  fragment.num_items = 2;
  fragment.data.assign(6, 1.0f);
  const EncodedMessage valid = Encode(fragment);
  switch (kind) {
    case 0: return {bytes(rng() % 64)};                                   // one random frame
    case 1: return {bytes(16), bytes(rng() % 256)};                       // random header + payload
    case 2: return {valid.header, valid.payload.substr(0, valid.payload.size() / 2)};  // truncated
    case 3: {                                                              // a header claiming 1 GB
      std::string header = valid.header;
      const uint32_t huge = 1u << 30;
      std::memcpy(&header[header.size() - 4], &huge, 4);
      return {header, valid.payload};
    }
    case 4: return {EncodeHeader(MessageType::kShutdown, valid.payload.size()), valid.payload};  // mistyped
    case 5: return {valid.header, valid.payload};                          // a replayed, wrong fragment
    default: return {valid.header, valid.payload, bytes(8)};              // an extra frame
  }
}

TEST(FuzzIntegrationTest, HundredThousandBadMessagesAreCountedAndDroppedWhileTheRunTrains) {
  const std::string dir = MakeTempDir("fuzz");
  const std::string run_dir = dir + "/run";
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nstop: {time_total_s: 20}\nevaluation: {final_episodes: 20}\n"
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 2, replay_shards: 1}\n"
            "reporting: {progress: plain, interval_s: 0.5}\nseed: 8\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", run_dir}, dir + "/launch.log");
  std::string sockets;
  ASSERT_TRUE(WaitUntil([&] { sockets = SocketDir(run_dir); return !sockets.empty(); }, std::chrono::seconds(40)));
  std::this_thread::sleep_for(std::chrono::seconds(2));

  zmq::context_t context(1);
  struct Target {
    const char* name;
    zmq::socket_type type;
    std::string endpoint;
  };
  const std::vector<Target> targets = {{"control", zmq::socket_type::dealer, "ipc://" + sockets + "/control"},
                                       {"insert", zmq::socket_type::push, "ipc://" + sockets + "/shard-0-insert"},
                                       {"sample", zmq::socket_type::dealer, "ipc://" + sockets + "/shard-0-sample"},
                                       {"weights", zmq::socket_type::dealer, "ipc://" + sockets + "/weights-request"}};
  std::vector<zmq::socket_t> clients;
  for (const Target& t : targets) {
    clients.emplace_back(context, t.type);
    clients.back().set(zmq::sockopt::sndhwm, 200000);
    clients.back().set(zmq::sockopt::linger, 0);
    clients.back().connect(t.endpoint);
  }
  std::mt19937_64 rng(20261130);
  int64_t sent[4] = {0, 0, 0, 0};
  for (int i = 0; i < 100000; ++i) {
    const size_t t = static_cast<size_t>(i % 4);
    const std::vector<std::string> frames = Garbage(rng, static_cast<int>(rng() % 7));
    bool ok = true;
    for (size_t f = 0; f < frames.size() && ok; ++f)
      ok = clients[t]
               .send(zmq::buffer(frames[f]), f + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::dontwait)
               .has_value();
    sent[t] += ok ? 1 : 0;
    if (i % 5000 == 4999) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let them drain
  }
  for (int t = 0; t < 4; ++t) EXPECT_GT(sent[t], 20000) << targets[t].name;

  ASSERT_EQ(WaitForExit(launcher, std::chrono::seconds(120)), 0) << ReadText(dir + "/launch.log");
  const std::string summary = ReadText(run_dir + "/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"actor_restarts\": 0"), std::string::npos) << summary;
  double shard_drops = 0, learner_drops = 0, updates = 0;
  ASSERT_TRUE(JsonGetNumber(summary.substr(summary.find("\"shards\"")), "replay/dropped_messages", &shard_drops));
  ASSERT_TRUE(JsonGetNumber(summary, "learner/dropped_messages", &learner_drops));
  ASSERT_TRUE(JsonGetNumber(summary, "learner/num_updates", &updates));
  // Every garbage message that reached a receiver was dropped and counted (none got through:
  // a wrong fragment or request would be an error, not an update).
  EXPECT_GE(shard_drops, 0.9 * (sent[1] + sent[2])) << summary;
  EXPECT_GE(learner_drops, 0.9 * sent[3]) << summary;
  EXPECT_GT(updates, 0) << "the run kept training";
  const std::string log = ReadText(dir + "/launch.log");
  const size_t at = log.find("control channel: ");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_GE(std::atof(log.c_str() + at + 17), 0.9 * sent[0]) << log.substr(at, 80);
}

}  // namespace
}  // namespace slaterl
