// algos/common/torch_nets.h — target-network updates and checkpoint shape checks shared by every
// LibTorch learner (SlateQ, SAC, REINFORCE, SlateQ gems). Include only from .cc files that already
// include LibTorch. Shared plumbing: do not fork per algorithm.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/status.h"

namespace slaterl {

// "[256, 8]"
inline std::string ShapeString(c10::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// Checks, before Module::load (which silently takes whatever shapes the archive holds), that
// `archive` — Module::save of a module — holds a tensor of the same shape for every parameter and
// buffer of `module`, recursively. InvalidArgument naming the tensor ("<prefix>layers.0.weight")
// and both shapes, or the tensor or submodule the archive lacks: a checkpoint of another
// architecture. Reads nothing into `module`.
inline Status CheckArchiveShapes(torch::serialize::InputArchive& archive, torch::nn::Module& module,
                                 const std::string& prefix = "") {
  auto check = [&](const std::string& name, const torch::Tensor& expected, bool is_buffer) -> Status {
    torch::Tensor stored;
    if (!archive.try_read(name, stored, is_buffer))
      return InvalidArgumentError("the checkpoint holds no tensor '" + prefix + name + "' (another architecture)");
    if (stored.sizes() != expected.sizes())
      return InvalidArgumentError("tensor '" + prefix + name + "' has shape " + ShapeString(stored.sizes()) +
                                  " in the checkpoint, this network's is " + ShapeString(expected.sizes()) +
                                  " (a checkpoint of another architecture)");
    return Status::Ok();
  };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) RETURN_IF_ERROR(check(p.key(), p.value(), false));
  for (const auto& b : module.named_buffers(/*recurse=*/false)) RETURN_IF_ERROR(check(b.key(), b.value(), true));
  for (const auto& child : module.named_children()) {
    if (!child.value()->is_serializable()) continue;
    torch::serialize::InputArchive child_archive;
    if (!archive.try_read(child.key(), child_archive))
      return InvalidArgumentError("the checkpoint holds no module '" + prefix + child.key() + "' (another architecture)");
    RETURN_IF_ERROR(CheckArchiveShapes(child_archive, *child.value(), prefix + child.key() + "."));
  }
  return Status::Ok();
}

// θ' ← (1 − τ)·θ' + τ·θ over the parameters of two modules of the same architecture
// (τ = 1: a hard copy). No gradient is recorded.
inline void PolyakUpdate(torch::nn::Module& online, torch::nn::Module& target, double tau) {
  torch::NoGradGuard no_grad;
  auto from = online.parameters(), to = target.parameters();
  for (size_t i = 0; i < from.size(); ++i) to[i].mul_(1.0 - tau).add_(from[i], tau);
}

}  // namespace slaterl
