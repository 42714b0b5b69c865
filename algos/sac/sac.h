// algos/sac/sac.h — SAC for slates with a frozen ranker (docs/algorithms.md §4; GeMS "SAC+TopK").
//
// GRU beliefs for the actor and the critic (docs/algorithms.md §1.5) over the (slate, clicks)
// history; a tanh-Gaussian policy outputs a proto-action a ∈ R^D; a frozen ranker turns it into a
// slate: TopK serves the k items with the largest ⟨E_i, a⟩ (E = the env's ideal embeddings or MF
// embeddings, docs/algorithms.md §4.3.1); WkNN (Wolpertinger, docs/algorithms.md §4.3.3) reads one
// target embedding per slot, retrieves its nearest items and refines the slate greedily with the
// critic. Twin soft-Q critics on (belief, a) — WkNN: on the slate's embeddings — with Polyak
// targets and automatic entropy tuning (docs/algorithms.md §4.2). Whole-trajectory replay, one
// update of `batch_size` trajectories per trajectory collected after `random_steps` episodes (the
// GeMS protocol, docs/algorithms.md §1.3). `preset: gems_repro` keeps register entry 9 (log α
// starts at 0) and, for WkNN, entries 1, 16 and 17.
// LibTorch stays inside sac.cc; this header is torch-free.
#pragma once

#include <memory>

#include "algos/registry.h"

namespace slaterl {

Schema SacSchema();
ReplaySpec SacReplaySpec(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Policy>> CreateSacPolicy(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Trainer>> CreateSacTrainer(const Params& config, const AlgoContext& ctx);

}  // namespace slaterl
