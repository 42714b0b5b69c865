// algos/common/torch_nets.h — target-network updates shared by every LibTorch learner (SlateQ,
// SAC, SlateQ gems). Include only from .cc files that already include LibTorch. Shared plumbing:
// do not fork per algorithm.
#pragma once

#include <torch/torch.h>

namespace slaterl {

// θ' ← (1 − τ)·θ' + τ·θ over the parameters of two modules of the same architecture
// (τ = 1: a hard copy). No gradient is recorded.
inline void PolyakUpdate(torch::nn::Module& online, torch::nn::Module& target, double tau) {
  torch::NoGradGuard no_grad;
  auto from = online.parameters(), to = target.parameters();
  for (size_t i = 0; i < from.size(); ++i) to[i].mul_(1.0 - tau).add_(from[i], tau);
}

}  // namespace slaterl
