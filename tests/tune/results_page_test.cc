// Tests of tune/results_page: the results page generated from sweep directories (its rows checked
// against the runs' own metrics.jsonl and summary.json), reference rows matched by environment, and
// docs/results.md being exactly the generator's output over the committed data/results/.
#include "tune/results_page.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "core/files.h"
#include "core/json.h"
#include "core/stats.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

const char kRunConfig[] =
    "name: handmade\nenv: interest_evolution\n"
    "env_config: {num_candidates: 10, slate_size: 2, resample_documents: true, seed: 0}\n"
    "algo: ALGO\nconfig: {}\nstop: {timesteps_total: 4000}\nseed: SEED\n";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string Format1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// A sweep directory as `slaterl sweep` leaves it: a learning point (curves, a final evaluation and
// training returns) and a baseline point (evaluation only). Returns the final values per point.
std::map<std::string, std::vector<double>> WriteSweep(const std::string& dir) {
  std::map<std::string, std::vector<double>> finals;
  std::string plan = "name: handmade-sweep\nsource: configs/results/handmade.yaml\nmetric: eval/episode_reward_mean\n"
                     "mode: max\nalpha: 0.05\nbaseline: random\npoints: [learner, random]\nruns:\n";
  const double learner_final[3] = {171.25, 160.5, 165.0}, random_final[3] = {150.0, 154.5, 152.25};
  for (int seed = 0; seed < 3; ++seed)
    for (const std::string point : {"learner", "random"}) {
      const bool learns = point == "learner";
      const std::string id = point + "-seed" + std::to_string(seed);
      plan += "  - {id: " + id + ", point: " + point + ", seed: " + std::to_string(seed) +
              ", timesteps_target: " + (learns ? "4000" : "0") + "}\n";
      const std::string run = dir + "/runs/" + id;
      EXPECT_TRUE(MakeDirectories(run).ok());
      WriteText(run + "/config.yaml", Replace(Replace(kRunConfig, "ALGO", learns ? "linucb" : "random"), "SEED",
                                              std::to_string(seed)));
      const double final_value = learns ? learner_final[seed] : random_final[seed];
      finals[point].push_back(final_value);
      std::string metrics;
      for (int k = 1; k <= 4 && learns; ++k) {
        JsonObject row;
        row.Add("timesteps_total", int64_t{1000} * k)
            .Add("episode_reward_mean", 140.0 + 5.0 * k + seed)
            .Add("eval/episode_reward_mean", final_value - 10.0 / k);
        metrics += row.str() + "\n";
      }
      WriteText(run + "/metrics.jsonl", metrics);
      JsonObject final_eval;
      final_eval.Add("eval/episode_reward_mean", final_value);
      JsonObject summary;
      summary.Add("status", "ok").Add("algo", learns ? "linucb" : "random")
          .Add("stop_reason", learns ? "timesteps_total" : "baseline")
          .Add("timesteps_total", int64_t{learns ? 4000 : 0}).Add("wall_time_s", 10.0 + seed)
          .AddRaw("final_eval", final_eval.str());
      WriteText(run + "/summary.json", summary.str() + "\n");
    }
  WriteText(dir + "/sweep_plan.yaml", plan);
  return finals;
}

TEST(ResultsPageTest, RowsAgreeWithTheRunsOwnFiles) {
  const std::string root = MakeTempDir("results-page");
  const std::string dir = root + "/data/results/handmade";
  const auto finals = WriteSweep(dir);
  // A reference table with one row on the sweep's environment and one on another.
  ASSERT_TRUE(MakeDirectories(root + "/configs").ok());
  WriteText(root + "/configs/same.yaml", Replace(Replace(kRunConfig, "ALGO", "random"), "SEED", "7"));
  WriteText(root + "/configs/other.yaml",
            Replace(Replace(Replace(kRunConfig, "ALGO", "random"), "SEED", "7"), "num_candidates: 10", "num_candidates: 50"));
  ASSERT_TRUE(MakeDirectories(root + "/data/reference").ok());
  WriteText(root + "/data/reference/reference.csv",
            "id,kind,config,policy,metric,episodes,mean,std,sem,length_mean,length_std,source,source_commit,"
            "measured_how,verified,notes\n"
            "same_env/random,env_return,configs/same.yaml,random,return,500,153.9751,11.8123,0.5283,,,Orig,abc,x,yes,\n"
            "other_env/random,env_return,configs/other.yaml,random,return,500,999.5,1,0.1,,,Orig,abc,x,yes,\n"
            "same_env/threshold,threshold,configs/same.yaml,linucb,return,500,160.0,,,,,Public,def,y,no,\n");
  ResultsPageOptions options;
  options.sweep_dirs = {dir};
  options.reference_table = root + "/data/reference/reference.csv";
  auto page = ResultsPageMarkdown(options);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  // The learning point's row: mean ± 95 % CI over seeds and each seed (in seed order), from summary.json.
  const std::vector<double>& learner = finals.at("learner");
  const double mean = Mean(learner);
  auto half = MeanConfidenceHalfWidth(SampleStd(learner), 3, 0.95);
  ASSERT_TRUE(half.ok());
  const std::string learner_row = "| learner | `linucb` | 3 | 4000 | **" + Format1(mean) + " ± " + Format1(*half) +
                                  "** | 171.2, 160.5, 165.0 | ";
  EXPECT_NE(page->find(learner_row), std::string::npos) << *page;
  // Its training return is the mean over seeds of the last metrics.jsonl row's episode_reward_mean.
  EXPECT_NE(page->find(learner_row + Format1((160.0 + 161.0 + 162.0) / 3) + " | "), std::string::npos) << *page;
  // The baseline: evaluation only, no training column.
  const std::vector<double>& random = finals.at("random");
  auto random_half = MeanConfidenceHalfWidth(SampleStd(random), 3, 0.95);
  ASSERT_TRUE(random_half.ok());
  EXPECT_NE(page->find("| random | `random` | 3 | — (evaluation only) | **" + Format1(Mean(random)) + " ± " +
                       Format1(*random_half) + "** | 150.0, 154.5, 152.2 | — | (baseline) | — |"),
            std::string::npos)
      << *page;
  // Welch against the baseline, as the statistics module computes it.
  auto welch = WelchTTest(Summarize(learner), Summarize(random));
  ASSERT_TRUE(welch.ok());
  char p[32];
  std::snprintf(p, sizeof(p), "%.2g", welch->p_two_sided);
  EXPECT_NE(page->find("| +" + Format1(mean - Mean(random)) + " (p " + p + ") |"), std::string::npos) << *page;
  // The reference rows of the same environment, and not the other one.
  EXPECT_NE(page->find("`same_env/random` | env_return | 153.98 ± 0.53 (sem), 500 episodes"), std::string::npos) << *page;
  EXPECT_NE(page->find("`same_env/threshold` | threshold | ≥ 160.00"), std::string::npos) << *page;
  EXPECT_EQ(page->find("other_env"), std::string::npos) << *page;
  // The learning curve (the periodic evaluations of metrics.jsonl): first and last rows are the
  // means of the seeds' first and last evaluations.
  const double first = Mean(std::vector<double>{learner[0] - 10, learner[1] - 10, learner[2] - 10});
  EXPECT_NE(page->find("| 1000 | " + Format1(first)), std::string::npos) << *page;
  EXPECT_NE(page->find("| 4000 | " + Format1(mean - 2.5)), std::string::npos) << *page;
  // Its reproduction command.
  EXPECT_NE(page->find("`bench/results.sh configs/results/handmade.yaml`"), std::string::npos);
}

TEST(ResultsPageTest, AMissingSweepDirectoryIsAnError) {
  ResultsPageOptions options;
  options.sweep_dirs = {MakeTempDir("results-page-empty") + "/nothing"};
  auto page = ResultsPageMarkdown(options);
  ASSERT_FALSE(page.ok());
  EXPECT_NE(page.status().message().find("sweep_plan.yaml"), std::string::npos) << page.status().ToString();
}

// docs/results.md holds only the generator's output over the committed sweeps.
TEST(ResultsPageTest, DocsResultsPageIsGeneratedFromTheCommittedRuns) {
  const std::string root = SLATERL_SOURCE_DIR;
  auto names = ListDirectory(root + "/data/results");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  ResultsPageOptions options;
  options.root = root;
  options.reference_table = root + "/data/reference/reference.csv";
  for (const auto& name : *names)
    if (name[0] != '.' && PathExists(root + "/data/results/" + name + "/sweep_plan.yaml"))
      options.sweep_dirs.push_back("data/results/" + name);
  ASSERT_FALSE(options.sweep_dirs.empty());
  // The page names its directories relative to the repository root.
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(root.c_str()), 0);
  auto page = ResultsPageMarkdown(options);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(ReadText(root + "/docs/results.md"), *page)
      << "docs/results.md is stale or edited by hand: regenerate it with `make results-docs`";
}

}  // namespace
}  // namespace slaterl
