// algos/reinforce/reinforce.h — REINFORCE+SoftMax for slates (docs/algorithms.md §5.2, GeMS
// "REINFORCE+SoftMax").
//
// An actor GRU belief (docs/algorithms.md §1.5) feeds a softmax over the whole catalogue; training
// slates are k i.i.d. draws (duplicates allowed), evaluation slates the k most probable items.
// On-policy: each collected trajectory is trained on once (a FIFO queue table, one update per
// trajectory), with the top-K inclusion probability α = 1 − (1 − π)^k of the consumed item (first
// click) weighted by the discounted return-to-go. `preset: gems_repro` keeps
// docs/algorithms.md register entry 1 (the click of o_t paired with h_t) and entry 18 (updates on
// random-phase trajectories). LibTorch stays in reinforce.cc.
#pragma once

#include <memory>

#include "algos/registry.h"

namespace slaterl {

Schema ReinforceSchema();
ReplaySpec ReinforceReplaySpec(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Policy>> CreateReinforcePolicy(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Trainer>> CreateReinforceTrainer(const Params& config, const AlgoContext& ctx);

}  // namespace slaterl
