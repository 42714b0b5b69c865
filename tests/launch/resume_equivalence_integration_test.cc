// Resume equivalence (docs/reliability.md): with `backend: inproc`, a run stopped at some point — SIGKILLed
// after a periodic snapshot, or interrupted with SIGINT — and continued with `slaterl launch
// --resume` writes the same metrics from there on as the same run never stopped: every number of
// every metrics.jsonl row except wall-clock ones is bit-identical, as are the final evaluation and
// the TensorBoard history (one record per row, no duplicates, no gaps).
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/tensorboard.h"
#include "tune/report.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

// Wall-clock figures differ between any two runs.
bool IsWallClockKey(const std::string& key) {
  auto ends_with = [&](const std::string& suffix) {
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with("_s") || ends_with("_ms") || key.find("per_sec") != std::string::npos;
}

std::vector<std::vector<std::pair<std::string, double>>> MetricsRows(const std::string& run_dir) {
  std::vector<std::vector<std::pair<std::string, double>>> rows;
  for (const std::string& line : Lines(ReadText(run_dir + "/metrics.jsonl"))) {
    auto numbers = ParseJsonNumbers(line);
    EXPECT_TRUE(numbers.ok()) << line;
    if (!numbers.ok()) continue;
    std::vector<std::pair<std::string, double>> kept;
    for (const auto& kv : *numbers)
      if (!IsWallClockKey(kv.first)) kept.push_back(kv);
    rows.push_back(std::move(kept));
  }
  return rows;
}

// (step, tags) of every scalar record of the run's event files, in file-name order.
std::vector<std::pair<int64_t, std::vector<std::string>>> EventHistory(const std::string& run_dir, int* files) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(run_dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name).rfind("events.out.tfevents.", 0) == 0) names.push_back(run_dir + "/" + e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  *files = static_cast<int>(names.size());
  std::vector<std::pair<int64_t, std::vector<std::string>>> history;
  for (const auto& name : names) {
    bool complete = false;
    auto records = ReadEventFile(name, &complete);
    EXPECT_TRUE(records.ok() && complete) << name;
    if (!records.ok()) continue;
    for (const auto& r : *records)
      if (!r.file_version) history.emplace_back(r.step, r.tags);
  }
  return history;
}

double FinalEval(const std::string& run_dir) {
  const std::string summary = ReadText(run_dir + "/summary.json");
  double mean = 0;
  const size_t at = summary.find("\"final_eval\"");
  EXPECT_NE(at, std::string::npos) << summary;
  if (at == std::string::npos) return 0;
  EXPECT_TRUE(JsonGetNumber(summary.substr(at), "eval/episode_reward_mean", &mean)) << summary;
  return mean;
}

// Sealed snapshots (ckpt-<updates>, not .tmp) in the run's checkpoint store.
int CountCheckpoints(const std::string& run_dir) {
  int count = 0;
  if (DIR* d = ::opendir((run_dir + "/checkpoints").c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("ckpt-", 0) == 0 && name.find('.') == std::string::npos) ++count;
    }
    ::closedir(d);
  }
  return count;
}

// The newest sealed snapshot directory of the run.
std::string NewestCheckpoint(const std::string& run_dir) {
  std::string newest;
  if (DIR* d = ::opendir((run_dir + "/checkpoints").c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("ckpt-", 0) == 0 && name.find('.') == std::string::npos && name > newest) newest = name;
    }
    ::closedir(d);
  }
  return run_dir + "/checkpoints/" + newest;
}

// Runs `yaml` uninterrupted, and again stopped by `stop_signal` once `checkpoints_before_stop`
// snapshots exist, then resumed; expects identical histories. With `corrupt_newest`, one byte of
// the newest snapshot's inproc.state is flipped before resuming: the resume skips it (checksum)
// and continues from the one before, still bit-identically.
void ExpectResumeEquivalence(const std::string& tag, const std::string& yaml, int stop_signal,
                             int checkpoints_before_stop, bool corrupt_newest = false) {
  const std::string dir = MakeTempDir(tag);
  WriteText(dir + "/run.yaml", yaml);
  const std::string whole = dir + "/whole", stopped = dir + "/stopped";
  const CommandResult reference = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + whole + " 2>&1");
  ASSERT_EQ(reference.exit_code, 0) << reference.output;

  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", stopped}, dir + "/stopped.log");
  ASSERT_TRUE(WaitUntil([&] { return CountCheckpoints(stopped) >= checkpoints_before_stop || !ProcessAlive(launcher); },
                        std::chrono::seconds(300)))
      << ReadText(dir + "/stopped.log");
  ASSERT_TRUE(ProcessAlive(launcher)) << "the run finished before it could be stopped; make it longer\n"
                                      << ReadText(dir + "/stopped.log");
  ASSERT_EQ(::kill(launcher, stop_signal), 0);
  const int status = WaitForExit(launcher, std::chrono::seconds(120));
  if (stop_signal == SIGINT) {
    EXPECT_EQ(status, 130) << "the exit status of an interrupted run\n" << ReadText(dir + "/stopped.log");
    EXPECT_NE(ReadText(stopped + "/summary.json").find("\"stop_reason\": \"interrupted\""), std::string::npos);
  }
  const size_t rows_when_stopped = Lines(ReadText(stopped + "/metrics.jsonl")).size();
  std::string corrupted;
  if (corrupt_newest) {
    ASSERT_GE(CountCheckpoints(stopped), 2);
    corrupted = NewestCheckpoint(stopped);
    std::string state = ReadText(corrupted + "/inproc.state");
    ASSERT_GT(state.size(), 100u);
    state[state.size() / 2] ^= 0x5A;
    WriteText(corrupted + "/inproc.state", state);
  }
  const CommandResult resumed = RunCommand(Binary() + " launch --resume " + stopped + " 2>&1");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  if (corrupt_newest) {
    EXPECT_NE(resumed.output.find("skipping a checkpoint: " + corrupted), std::string::npos) << resumed.output;
    EXPECT_NE(resumed.output.find("CRC-32C mismatch"), std::string::npos) << resumed.output;
    EXPECT_NE(resumed.output.find("set aside " + corrupted + ".superseded"), std::string::npos) << resumed.output;
  }
  EXPECT_NE(resumed.output.find("resumed the in-process run at"), std::string::npos) << resumed.output;

  const auto expected = MetricsRows(whole);
  const auto actual = MetricsRows(stopped);
  ASSERT_GT(expected.size(), rows_when_stopped) << "the stop came after the last row";
  std::cout << "stopped with " << rows_when_stopped << " of " << expected.size() << " rows written\n";
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(actual[i].size(), expected[i].size()) << "row " << i;
    for (size_t j = 0; j < expected[i].size(); ++j) {
      EXPECT_EQ(actual[i][j].first, expected[i][j].first) << "row " << i;
      // Bit-identical: EXPECT_EQ on doubles, not a tolerance (NaN never appears in rows).
      EXPECT_EQ(actual[i][j].second, expected[i][j].second) << "row " << i << " key " << expected[i][j].first;
    }
  }
  EXPECT_EQ(FinalEval(stopped), FinalEval(whole));
  // Wall-clock fields differ, but still read as one history: time_total_s never goes back.
  double last_time = -1;
  for (const std::string& line : Lines(ReadText(stopped + "/metrics.jsonl"))) {
    double time = 0;
    ASSERT_TRUE(JsonGetNumber(line, "time_total_s", &time)) << line;
    EXPECT_GE(time, last_time) << "time_total_s went back across the resume\n" << line;
    last_time = time;
  }

  int whole_files = 0, stopped_files = 0;
  const auto expected_events = EventHistory(whole, &whole_files);
  const auto actual_events = EventHistory(stopped, &stopped_files);
  EXPECT_EQ(whole_files, 1);
  EXPECT_EQ(stopped_files, 2) << "the cut history and the resumed run's file";
  EXPECT_EQ(actual_events, expected_events);
}

TEST(ResumeEquivalenceIntegrationTest, SlateQResumedAfterSigkillWritesTheUninterruptedMetrics) {
  // Two actors, two shards with prioritized tables, evaluation and rows on env-step schedules.
  ExpectResumeEquivalence(
      "resume-slateq",
      "env: lts\nalgo: slateq\n"
      "config: {learning_starts: 200, replay: prioritized, replay_capacity: 4000, batch_size: 32, lr: 0.001,"
      " optimizer: adam, hiddens: \"32\"}\n"
      "stop: {timesteps_total: 40000}\n"
      "evaluation: {interval_timesteps: 5000, episodes: 4, final_episodes: 6, num_envs: 2}\n"
      "cluster: {backend: inproc, num_actors: 2, num_envs_per_actor: 2, replay_shards: 2, fragment_length: 10,"
      " broadcast_interval: 7}\n"
      "checkpoint: {interval_updates: 1000, keep_last: 2}\n"
      "reporting: {progress: off, interval_timesteps: 1000}\nseed: 5\n",
      SIGKILL, /*checkpoints_before_stop=*/1);
}

TEST(ResumeEquivalenceIntegrationTest, GemsSacResumedAfterSigintWritesTheUninterruptedMetrics) {
  // Trajectory replay, GRU beliefs on the actors, SAC's reparameterised noise (LibTorch's
  // generator), the random phase, select_best.
  ExpectResumeEquivalence(
      "resume-sac",
      "env: topics\nenv_config: {variant: TopDown, embeddings: focused}\nalgo: sac\n"
      "config: {random_steps: 20, batch_size: 8}\n"
      "stop: {episodes_total: 140}\n"
      "evaluation: {interval_timesteps: 1000, episodes: 4, final_episodes: 6, num_envs: 2, select_best: true}\n"
      "cluster: {backend: inproc, num_actors: 2, num_envs_per_actor: 1, replay_shards: 1}\n"
      "checkpoint: {interval_updates: 20, keep_last: 2}\n"
      "reporting: {progress: off, interval_timesteps: 500}\nseed: 3\n",
      SIGINT, /*checkpoints_before_stop=*/2);
}

// The newest snapshot is corrupted on disk before the resume: the one before it is used.
TEST(ResumeEquivalenceIntegrationTest, LinUcbResumedPastACorruptSnapshotWritesTheUninterruptedMetrics) {
  ExpectResumeEquivalence(
      "resume-linucb",
      "env: interest_evolution\nalgo: linucb\n"
      "stop: {timesteps_total: 24000}\n"
      "evaluation: {interval_timesteps: 6000, episodes: 4, final_episodes: 4, num_envs: 2}\n"
      "cluster: {backend: inproc, num_actors: 2, num_envs_per_actor: 2, replay_shards: 1, fragment_length: 20}\n"
      "checkpoint: {interval_updates: 20, keep_last: 2}\n"
      "reporting: {progress: off, interval_timesteps: 1000}\nseed: 2\n",
      SIGKILL, /*checkpoints_before_stop=*/2, /*corrupt_newest=*/true);
}

}  // namespace
}  // namespace slaterl
