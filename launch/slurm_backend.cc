#include "launch/slurm_backend.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>

#include "core/files.h"
#include "core/hosts.h"
#include "core/logging.h"
#include "algos/run_config.h"

namespace slaterl {

namespace {

std::string ShellWord(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  return std::string(::getcwd(cwd, sizeof(cwd)) ? cwd : ".") + "/" + path;
}

std::string RealExecutable(const std::string& path) {
  char buf[4096];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

// Runs `command` through /bin/sh; its stdout, or an error with its output.
Result<std::string> Capture(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return UnavailableError("cannot run: " + command);
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (status != 0) return UnavailableError(command + " failed: " + out);
  return out;
}

// "#SBATCH" lines of cluster.slurm_sbatch ("--partition=x --time=1:00:00" → one line each).
std::string ExtraSbatch(const std::string& extra) {
  std::istringstream in(extra);
  std::string out;
  for (std::string option; in >> option;) out += "#SBATCH " + option + "\n";
  return out;
}

}  // namespace

bool InSlurmAllocation() {
  const char* job = std::getenv("SLURM_JOB_ID");
  return job != nullptr && *job != '\0';
}

Result<std::vector<std::string>> SlurmAllocationNodes() {
  const char* list = std::getenv("SLURM_JOB_NODELIST");
  if (!list || !*list) return FailedPreconditionError("SLURM_JOB_NODELIST is not set");
  ASSIGN_OR_RETURN(std::string out, Capture("scontrol show hostnames " + ShellWord(list)));
  std::istringstream in(out);
  std::vector<std::string> nodes;
  for (std::string node; in >> node;) nodes.push_back(node);
  if (nodes.empty()) return FailedPreconditionError("scontrol show hostnames gave no node");
  return nodes;
}

Result<RunConfig> SlurmAllocationConfig(const RunConfig& run, const std::vector<std::string>& nodes) {
  if (nodes.empty()) return InvalidArgumentError("no nodes");
  std::vector<HostSpec> hosts(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) hosts[i].host = hosts[i].address = nodes[i];
  hosts[0].learner = true;
  hosts[0].shards = static_cast<int>(run.cluster.GetInt("replay_shards"));
  for (int64_t a = 0; a < run.cluster.GetInt("num_actors"); ++a) ++hosts[static_cast<size_t>(a) % hosts.size()].actors;
  std::vector<std::string> overrides = {
      "cluster.backend=hosts", "cluster.hosts=" + HostListText(hosts),
      "cluster.exec=srun --overlap --nodes=1 --ntasks=1 --nodelist={host} {argv}",
      "cluster.launcher_address=" + nodes[0]};
  return LoadRunConfigString(run.resolved_yaml, run.source, overrides, RegistrySchemas());
}

std::string SlurmRunScript(const RunConfig& run, const std::string& executable, const std::string& config_path,
                           const std::string& run_dir, const std::string& slurm_dir) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# slaterl run '" << run.name << "' (config hash " << run.hash << "): `slaterl launch` inside the allocation\n"
    << "# starts every role with srun on its node (docs/multi-node.md).\n"
    << "#SBATCH --job-name=slaterl-" << run.name << "\n"
    << "#SBATCH --nodes=" << run.cluster.GetInt("slurm_nodes") << "\n"
    << "#SBATCH --ntasks-per-node=1\n"
    << "#SBATCH --output=" << slurm_dir << "/slurm-%j.out\n"
    << "#SBATCH --requeue\n"
    << "#SBATCH --signal=B:TERM@120\n"
    << ExtraSbatch(run.cluster.GetString("slurm_sbatch")) << "set -euo pipefail\n"
    << "# A requeued job (preemption, node failure) continues the run from its checkpoints.\n"
    << "if [ -e " << ShellWord(run_dir + "/metrics.jsonl") << " ]; then\n"
    << "  exec " << ShellWord(executable) << " launch --resume " << ShellWord(run_dir) << "\n"
    << "fi\n"
    << "exec " << ShellWord(executable) << " launch " << ShellWord(config_path) << " --run-dir " << ShellWord(run_dir)
    << "\n";
  return s.str();
}

std::string SlurmSweepScript(const std::string& name, const std::string& executable,
                             const std::vector<std::string>& configs, const std::vector<std::string>& run_dirs,
                             int max_concurrent, int nodes_per_run, const std::string& extra_sbatch,
                             const std::string& slurm_dir) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# slaterl sweep '" << name << "': one array task per run, at most " << max_concurrent << " at once.\n"
    << "#SBATCH --job-name=slaterl-sweep-" << name << "\n"
    << "#SBATCH --array=0-" << (configs.empty() ? 0 : configs.size() - 1) << "%" << max_concurrent << "\n"
    << "#SBATCH --nodes=" << nodes_per_run << "\n"
    << "#SBATCH --ntasks-per-node=1\n"
    << "#SBATCH --output=" << slurm_dir << "/slurm-%A_%a.out\n"
    << "#SBATCH --requeue\n"
    << "#SBATCH --signal=B:TERM@120\n"
    << ExtraSbatch(extra_sbatch) << "set -euo pipefail\n"
    << "configs=(";
  for (const auto& c : configs) s << "\n  " << ShellWord(c);
  s << "\n)\nrun_dirs=(";
  for (const auto& d : run_dirs) s << "\n  " << ShellWord(d);
  s << "\n)\n"
    << "exec " << ShellWord(executable) << " launch \"${configs[$SLURM_ARRAY_TASK_ID]}\" --run-dir "
    << "\"${run_dirs[$SLURM_ARRAY_TASK_ID]}\"\n";
  return s.str();
}

Result<std::string> Sbatch(const std::string& script_path, bool wait) {
  ASSIGN_OR_RETURN(std::string out, Capture(std::string("sbatch --parsable ") + (wait ? "--wait " : "") +
                                            ShellWord(script_path)));
  std::istringstream in(out);
  std::string job;
  in >> job;
  return job.substr(0, job.find(';'));
}

Result<LaunchResult> SubmitSlurmRun(const RunConfig& run, const LaunchOptions& options) {
  std::string run_dir = options.run_dir;
  if (run_dir.empty()) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
    run_dir = "runs/" + run.name + "-" + stamp;
  }
  run_dir = Absolute(run_dir);
  const std::string slurm_dir = run_dir + ".slurm";
  const std::string executable = RealExecutable(options.executable.empty() ? "/proc/self/exe" : options.executable);
  const std::string script = SlurmRunScript(run, executable, slurm_dir + "/config.yaml", run_dir, slurm_dir);
  if (options.dry_run) {
    std::printf("# %s/job.sbatch (with %s/config.yaml, the resolved config)\n%s", slurm_dir.c_str(), slurm_dir.c_str(),
                script.c_str());
    return LaunchResult{};
  }
  if (PathExists(run_dir)) return FailedPreconditionError(run_dir + " exists already");
  RETURN_IF_ERROR(MakeDirectories(slurm_dir));
  RETURN_IF_ERROR(WriteFileAtomic(slurm_dir + "/config.yaml", run.resolved_yaml));
  RETURN_IF_ERROR(WriteFileAtomic(slurm_dir + "/job.sbatch", script));
  const bool wait = run.cluster.GetBool("slurm_wait");
  LOG(INFO) << "submitting " << slurm_dir << "/job.sbatch" << (wait ? " and waiting for it" : "");
  ASSIGN_OR_RETURN(std::string job, Sbatch(slurm_dir + "/job.sbatch", wait));
  LOG(INFO) << "slurm job " << job << ": run directory " << run_dir << ", job output " << slurm_dir << "/slurm-" << job
            << ".out" << (wait ? "" : " (scancel " + job + " stops it)");
  LaunchResult result;
  result.run_dir = run_dir;
  result.stop_reason = wait ? "slurm job finished" : "submitted";
  return result;
}

}  // namespace slaterl
