// cli/role.cc — `slaterl _role`: one role process of the process backends (started by the launcher).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "actors/actor_process.h"
#include "algos/common/torch_util.h"
#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "core/control.h"
#include "core/logging.h"
#include "core/role_context.h"
#include "learner/learner_process.h"
#include "replay/shard_process.h"

namespace slaterl {
namespace cli {
namespace {

// Loads the run the launcher wrote, resolves what the role needs and runs its loop. Library
// exceptions (ZeroMQ, LibTorch) end here as a Status.
Status RunRole(const RoleOptions& options) {
  SetLogTag(options.role + "-" + std::to_string(options.id));
  ConfigureTorchForRole(/*num_threads=*/1);
  try {
    ASSIGN_OR_RETURN(RunConfig run, LoadRun(options.run_dir + "/config.yaml"));
    ASSIGN_OR_RETURN(RunObjects objects, ResolveRunObjects(run, 1));
    ASSIGN_OR_RETURN(RoleContext ctx, MakeRoleContext(options, std::move(run)));
    if (options.role == "actor") return RunActorProcess(options, ctx, objects);
    if (options.role == "learner") {
      const int cores = AvailableCores();
      const int threads = LearnerThreadsFor(ctx.run, cores);
      ConfigureTorchForRole(threads);
      LOG(INFO) << "learner: " << threads << " LibTorch thread(s) (cluster.learner_threads "
                << ctx.run.cluster.GetInt("learner_threads") << ", " << cores << " cores available)";
      return RunLearnerProcess(options, ctx, objects);
    }
    if (options.role == "evaluator") return RunEvaluatorProcess(options, ctx, objects);
    if (options.role == "shard")
      return RunShardProcess(options, ctx, objects.algo->replay_spec(ctx.run.config, objects.context));
  } catch (const zmq::error_t& e) {
    return UnavailableError(std::string("ZeroMQ: ") + e.what());
  } catch (const std::exception& e) {
    return InternalError(std::string("unexpected exception: ") + e.what());
  }
  return InvalidArgumentError("unknown role '" + options.role + "'");
}

}  // namespace

int CmdRole(const std::vector<std::string>& args) {
  DieWithParent();
  RoleOptions options;
  if (args.empty()) return Fail(InvalidArgumentError("_role needs a role"));
  options.role = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::string id = "0", incarnation = "0", max_env_steps = "0", version_floor = "0", checkpoint_step = "0";
  options.resume = TakeSwitch(&rest, "--resume");
  for (auto flag : {std::make_pair("--run-dir", &options.run_dir), std::make_pair("--socket-dir", &options.socket_dir),
                    std::make_pair("--launcher-address", &options.launcher_address),
                    std::make_pair("--id", &id), std::make_pair("--incarnation", &incarnation),
                    std::make_pair("--max-env-steps", &max_env_steps),
                    std::make_pair("--weights-version-floor", &version_floor),
                    std::make_pair("--checkpoint-step", &checkpoint_step)}) {
    auto taken = TakeFlag(&rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  options.id = std::atoi(id.c_str());
  options.incarnation = std::atoi(incarnation.c_str());
  options.max_env_steps = std::atoll(max_env_steps.c_str());
  options.weights_version_floor = std::atoll(version_floor.c_str());
  options.checkpoint_step = std::atoll(checkpoint_step.c_str());
  Status status = RunRole(options);
  if (!status.ok()) {
    LOG(ERROR) << status.ToString();
    return 1;
  }
  return 0;
}

}  // namespace cli
}  // namespace slaterl
