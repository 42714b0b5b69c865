#include "algos/common/nn_inference.h"

#include <algorithm>
#include <cmath>

namespace slaterl {

namespace {
std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}
inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
}  // namespace

Result<const WeightTensor*> FindWeightTensor(const Weights& weights, const std::string& name,
                                             const std::vector<int64_t>& shape) {
  for (const WeightTensor& t : weights.tensors) {
    if (t.name != name) continue;
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    if (t.shape != shape || static_cast<int64_t>(t.data.size()) != numel)
      return InvalidArgumentError("weights tensor '" + name + "' has shape " + ShapeString(t.shape) +
                                  ", expected " + ShapeString(shape));
    return &t;
  }
  return InvalidArgumentError("weights lack tensor '" + name + "'");
}

Status DenseLayer::Load(const Weights& weights, const std::string& prefix, int in_features, int out_features) {
  ASSIGN_OR_RETURN(const WeightTensor* w, FindWeightTensor(weights, prefix + ".weight", {out_features, in_features}));
  ASSIGN_OR_RETURN(const WeightTensor* b, FindWeightTensor(weights, prefix + ".bias", {out_features}));
  in = in_features;
  out = out_features;
  weight = w->data;
  bias = b->data;
  return Status::Ok();
}

void DenseLayer::Forward(const float* x, float* y, bool relu) const {
  for (int o = 0; o < out; ++o) {
    const float* row = weight.data() + static_cast<size_t>(o) * in;
    float sum = bias[static_cast<size_t>(o)];
    for (int i = 0; i < in; ++i) sum += row[i] * x[i];
    y[o] = relu ? std::max(0.0f, sum) : sum;
  }
}

Status GruCell::Load(const Weights& weights, const std::string& prefix, int input_size, int hidden_size) {
  const int64_t h3 = 3 * static_cast<int64_t>(hidden_size);
  ASSIGN_OR_RETURN(const WeightTensor* wih, FindWeightTensor(weights, prefix + ".weight_ih_l0", {h3, input_size}));
  ASSIGN_OR_RETURN(const WeightTensor* whh, FindWeightTensor(weights, prefix + ".weight_hh_l0", {h3, hidden_size}));
  ASSIGN_OR_RETURN(const WeightTensor* bih, FindWeightTensor(weights, prefix + ".bias_ih_l0", {h3}));
  ASSIGN_OR_RETURN(const WeightTensor* bhh, FindWeightTensor(weights, prefix + ".bias_hh_l0", {h3}));
  in = input_size;
  hidden = hidden_size;
  w_ih = wih->data;
  w_hh = whh->data;
  b_ih = bih->data;
  b_hh = bhh->data;
  return Status::Ok();
}

void GruCell::Step(const float* x, float* h, float* scratch) const {
  const int H = hidden;
  float* gi = scratch;          // W_i x + b_i, 3H
  float* gh = scratch + 3 * H;  // W_h h + b_h, 3H
  for (int g = 0; g < 3 * H; ++g) {
    const float* wi = w_ih.data() + static_cast<size_t>(g) * in;
    float si = b_ih[static_cast<size_t>(g)];
    for (int i = 0; i < in; ++i) si += wi[i] * x[i];
    gi[g] = si;
    const float* wh = w_hh.data() + static_cast<size_t>(g) * H;
    float sh = b_hh[static_cast<size_t>(g)];
    for (int j = 0; j < H; ++j) sh += wh[j] * h[j];
    gh[g] = sh;
  }
  for (int j = 0; j < H; ++j) {
    const float r = Sigmoid(gi[j] + gh[j]);
    const float z = Sigmoid(gi[H + j] + gh[H + j]);
    const float n = std::tanh(gi[2 * H + j] + r * gh[2 * H + j]);
    h[j] = (1.0f - z) * n + z * h[j];
  }
}

Status Mlp::Load(const Weights& weights, const std::string& prefix, const std::vector<int>& sizes) {
  std::vector<DenseLayer> loaded;  // all or nothing: a failed load leaves the MLP as it was
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    DenseLayer layer;
    RETURN_IF_ERROR(layer.Load(weights, prefix + "." + std::to_string(2 * i), sizes[i], sizes[i + 1]));
    loaded.push_back(std::move(layer));
  }
  layers = std::move(loaded);
  return Status::Ok();
}

int Mlp::max_width() const {
  int w = 0;
  for (const DenseLayer& l : layers) w = std::max({w, l.in, l.out});
  return w;
}

void Mlp::Forward(const float* x, float* y, float* scratch) const {
  const int width = max_width();
  float* a = scratch;
  float* b = scratch + width;
  const float* input = x;
  for (size_t i = 0; i < layers.size(); ++i) {
    const bool last = i + 1 == layers.size();
    float* output = last ? y : (i % 2 == 0 ? a : b);
    layers[i].Forward(input, output, /*relu=*/!last);
    input = output;
  }
}

}  // namespace slaterl
