// algos/slateq/slateq_gems.h — SlateQ `variant: gems` (GeMS "QL-TT-TS", docs/algorithms.md §3.8) on `topics`.
//
// Privileged (disclosed environment): a critic GRU belief h_t (docs/algorithms.md §1.5) feeds an
// MLP giving Q̄(h)_i for every catalogue item; acting serves top-k of rel_i(ũ_t)·Q̄(h_t)_i with
// ε-greedy random slates (ε decays exponentially in training episodes); the target of a consumed
// item (first click) is y = 1 + γ Σ_p P_p Q̄'(h_{t+1}, A'_p) with A' = top-k of rel(u_{t+1})·Q̄'
// and P_p the true position-based click probabilities. Whole-trajectory replay with the post-step
// user vectors, one update per trajectory after `random_steps`, Polyak target.
// `preset: gems_repro` keeps docs/algorithms.md register entries 1 (o_t's click with h_t), 2 (bored
// slice [2b, 3b)), 3 (diversity counted over the whole batch), 4 (random slates with duplicates)
// and 23 (stale boredom flags).
// Called through algos/slateq/slateq.h when config.variant is gems. LibTorch stays in the .cc.
#pragma once

#include <memory>

#include "algos/registry.h"

namespace slaterl {

ReplaySpec SlateQGemsReplaySpec(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Policy>> CreateSlateQGemsPolicy(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Trainer>> CreateSlateQGemsTrainer(const Params& config, const AlgoContext& ctx);

}  // namespace slaterl
