// Tests of tune/report (reading runs back, per-point statistics, curves, report files),
// tune/svg_plot, the sweep progress line, and the TensorBoard file of every run directory.
#include "tune/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <dirent.h>

#include "core/files.h"
#include "core/json.h"
#include "core/progress.h"
#include "algos/run_config.h"
#include "launch/run_dir.h"
#include "tune/svg_plot.h"
#include "tests/launch/process_util.h"
#include "tests/tune/sweep_check.h"

namespace slaterl {
namespace {

using namespace testing_util;

RunRecord MakeRun(const std::string& point, int64_t seed, double final_value) {
  RunRecord r;
  r.id = point + "-seed" + std::to_string(seed);
  r.point = point;
  r.seed = seed;
  r.status = "ok";
  r.final_value = r.best_value = final_value;
  return r;
}

TEST(ReportTest, ParseJsonNumbersKeepsNumbersInOrderAndSkipsTheRest) {
  auto row = ParseJsonNumbers(
      "{\"timesteps_total\": 2500, \"episode_reward_mean\": null, \"name\": \"x\", \"eval/episode_reward_mean\": "
      "1.5e2, \"quoted\": \"3\", \"ok\": true, \"neg\": -0.25}");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_EQ(row->size(), 3u);
  EXPECT_EQ((*row)[0], std::make_pair(std::string("timesteps_total"), 2500.0));
  EXPECT_EQ((*row)[1], std::make_pair(std::string("eval/episode_reward_mean"), 150.0));
  EXPECT_EQ((*row)[2], std::make_pair(std::string("neg"), -0.25));
  EXPECT_FALSE(ParseJsonNumbers("{\"a\": 1").ok());
  EXPECT_FALSE(ParseJsonNumbers("[1, 2]").ok());
}

// Known values: mpmath at 40 digits (mean, std, t_{0.975,4}·s/√5, Welch t, df, two-sided p).
TEST(ReportTest, AggregatePointsMatchesKnownValues) {
  const std::vector<double> a = {157.88678127549869, 163.55886133335585, 150.20527171584581, 171.2, 168.9};
  const std::vector<double> b = {154.66711618554731, 152.99808675205807, 151.47872147832044, 155.1, 153.3};
  std::vector<RunRecord> runs;
  for (size_t i = 0; i < a.size(); ++i) runs.push_back(MakeRun("learner", i, a[i]));
  for (size_t i = 0; i < b.size(); ++i) runs.push_back(MakeRun("random", i, b[i]));
  RunRecord failed = MakeRun("learner", 9, 0.0);
  failed.status = "failed";
  runs.push_back(failed);
  const auto stats = AggregatePoints(runs, {"learner", "random"}, "random", "max", 0.05);
  ASSERT_EQ(stats.size(), 2u);
  const PointStats& s = stats[0];
  EXPECT_EQ(s.n, 5);
  EXPECT_EQ(s.failed, 1);
  EXPECT_NEAR(s.mean, 162.35018286494006929, 1e-9);
  EXPECT_NEAR(s.std, 8.5161771358215457826, 1e-9);
  EXPECT_NEAR(s.ci95, 10.574230551875664552, 1e-9);
  ASSERT_TRUE(s.has_test);
  EXPECT_NEAR(s.welch_t, 2.2889498299046638222, 1e-9);
  EXPECT_NEAR(s.welch_df, 4.2286781136021391336, 1e-9);
  EXPECT_NEAR(s.p_value, 0.080370801721594451874, 1e-9);
  EXPECT_FALSE(s.significant);  // p > 0.05
  EXPECT_EQ(s.rank, 1);
  EXPECT_TRUE(stats[1].is_baseline);
  EXPECT_FALSE(stats[1].has_test);
  EXPECT_EQ(stats[1].rank, 2);
  // At alpha = 0.1 the same difference is significant; with mode min the ranks swap.
  EXPECT_TRUE(AggregatePoints(runs, {"learner", "random"}, "random", "max", 0.1)[0].significant);
  EXPECT_EQ(AggregatePoints(runs, {"learner", "random"}, "random", "min", 0.05)[0].rank, 2);
}

TEST(ReportTest, RanksBySeedMeanNotByTheBestSingleSeed) {
  // "lucky" has the best single seed (200) but the worse mean.
  std::vector<RunRecord> runs = {MakeRun("lucky", 0, 200), MakeRun("lucky", 1, 100), MakeRun("lucky", 2, 100),
                                 MakeRun("steady", 0, 150), MakeRun("steady", 1, 151), MakeRun("steady", 2, 149)};
  const auto stats = AggregatePoints(runs, {"lucky", "steady"}, "", "max", 0.05);
  EXPECT_EQ(stats[0].rank, 2);
  EXPECT_EQ(stats[1].rank, 1);
  EXPECT_FALSE(stats[0].has_test);
}

TEST(ReportTest, SingleSeedPointsHaveNoIntervalAndNoTest) {
  const auto stats = AggregatePoints({MakeRun("a", 0, 1.0), MakeRun("b", 0, 2.0), MakeRun("b", 1, 3.0)}, {"a", "b"},
                                     "a", "max", 0.05);
  EXPECT_EQ(stats[0].n, 1);
  EXPECT_TRUE(std::isnan(stats[0].ci95));
  EXPECT_FALSE(stats[1].has_test);
}

TEST(ReportTest, AggregateCurvesInterpolatesEachSeedOnACommonGrid) {
  // Seed 1: y = x/100 on [0, 1000]; seed 2: y = 2 at 0, 12 at 1000 (linear), sampled at other x.
  const std::vector<std::pair<double, double>> c1 = {{0, 0}, {500, 5}, {1000, 10}};
  const std::vector<std::pair<double, double>> c2 = {{0, 2}, {250, 4.5}, {1000, 12}};
  const CurveBand band = AggregateCurves({c1, c2}, 5);  // x = 0, 250, 500, 750, 1000
  ASSERT_EQ(band.x.size(), 5u);
  EXPECT_DOUBLE_EQ(band.x[1], 250);
  EXPECT_NEAR(band.mean[1], (2.5 + 4.5) / 2, 1e-12);
  EXPECT_NEAR(band.mean[3], (7.5 + 9.5) / 2, 1e-12);
  // Two seeds 2 apart: std = √2, half-width = t_{0.975,1} · √2 / √2 = 12.706204736174705.
  EXPECT_NEAR(band.hi[1] - band.mean[1], 12.706204736174705, 1e-9);
  EXPECT_NEAR(band.mean[1] - band.lo[1], 12.706204736174705, 1e-9);
  // A seed that stops early only counts inside its range.
  const CurveBand partial = AggregateCurves({c1, {{0, 100}, {500, 100}}}, 3);
  EXPECT_NEAR(partial.mean[2], 10.0, 1e-12);
  EXPECT_DOUBLE_EQ(partial.lo[2], partial.mean[2]);
}

TEST(ReportTest, SvgPlotIsStandaloneAndEscapesText) {
  PlotSeries s;
  s.label = "a<b & c";
  s.x = {0, 1000, 2000};
  s.y = {1, 2, NAN};
  s.lo = {0.5, 1.5, 2.5};
  s.hi = {1.5, 2.5, 3.5};
  PlotOptions options;
  options.title = "t";
  const std::string svg = LinePlotSvg({s}, options);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("<polygon"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b &amp; c"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(NiceTicks(0, 30000, 6), (std::vector<double>{0, 5000, 10000, 15000, 20000, 25000, 30000}));
  EXPECT_EQ(NiceTicks(150.2, 169.9, 5), (std::vector<double>{155, 160, 165}));
}

// The canvas's width="…" and the x="…" of the <text> holding `label`.
double SvgNumberAttribute(const std::string& svg, size_t from, const std::string& name) {
  const size_t at = svg.find(" " + name + "=\"", from);
  return at == std::string::npos ? NAN : std::atof(svg.c_str() + at + name.size() + 3);
}

TEST(ReportTest, SvgLegendWithALongSeriesNameStaysInsideTheCanvas) {
  auto series = [](const std::string& label) {
    PlotSeries s;
    s.label = label;
    s.x = {0, 1000};
    s.y = {1, 2};
    return s;
  };
  const std::string long_label = "reinforce_gems_repro_with_a_much_longer_series_name (n=5)";
  const std::string svg = LinePlotSvg({series("random (n=3)"), series(long_label)}, PlotOptions());
  const double width = SvgNumberAttribute(svg, 0, "width");
  ASSERT_GT(width, 760.0) << "the canvas widens for the legend";
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(static_cast<int>(width)) + " "), std::string::npos) << svg;
  const size_t text = svg.rfind("<text", svg.find(long_label));
  ASSERT_NE(text, std::string::npos);
  // 0.6 em per character bounds the average sans-serif advance of such a label.
  const double x = SvgNumberAttribute(svg, text, "x");
  EXPECT_LE(x + 0.6 * 12 * static_cast<double>(long_label.size()), width) << svg;
  // The plot area keeps its size: the right edge of its frame is where it was.
  EXPECT_NE(svg.find("<rect x=\"70.0\" y=\"36.0\" width=\"510.0\""), std::string::npos) << svg;
  // Short labels keep the default canvas.
  const std::string short_svg = LinePlotSvg({series("random (n=3)")}, PlotOptions());
  EXPECT_EQ(SvgNumberAttribute(short_svg, 0, "width"), 760.0);
}

TEST(ReportTest, SweepProgressLineShowsRunsStepsAndEta) {
  EXPECT_EQ(ProgressLine::FormatSweep(3, 10, 1, 2, 90000, 300000, 5200, 160.34, 72),
            "runs 3/10 (1 failed, 2 running) | steps 90,000/300,000 (30%) | 5.2k steps/s | reward 160.3 | ETA 0:01:12");
  EXPECT_EQ(ProgressLine::FormatSweep(10, 10, 0, 0, 300000, 300000, 5000, NAN, 0),
            "runs 10/10 | steps 300,000/300,000 (100%) | 5.0k steps/s | ETA 0:00:00");
}

// A sweep directory written by hand: two points × 3 seeds, one failed run, one missing.
TEST(ReportTest, SweepReportFromFilesMatchesARecomputationFromResultsCsv) {
  const std::string dir = MakeTempDir("report");
  std::string plan = "name: handmade\nmetric: eval/episode_reward_mean\nmode: max\nalpha: 0.05\nbaseline: random\n"
                     "points: [learner, random]\nruns:\n";
  const double values[2][3] = {{160.5, 171.25, 165.0}, {150.0, 154.5, 152.25}};
  for (int p = 0; p < 2; ++p)
    for (int seed = 0; seed < 4; ++seed) {
      const std::string point = p == 0 ? "learner" : "random";
      const std::string id = point + "-seed" + std::to_string(seed);
      plan += "  - {id: " + id + ", point: " + point + ", seed: " + std::to_string(seed) + "}\n";
      if (seed == 3 && p == 1) continue;  // missing
      ASSERT_TRUE(MakeDirectories(dir + "/runs/" + id).ok());
      if (seed == 3) {
        WriteText(dir + "/runs/" + id + "/summary.json", "{\"status\": \"error\", \"error\": \"exit code 2: boom\"}\n");
        continue;
      }
      std::string metrics;
      for (int k = 1; k <= 4; ++k) {
        JsonObject row;
        row.Add("timesteps_total", int64_t{1000} * k).Add("eval/episode_reward_mean", values[p][seed] - 10.0 / k);
        metrics += row.str() + "\n";
      }
      WriteText(dir + "/runs/" + id + "/metrics.jsonl", metrics);
      JsonObject final_eval;
      final_eval.Add("eval/episode_reward_mean", values[p][seed]);
      JsonObject summary;
      summary.Add("status", "ok").Add("stop_reason", "timesteps_total").Add("timesteps_total", int64_t{4000})
          .AddRaw("final_eval", final_eval.str());
      WriteText(dir + "/runs/" + id + "/summary.json", summary.str() + "\n");
    }
  WriteText(dir + "/sweep_plan.yaml", plan);
  auto report = WriteReport(dir);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(ExpectReportMatchesResults(dir, "random", 0.05), 2);
  const auto results = ReadCsv(dir + "/results.csv");
  ASSERT_EQ(results.size(), 8u);
  EXPECT_EQ(results[3].at("status"), "failed");
  EXPECT_EQ(results[7].at("status"), "missing");
  EXPECT_EQ(results[0].at("final"), "160.5");
  EXPECT_EQ(results[0].at("best"), "160.5");  // final eval beats every periodic one
  EXPECT_NE(report->find("boom"), std::string::npos);
  EXPECT_NE(report->find("(plots/curves.svg)"), std::string::npos);
  EXPECT_NE(report->find("| 1 | learner | 3 (+1 failed) |"), std::string::npos) << *report;
  EXPECT_TRUE(PathExists(dir + "/plots/curves.svg"));
  const std::string svg = ReadText(dir + "/plots/curves.svg");
  EXPECT_NE(svg.find("learner (n=3)"), std::string::npos);
  EXPECT_NE(svg.find("random (n=3)"), std::string::npos);
}

TEST(ReportTest, RunReportWritesCurvesAndSummary) {
  const std::string dir = MakeTempDir("run-report");
  WriteText(dir + "/metrics.jsonl",
            "{\"timesteps_total\": 100, \"episode_reward_mean\": 150, \"eval/episode_reward_mean\": 151}\n"
            "{\"timesteps_total\": 200, \"episode_reward_mean\": 160, \"eval/episode_reward_mean\": 165}\n");
  WriteText(dir + "/summary.json", "{\"status\": \"ok\", \"final_eval\": {\"eval/episode_reward_mean\": 163}}\n");
  auto report = WriteReport(dir);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NE(report->find("| final evaluation | 163.0000 |"), std::string::npos) << *report;
  EXPECT_NE(report->find("| best evaluation | 165.0000 |"), std::string::npos) << *report;
  EXPECT_TRUE(PathExists(dir + "/curves.svg"));
  EXPECT_EQ(WriteReport(MakeTempDir("empty")).status().code(), StatusCode::kNotFound);
}

// Rows repeat the latest evaluation until the next one; the curve places each evaluation once, at
// the env step of the weights it evaluated.
TEST(ReportTest, EvaluationCurvesUseTheStepOfTheEvaluatedWeights) {
  const std::string dir = MakeTempDir("eval-steps");
  WriteText(dir + "/metrics.jsonl",
            "{\"timesteps_total\": 0, \"eval/episode_reward_mean\": 150, \"eval/timesteps_total\": 1000}\n"
            "{\"timesteps_total\": 1500, \"eval/episode_reward_mean\": 150, \"eval/timesteps_total\": 1000}\n"
            "{\"timesteps_total\": 2500, \"eval/episode_reward_mean\": 170, \"eval/timesteps_total\": 2000}\n"
            "{\"timesteps_total\": 3000, \"episode_reward_mean\": 120}\n");
  WriteText(dir + "/summary.json", "{\"status\": \"ok\"}\n");
  RunRecord record;
  ReadRunRecord(dir, "eval/episode_reward_mean", "max", &record);
  const std::vector<std::pair<double, double>> expected = {{1000, 150}, {2000, 170}};
  EXPECT_EQ(record.curve, expected);
  // Other metrics keep the row's own step.
  ReadRunRecord(dir, "episode_reward_mean", "max", &record);
  EXPECT_EQ(record.curve, (std::vector<std::pair<double, double>>{{3000, 120}}));
}

std::vector<std::string> EventFilesIn(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (d && (errno = 0, true)) {
    dirent* e = ::readdir(d);
    if (!e) break;
    if (std::string(e->d_name).find("tfevents") != std::string::npos) out.push_back(dir + "/" + e->d_name);
  }
  if (d) ::closedir(d);
  return out;
}

TEST(ReportTest, RunDirectoryWritesEveryMetricsRowToTensorBoard) {
  const std::string dir = MakeTempDir("run-dir-tb");
  auto run = LoadRunConfigString("env: lts\nalgo: linucb\nstop: {timesteps_total: 10}\n", "<test>", {}, RegistrySchemas());
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  {
    auto rd = RunDirectory::Create(*run, dir + "/run");
    ASSERT_TRUE(rd.ok()) << rd.status().ToString();
    JsonObject row;
    row.Add("training_iteration", int64_t{1}).Add("timesteps_total", int64_t{3000000000})
        .Add("episode_reward_mean", 153.5).Add("learner/loss", 0.25).Add("replay/size", 1024.0)
        .Add("eval/episode_reward_mean", std::nan(""));
    ASSERT_TRUE(rd->AppendMetricsRow(row.str()).ok());
  }
  const auto files = EventFilesIn(dir + "/run");
  ASSERT_EQ(files.size(), 1u);
  const CommandResult out =
      RunCommand("/usr/bin/python3 " + SourceDir() + "/tests/core/read_tfevents.py '" + files[0] + "'");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find(" 3000000000 charts/episodic_return 153.5\n"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find(" 3000000000 losses/loss 0.25\n"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find(" 3000000000 replay/size 1024.0\n"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("training_iteration"), std::string::npos);
  EXPECT_EQ(out.output.find("eval/"), std::string::npos);  // null: not a number, not written
}

}  // namespace
}  // namespace slaterl
