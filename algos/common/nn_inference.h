// algos/common/nn_inference.h — torch-free forward passes for acting (actors and evaluators).
//
// The GeMS-family policies (SAC, REINFORCE, SlateQ gems) are tiny: a GRU cell of 210 → 20 and
// MLPs of [256]. Running them through LibTorch costs more in per-op overhead than the arithmetic,
// so actors evaluate them with these plain loops on weights copied from a Weights message. The
// maths matches LibTorch's modules exactly (tests/algos/common/nn_inference_test.cc compares):
//   DenseLayer: y = W x + b, W out × in row-major (torch::nn::Linear's `weight`).
//   GruCell (torch::nn::GRU, one layer, gate order r, z, n):
//     r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
//     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
// Values; no allocation in Forward/Step (callers pass scratch). Thread-compatible.
// Shared plumbing: do not fork per algorithm.
#pragma once

#include <string>
#include <vector>

#include "core/messages.h"
#include "core/status.h"

namespace slaterl {

// The tensor `name` of `weights` (shape checked against `shape`). InvalidArgument naming the
// tensor when it is missing or shaped otherwise.
Result<const WeightTensor*> FindWeightTensor(const Weights& weights, const std::string& name,
                                             const std::vector<int64_t>& shape);

struct DenseLayer {
  int in = 0, out = 0;
  std::vector<float> weight;  // out × in
  std::vector<float> bias;    // out
  // Loads `<prefix>.weight` (out × in) and `<prefix>.bias` (out).
  Status Load(const Weights& weights, const std::string& prefix, int in_features, int out_features);
  // y[out] = W x[in] + b; relu applies max(0, ·).
  void Forward(const float* x, float* y, bool relu) const;
};

struct GruCell {
  int in = 0, hidden = 0;
  std::vector<float> w_ih, w_hh, b_ih, b_hh;  // (3H × in), (3H × H), 3H, 3H
  // Loads `<prefix>.weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`.
  Status Load(const Weights& weights, const std::string& prefix, int input_size, int hidden_size);
  // h ← GRU(x, h). scratch: at least 6·hidden floats.
  void Step(const float* x, float* h, float* scratch) const;
};

// An MLP of DenseLayers with ReLU between layers (none after the last): docs/algorithms.md §0.5.
struct Mlp {
  std::vector<DenseLayer> layers;
  // Loads `<prefix>.<i>` for i = 0, 2, 4, ... (torch::nn::Sequential of Linear, ReLU, ...):
  // sizes = [in, h1, ..., out]. On error the MLP is left unchanged.
  Status Load(const Weights& weights, const std::string& prefix, const std::vector<int>& sizes);
  // y = MLP(x). scratch: at least 2 × the widest hidden layer floats.
  void Forward(const float* x, float* y, float* scratch) const;
  int max_width() const;
};

}  // namespace slaterl
