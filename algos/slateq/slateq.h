// algos/slateq/slateq.h — SlateQ for candidate environments (docs/algorithms.md §3, `variant: rllib`).
//
// Item-wise long-term values Q̄(s, i) from one shared MLP over concat(user, doc_i); slate value
// Q(s, A) = Σ_{i∈A} P(i | s, A)·Q̄(s, i) under the env's choice model (docs/algorithms.md §3.2;
// `slot0` for `lts`, docs/algorithms.md decision A13); Q-learning targets with a target network;
// ε-greedy acting whose schedule follows the learner's timesteps_total; transitions in prioritized
// (default) or uniform replay shards, rate-limited to `batch_size / train_every` samples per
// inserted transition. LibTorch stays inside slateq.cc; this header is torch-free.
#pragma once

#include <memory>

#include "algos/registry.h"

namespace slaterl {

Schema SlateQSchema();
ReplaySpec SlateQReplaySpec(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Policy>> CreateSlateQPolicy(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Trainer>> CreateSlateQTrainer(const Params& config, const AlgoContext& ctx);

// Slate optimisation over C candidates with choice scores v (v_∅ = no_click_score) and item
// values q (docs/algorithms.md §3.3), exposed for tests. Writes the k chosen positions, ordered by
// descending v·q.
enum class SlateSelection { kOptimal, kTopK, kGreedy };
// The largest slate the optimal (enumerating) selection accepts: creating a SlateQ policy or
// trainer with optimal selection or target on a larger slate is refused (InvalidArgument).
constexpr int kMaxEnumeratedSlateSize = 64;
void SelectSlate(SlateSelection selection, const float* v, const float* q, float no_click_score, int num_candidates,
                 int slate_size, int* out);
// Σ_{i∈A} v_i q_i / (v_∅ + Σ_{i∈A} v_i).
double SlateValue(const float* v, const float* q, float no_click_score, const int* slate, int slate_size);

}  // namespace slaterl
