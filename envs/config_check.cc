#include "envs/config_check.h"

#include <cmath>
#include <cstdio>

namespace slaterl {

std::string FormatEnvConfigNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string EnvConfigKeyError(const std::string& env, const std::string& key,
                              const std::string& what) {
  return env + " env_config." + key + ": " + what;
}

namespace {

Status CheckValue(const std::string& env, const KeySpec& spec, const ParamValue& value) {
  auto error = [&](const std::string& what) {
    return InvalidArgumentError(EnvConfigKeyError(env, spec.name, what));
  };
  if (spec.type == ValueType::kInt || spec.type == ValueType::kDouble) {
    const bool type_ok = value.type == ValueType::kInt ||
                         (spec.type == ValueType::kDouble && value.type == ValueType::kDouble);
    if (!type_ok)
      return error(std::string("expected ") + ValueTypeName(spec.type) + ", got " +
                   ValueTypeName(value.type));
    const double v = value.type == ValueType::kInt ? static_cast<double>(value.i) : value.d;
    if (!std::isfinite(v)) return error("must be finite, got " + FormatEnvConfigNumber(v));
    const bool below = spec.min_exclusive ? v <= spec.min : v < spec.min;
    if (below || v > spec.max)
      return error(FormatEnvConfigNumber(v) + " is out of range " +
                   (spec.min_exclusive ? "(" : "[") + FormatEnvConfigNumber(spec.min) + ", " +
                   FormatEnvConfigNumber(spec.max) + "]");
    return Status::Ok();
  }
  if (value.type != spec.type)
    return error(std::string("expected ") + ValueTypeName(spec.type) + ", got " +
                 ValueTypeName(value.type));
  return Status::Ok();
}

}  // namespace

Status CheckEnvConfigParams(const std::string& env, const Schema& schema, const Params& params) {
  for (const auto& [key, value] : params.values()) {
    const KeySpec* spec = schema.Find(key);
    if (spec == nullptr) {
      std::string names;
      for (const KeySpec& k : schema.keys()) names += (names.empty() ? "" : ", ") + k.name;
      return InvalidArgumentError(env + " env_config: unknown key '" + key + "' (valid keys: " +
                                  names + ")");
    }
    RETURN_IF_ERROR(CheckValue(env, *spec, value));
  }
  return Status::Ok();
}

}  // namespace slaterl
