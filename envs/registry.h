// envs/registry.h — environments by name (`lts`, `interest_evolution`, ...; docs/environments.md).
//
// Each environment registers its env_config Schema and a factory. Config validation looks up the
// schema by `env`; actors and `slaterl eval` build VecEnvs through CreateVecEnv. Adding an
// environment touches its own files and one line in registry.cc. Thread-safe (read-only tables).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/status.h"
#include "envs/vec_env.h"

namespace slaterl {

struct EnvEntry {
  std::string name;
  std::string summary;
  std::function<Schema()> schema;  // env_config keys
  // Builds `num_envs` environments from validated env_config params.
  std::function<Result<std::unique_ptr<VecEnv>>(const Params& env_config, int num_envs)> create;
};

const std::vector<EnvEntry>& EnvRegistry();
const EnvEntry* FindEnv(const std::string& name);
std::vector<std::string> EnvNames();
Result<std::unique_ptr<VecEnv>> CreateVecEnv(const std::string& name, const Params& env_config,
                                             int num_envs);

}  // namespace slaterl
