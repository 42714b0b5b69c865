// backend slurm for real (docs/multi-node.md): a one-node Slurm cluster on this machine
// (tests/launch/slurm_cluster.sh: munged, slurmctld, slurmd from Debian's slurm-wlm), a run
// submitted with sbatch (roles started with srun inside the allocation, tcp:// + CURVE) and a
// 2-point sweep as an array job; both run directories are checked, and the cluster is torn down.
// Needs root; skipped, with the reason, when not root or when the daemons cannot start, and failed
// instead under CI=true (tests/testing/skip.h).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/files.h"
#include "core/json.h"
#include "tests/launch/process_util.h"
#include "tests/testing/skip.h"

namespace slaterl {
namespace {

using namespace testing_util;

class SlurmCluster {
 public:
  explicit SlurmCluster(const std::string& dir) : dir_(dir) {
    const CommandResult r = RunCommand("bash " + SourceDir() + "/tests/launch/slurm_cluster.sh up " + dir_);
    up_ = r.exit_code == 0;
    output_ = r.output;
    if (up_) ::setenv("SLURM_CONF", (dir_ + "/slurm.conf").c_str(), 1);
  }
  ~SlurmCluster() {
    (void)RunCommand("bash " + SourceDir() + "/tests/launch/slurm_cluster.sh down " + dir_);
    ::unsetenv("SLURM_CONF");
  }
  bool up() const { return up_; }
  const std::string& output() const { return output_; }

 private:
  std::string dir_, output_;
  bool up_ = false;
};

TEST(SlurmIntegrationTest, ARunAndATwoPointSweepThroughARealSlurmCluster) {
  if (::geteuid() != 0) SKIP_OR_FAIL_IN_CI("needs root to start slurmctld and slurmd");
  const std::string dir = MakeTempDir("slurm");
  SlurmCluster cluster(dir + "/cluster");
  if (!cluster.up()) SKIP_OR_FAIL_IN_CI("the one-node Slurm cluster did not start: " << cluster.output());

  // One run: sbatch, then inside the job `slaterl launch` starts every role with srun.
  WriteText(dir + "/run.yaml",
            "env: lts\nalgo: linucb\nstop: {timesteps_total: 20000}\nevaluation: {final_episodes: 20}\n"
            "cluster: {backend: slurm, slurm_wait: true, num_actors: 2, num_envs_per_actor: 4, replay_shards: 1,\n"
            "          base_port: 47200}\nreporting: {progress: off}\nseed: 3\n");
  const CommandResult run = RunCommand(Binary() + " launch " + dir + "/run.yaml --run-dir " + dir + "/run");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string summary = ReadText(dir + "/run/summary.json");
  EXPECT_NE(summary.find("\"status\": \"ok\""), std::string::npos) << summary << ReadText(dir + "/run.slurm/job.sbatch");
  EXPECT_NE(summary.find("\"backend\": \"hosts\""), std::string::npos) << "inside the job the run is a hosts run";
  double updates = 0;
  ASSERT_TRUE(JsonGetNumber(summary, "learner/num_updates", &updates)) << summary;
  EXPECT_GT(updates, 0);
  EXPECT_TRUE(PathExists(dir + "/run/keys/server.key")) << "tcp:// turns CURVE on";
  const std::string job_output = RunCommand("cat " + dir + "/run.slurm/slurm-*.out").output;
  EXPECT_NE(job_output.find("run finished"), std::string::npos) << job_output;

  // A 2-point sweep: one array job, one task per run.
  WriteText(dir + "/sweep.yaml",
            "name: slurm-sweep\nenv: lts\nalgo: linucb\nstop: {timesteps_total: 10000}\n"
            "evaluation: {final_episodes: 20}\n"
            "cluster: {backend: local, num_actors: 1, num_envs_per_actor: 4, replay_shards: 1}\n"
            "reporting: {progress: off}\nseed: 0\n"
            "sweep:\n  points:\n    linucb: {}\n    random: {algo: random, config: {}}\n  baseline: random\n"
            "  grid: {seed: [1]}\n  max_concurrent: 2\n  backend: slurm\n");
  const CommandResult sweep = RunCommand(Binary() + " sweep " + dir + "/sweep.yaml --run-dir " + dir + "/sweep");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  for (const char* id : {"linucb-seed1", "random-seed1"}) {
    const std::string s = ReadText(dir + "/sweep/runs/" + id + "/summary.json");
    EXPECT_NE(s.find("\"status\": \"ok\""), std::string::npos) << id << ": " << s;
  }
  EXPECT_TRUE(PathExists(dir + "/sweep/report.md"));
  EXPECT_NE(ReadText(dir + "/sweep/slurm/sweep.sbatch").find("#SBATCH --array=0-1%2"), std::string::npos);
}

}  // namespace
}  // namespace slaterl
