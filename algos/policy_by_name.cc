#include "algos/policy_by_name.h"

#include "algos/registry.h"
#include "core/checkpoint_store.h"
#include "core/files.h"
#include "core/logging.h"

namespace slaterl {

Result<std::unique_ptr<Policy>> MakePolicyByName(const RunConfig& run, const std::string& name,
                                               const AlgoContext& ctx) {
  const std::string prefix = "checkpoint:";
  if (name.rfind(prefix, 0) != 0) return CreateBaseline(name, ctx);
  const std::string dir = name.substr(prefix.size());
  const AlgoEntry* algo = FindAlgo(run.algo);
  if (!algo || !algo->create_trainer)
    return InvalidArgumentError("--policy checkpoint: needs a config whose algo learns (algo is '" + run.algo + "')");
  ASSIGN_OR_RETURN(auto trainer, algo->create_trainer(run.config, ctx));
  // A checkpoint store (RUN_DIR/checkpoints) or one of its ckpt-* directories: the newest valid
  // checkpoint, verified against its MANIFEST; corrupt ones are skipped with the reason.
  std::string trainer_dir = dir;
  if (PathExists(dir + "/MANIFEST")) {
    ASSIGN_OR_RETURN(CheckpointInfo info, CheckpointStore::Verify(dir));
    trainer_dir = info.path + "/learner";
  } else if (PathExists(dir) && !PathExists(dir + "/learner") && !CheckpointStore::Open(dir, 1)->Steps().empty()) {
    std::vector<std::string> skipped;
    ASSIGN_OR_RETURN(CheckpointInfo info, CheckpointStore::Open(dir, 1)->Latest(&skipped));
    for (const auto& why : skipped) LOG(WARNING) << "skipping a checkpoint: " << why;
    LOG(INFO) << "using " << info.path << " (" << info.step << " updates)";
    trainer_dir = info.path + "/learner";
  }
  RETURN_IF_ERROR(trainer->load(trainer_dir));
  ASSIGN_OR_RETURN(auto policy, algo->create_policy(run.config, ctx));
  Weights weights = trainer->weights();
  weights.version = 1;
  RETURN_IF_ERROR(policy->load(weights));
  policy->set_explore(false);
  return policy;
}

}  // namespace slaterl
