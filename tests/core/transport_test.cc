// Tests of core/transport's DisconnectMonitor: a peer process that goes away is reported once per
// disconnection, and a healthy connection reports nothing.
#include "core/transport.h"

#include <gtest/gtest.h>

#include "core/messages.h"

#include <chrono>
#include <thread>

namespace slaterl {
namespace {

// Polls `monitor` until it reports a disconnection. No deadline of its own: a monitor that never
// reports hangs the test, and ctest's TIMEOUT turns that into a failure.
int WaitForDisconnects(DisconnectMonitor& monitor) {
  int seen = 0;
  while (seen == 0) {
    seen += monitor.TakeDisconnects();
    if (seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return seen;
}

TEST(DisconnectMonitorTest, ReportsAPeerThatWentAwayAndNothingWhileItIsThere) {
  zmq::context_t context(1);
  // ipc, not inproc: inproc pipes are not sessions with engines and raise no DISCONNECTED events.
  char pattern[] = "/tmp/slaterl-test-monitor-XXXXXX";
  const std::string ipc = std::string("ipc://") + ::mkdtemp(pattern) + "/shard.sock";
  auto server = OpenSocket(context, zmq::socket_type::router, ipc, /*bind=*/true);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto client = OpenSocket(context, zmq::socket_type::dealer, ipc, /*bind=*/false);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto monitor = DisconnectMonitor::Attach(context, **client, "test");
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();

  // A round trip proves the connection is up; no disconnection is reported meanwhile.
  ASSERT_TRUE(SendMessage(**client, Heartbeat{7}).ok());
  RawMessage request;
  for (int i = 0; i < 500; ++i) {
    auto got = ReceiveMessage(**server, /*is_router=*/true, &request);
    ASSERT_TRUE(got.ok());
    if (*got) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(request.identity.empty()) << "the request never arrived";
  EXPECT_EQ((*monitor)->TakeDisconnects(), 0);

  server->reset();  // the peer goes away
  EXPECT_EQ(WaitForDisconnects(**monitor), 1) << "one peer, one disconnection";
  EXPECT_EQ((*monitor)->TakeDisconnects(), 0) << "each disconnection is reported once";
}

TEST(DisconnectMonitorTest, TwoMonitorsInOneContextNeedDistinctNames) {
  zmq::context_t context(1);
  char pattern[] = "/tmp/slaterl-test-monitor-XXXXXX";
  const std::string ipc = std::string("ipc://") + ::mkdtemp(pattern) + "/s.sock";
  auto a = OpenSocket(context, zmq::socket_type::dealer, ipc, /*bind=*/false);
  auto b = OpenSocket(context, zmq::socket_type::dealer, ipc, /*bind=*/false);
  ASSERT_TRUE(a.ok() && b.ok());
  auto first = DisconnectMonitor::Attach(context, **a, "same");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(DisconnectMonitor::Attach(context, **b, "same").ok()) << "the inproc endpoint is taken";
  EXPECT_TRUE(DisconnectMonitor::Attach(context, **b, "other").ok());
}

}  // namespace
}  // namespace slaterl
