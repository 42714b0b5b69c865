// envs/transition.h — the fixed float layout of one transition item in replay.
//
// Actors write one item per (env, step) into a Fragment; replay shards store items as opaque
// fixed-size float records; trainers read them back through the same layout. The layout depends
// only on the EnvSpec, so actor and trainer always agree. Slate entries and flags are stored as
// floats (exact for values below 2^24). Stateless; thread-safe.
//
//   [user U | docs C×D | slate k | responses k×R | reward | terminated | truncated |
//    next_user U | next_docs C×D]
#pragma once

#include <cstdint>

#include "envs/vec_env.h"

namespace slaterl {

struct TransitionLayout {
  int user = 0, docs = 0, slate = 0, responses = 0, reward = 0, terminated = 0, truncated = 0,
      next_user = 0, next_docs = 0, size = 0;
  int user_dim = 0, docs_size = 0, slate_size = 0, responses_size = 0;

  explicit TransitionLayout(const EnvSpec& spec) {
    user_dim = spec.user_dim;
    docs_size = spec.num_candidates * spec.doc_dim;
    slate_size = spec.slate_size;
    responses_size = spec.slate_size * spec.response_dim;
    int o = 0;
    user = o; o += user_dim;
    docs = o; o += docs_size;
    slate = o; o += slate_size;
    responses = o; o += responses_size;
    reward = o++;
    terminated = o++;
    truncated = o++;
    next_user = o; o += user_dim;
    next_docs = o; o += docs_size;
    size = o;
  }

  // Writes the transition of env `n`: observation before the step, the slate served, and the
  // step's outcome (whose obs is the next observation) into `item` (size floats).
  void Write(int n, const ObsBatch& before, const SlateBatch& slates, const StepBatch& step,
             float* item) const {
    Copy(before.user.data() + static_cast<size_t>(n) * user_dim, user_dim, item + user);
    Copy(before.docs.data() + static_cast<size_t>(n) * docs_size, docs_size, item + docs);
    for (int j = 0; j < slate_size; ++j)
      item[slate + j] = static_cast<float>(slates.items[static_cast<size_t>(n) * slate_size + j]);
    Copy(step.responses.data() + static_cast<size_t>(n) * responses_size, responses_size,
         item + responses);
    item[reward] = step.rewards[n];
    item[terminated] = step.terminated[n];
    item[truncated] = step.truncated[n];
    Copy(step.obs.user.data() + static_cast<size_t>(n) * user_dim, user_dim, item + next_user);
    Copy(step.obs.docs.data() + static_cast<size_t>(n) * docs_size, docs_size, item + next_docs);
  }

 private:
  static void Copy(const float* from, int count, float* to) {
    for (int i = 0; i < count; ++i) to[i] = from[i];
  }
};

}  // namespace slaterl
