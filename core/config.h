// core/config.h — loading and validating a run's YAML once at start-up (the keys:
// docs/config.md).
//
// A run config is one YAML file with these sections: name, env, env_config, algo,
// config, stop, evaluation, cluster, reporting, seed. Every section is validated against a Schema
// (core/params.h): unknown keys, wrong types and out-of-range values are errors of the form
// "FILE:LINE: key 'cluster.num_actors': expected int in [1, 1024], got 0". The env_config and
// config schemas depend on the chosen env and algo, so the caller supplies them through a
// SchemaProvider (the registries live above core/). `--set a.b=c` overrides are applied before
// validation and errors in them name the override. The result holds typed Params for every
// section plus the fully resolved YAML (every default filled in) and its hash. Plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/status.h"

namespace slaterl {

struct SchemaProvider {
  std::vector<std::string> env_names;
  std::vector<std::string> algo_names;
  std::function<Result<Schema>(const std::string& env)> env_schema;
  std::function<Result<Schema>(const std::string& algo)> algo_schema;
};

struct RunConfig {
  std::string source;  // file path (or "<string>")
  std::string name;
  std::string env;
  std::string algo;
  uint64_t seed = 0;
  Params env_config;
  Params config;
  Params stop;
  Params evaluation;
  Params cluster;
  Params reporting;
  Params security;
  Params checkpoint;
  std::string resolved_yaml;  // every key, defaults filled in; loads back to the same RunConfig
  std::string hash;           // HashHex(resolved_yaml)
};

// Schemas of the fixed sections (stop, evaluation, cluster, reporting, security, checkpoint).
Schema StopSchema();
Schema EvaluationSchema();
Schema ClusterSchema();
Schema ReportingSchema();
Schema SecuritySchema();
Schema CheckpointSchema();
// Whether the run's sockets use CURVE (security.curve: true, or auto with any tcp:// endpoint).
bool CurveEnabled(const RunConfig& run, bool any_tcp_endpoint);

Result<RunConfig> LoadRunConfigFile(const std::string& path, const std::vector<std::string>& overrides,
                                    const SchemaProvider& schemas);
Result<RunConfig> LoadRunConfigString(const std::string& yaml, const std::string& source,
                                      const std::vector<std::string>& overrides,
                                      const SchemaProvider& schemas);

// Markdown reference of every key (docs/config.md), generated from the same schemas.
std::string ConfigReferenceMarkdown(const SchemaProvider& schemas);

}  // namespace slaterl
