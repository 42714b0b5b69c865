// Tests of `slaterl pretrain mf` (algos/mf/mf_pretrain.h): logged `topics` data in, an item table that
// TopicsEmbeddings::LoadFile reads and whose neighbourhoods follow the simulator's topics out.
#include "algos/mf/mf_pretrain.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/crc32c.h"
#include "core/files.h"
#include "core/json.h"
#include "envs/topics_embeddings.h"
#include "actors/data_generate.h"
#include "algos/run_config.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

std::string TopDownConfig() { return SourceDir() + "/configs/envs/topics_focused_topdown.yaml"; }

// A logged dataset of `episodes` ε = 0.5 trajectories in `dir`.
std::string Generate(const std::string& dir, int64_t episodes) {
  auto run = LoadRun(TopDownConfig());
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  DataGenerateOptions options;
  options.episodes = episodes;
  options.out = dir + "/logged.slrllog";
  options.progress = "off";
  auto result = GenerateLoggedData(*run, options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return options.out;
}

// Mean over items of the share of its `k` nearest neighbours (cosine) that have its true topic.
double TopicPurity(const std::vector<float>& table, int dim, const std::vector<int32_t>& topic, int k) {
  const int n = static_cast<int>(topic.size());
  std::vector<double> norm(n);
  for (int i = 0; i < n; ++i) {
    double s = 0;
    for (int d = 0; d < dim; ++d) s += double(table[i * dim + d]) * table[i * dim + d];
    norm[i] = std::sqrt(s) + 1e-12;
  }
  double total = 0;
  std::vector<double> sim(n);
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int d = 0; d < dim; ++d) s += double(table[i * dim + d]) * table[j * dim + d];
      sim[j] = j == i ? -2.0 : s / (norm[i] * norm[j]);
    }
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&sim](int a, int b) { return sim[a] > sim[b]; });
    int same = 0;
    for (int r = 0; r < k; ++r) same += topic[order[r]] == topic[i];
    total += static_cast<double>(same) / k;
  }
  return total / n;
}

TEST(PretrainTest, WritesALoadableTableWhoseNeighboursShareTheirTopic) {
  const std::string dir = MakeTempDir("pretrain");
  const std::string data = Generate(dir, /*episodes=*/400);
  auto run = LoadRun(TopDownConfig());
  ASSERT_TRUE(run.ok());
  PretrainMfOptions options;
  options.data = data;
  options.out = dir + "/mf/table.f32";  // the folder is created
  options.quiet = true;
  options.mf.lr = 0.01;  // GeMS's 1e-4 needs minutes; the mechanics are the same
  options.mf.eval_interval_batches = 100;
  options.mf.max_epochs = 15;
  auto result = PretrainMf(*run, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const MfResult& mf = result->mf;
  EXPECT_LT(mf.best_validation_loss, mf.initial_validation_loss - 0.05);

  auto loaded = TopicsEmbeddings::LoadFile(options.out, 1000, 10, 2);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->table(), mf.item_embeddings);

  // The simulator's topics (from its true item table) are visible in the learned neighbourhoods:
  // chance is ≈ 0.1 (10 topics of 81–109 items).
  auto truth = TopicsEmbeddings::LoadFile(SourceDir() + "/data/gems/item_embeddings_focused.f32", 1000, 10, 2);
  ASSERT_TRUE(truth.ok());
  const double purity = TopicPurity(mf.item_embeddings, 20, truth->item_topics(), /*k=*/10);
  EXPECT_GT(purity, 0.25) << "purity@10 of the MF table";

  EXPECT_EQ(result->sidecar_path, dir + "/mf/table.json");
  const std::string sidecar = ReadText(result->sidecar_path);
  for (const char* field : {"\"shape\": [1000, 20]", "\"preset\": \"clean\"", "\"seed\": 2022",
                            "\"dataset_provenance\": {", "\"epsilon\": 0.5"})
    EXPECT_NE(sidecar.find(field), std::string::npos) << field;
  double final_loss = 0;
  ASSERT_TRUE(JsonGetNumber(sidecar, "final_validation_loss", &final_loss));
  EXPECT_EQ(final_loss, mf.best_validation_loss);
  for (const std::string& f : {options.out, result->sidecar_path, data}) ::unlink(f.c_str());
  ::rmdir((dir + "/mf").c_str());
  ::rmdir(dir.c_str());
}

// The committed table (docs/data.md): loadable, the bytes its sidecar describes, topic structure.
TEST(PretrainTest, CommittedFocusedTopDownTableMatchesItsSidecar) {
  const std::string path = SourceDir() + "/data/mf/focused_topdown_seed2022.f32";
  auto table = TopicsEmbeddings::LoadFile(path, 1000, 10, 2);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const std::string bytes = ReadText(path);
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", Crc32c(bytes.data(), bytes.size()));
  const std::string sidecar = ReadText(MfSidecarPath(path));
  EXPECT_NE(sidecar.find(std::string("\"f32_crc32c\": \"") + crc + "\""), std::string::npos) << crc;
  EXPECT_NE(sidecar.find("\"preset\": \"clean\""), std::string::npos);
  auto truth = TopicsEmbeddings::LoadFile(SourceDir() + "/data/gems/item_embeddings_focused.f32", 1000, 10, 2);
  ASSERT_TRUE(truth.ok());
  EXPECT_GT(TopicPurity(table->table(), 20, truth->item_topics(), 10), 0.6);
}

TEST(PretrainTest, DatasetMustMatchTheConfigsEnv) {
  const std::string dir = MakeTempDir("pretrain-mismatch");
  const std::string data = Generate(dir, 12);
  auto run = LoadRun(TopDownConfig(), {"env_config.rec_size=5"});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  PretrainMfOptions options;
  options.data = data;
  options.out = dir + "/table.f32";
  options.quiet = true;
  auto result = PretrainMf(*run, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("slate_size"), std::string::npos) << result.status().message();
  EXPECT_FALSE(PathExists(options.out));
  auto lts = LoadRun(SourceDir() + "/configs/envs/lts.yaml");
  ASSERT_TRUE(lts.ok());
  EXPECT_FALSE(PretrainMf(*lts, options).ok());
  options.data = dir + "/missing.slrllog";
  auto missing = PretrainMf(*run, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  ::unlink(data.c_str());
  ::rmdir(dir.c_str());
}

TEST(PretrainTest, CommandLineTrainsAndReportsTheValidationLoss) {
  const std::string dir = MakeTempDir("pretrain-cli");
  const std::string data = Generate(dir, 30);
  const std::string out = dir + "/e.f32";
  auto r = RunCommand(Binary() + " pretrain mf " + TopDownConfig() + " --data " + data + " --out " + out +
                      " --preset gems_repro --seed 5 --dim 20 --max-epochs 2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("validation loss"), std::string::npos) << r.output;
  EXPECT_TRUE(TopicsEmbeddings::LoadFile(out, 1000, 10, 2).ok());
  EXPECT_NE(ReadText(dir + "/e.json").find("\"preset\": \"gems_repro\""), std::string::npos);
  auto bad = RunCommand(Binary() + " pretrain mf " + TopDownConfig() + " --data " + data + " --out " + out +
                        " --preset faithful");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("gems_repro"), std::string::npos) << bad.output;
  for (const std::string& f : {out, dir + "/e.json", data}) ::unlink(f.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace slaterl
