// Tests of bench/lib/performance_markdown: the tables of docs/performance.md from fixed numbers and a
// small reference table — number formats, the Python figure taken from the fastest of two hosts,
// "—" where the table has no row, and the ratios. No clocks: nothing here measures anything.
#include "bench/lib/performance_markdown.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace slaterl {
namespace {

const char kHeader[] =
    "id,kind,config,policy,metric,episodes,mean,std,sem,length_mean,length_std,source,source_commit,"
    "measured_how,verified,notes\n";

std::string SpeedRow(const std::string& id, const std::string& config, const std::string& policy,
                     const std::string& metric, const std::string& mean) {
  return id + ",speed," + config + "," + policy + "," + metric + ",," + mean + ",,,,,src,,how,yes,\n";
}

ReferenceTable Table() {
  const std::string text =
      std::string(kHeader) +
      SpeedRow("python_speed/host_a/x/random", "configs/envs/x.yaml", "random", "steps_per_s", "8600") +
      SpeedRow("python_speed/host_b/x/random", "configs/envs/x.yaml", "random", "steps_per_s", "26100") +
      SpeedRow("python_speed/host_a/x/oracle", "configs/envs/x.yaml", "oracle", "steps_per_s", "1180") +
      // Not speed rows for (x, random, steps_per_s): larger means that must not be picked.
      "x/random,env_return,configs/envs/x.yaml,random,return,500,99999,1,0.1,60,0,src,,how,yes,\n" +
      SpeedRow("python_speed/host_c/x/random_updates", "configs/envs/x.yaml", "random", "updates_per_s", "99999") +
      SpeedRow("python_speed/host_a/sim/random", "configs/envs/sim.yaml", "random", "steps_per_s", "1550") +
      SpeedRow("python_speed/host_b/sim/random", "configs/envs/sim.yaml", "random", "steps_per_s", "2600") +
      SpeedRow("pytorch_speed/algo/update", "configs/algo.yaml", "algo", "updates_per_s", "10.5");
  Result<ReferenceTable> table = ReferenceTable::Parse(text, "/somewhere/data/reference/reference.csv");
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return table.ok() ? *table : ReferenceTable();
}

TEST(PerformanceMarkdown, FormatsRates) {
  EXPECT_EQ(FormatRate(9.2649e6), "9.26 M");
  EXPECT_EQ(FormatRate(12.34e6), "12.3 M");
  EXPECT_EQ(FormatRate(342.4e3), "342 k");
  EXPECT_EQ(FormatRate(999.7e3), "1.00 M");
  EXPECT_EQ(FormatRate(68940), "68,940");
  EXPECT_EQ(FormatRate(717.2), "717");
  EXPECT_EQ(FormatRate(23.71), "23.7");
  EXPECT_EQ(FormatRate(2.351), "2.35");
  EXPECT_EQ(FormatRate(std::nan("")), "—");
}

TEST(PerformanceMarkdown, FormatsRanges) {
  EXPECT_EQ(FormatRateRange({9.32e6, 9.26e6, 9.30e6}), "9.26–9.32 M");
  EXPECT_EQ(FormatRateRange({342e3, 292e3}), "292–342 k");
  EXPECT_EQ(FormatRateRange({500e3, 1.2e6}), "0.50–1.20 M");  // the larger end's unit
  EXPECT_EQ(FormatRateRange({80807, 228e3}), "81–228 k");
  EXPECT_EQ(FormatRateRange({4047, 4210}), "4,047–4,210");
  EXPECT_EQ(FormatRateRange({9.261e6, 9.262e6}), "9.26 M");  // equal once formatted: one value
  EXPECT_EQ(FormatRateRange({717}), "717");
  EXPECT_EQ(FormatRateRange({}), "—");
}

TEST(PerformanceMarkdown, FormatsFactors) {
  EXPECT_EQ(FormatFactor(1083), "≈1,100×");
  EXPECT_EQ(FormatFactor(460.3), "≈460×");
  EXPECT_EQ(FormatFactor(36.2), "36×");
  EXPECT_EQ(FormatFactor(2.08), "2.1×");
  EXPECT_EQ(FormatFactor(0.06), "0.06×");
  EXPECT_EQ(FormatFactor(0), "—");
  EXPECT_EQ(FormatFactor(std::nan("")), "—");
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 2, 3}), 2.5);
  EXPECT_TRUE(std::isnan(Median({})));
}

TEST(PerformanceMarkdown, FastestSpeedRowPicksTheFasterHost) {
  const ReferenceTable table = Table();
  const ReferenceRow* row = FastestSpeedRow(table, "configs/envs/x.yaml", "random", "steps_per_s");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->id, "python_speed/host_b/x/random");
  EXPECT_EQ(FastestSpeedRow(table, "configs/envs/x.yaml", "greedy", "steps_per_s"), nullptr);
  EXPECT_EQ(FastestSpeedRow(table, "configs/envs/none.yaml", "random", "steps_per_s"), nullptr);
  EXPECT_EQ(FormatReferenceCell(row), "26,100 (`python_speed/host_b/x/random`)");
  EXPECT_EQ(FormatReferenceCell(nullptr), "—");
  EXPECT_EQ(FormatRatioCell(2.61e6, row), "≈100×");
  EXPECT_EQ(FormatRatioCell(2.61e6, nullptr), "—");
}

TEST(PerformanceMarkdown, EnvRowUsesTheFasterHostAndTheMedianAtBatchOne) {
  const ReferenceTable table = Table();
  EnvBenchResult result;
  result.env = "lts";
  result.config = "configs/envs/x.yaml";
  result.policy = "random";
  result.num_candidates = 10;
  result.slate_size = 3;
  result.batch1 = {9.26e6, 9.32e6, 9.30e6};  // median 9.30 M; 9.30e6 / 26100 = 356
  result.batch64 = {9.65e6, 9.93e6, 9.70e6};
  EXPECT_EQ(EnvMarkdownRow(result, table),
            "| `lts` `configs/envs/x.yaml` (10 candidates, slate 3) | random | 9.26–9.32 M | 9.65–9.93 M | "
            "26,100 (`python_speed/host_b/x/random`) | ≈360× |\n");
  // One host only: that host's figure.
  result.policy = "oracle";
  result.batch1 = {3.0e5};
  result.batch64 = {2.8e5};
  EXPECT_EQ(EnvMarkdownRow(result, table),
            "| `lts` `configs/envs/x.yaml` (10 candidates, slate 3) | oracle | 300 k | 280 k | "
            "1,180 (`python_speed/host_a/x/oracle`) | ≈250× |\n");
}

TEST(PerformanceMarkdown, EnvRowWithoutReferenceSaysDash) {
  const ReferenceTable table = Table();
  EnvBenchResult result;
  result.env = "interest_exploration";
  result.policy = "random";
  result.num_candidates = 10;
  result.slate_size = 2;
  result.batch1 = {3.61e6, 3.78e6};
  result.batch64 = {3.70e6};
  EXPECT_EQ(EnvMarkdownRow(result, table),
            "| `interest_exploration` defaults (10 candidates, slate 2) | random | 3.61–3.78 M | 3.70 M | — | — |\n");
  result.config = "configs/envs/none.yaml";
  EXPECT_EQ(EnvMarkdownRow(result, table),
            "| `interest_exploration` `configs/envs/none.yaml` (10 candidates, slate 2) | random | 3.61–3.78 M | "
            "3.70 M | — | — |\n");
  const std::string whole = EnvMarkdownTable({result}, table);
  EXPECT_EQ(whole.rfind(EnvMarkdownHeader(), 0), 0u);
  EXPECT_NE(whole.find("Ranges over 2 measurements"), std::string::npos) << whole;
  EXPECT_NE(whole.find("`data/reference/reference.csv`"), std::string::npos) << whole;
}

TEST(PerformanceMarkdown, LearnerTableRatioIsOursOverPyTorch) {
  const ReferenceTable table = Table();
  const std::string out = LearnerMarkdownTable(
      {{"shape A", "pytorch_speed/algo/update", 21.0}, {"shape B", "", 50.0}, {"shape C", "pytorch_speed/missing", 5.0}},
      table);
  EXPECT_NE(out.find("| shape A | 21.0 | 10.5 (`pytorch_speed/algo/update`) | 2.0× |\n"), std::string::npos) << out;
  EXPECT_NE(out.find("| shape B | 50.0 | — | — |\n"), std::string::npos) << out;
  EXPECT_NE(out.find("| shape C | 5.00 | — | — |\n"), std::string::npos) << out;
}

TEST(PerformanceMarkdown, GemsTablesUseTheFasterSimulatorHost) {
  const ReferenceTable table = Table();
  GemsBenchResult with_reference;
  with_reference.algo = "algo";
  with_reference.reference_id = "pytorch_speed/algo/update";
  with_reference.batch_trajectories = 20;
  with_reference.acting_1env = 300;
  with_reference.acting_many_envs = 290;
  with_reference.many_envs = 20;
  with_reference.updates_per_sec = 25;
  GemsBenchResult without = with_reference;
  without.algo = "other";
  without.reference_id = "";
  const std::string out = GemsMarkdownTables({with_reference, without}, table, "configs/envs/sim.yaml", 100);
  // Update: 25 / 10.5 = 2.4×.
  EXPECT_NE(out.find("| `algo` | 20 | 25.0 | 10.5 (`pytorch_speed/algo/update`) | 2.4× |\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("| `other` | 20 | 25.0 | — | — |\n"), std::string::npos) << out;
  // Serial: ours 1 / (1/300 + 1/25) = 23.1; Python 1 / (100/2600 + 1/10.5) = 7.48 (host_b's 2600, not
  // host_a's 1550); speed-up 3.1×.
  EXPECT_NE(out.find("| `algo` | 300 | 290 | 23.1 | 7.48 | 3.1× |\n"), std::string::npos) << out;
  EXPECT_NE(out.find("| `other` | 300 | 290 | 23.1 | — | — |\n"), std::string::npos) << out;
  EXPECT_NE(out.find("2,600 (`python_speed/host_b/sim/random`)"), std::string::npos) << out;
  EXPECT_NE(out.find("acting, 20 envs"), std::string::npos) << out;
  EXPECT_DOUBLE_EQ(SerialRate(0, 5), 0);
}

TEST(PerformanceMarkdown, PipelineTable) {
  PipelineBenchResult r;
  r.config = "configs/bench/p.yaml";
  r.env = "lts";
  r.algo = "linucb";
  r.num_actors = 2;
  r.num_envs_per_actor = 16;
  r.pipeline_env_steps_per_sec = 2.9e6;
  r.alone_env_steps_per_sec = 7.49e6;
  r.learner_updates_per_sec = 717;
  r.batch_size = 4096;
  PipelineBenchResult no_batch = r;
  no_batch.batch_size = 0;
  no_batch.alone_env_steps_per_sec = 0;
  const std::string out = PipelineMarkdownTable({r, no_batch});
  EXPECT_NE(out.find("| `configs/bench/p.yaml` | linucb on lts | 2 × 16 | 2.90 M | 7.49 M | 0.39 | 717 | "
                     "2.94 M (batch_size 4096) |\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| 2.90 M | 0.00 | — | 717 | — |\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace slaterl
