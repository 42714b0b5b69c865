#include "envs/vec_env.h"

namespace slaterl {

void ObsBatch::Allocate(const EnvSpec& spec) {
  const size_t n = static_cast<size_t>(spec.num_envs);
  user.assign(n * spec.user_dim, 0.0f);
  docs.assign(n * spec.num_candidates * spec.doc_dim, 0.0f);
  last_slate.assign(n * spec.slate_size, -1);
  last_responses.assign(n * spec.slate_size * spec.response_dim, 0.0f);
  first_step.assign(n, 1);
}

void StepBatch::Allocate(const EnvSpec& spec) {
  const size_t n = static_cast<size_t>(spec.num_envs);
  obs.Allocate(spec);
  rewards.assign(n, 0.0f);
  responses.assign(n * spec.slate_size * spec.response_dim, 0.0f);
  terminated.assign(n, 0);
  truncated.assign(n, 0);
  episode_return.assign(n, 0.0);
  episode_length.assign(n, 0);
}

Status ValidateSlates(const EnvSpec& spec, const SlateBatch& slates) {
  const size_t expected = static_cast<size_t>(spec.num_envs) * spec.slate_size;
  if (slates.items.size() != expected)
    return InvalidArgumentError("slate batch has " + std::to_string(slates.items.size()) +
                                " entries, expected num_envs*slate_size = " + std::to_string(expected));
  for (size_t i = 0; i < expected; ++i) {
    const int32_t item = slates.items[i];
    if (item == kOracleSentinel && spec.oracle_sentinel) continue;
    if (item == kOracleSentinel)
      return InvalidArgumentError("slate entry " + std::to_string(i) +
                                  " = -1 (the oracle sentinel), but env '" + spec.name +
                                  "' has no oracle to fill it (only `topics` accepts -1, ENVS.md "
                                  "§10 E3)");
    if (item < 0 || item >= spec.num_candidates)
      return InvalidArgumentError("slate entry " + std::to_string(i) + " = " + std::to_string(item) +
                                  " is not a candidate position in [0, " +
                                  std::to_string(spec.num_candidates) + ")" +
                                  (spec.oracle_sentinel ? " or -1 (oracle sentinel)" : ""));
  }
  return Status::Ok();
}

}  // namespace slaterl
