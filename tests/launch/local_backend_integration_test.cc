// End-to-end tests of `slaterl launch` with the local backend: real processes, real sockets.
#include <gtest/gtest.h>

#include "core/json.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace {

using namespace testing_util;

std::string SmallRunYaml(const std::string& stop, int num_actors = 3) {
  return "name: e2e\nenv: lts\nenv_config: {num_candidates: 10, slate_size: 3}\nalgo: linucb\n"
         "stop: " + stop + "\n"
         "evaluation: {interval_s: 0.2, episodes: 20, final_episodes: 50}\n"
         "cluster: {backend: local, num_actors: " + std::to_string(num_actors) +
         ", num_envs_per_actor: 4, replay_shards: 2, heartbeat_interval_ms: 100, liveness: 30}\n"
         "reporting: {interval_s: 0.2, progress: plain}\nseed: 1\n";
}

double Number(const std::string& json, const std::string& key) {
  double v = -1;
  EXPECT_TRUE(JsonGetNumber(json, key, &v)) << key << " missing";
  return v;
}

TEST(LocalBackendTest, FragmentsWeightsAndEvaluationsFlowThroughEveryProcess) {
  const std::string dir = MakeTempDir("e2e");
  WriteText(dir + "/run.yaml", SmallRunYaml("{timesteps_total: 60000}"));
  CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string summary = ReadText(dir + "/run/summary.json");
  ASSERT_FALSE(summary.empty());
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  // Every actor's fragments reached a shard: the shards inserted exactly the env steps taken.
  const double timesteps = Number(summary, "timesteps_total");
  EXPECT_EQ(timesteps, 60000);
  double inserted = 0;
  for (int k = 0; k < 2; ++k) {
    const size_t at = summary.find("\"" + std::to_string(k) + "\": {\"replay/");
    ASSERT_NE(at, std::string::npos) << "shard " << k << " did not report";
    const double shard_steps = Number(summary.substr(at), "replay/env_steps");
    EXPECT_GT(shard_steps, 0) << "shard " << k;
    inserted += shard_steps;
  }
  EXPECT_EQ(inserted, timesteps);
  // Every actor acted, and applied a weights version > 1.
  for (int a = 0; a < 3; ++a) {
    const size_t at = summary.find("\"" + std::to_string(a) + "\": {\"max_policy_version\"");
    ASSERT_NE(at, std::string::npos) << "actor " << a << " did not report";
    EXPECT_GT(Number(summary.substr(at), "max_policy_version"), 1) << "actor " << a;
    EXPECT_GT(Number(summary.substr(at), "env_steps"), 0) << "actor " << a;
  }
  // The learner's weight version grew; the evaluator reported, finally too.
  EXPECT_GT(Number(summary, "learner/weights_version"), 2);
  EXPECT_GT(Number(summary, "learner/num_updates"), 0);
  const size_t final_at = summary.find("\"final_eval\"");
  ASSERT_NE(final_at, std::string::npos);
  EXPECT_EQ(Number(summary.substr(final_at), "eval/episodes"), 50);
  // metrics.jsonl: one JSON row per report, timesteps never decreasing, ending at the target.
  const auto rows = Lines(ReadText(dir + "/run/metrics.jsonl"));
  ASSERT_GE(rows.size(), 1u);
  double previous = -1;
  for (const auto& row : rows) {
    const double t = Number(row, "timesteps_total");
    EXPECT_GE(t, previous);
    previous = t;
  }
  EXPECT_EQ(previous, 60000);
  // One log per process, the resolved config.
  for (const char* log : {"learner-0", "evaluator-0", "shard-0", "shard-1", "actor-0", "actor-1", "actor-2"})
    EXPECT_FALSE(ReadText(dir + "/run/logs/" + log + ".log").empty()) << log;
  EXPECT_NE(ReadText(dir + "/run/config.yaml").find("num_actors: 3"), std::string::npos);
}

TEST(LocalBackendTest, KilledActorIsRestartedAndTheRunCompletes) {
  const std::string dir = MakeTempDir("kill");
  WriteText(dir + "/run.yaml", SmallRunYaml("{timesteps_total: 3000000, time_total_s: 6}", 2));
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", dir + "/run"},
                                      dir + "/launcher.log");
  // Wait until actor-1 runs and has reported progress, then kill it.
  pid_t actor = 0;
  ASSERT_TRUE(WaitUntil([&] {
    actor = FindPid(ReadText(dir + "/launcher.log"), "actor-1");
    return actor > 0 && Lines(ReadText(dir + "/run/metrics.jsonl")).size() >= 2;
  }, std::chrono::seconds(30))) << ReadText(dir + "/launcher.log");
  ASSERT_EQ(::kill(actor, SIGKILL), 0);
  const int code = WaitForExit(launcher, std::chrono::seconds(90));
  const std::string log = ReadText(dir + "/launcher.log");
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("restarted actor-1"), std::string::npos) << log;
  const std::string summary = ReadText(dir + "/run/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos);
  EXPECT_GE(Number(summary, "actor_restarts"), 1);
  const size_t at = summary.find("\"1\": {\"max_policy_version\"");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(Number(summary.substr(at), "incarnation"), 1);
  EXPECT_FALSE(ProcessAlive(actor));
}

// Starts a 2-actor, 2-shard run that lasts long enough for the test to interfere, and waits until
// all six processes have started and `min_rows` metrics rows exist. Returns the launcher's pid
// and fills `children` with the role processes' pids.
pid_t StartLongRun(const std::string& dir, size_t min_rows, std::vector<pid_t>* children) {
  WriteText(dir + "/run.yaml", SmallRunYaml("{time_total_s: 120}", 2));
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", dir + "/run"},
                                      dir + "/launcher.log");
  const bool started = WaitUntil([&] {
    const std::string log = ReadText(dir + "/launcher.log");
    children->clear();
    for (const char* role : {"shard-0", "shard-1", "learner-0", "evaluator-0", "actor-0", "actor-1"})
      if (pid_t pid = FindPid(log, role)) children->push_back(pid);
    return children->size() == 6 && Lines(ReadText(dir + "/run/metrics.jsonl")).size() >= min_rows;
  }, std::chrono::seconds(30));
  EXPECT_TRUE(started) << ReadText(dir + "/launcher.log");
  return launcher;
}

TEST(LocalBackendTest, KilledLauncherLeavesNoOrphans) {
  const std::string dir = MakeTempDir("orphan");
  std::vector<pid_t> children;
  const pid_t launcher = StartLongRun(dir, /*min_rows=*/1, &children);
  ASSERT_EQ(children.size(), 6u);
  for (pid_t pid : children) ASSERT_TRUE(ProcessAlive(pid)) << "pid " << pid;
  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  WaitForExit(launcher, std::chrono::seconds(10));
  for (pid_t pid : children)
    EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(pid); }, std::chrono::seconds(20)))
        << "pid " << pid << " outlived the launcher";
}

TEST(LocalBackendTest, InterruptStopsEveryProcessCleanly) {
  const std::string dir = MakeTempDir("sigint");
  std::vector<pid_t> children;
  const pid_t launcher = StartLongRun(dir, /*min_rows=*/2, &children);
  ASSERT_EQ(children.size(), 6u);
  ASSERT_EQ(::kill(launcher, SIGINT), 0);
  EXPECT_EQ(WaitForExit(launcher, std::chrono::seconds(60)), 130) << ReadText(dir + "/launcher.log");
  const std::string summary = ReadText(dir + "/run/summary.json");
  EXPECT_NE(summary.find("\"stop_reason\": \"interrupted\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  for (pid_t pid : children) EXPECT_FALSE(ProcessAlive(pid)) << "pid " << pid << " survived Ctrl-C";
  // Clean exits: no process was killed by the launcher.
  EXPECT_EQ(ReadText(dir + "/launcher.log").find("killing it"), std::string::npos) << ReadText(dir + "/launcher.log");
}

// Evaluations far longer than the liveness window (10 × 100 ms here; the final evaluation takes seconds) must not get the evaluator
// killed: it heartbeats while a worker thread evaluates.
TEST(LocalBackendTest, LongEvaluationsKeepTheEvaluatorAlive) {
  const std::string dir = MakeTempDir("long-eval");
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nstop: {timesteps_total: 40000}\n"
            "evaluation: {interval_s: 0.1, episodes: 3000, final_episodes: 1000000}\n"
            // A 3 s silence window (loaded CI machines stall processes for more than 1 s), and a
            // final evaluation of 60 M env steps that outlasts it several times over.
            "cluster: {backend: local, num_actors: 2, num_envs_per_actor: 4, replay_shards: 1,"
            " heartbeat_interval_ms: 100, liveness: 30}\n"
            "reporting: {interval_s: 0.2, progress: plain}\nseed: 2\n");
  CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("evaluator-0 went silent"), std::string::npos) << r.output;
  const std::string summary = ReadText(dir + "/run/summary.json");
  const size_t at = summary.find("\"final_eval\"");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(Number(summary.substr(at), "eval/episodes"), 1000000) << summary;
}

// A run whose final evaluation is slow on purpose (many final episodes): weights are broadcast
// only at the start and at the end (broadcast_interval far beyond the run's updates), so the final
// version exists only once the learner has stopped.
std::string SlowFinalEvaluationYaml(int64_t final_episodes) {
  return "env: lts\nalgo: linucb\nstop: {timesteps_total: 4000}\n"
         "evaluation: {episodes: 10, final_episodes: " + std::to_string(final_episodes) + "}\n"
         "cluster: {backend: local, num_actors: 1, num_envs_per_actor: 4, replay_shards: 1,"
         " broadcast_interval: 1000000, heartbeat_interval_ms: 200, liveness: 50,"
         " shutdown_timeout_s: 3, final_evaluation_timeout_s: 600}\n"
         "reporting: {interval_s: 0.2, progress: plain}\nseed: 3\n";
}

// The final evaluation takes the learner's final weights by message (the launcher names the
// version, the learner holds it until the evaluation is over), and may run past
// shutdown_timeout_s for as long as cluster.final_evaluation_timeout_s allows.
TEST(LocalBackendTest, SlowFinalEvaluationCompletesOnTheLearnersFinalWeights) {
  const std::string dir = MakeTempDir("final-weights");
  WriteText(dir + "/run.yaml", SlowFinalEvaluationYaml(300000));
  CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("did not exit in time"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("did not report its final weights"), std::string::npos) << r.output;
  const std::string summary = ReadText(dir + "/run/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  const double final_version = Number(summary, "learner/final_weights_version");
  EXPECT_GT(final_version, 1) << "the final weights are a version of their own";
  EXPECT_EQ(Number(summary, "learner/weights_version"), final_version);
  const size_t at = summary.find("\"final_eval\"");
  ASSERT_NE(at, std::string::npos) << summary;
  EXPECT_EQ(Number(summary.substr(at), "eval/weights_version"), final_version) << summary;
  EXPECT_EQ(Number(summary.substr(at), "eval/episodes"), 300000) << summary;
  const std::string evaluator_log = ReadText(dir + "/run/logs/evaluator-0.log");
  EXPECT_NE(evaluator_log.find("took the learner's final weights, version " + std::to_string(int64_t(final_version)) +
                               " (asked the learner for them)"),
            std::string::npos)
      << evaluator_log;
  EXPECT_NE(ReadText(dir + "/run/logs/learner-0.log").find("holding the final weights"), std::string::npos);
}

// A learner that dies around the hand-off (before it reports its final weights, or while it holds
// them) does not stall the end of the run: the evaluator is told and evaluates the newest version
// it holds, and the run ends normally.
TEST(LocalBackendTest, LearnerKilledAtTheFinalHandOffStillEndsTheRunWithAFinalEvaluation) {
  const std::string dir = MakeTempDir("final-weights-kill");
  WriteText(dir + "/run.yaml", SlowFinalEvaluationYaml(100000));
  const pid_t launcher = StartProcess({Binary(), "launch", dir + "/run.yaml", "--run-dir", dir + "/run"},
                                      dir + "/launcher.log");
  pid_t learner = 0;
  ASSERT_TRUE(WaitUntil([&] {
    const std::string log = ReadText(dir + "/launcher.log");
    learner = FindPid(log, "learner-0");
    return learner > 0 && log.find("stopping (") != std::string::npos;
  }, std::chrono::seconds(60))) << ReadText(dir + "/launcher.log");
  ASSERT_EQ(::kill(learner, SIGKILL), 0);
  const int code = WaitForExit(launcher, std::chrono::seconds(120));
  const std::string log = ReadText(dir + "/launcher.log");
  ASSERT_EQ(code, 0) << log;
  EXPECT_TRUE(log.find("learner-0 exited before handing over its final weights") != std::string::npos ||
              log.find("learner-0 exited while holding its final weights") != std::string::npos)
      << log;
  const std::string summary = ReadText(dir + "/run/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary;
  const size_t at = summary.find("\"final_eval\"");
  ASSERT_NE(at, std::string::npos) << summary;
  EXPECT_EQ(Number(summary.substr(at), "eval/episodes"), 100000) << summary;
  EXPECT_FALSE(ProcessAlive(learner));
}

TEST(LocalBackendTest, BrokenConfigExitsNonZeroWithFileLineKey) {
  const std::string dir = MakeTempDir("broken");
  WriteText(dir + "/unknown.yaml", "env: lts\nalgo: linucb\nstop: {timesteps_total: 10}\ncluster:\n  num_actorz: 2\n");
  CommandResult r = RunCommand(Binary() + " launch " + dir + "/unknown.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown.yaml:5: unknown key 'cluster.num_actorz'"), std::string::npos) << r.output;
  EXPECT_EQ(Lines(r.output).size(), 1u) << r.output;

  WriteText(dir + "/type.yaml", "env: lts\nalgo: linucb\nstop: {timesteps_total: 10}\nenv_config:\n  slate_size: two\n");
  r = RunCommand(Binary() + " launch " + dir + "/type.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("type.yaml:5: key 'env_config.slate_size'"), std::string::npos) << r.output;
  EXPECT_EQ(Lines(r.output).size(), 1u) << r.output;
}

TEST(LocalBackendTest, DryRunStartsNothing) {
  const std::string dir = MakeTempDir("dry");
  WriteText(dir + "/run.yaml", SmallRunYaml("{timesteps_total: 1000}"));
  CommandResult r = RunCommand(Binary() + " launch " + dir + "/run.yaml --dry-run --run-dir " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("process actor-2: PUSH → shard-0"), std::string::npos) << r.output;
  EXPECT_TRUE(ReadText(dir + "/run/summary.json").empty());
}

}  // namespace
}  // namespace slaterl
