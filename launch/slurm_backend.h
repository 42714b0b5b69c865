// launch/slurm_backend.h — `backend: slurm` (docs/multi-node.md).
//
// Outside an allocation, `slaterl launch` submits the run as a batch job: it writes
// <run_dir>.slurm/config.yaml (the resolved config) and <run_dir>.slurm/job.sbatch and calls
// `sbatch` (`--dry-run` prints the script instead; `cluster.slurm_wait` makes launch wait for the
// job). The job runs `slaterl launch` again, now inside the allocation (SLURM_JOB_ID set): the run
// becomes `backend: hosts` over the allocation's nodes (SlurmAllocationConfig: the first node
// runs the launcher, learner, evaluator and every shard; actors go round-robin over all nodes),
// with every role started by `srun --overlap` on its node and tcp:// + CURVE between them.
// `scancel` sends SIGTERM to the batch script, i.e. to the launcher, which shuts the run down
// cleanly (the job asks for SIGTERM 120 s before its time limit too). The run directory must be on
// a file system every node shares.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "launch/launcher.h"

namespace slaterl {

// True inside a Slurm allocation (SLURM_JOB_ID is set).
bool InSlurmAllocation();

// `run` as backend hosts over `nodes` (the allocation's node names, first = this node).
Result<RunConfig> SlurmAllocationConfig(const RunConfig& run, const std::vector<std::string>& nodes);
// The allocation's nodes: `scontrol show hostnames $SLURM_JOB_NODELIST`.
Result<std::vector<std::string>> SlurmAllocationNodes();

// The batch script of one run.
std::string SlurmRunScript(const RunConfig& run, const std::string& executable, const std::string& config_path,
                           const std::string& run_dir, const std::string& slurm_dir);
// The array-job script of a sweep: task i runs `slaterl launch configs[i] --run-dir run_dirs[i]`,
// at most `max_concurrent` at once.
std::string SlurmSweepScript(const std::string& name, const std::string& executable,
                             const std::vector<std::string>& configs, const std::vector<std::string>& run_dirs,
                             int max_concurrent, int nodes_per_run, const std::string& extra_sbatch,
                             const std::string& slurm_dir);

// Submits (or with options.dry_run prints) the batch job of `run`; see the header comment.
Result<LaunchResult> SubmitSlurmRun(const RunConfig& run, const LaunchOptions& options);
// `sbatch [--wait] --parsable SCRIPT` → the job id.
Result<std::string> Sbatch(const std::string& script_path, bool wait);

}  // namespace slaterl
