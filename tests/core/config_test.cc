#include "core/config.h"

#include <gtest/gtest.h>

#include "core/role_context.h"

namespace slaterl {
namespace {

SchemaProvider MakeSchemas() {
  SchemaProvider p;
  p.env_names = {"toy"};
  p.algo_names = {"learner"};
  p.env_schema = [](const std::string&) -> Result<Schema> {
    return Schema("env_config")
        .Int("num_candidates", 10, 1, 1000, "items", "candidates")
        .Bool("resample", true, "resample");
  };
  p.algo_schema = [](const std::string&) -> Result<Schema> {
    return Schema("config").Double("lr", 0.001, 0.0, 1.0, "", "learning rate", true).Enum(
        "mode", "a", {"a", "b"}, "mode");
  };
  return p;
}

Result<RunConfig> Load(const std::string& yaml, std::vector<std::string> overrides = {}) {
  return LoadRunConfigString(yaml, "run.yaml", overrides, MakeSchemas());
}

TEST(ConfigTest, FillsDefaultsAndReadsValues) {
  auto rc = Load("env: toy\nalgo: learner\nconfig: {lr: 0.01}\nseed: 5\n");
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  EXPECT_EQ(rc->env_config.GetInt("num_candidates"), 10);
  EXPECT_DOUBLE_EQ(rc->config.GetDouble("lr"), 0.01);
  EXPECT_TRUE(rc->config.IsExplicit("lr"));
  EXPECT_FALSE(rc->env_config.IsExplicit("num_candidates"));
  EXPECT_EQ(rc->seed, 5u);
  EXPECT_EQ(rc->cluster.GetString("backend"), "local");
  EXPECT_EQ(rc->name, "run");
}

TEST(ConfigTest, UnknownKeyNamesFileLineAndKey) {
  auto rc = Load("env: toy\nalgo: learner\nenv_config:\n  num_candidates: 5\n  bogus: 1\n");
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("run.yaml:5"), std::string::npos) << rc.status().message();
  EXPECT_NE(rc.status().message().find("env_config.bogus"), std::string::npos);
}

TEST(ConfigTest, UnknownTopLevelKeyIsAnError) {
  auto rc = Load("env: toy\nalgo: learner\nstopp: {timesteps_total: 5}\n");
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("run.yaml:3: unknown key 'stopp'"), std::string::npos)
      << rc.status().message();
}

TEST(ConfigTest, WrongTypeNamesFileLineAndKey) {
  auto rc = Load("env: toy\nalgo: learner\ncluster:\n  num_actors: many\n");
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("run.yaml:4: key 'cluster.num_actors': expected an integer"),
            std::string::npos)
      << rc.status().message();
}

TEST(ConfigTest, OutOfRangeValueIsAnError) {
  auto rc = Load("env: toy\nalgo: learner\nconfig: {lr: 0}\n");
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("key 'config.lr'"), std::string::npos);
  auto rc2 = Load("env: toy\nalgo: learner\nconfig: {mode: c}\n");
  ASSERT_FALSE(rc2.ok());
  EXPECT_NE(rc2.status().message().find("one of {a, b}"), std::string::npos);
}

TEST(ConfigTest, DeadlinesAndLearnerThreadsDefaultAndValidate) {
  auto rc = Load("env: toy\nalgo: learner\n");
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  EXPECT_EQ(rc->cluster.GetInt("learner_threads"), 0);  // auto
  EXPECT_DOUBLE_EQ(rc->cluster.GetDouble("startup_grace_s"), 30.0);
  EXPECT_DOUBLE_EQ(rc->cluster.GetDouble("final_evaluation_timeout_s"), 120.0);
  EXPECT_DOUBLE_EQ(rc->cluster.GetDouble("shard_request_timeout_s"), 60.0);
  auto set = Load("env: toy\nalgo: learner\ncluster: {learner_threads: 4, final_evaluation_timeout_s: 900}\n");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->cluster.GetInt("learner_threads"), 4);
  EXPECT_DOUBLE_EQ(set->cluster.GetDouble("final_evaluation_timeout_s"), 900.0);
  for (const char* bad : {"cluster.learner_threads=-1", "cluster.startup_grace_s=0", "cluster.final_evaluation_timeout_s=-5",
                          "cluster.shard_request_timeout_s=0.5"}) {
    auto refused = Load("env: toy\nalgo: learner\n", {bad});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find(std::string("--set ") + bad), std::string::npos)
        << refused.status().message();
  }
}

TEST(ConfigTest, LearnerThreadsAutoLeavesACoreToEveryOtherRoleOnTheLearnersHost) {
  // backend local, 2 actors, 1 shard, the evaluator: 3 other role processes.
  auto local = Load("env: toy\nalgo: learner\ncluster: {num_actors: 2, replay_shards: 1}\n");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(LearnerThreadsFor(*local, 16), 12);
  EXPECT_EQ(LearnerThreadsFor(*local, 2), 1);  // never below one
  auto fixed = Load("env: toy\nalgo: learner\ncluster: {learner_threads: 3}\n");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(LearnerThreadsFor(*fixed, 64), 3);
  EXPECT_EQ(LearnerThreadsFor(*fixed, 1), 3);
  // backend hosts: only the shard and the evaluator share the learner's host.
  auto hosts = Load("env: toy\nalgo: learner\ncluster: {backend: hosts, num_actors: 8, replay_shards: 1, hosts: "
                    "[{host: a, learner: true, shards: 1}, {host: b, actors: 8}]}\n");
  ASSERT_TRUE(hosts.ok()) << hosts.status().ToString();
  EXPECT_EQ(LearnerThreadsFor(*hosts, 16), 14);
  EXPECT_GE(AvailableCores(), 1);
}

TEST(ConfigTest, MissingEnvIsAnError) {
  auto rc = Load("algo: learner\n");
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("key 'env': is required"), std::string::npos);
}

TEST(ConfigTest, SetOverridesAnyKeyAndErrorsNameTheOverride) {
  auto rc = Load("env: toy\nalgo: learner\n", {"cluster.num_actors=4", "env_config.resample=false"});
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  EXPECT_EQ(rc->cluster.GetInt("num_actors"), 4);
  EXPECT_FALSE(rc->env_config.GetBool("resample"));
  auto bad = Load("env: toy\nalgo: learner\n", {"cluster.num_actors=0"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--set cluster.num_actors=0"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(Load("env: toy\nalgo: learner\n", {"no_equals_sign"}).ok());
}

TEST(ConfigTest, ResolvedYamlLoadsBackToTheSameConfig) {
  auto rc = Load("env: toy\nalgo: learner\nconfig: {lr: 0.3, mode: b}\nseed: 9\n");
  ASSERT_TRUE(rc.ok());
  auto again = LoadRunConfigString(rc->resolved_yaml, "resolved.yaml", {}, MakeSchemas());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->resolved_yaml, rc->resolved_yaml);
  EXPECT_EQ(again->hash, rc->hash);
  EXPECT_DOUBLE_EQ(again->config.GetDouble("lr"), 0.3);
}

TEST(ConfigTest, SyntaxErrorNamesTheLine) {
  auto rc = Load("env: toy\nalgo: [unclosed\n");
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("run.yaml:"), std::string::npos);
}

TEST(ConfigTest, PlaintextOverTcpIsRefusedUnlessAllowed) {
  const std::string hosts =
      "env: toy\nalgo: learner\n"
      "cluster: {backend: hosts, num_actors: 1, replay_shards: 1, hosts: [{host: n1, shards: 1, actors: 1}]}\n";
  auto refused = Load(hosts + "security: {curve: false}\n");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("run.yaml:4: key 'security.curve'"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("security.allow_plaintext: true"), std::string::npos)
      << refused.status().message();
  auto by_set = Load(hosts, {"security.curve=false"});
  ASSERT_FALSE(by_set.ok());
  EXPECT_NE(by_set.status().message().find("--set security.curve=false"), std::string::npos) << by_set.status().message();
  auto slurm = Load("env: toy\nalgo: learner\ncluster: {backend: slurm}\nsecurity: {curve: false}\n");
  EXPECT_FALSE(slurm.ok()) << "slurm runs over tcp:// too";

  auto allowed = Load(hosts + "security: {curve: false, allow_plaintext: true}\n");
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_TRUE(allowed->security.GetBool("allow_plaintext"));
  for (const char* fine : {"security: {curve: auto}\n", "security: {curve: true}\n", ""})
    EXPECT_TRUE(Load(hosts + fine).ok()) << fine;
  auto local = Load("env: toy\nalgo: learner\nsecurity: {curve: false}\n");
  ASSERT_TRUE(local.ok()) << "ipc:// in a private directory: " << local.status().ToString();
  EXPECT_FALSE(local->security.GetBool("allow_plaintext"));
}

TEST(ConfigTest, ExecTemplateNeedsCommandOrArgv) {
  const std::string hosts =
      "env: toy\nalgo: learner\n"
      "cluster: {backend: hosts, num_actors: 1, replay_shards: 1, hosts: [{host: n1, shards: 1, actors: 1}]}\n";
  EXPECT_TRUE(Load(hosts, {"cluster.exec=ssh {host} {command}"}).ok());
  EXPECT_TRUE(Load(hosts, {"cluster.exec=ip netns exec {host} {argv}"}).ok());
  auto neither = Load(hosts, {"cluster.exec=ssh {host}"});
  ASSERT_FALSE(neither.ok());
  EXPECT_NE(neither.status().message().find("{command} (for ssh) or {argv}"), std::string::npos)
      << neither.status().message();
}

}  // namespace
}  // namespace slaterl
