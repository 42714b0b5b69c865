// `slaterl launch --dry-run` for backend hosts (DescribeLocalLaunch; docs/multi-node.md): where
// every role runs, the ADDRESS:PORT of every socket, and the exact line each role is started with
// (cluster.exec with {host} and {command} or {argv} replaced). With security.allow_plaintext the
// same text warns about every port. Nothing is started.
#include <gtest/gtest.h>
#include <unistd.h>

#include "algos/run_config.h"
#include "launch/launcher.h"

namespace slaterl {
namespace {

std::string ThisHost() {
  char name[256] = {0};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

RunConfig HostsRun(const std::vector<std::string>& overrides = {}) {
  auto run = LoadRunConfigString(
      "name: golden\nenv: lts\nalgo: linucb\nstop: {timesteps_total: 1000}\n"
      "cluster:\n  backend: hosts\n  num_actors: 3\n  replay_shards: 2\n"
      "  hosts: [{host: n1, address: 10.0.0.1, shards: 2, learner: true}, {host: n2, address: 10.0.0.2, actors: 2},\n"
      "          {host: n3, actors: 1}]\n"
      "  launcher_address: 10.0.0.100\n  base_port: 47000\nseed: 1\n",
      "golden.yaml", overrides, RegistrySchemas());
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return *run;
}

LaunchOptions DryRun() {
  LaunchOptions options;
  options.executable = "/opt/slaterl/bin/slaterl";  // not here: printed as given
  options.run_dir = "/shared/runs/my run";
  options.dry_run = true;
  return options;
}

TEST(HostsDryRunTest, PrintsPlacementPortsAndTheExactSshLines) {
  const std::string ssh = "ssh {host} {command}";  // the default cluster.exec
  const std::string role = "/opt/slaterl/bin/slaterl _role ";
  const std::string dir = " --run-dir '\\''/shared/runs/my run'\\'' --launcher-address 10.0.0.100 --id ";
  EXPECT_EQ(DescribeLocalLaunch(HostsRun(), DryRun()),
            "backend: hosts\n"
            "run directory: /shared/runs/my run\n"
            "security: CURVE on every socket (keys in /shared/runs/my run/keys)\n"
            "ports (each bound as tcp://*:PORT on its host; ADDRESS:PORT is where the others connect):\n"
            "  launcher control ROUTER 10.0.0.100:47000 on " + ThisHost() + "\n"
            "  shard-0 insert PULL 10.0.0.1:47001 on n1\n"
            "  shard-0 sample ROUTER 10.0.0.1:47002 on n1\n"
            "  shard-1 insert PULL 10.0.0.1:47003 on n1\n"
            "  shard-1 sample ROUTER 10.0.0.1:47004 on n1\n"
            "  learner-0 weights PUB 10.0.0.1:47005 on n1\n"
            "  learner-0 weights request ROUTER 10.0.0.1:47006 on n1\n"
            "roles:\n"
            "  shard-0 on n1: PULL 10.0.0.1:47001, ROUTER 10.0.0.1:47002\n"
            "  shard-1 on n1: PULL 10.0.0.1:47003, ROUTER 10.0.0.1:47004\n"
            "  learner-0 on n1: PUB 10.0.0.1:47005, ROUTER 10.0.0.1:47006, DEALER → every shard\n"
            "  evaluator-0 on n1: SUB 10.0.0.1:47005\n"
            "  actor-0 on n2: PUSH → shard-0 10.0.0.1:47001, SUB 10.0.0.1:47005\n"
            "  actor-1 on n2: PUSH → shard-1 10.0.0.1:47003, SUB 10.0.0.1:47005\n"
            "  actor-2 on n3: PUSH → shard-0 10.0.0.1:47001, SUB 10.0.0.1:47005\n"
            "commands (each run here as /bin/sh -c LINE; cluster.exec: " + ssh + "):\n"
            "  shard-0: ssh n1 '" + role + "shard" + dir + "0 --incarnation 0'\n"
            "  shard-1: ssh n1 '" + role + "shard" + dir + "1 --incarnation 0'\n"
            "  learner-0: ssh n1 '" + role + "learner" + dir + "0 --incarnation 0'\n"
            "  evaluator-0: ssh n1 '" + role + "evaluator" + dir + "0 --incarnation 0'\n"
            "  actor-0: ssh n2 '" + role + "actor" + dir + "0 --incarnation 0 --max-env-steps 334'\n"
            "  actor-1: ssh n2 '" + role + "actor" + dir + "1 --incarnation 0 --max-env-steps 334'\n"
            "  actor-2: ssh n3 '" + role + "actor" + dir + "2 --incarnation 0 --max-env-steps 334'\n");
}

TEST(HostsDryRunTest, ArgvTemplateLinesPassTheArgumentsAsWords) {
  const std::string shown = DescribeLocalLaunch(HostsRun({"cluster.exec=ip netns exec {host} {argv}"}), DryRun());
  EXPECT_NE(shown.find("  actor-2: ip netns exec n3 /opt/slaterl/bin/slaterl _role actor --run-dir "
                       "'/shared/runs/my run' --launcher-address 10.0.0.100 --id 2 --incarnation 0 --max-env-steps 334\n"),
            std::string::npos)
      << shown;
}

TEST(HostsDryRunTest, PlaintextWarningNamesEveryPort) {
  const std::string shown =
      DescribeLocalLaunch(HostsRun({"security.curve=false", "security.allow_plaintext=true"}), DryRun());
  EXPECT_EQ(shown.find("security: CURVE"), std::string::npos) << shown;
  const size_t at = shown.find("WARNING: security.curve: false, security.allow_plaintext: true: every port of this "
                               "run is plaintext and unauthenticated");
  ASSERT_NE(at, std::string::npos) << shown;
  const std::string warning = shown.substr(at, shown.find('\n', at) - at);
  for (const std::string& port : {"launcher control ROUTER 10.0.0.100:47000 on " + ThisHost(),
                                 std::string("shard-0 insert PULL 10.0.0.1:47001 on n1"),
                                 std::string("shard-0 sample ROUTER 10.0.0.1:47002 on n1"),
                                 std::string("shard-1 insert PULL 10.0.0.1:47003 on n1"),
                                 std::string("shard-1 sample ROUTER 10.0.0.1:47004 on n1"),
                                 std::string("learner-0 weights PUB 10.0.0.1:47005 on n1"),
                                 std::string("learner-0 weights request ROUTER 10.0.0.1:47006 on n1")})
    EXPECT_NE(warning.find(port), std::string::npos) << "not named: " << port << "\n" << warning;
}

}  // namespace
}  // namespace slaterl
