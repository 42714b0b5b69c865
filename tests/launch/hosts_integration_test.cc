// backend: hosts, for real on this machine (docs/multi-node.md): three network namespaces on a bridge, each
// with its own address, stand in for three hosts. Learner, evaluator and the shard live in one
// namespace, two actors in each of the other two, all over tcp:// with CURVE (security.curve: auto
// turns it on for tcp). The first test starts roles with `ip netns exec {host} sh -c {command}`,
// i.e. through a shell on the far side as ssh does, in a run directory whose path holds spaces,
// quotes and a `$`; it checks that fragments from every actor arrive, weights reach every actor, a
// kill -9'd actor in a namespace is restarted there, and the run finishes. The second starts roles
// with `ip netns exec {host} {argv}`, without CURVE (security.allow_plaintext: true: the launcher
// warns about each plaintext port), and checks that no role outlives a killed launcher. Needs root:
// skipped with the reason otherwise, and failed instead under CI=true (tests/testing/skip.h).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "tests/launch/process_util.h"
#include "tests/testing/skip.h"

namespace slaterl {
namespace {

using namespace testing_util;

constexpr int kHosts = 3;

std::string Ns(int i) { return "slrlt-n" + std::to_string(i); }
std::string Address(int i) { return "10.232.0." + std::to_string(10 + i); }

// The namespaces, veth pairs and bridge (tests/launch/netns.sh); removed again on destruction
// (and before creation, in case an earlier run was killed).
class Namespaces {
 public:
  Namespaces() {
    const CommandResult r = RunCommand("bash " + SourceDir() + "/tests/launch/netns.sh up slrlt 10.232.0 " +
                                       std::to_string(kHosts) + " 2>&1");
    ok_ = r.exit_code == 0;
    error_ = r.output;
  }
  ~Namespaces() { (void)RunCommand("bash " + SourceDir() + "/tests/launch/netns.sh down slrlt " + std::to_string(kHosts)); }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  bool ok_ = false;
  std::string error_;
};

// The file a process runs ("" when it is gone).
std::string Executable(const std::string& pid) {
  char buf[4096];
  const ssize_t n = ::readlink(("/proc/" + pid + "/exe").c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The pid of the slaterl process of role `role` `id` inside namespace `ns` (the exec wrappers
// and the shells around it excluded).
pid_t FindRole(const std::string& ns, const std::string& role, int id) {
  char real[4096];
  const std::string slaterl = ::realpath(Binary().c_str(), real) ? real : Binary();
  const CommandResult pids = RunCommand("ip netns pids " + ns);
  std::istringstream in(pids.output);
  for (pid_t pid; in >> pid;) {
    if (Executable(std::to_string(pid)) != slaterl) continue;
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    for (char& c : args) c = c == '\0' ? ' ' : c;
    if (args.find("_role " + role + " ") != std::string::npos && args.find("--id " + std::to_string(id) + " ") != std::string::npos)
      return pid;
  }
  return -1;
}

TEST(HostsIntegrationTest, ThreeNamespacesOverTcpWithCurveAndAnActorRestart) {
  if (::geteuid() != 0) SKIP_OR_FAIL_IN_CI("needs root for ip netns");
  Namespaces namespaces;
  if (!namespaces.ok()) SKIP_OR_FAIL_IN_CI("could not create network namespaces: " << namespaces.error());
  const std::string dir = MakeTempDir("hosts");
  // Every role gets this path through two shells (here and in its namespace): quoted wrongly, it
  // splits at the spaces, loses its quotes or expands $HOME, and no role finds its run.
  const std::string run_dir = dir + "/run 'with' \"quotes\" $HOME";
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nstop: {time_total_s: 12}\nevaluation: {final_episodes: 50}\n"
            "cluster:\n  backend: hosts\n  num_actors: 4\n  num_envs_per_actor: 2\n  replay_shards: 1\n"
            "  hosts: [{host: " + Ns(1) + ", address: " + Address(1) + ", shards: 1, learner: true},\n"
            "          {host: " + Ns(2) + ", address: " + Address(2) + ", actors: 2},\n"
            "          {host: " + Ns(3) + ", address: " + Address(3) + ", actors: 2}]\n"
            "  exec: \"ip netns exec {host} sh -c {command}\"\n  launcher_address: 10.232.0.1\n  base_port: 47100\n"
            "reporting: {progress: plain, interval_s: 0.5}\nseed: 2\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", run_dir}, dir + "/launch.log");
  // Once actor 0 (in namespace 2) has sent stats, kill it hard.
  pid_t actor = -1;
  ASSERT_TRUE(WaitUntil([&] {
    actor = FindRole(Ns(2), "actor", 0);
    return actor > 0 && ReadText(run_dir + "/metrics.jsonl").find("\"timesteps_total\"") != std::string::npos;
  }, std::chrono::seconds(40))) << ReadText(dir + "/launch.log");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(::kill(actor, SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] { const pid_t again = FindRole(Ns(2), "actor", 0); return again > 0 && again != actor; },
                        std::chrono::seconds(30)))
      << "actor 0 was not restarted in its namespace\n" << ReadText(dir + "/launch.log");
  ASSERT_EQ(WaitForExit(launcher, std::chrono::seconds(90)), 0) << ReadText(dir + "/launch.log");
  const std::string log = ReadText(dir + "/launch.log");
  EXPECT_NE(log.find("security: CURVE on every socket"), std::string::npos) << log;
  EXPECT_NE(log.find("restarted actor-0 on " + Ns(2)), std::string::npos) << log;
  const std::string summary = ReadText(run_dir + "/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  double restarts = 0;
  ASSERT_TRUE(JsonGetNumber(summary, "actor_restarts", &restarts)) << summary;
  EXPECT_GE(restarts, 1);
  const std::string actors = summary.substr(summary.find("\"actors\": {"));
  for (int a = 0; a < 4; ++a) {
    const std::string section = actors.substr(actors.find("\"" + std::to_string(a) + "\""));
    double steps = 0, version = 0;
    ASSERT_TRUE(JsonGetNumber(section, "env_steps", &steps)) << summary;
    ASSERT_TRUE(JsonGetNumber(section, "max_policy_version", &version)) << summary;
    EXPECT_GT(steps, 0) << "no fragments from actor " << a;
    EXPECT_GT(version, 0) << "no weights reached actor " << a;
  }
  double updates = 0;
  ASSERT_TRUE(JsonGetNumber(summary, "learner/num_updates", &updates));
  EXPECT_GT(updates, 0);
}

// Every role process in the namespaces (the exec wrappers excluded).
int RolesRunning() {
  int count = 0;
  for (int i = 1; i <= kHosts; ++i)
    for (const char* role : {"actor", "shard", "learner", "evaluator"})
      for (int id = 0; id < 4; ++id) count += FindRole(Ns(i), role, id) > 0 ? 1 : 0;
  return count;
}

TEST(HostsIntegrationTest, NoRoleOutlivesAKilledLauncher) {
  if (::geteuid() != 0) SKIP_OR_FAIL_IN_CI("needs root for ip netns");
  Namespaces namespaces;
  if (!namespaces.ok()) SKIP_OR_FAIL_IN_CI("could not create network namespaces: " << namespaces.error());
  const std::string dir = MakeTempDir("hosts-orphans");
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nstop: {time_total_s: 120}\n"
            "cluster:\n  backend: hosts\n  num_actors: 2\n  num_envs_per_actor: 2\n  replay_shards: 1\n"
            "  hosts: [{host: " + Ns(1) + ", address: " + Address(1) + ", shards: 1, learner: true},\n"
            "          {host: " + Ns(2) + ", address: " + Address(2) + ", actors: 1},\n"
            "          {host: " + Ns(3) + ", address: " + Address(3) + ", actors: 1}]\n"
            "  exec: \"ip netns exec {host} {argv}\"\n  launcher_address: 10.232.0.1\n  base_port: 47150\n"
            "security: {curve: false, allow_plaintext: true}\n"
            "reporting: {progress: plain, interval_s: 0.5}\nseed: 2\n");
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", dir + "/run"}, dir + "/launch.log");
  ASSERT_TRUE(WaitUntil([&] { return RolesRunning() == 5; }, std::chrono::seconds(40))) << ReadText(dir + "/launch.log");
  const std::string log = ReadText(dir + "/launch.log");
  for (const std::string port : {"launcher control ROUTER 10.232.0.1:47150 on ", "shard-0 insert PULL 10.232.0.11:47151 on slrlt-n1",
                                 "shard-0 sample ROUTER 10.232.0.11:47152 on slrlt-n1",
                                 "learner-0 weights PUB 10.232.0.11:47153 on slrlt-n1",
                                 "learner-0 weights request ROUTER 10.232.0.11:47154 on slrlt-n1"})
    EXPECT_NE(log.find(port), std::string::npos) << "the plaintext warning does not name " << port << "\n" << log;
  EXPECT_NE(log.find("plaintext and unauthenticated"), std::string::npos) << log;
  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  (void)WaitForExit(launcher, std::chrono::seconds(5));
  EXPECT_TRUE(WaitUntil([&] { return RolesRunning() == 0; }, std::chrono::seconds(20)))
      << RolesRunning() << " role processes still run in the namespaces after the launcher died";
}

}  // namespace
}  // namespace slaterl
