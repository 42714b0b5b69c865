#include "envs/vec_env.h"

#include <algorithm>

#include "core/state_archive.h"

namespace slaterl {

Status VecEnv::VisitState(StateArchive& archive) {
  (void)archive;
  return FailedPreconditionError("env '" + spec().name + "' cannot be snapshotted (VisitState not implemented)");
}

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

void CheckObsBatchSizes(const EnvSpec& spec, const ObsBatch& obs) {
  const size_t n = static_cast<size_t>(spec.num_envs), k = static_cast<size_t>(spec.slate_size);
  SLATERL_CHECK(obs.first_step.size() == n);
  SLATERL_CHECK(obs.user.size() == n * spec.user_dim);
  SLATERL_CHECK(obs.docs.size() == n * spec.num_candidates * spec.doc_dim);
  SLATERL_CHECK(obs.last_slate.size() == n * k);
  SLATERL_CHECK(obs.last_responses.size() == n * k * spec.response_dim);
}

void CheckStepBatchSizes(const EnvSpec& spec, const SlateBatch& slates, const StepBatch& out) {
  const size_t n = static_cast<size_t>(spec.num_envs), k = static_cast<size_t>(spec.slate_size);
  SLATERL_CHECK(slates.items.size() == n * k);
  SLATERL_CHECK(out.rewards.size() == n);
  SLATERL_CHECK(out.responses.size() == n * k * spec.response_dim);
  SLATERL_CHECK(out.terminated.size() == n && out.truncated.size() == n);
  SLATERL_CHECK(out.episode_return.size() == n && out.episode_length.size() == n);
  CheckObsBatchSizes(spec, out.obs);
}

void MarkAllFirstStep(ObsBatch* obs) {
  std::fill(obs->last_slate.begin(), obs->last_slate.end(), -1);
  std::fill(obs->last_responses.begin(), obs->last_responses.end(), 0.0f);
  std::fill(obs->first_step.begin(), obs->first_step.end(), uint8_t{1});
}

void RecordServedSlate(const EnvSpec& spec, int i, bool episode_ended, const int32_t* slate,
                       const float* responses, ObsBatch* obs) {
  const int k = spec.slate_size, slot_floats = k * spec.response_dim;
  int32_t* last_slate = obs->last_slate.data() + static_cast<size_t>(i) * k;
  float* last_responses = obs->last_responses.data() + static_cast<size_t>(i) * slot_floats;
  if (episode_ended) {
    std::fill(last_slate, last_slate + k, -1);
    std::fill(last_responses, last_responses + slot_floats, 0.0f);
  } else {
    std::copy(slate, slate + k, last_slate);
    std::copy(responses, responses + slot_floats, last_responses);
  }
  obs->first_step[i] = episode_ended ? 1 : 0;
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
                                  "' has no oracle to fill it (only `topics` accepts -1, "
                                  "docs/environments.md decision E3)");
    if (item < 0 || item >= spec.num_candidates)
      return InvalidArgumentError("slate entry " + std::to_string(i) + " = " + std::to_string(item) +
                                  " is not a candidate position in [0, " +
                                  std::to_string(spec.num_candidates) + ")" +
                                  (spec.oracle_sentinel ? " or -1 (oracle sentinel)" : ""));
  }
  return Status::Ok();
}

}  // namespace slaterl
