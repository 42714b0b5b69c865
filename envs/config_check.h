// envs/config_check.h — shared helpers for reading an environment's `env_config` Params.
//
// Every environment declares its keys in a Schema (types, defaults, ranges, units, docs) and reads
// them in a `FromParams` that must reject what the config loader would reject, because tests and
// CreateVecEnv call it directly. These helpers do the per-key part once: unknown keys (the error
// lists the valid ones), wrong types, non-finite numbers and values outside the declared range.
// Every error is InvalidArgument and names "<env> env_config.<key>". Cross-key constraints
// (slate_size <= num_candidates, ...) stay in each env's Validate(). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/params.h"
#include "core/status.h"

namespace slaterl {

// "<env> env_config.<key>: <what>" — the wording of every env_config error.
std::string EnvConfigKeyError(const std::string& env, const std::string& key,
                              const std::string& what);

// Checks every key present in `params` against `schema` (unknown key, type, finiteness, range).
Status CheckEnvConfigParams(const std::string& env, const Schema& schema, const Params& params);

// %.17g text of a double (round-trip exact), for error messages.
std::string FormatEnvConfigNumber(double v);

// Typed reads that fall back to `def` when the key is absent (the loader normally fills them all).
inline int64_t EnvConfigInt(const Params& p, const char* key, int64_t def) {
  return p.Has(key) ? p.GetInt(key) : def;
}
inline double EnvConfigDouble(const Params& p, const char* key, double def) {
  return p.Has(key) ? p.GetDouble(key) : def;
}
inline bool EnvConfigBool(const Params& p, const char* key, bool def) {
  return p.Has(key) ? p.GetBool(key) : def;
}

}  // namespace slaterl
