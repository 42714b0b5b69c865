// `slaterl sweep`: named points, seeds, baseline runs, failed runs recorded, kill -9 and resume
// (only the missing runs run again), config errors with file:line:key, and the configs/sweeps
// files (validated, and the LinUCB one run small in-process with its report recomputed).
#include "tune/sweep.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>

#include <map>
#include <regex>

#include "core/files.h"
#include "tests/launch/process_util.h"
#include "tests/tune/sweep_check.h"

namespace slaterl {
namespace {

using namespace testing_util;

const char kSmallSweep[] =
    "name: small\n"
    "env: interest_evolution\n"
    "env_config: {num_candidates: 10, slate_size: 2}\n"
    "algo: linucb\n"
    "config: {context: disjoint, batch_size: 16}\n"
    "stop: {timesteps_total: 3000}\n"
    "evaluation: {interval_timesteps: 1000, episodes: 5, final_episodes: 30}\n"
    "cluster: {backend: inproc, num_actors: 1, num_envs_per_actor: 4, replay_shards: 1, fragment_length: 10}\n"
    "reporting: {interval_timesteps: 1000}\n"
    "sweep:\n"
    "  points:\n"
    "    linucb: {}\n"
    "    random: {algo: random, config: {}}\n"
    "    broken: {algo: random, config: {}, env_config.num_candidates: 2, env_config.slate_size: 5}\n"
    "  baseline: random\n"
    "  grid: {seed: [0, 1]}\n"
    "  max_concurrent: 1\n";

bool SummaryOk(const std::string& run_dir) {
  const std::string s = ReadText(run_dir + "/summary.json");
  return s.find("\"status\": \"ok\"") != std::string::npos && s.find("\"interrupted\"") == std::string::npos;
}

std::vector<std::string> RunIds(const std::string& sweep_dir) {
  std::vector<std::string> ids;
  for (const auto& row : ReadCsv(sweep_dir + "/results.csv")) ids.push_back(row.at("run_id"));
  return ids;
}

TEST(SweepIntegrationTest, KilledSweepFinishesOnlyTheMissingRuns) {
  const std::string dir = MakeTempDir("sweep-resume");
  WriteText(dir + "/small.yaml", kSmallSweep);
  const std::string out = dir + "/out";
  const std::vector<std::string> ids = {"linucb-seed0", "linucb-seed1", "random-seed0",
                                        "random-seed1", "broken-seed0", "broken-seed1"};
  // First start: kill -9 once the first run is complete.
  const pid_t sweep = StartProcess({Binary(), "sweep", dir + "/small.yaml", "--run-dir", out}, dir + "/first.log");
  ASSERT_GT(sweep, 0);
  const bool one_done = WaitUntil([&] { return SummaryOk(out + "/runs/linucb-seed0"); }, std::chrono::seconds(120));
  ::kill(sweep, SIGKILL);
  EXPECT_EQ(WaitForExit(sweep, std::chrono::seconds(30)), 128 + SIGKILL);
  ASSERT_TRUE(one_done) << ReadText(dir + "/first.log");
  // Its children die with it (PR_SET_PDEATHSIG).
  const std::string first_log = ReadText(dir + "/first.log");
  const std::regex pid_re("started \\(pid ([0-9]+)\\)");
  for (auto it = std::sregex_iterator(first_log.begin(), first_log.end(), pid_re); it != std::sregex_iterator(); ++it) {
    const pid_t child = static_cast<pid_t>(std::stol((*it)[1]));
    EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(child); }, std::chrono::seconds(30))) << "orphan " << child;
  }
  std::map<std::string, std::string> complete;  // run → summary.json before the restart
  for (const auto& id : ids)
    if (SummaryOk(out + "/runs/" + id)) complete[id] = ReadText(out + "/runs/" + id + "/summary.json");
  ASSERT_GE(complete.size(), 1u);

  // Second start: only the missing runs run; the broken point fails without stopping the sweep.
  const CommandResult second = RunCommand(Binary() + " sweep " + dir + "/small.yaml --run-dir " + out);
  EXPECT_EQ(second.exit_code, 1) << second.output;  // 1: some runs failed
  EXPECT_NE(second.output.find(std::to_string(complete.size()) + " already complete, " +
                               std::to_string(ids.size() - complete.size()) + " to run"),
            std::string::npos)
      << second.output;
  for (const auto& kv : complete) {
    EXPECT_EQ(ReadText(out + "/runs/" + kv.first + "/summary.json"), kv.second) << kv.first << " was rerun";
    EXPECT_EQ(second.output.find("sweep run " + kv.first + " started"), std::string::npos) << kv.first;
  }
  EXPECT_EQ(RunIds(out), ids);
  for (const auto& row : ReadCsv(out + "/results.csv")) {
    const bool broken = row.at("point") == "broken";
    EXPECT_EQ(row.at("status"), broken ? "failed" : "ok") << row.at("run_id");
    if (!broken) {
      EXPECT_FALSE(row.at("final").empty()) << row.at("run_id");
    }
  }
  EXPECT_NE(ReadText(out + "/report.md").find("slate_size"), std::string::npos);  // why broken failed
  EXPECT_EQ(ExpectReportMatchesResults(out, "random", 0.05), 3);
  EXPECT_TRUE(PathExists(out + "/plots/curves.svg"));

  // Third start: nothing but the failed runs again.
  const CommandResult third = RunCommand(Binary() + " sweep " + dir + "/small.yaml --run-dir " + out);
  EXPECT_NE(third.output.find("4 already complete, 2 to run"), std::string::npos) << third.output;
  // `slaterl report` rebuilds the same numbers from the files.
  const std::string points_before = ReadText(out + "/points.csv");
  const CommandResult report = RunCommand(Binary() + " report " + out);
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_EQ(ReadText(out + "/points.csv"), points_before);
}

Result<SweepPlan> LoadText(const std::string& dir, const std::string& text) {
  WriteText(dir + "/sweep.yaml", text);
  return LoadSweep(dir + "/sweep.yaml");
}

TEST(SweepIntegrationTest, ErrorsNameTheSweepFileLineAndKey) {
  const std::string dir = MakeTempDir("sweep-errors");
  const std::string base = "env: interest_evolution\nalgo: linucb\nstop: {timesteps_total: 1000}\n";
  auto bad_point = LoadText(dir, base + "sweep:\n  points:\n    a: {}\n    b: {config.nonexistent: 1}\n");
  ASSERT_FALSE(bad_point.ok());
  EXPECT_NE(bad_point.status().message().find(dir + "/sweep.yaml:7 (sweep.points.b.config.nonexistent)"),
            std::string::npos) << bad_point.status().message();
  auto bad_base = LoadText(dir, "env: interest_evolution\nalgo: linucb\nconfig: {alpah: 1}\nsweep: {grid: {seed: [1]}}\n");
  ASSERT_FALSE(bad_base.ok());
  EXPECT_NE(bad_base.status().message().find(dir + "/sweep.yaml:3: unknown key 'config.alpah'"), std::string::npos)
      << bad_base.status().message();
  auto bad_grid = LoadText(dir, base + "sweep:\n  grid:\n    config.alpha: [1.0, -3]\n");
  ASSERT_FALSE(bad_grid.ok());
  EXPECT_NE(bad_grid.status().message().find(dir + "/sweep.yaml:6 (sweep.grid.config.alpha)"), std::string::npos)
      << bad_grid.status().message();
  auto bad_key = LoadText(dir, base + "sweep:\n  max_concurent: 2\n");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find(dir + "/sweep.yaml:5: unknown key 'sweep.max_concurent'"),
            std::string::npos) << bad_key.status().message();
  auto bad_baseline = LoadText(dir, base + "sweep:\n  points: {a: {}}\n  baseline: b\n");
  ASSERT_FALSE(bad_baseline.ok());
  EXPECT_NE(bad_baseline.status().message().find("sweep.yaml:6: key 'sweep.baseline'"), std::string::npos)
      << bad_baseline.status().message();
  EXPECT_FALSE(LoadText(dir, base).ok());  // no sweep section
}

TEST(SweepIntegrationTest, GridAndSamplesExpandIntoPointsTimesSeeds) {
  const std::string dir = MakeTempDir("sweep-expand");
  auto plan = LoadText(dir, "name: ex\nenv: interest_evolution\nalgo: linucb\nstop: {timesteps_total: 1000}\n"
                            "sweep:\n  grid: {config.alpha: [0.5, 2], seed: [3, 4, 5]}\n  samples: 2\n"
                            "  sample: {config.batch_size: {choice: [8, 16]}, config.lambda: {loguniform: [0.1, 10]}}\n");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->points.size(), 4u);  // 2 alphas × 2 samples
  EXPECT_EQ(plan->runs.size(), 12u);
  EXPECT_EQ(plan->runs[0].seed, 3);
  EXPECT_EQ(plan->runs[0].point.rfind("alpha=0.5 batch_size=", 0), 0u) << plan->runs[0].point;
  EXPECT_NE(plan->runs[0].resolved_yaml.find("name: \"ex-"), std::string::npos);
  EXPECT_EQ(plan->runs[0].resolved_yaml.find("progress: auto"), std::string::npos);  // children are quiet
  // Same file, same samples.
  auto again = LoadSweep(dir + "/sweep.yaml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->points, plan->points);
}

TEST(SweepIntegrationTest, ConfigSweepsValidateAndTheLinUcbSweepRunsSmallInProcess) {
  auto slateq = LoadSweep(SourceDir() + "/configs/sweeps/iev_slateq_vs_random.yaml");
  ASSERT_TRUE(slateq.ok()) << slateq.status().ToString();
  EXPECT_EQ(slateq->runs.size(), 10u);
  EXPECT_EQ(slateq->points, (std::vector<std::string>{"slateq", "random"}));
  EXPECT_EQ(slateq->baseline, "random");
  EXPECT_FALSE(slateq->runs.back().learns);
  auto linucb = LoadSweep(SourceDir() + "/configs/sweeps/iev_linucb_alpha.yaml",
                          {"sweep.backend=inproc", "stop.timesteps_total=2000", "evaluation.interval_timesteps=1000",
                           "evaluation.episodes=5", "evaluation.final_episodes=20"});
  ASSERT_TRUE(linucb.ok()) << linucb.status().ToString();
  EXPECT_EQ(linucb->runs.size(), 9u);
  EXPECT_EQ(linucb->points, (std::vector<std::string>{"alpha=0.1", "alpha=1.0", "alpha=4.0"}));
  SweepOptions options;
  options.sweep_dir = MakeTempDir("sweep-linucb") + "/out";
  options.progress = "off";
  auto result = RunSweep(*linucb, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->ok, 9);
  EXPECT_EQ(result->failed, 0);
  EXPECT_EQ(ExpectReportMatchesResults(options.sweep_dir, "", 0.05), 3);
  // Every run directory has a TensorBoard file that the independent reader accepts.
  for (const auto& id : RunIds(options.sweep_dir)) {
    const std::string run_dir = options.sweep_dir + "/runs/" + id;
    const CommandResult ls = RunCommand("ls " + run_dir + "/events.out.tfevents.*");
    ASSERT_EQ(ls.exit_code, 0) << id;
    const CommandResult read =
        RunCommand("/usr/bin/python3 " + SourceDir() + "/tests/core/read_tfevents.py " + Lines(ls.output)[0]);
    ASSERT_EQ(read.exit_code, 0) << read.output;
    EXPECT_NE(read.output.find(" 2000 charts/episodic_return "), std::string::npos) << id;
  }
}

}  // namespace
}  // namespace slaterl
