// Golden outputs of the slurm backend's scripts (what `launch --dry-run` and `sweep --dry-run`
// print for backend slurm) and the hosts config a run becomes inside an allocation.
#include "launch/slurm_backend.h"

#include <gtest/gtest.h>

#include "core/hosts.h"
#include "algos/run_config.h"

namespace slaterl {
namespace {

RunConfig SlurmRun() {
  auto run = LoadRunConfigString(
      "name: golden\nenv: lts\nalgo: linucb\nstop: {timesteps_total: 1000}\n"
      "cluster: {backend: slurm, slurm_nodes: 3, slurm_sbatch: \"--partition=gpu --time=02:00:00\", num_actors: 5,\n"
      "          replay_shards: 2}\nseed: 1\n",
      "golden.yaml", {}, RegistrySchemas());
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return *run;
}

TEST(SlurmTest, RunScriptGolden) {
  const RunConfig run = SlurmRun();
  EXPECT_EQ(SlurmRunScript(run, "/opt/slaterl/slaterl", "/shared/runs/g.slurm/config.yaml", "/shared/runs/g",
                           "/shared/runs/g.slurm"),
            "#!/bin/bash\n"
            "# slaterl run 'golden' (config hash " + run.hash + "): `slaterl launch` inside the allocation\n"
            "# starts every role with srun on its node (docs/multi-node.md).\n"
            "#SBATCH --job-name=slaterl-golden\n"
            "#SBATCH --nodes=3\n"
            "#SBATCH --ntasks-per-node=1\n"
            "#SBATCH --output=/shared/runs/g.slurm/slurm-%j.out\n"
            "#SBATCH --requeue\n"
            "#SBATCH --signal=B:TERM@120\n"
            "#SBATCH --partition=gpu\n"
            "#SBATCH --time=02:00:00\n"
            "set -euo pipefail\n"
            "# A requeued job (preemption, node failure) continues the run from its checkpoints.\n"
            "if [ -e '/shared/runs/g/metrics.jsonl' ]; then\n"
            "  exec '/opt/slaterl/slaterl' launch --resume '/shared/runs/g'\n"
            "fi\n"
            "exec '/opt/slaterl/slaterl' launch '/shared/runs/g.slurm/config.yaml' --run-dir '/shared/runs/g'\n");
}

TEST(SlurmTest, SweepScriptGolden) {
  EXPECT_EQ(SlurmSweepScript("s", "/opt/slaterl/slaterl", {"/d/slurm/configs/a-seed1.yaml", "/d/slurm/configs/b's.yaml"},
                             {"/d/runs/a-seed1", "/d/runs/b's"}, 4, 1, "", "/d/slurm"),
            "#!/bin/bash\n"
            "# slaterl sweep 's': one array task per run, at most 4 at once.\n"
            "#SBATCH --job-name=slaterl-sweep-s\n"
            "#SBATCH --array=0-1%4\n"
            "#SBATCH --nodes=1\n"
            "#SBATCH --ntasks-per-node=1\n"
            "#SBATCH --output=/d/slurm/slurm-%A_%a.out\n"
            "#SBATCH --requeue\n"
            "#SBATCH --signal=B:TERM@120\n"
            "set -euo pipefail\n"
            "configs=(\n  '/d/slurm/configs/a-seed1.yaml'\n  '/d/slurm/configs/b'\\''s.yaml'\n)\n"
            "run_dirs=(\n  '/d/runs/a-seed1'\n  '/d/runs/b'\\''s'\n)\n"
            "exec '/opt/slaterl/slaterl' launch \"${configs[$SLURM_ARRAY_TASK_ID]}\" --run-dir "
            "\"${run_dirs[$SLURM_ARRAY_TASK_ID]}\"\n");
}

TEST(SlurmTest, InsideAnAllocationTheRunBecomesAHostsRunOverItsNodes) {
  auto hosts_run = SlurmAllocationConfig(SlurmRun(), {"n1", "n2", "n3"});
  ASSERT_TRUE(hosts_run.ok()) << hosts_run.status().ToString();
  EXPECT_EQ(hosts_run->cluster.GetString("backend"), "hosts");
  EXPECT_EQ(hosts_run->cluster.GetString("launcher_address"), "n1");
  EXPECT_EQ(hosts_run->cluster.GetString("exec"), "srun --overlap --nodes=1 --ntasks=1 --nodelist={host} {argv}");
  auto hosts = ParseHostList(hosts_run->cluster.GetString("hosts"));
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 3u);
  EXPECT_TRUE((*hosts)[0].learner);
  EXPECT_EQ((*hosts)[0].shards, 2);
  EXPECT_EQ((*hosts)[0].actors + (*hosts)[1].actors + (*hosts)[2].actors, 5);
  EXPECT_EQ((*hosts)[0].actors, 2);  // round-robin: actors 0 and 3
}

TEST(SlurmTest, HostListErrorsNameTheEntryAndKey) {
  auto bad = LoadRunConfigString("env: lts\nalgo: linucb\nstop: {timesteps_total: 1}\n"
                                 "cluster: {backend: hosts, num_actors: 2, hosts: [{host: a, actors: 2}, {actor: 1}]}\n",
                                 "bad.yaml", {}, RegistrySchemas());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.yaml:4"), std::string::npos) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("cluster.hosts[1]: unknown key 'actor'"), std::string::npos)
      << bad.status().ToString();
  auto mismatch = LoadRunConfigString("env: lts\nalgo: linucb\nstop: {timesteps_total: 1}\n"
                                      "cluster: {backend: hosts, num_actors: 3, hosts: [{host: a, actors: 2, shards: 1}]}\n",
                                      "m.yaml", {}, RegistrySchemas());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("must agree"), std::string::npos) << mismatch.status().ToString();
}

}  // namespace
}  // namespace slaterl
