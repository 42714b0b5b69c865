#include "algos/run_config.h"

namespace slaterl {

const SchemaProvider& RegistrySchemas() {
  static const SchemaProvider provider = [] {
    SchemaProvider p;
    p.env_names = EnvNames();
    p.algo_names = AlgoNames();
    p.env_schema = [](const std::string& name) -> Result<Schema> {
      const EnvEntry* e = FindEnv(name);
      if (!e) return NotFoundError("unknown env '" + name + "'");
      return e->schema();
    };
    p.algo_schema = [](const std::string& name) -> Result<Schema> {
      const AlgoEntry* a = FindAlgo(name);
      if (!a) return NotFoundError("unknown algo '" + name + "'");
      return a->schema();
    };
    return p;
  }();
  return provider;
}

Result<RunConfig> LoadRun(const std::string& path, const std::vector<std::string>& overrides) {
  return LoadRunConfigFile(path, overrides, RegistrySchemas());
}

Result<RunObjects> ResolveRunObjects(const RunConfig& run, int num_envs) {
  RunObjects objects;
  objects.env = FindEnv(run.env);
  objects.algo = FindAlgo(run.algo);
  if (!objects.env) return NotFoundError("unknown env '" + run.env + "'");
  if (!objects.algo) return NotFoundError("unknown algo '" + run.algo + "'");
  ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> probe, objects.env->create(run.env_config, num_envs));
  objects.context = MakeAlgoContext(run, probe->spec());
  return objects;
}

}  // namespace slaterl
