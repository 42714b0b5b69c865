// The shipped configs validate, and docs/config.md is the reference the validator generates.
#include <dirent.h>
#include <gtest/gtest.h>

#include "core/config.h"
#include "algos/run_config.h"
#include "tune/sweep.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

void CollectYaml(const std::string& dir, std::vector<std::string>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    if (e->d_type == DT_DIR) CollectYaml(path, out);
    else if (name.size() > 5 && name.substr(name.size() - 5) == ".yaml") out->push_back(path);
  }
  ::closedir(d);
}

TEST(ConfigFilesTest, EveryShippedConfigValidates) {
  std::vector<std::string> files;
  CollectYaml(SourceDir() + "/configs", &files);
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    // Sweep files (configs/sweeps/, configs/results/, configs/gems/{full,reduced}/): every run validates.
    if (file.find("/configs/sweeps/") != std::string::npos || file.find("/configs/results/") != std::string::npos ||
        file.find("/configs/gems/full/") != std::string::npos ||
        file.find("/configs/gems/reduced/") != std::string::npos) {
      auto sweep = LoadSweep(file);
      EXPECT_TRUE(sweep.ok()) << file << ": " << sweep.status().ToString();
      continue;
    }
    auto run = LoadRun(file);
    EXPECT_TRUE(run.ok()) << file << ": " << run.status().ToString();
  }
}

TEST(ConfigFilesTest, ConfigReferenceIsCurrent) {
  const std::string committed = ReadText(SourceDir() + "/docs/config.md");
  EXPECT_EQ(committed, ConfigReferenceMarkdown(RegistrySchemas()))
      << "docs/config.md is stale: run `make docs` (build/slaterl docs config > docs/config.md)";
}

TEST(ConfigFilesTest, EveryDocumentedKeyHasAMeaning) {
  const SchemaProvider& schemas = RegistrySchemas();
  std::vector<Schema> all = {StopSchema(), EvaluationSchema(), ClusterSchema(), ReportingSchema()};
  for (const auto& env : schemas.env_names) all.push_back(*schemas.env_schema(env));
  for (const auto& algo : schemas.algo_names) all.push_back(*schemas.algo_schema(algo));
  for (const auto& schema : all)
    for (const auto& key : schema.keys()) EXPECT_FALSE(key.doc.empty()) << schema.section() << "." << key.name;
}

}  // namespace
}  // namespace slaterl
