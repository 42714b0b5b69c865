// algos/run_config.h — run configs validated against the env and algorithm registries, and the
// objects every role builds from one (env spec, algorithm context).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "algos/registry.h"
#include "core/config.h"
#include "envs/registry.h"

namespace slaterl {

// Schemas of every registered env and algorithm, for core/config.h.
const SchemaProvider& RegistrySchemas();

Result<RunConfig> LoadRun(const std::string& path, const std::vector<std::string>& overrides = {});

// Everything a role needs to build the algorithm's objects for `num_envs` environments.
struct RunObjects {
  const EnvEntry* env = nullptr;
  const AlgoEntry* algo = nullptr;
  AlgoContext context;  // env_spec sized for num_envs
};
Result<RunObjects> ResolveRunObjects(const RunConfig& run, int num_envs);

}  // namespace slaterl
