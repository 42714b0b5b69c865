#include "core/config.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace slaterl
