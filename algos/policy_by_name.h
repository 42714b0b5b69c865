// algos/policy_by_name.h — a policy named on the command line: a baseline (random, greedy,
// oracle, ...) or `checkpoint:DIR`, the config's algorithm loaded from a checkpoint (a checkpoint
// store, one of its ckpt-* directories, or a plain trainer directory). A store's newest valid
// checkpoint is used, verified against its MANIFEST; corrupt ones are skipped with the reason
// logged. The policy acts greedily (exploration off).
#pragma once

#include <memory>
#include <string>

#include "algos/registry.h"
#include "core/config.h"
#include "core/status.h"

namespace slaterl {

Result<std::unique_ptr<Policy>> MakePolicyByName(const RunConfig& run, const std::string& name,
                                                 const AlgoContext& ctx);

}  // namespace slaterl
