#include "replay/sum_tree.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>
#include <utility>

namespace slaterl {

Result<SumTree> SumTree::Create(int64_t num_slots) {
  if (num_slots < 1 || num_slots > (int64_t{1} << 31))
    return InvalidArgumentError("sum tree: num_slots must be in [1, 2^31], got " +
                                std::to_string(num_slots));
  int64_t leaves = 1;
  while (leaves < num_slots) leaves *= 2;
  std::vector<double> nodes;
  try {
    nodes.assign(static_cast<size_t>(2 * leaves), 0.0);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("sum tree: cannot allocate " + std::to_string(2 * leaves) +
                                  " nodes");
  }
  return SumTree(num_slots, leaves, std::move(nodes));
}

void SumTree::Set(int64_t slot, double weight) {
  SLATERL_CHECK(slot >= 0 && slot < num_slots_);
  SLATERL_CHECK(std::isfinite(weight) && weight >= 0.0);
  size_t i = static_cast<size_t>(leaves_ + slot);
  nodes_[i] = weight;
  for (i /= 2; i >= 1; i /= 2) nodes_[i] = nodes_[2 * i] + nodes_[2 * i + 1];
}

void SumTree::SetRange(int64_t first, int64_t count, double weight) {
  SLATERL_CHECK(first >= 0 && count >= 0 && first + count <= num_slots_);
  SLATERL_CHECK(std::isfinite(weight) && weight >= 0.0);
  if (count == 0) return;
  size_t lo = static_cast<size_t>(leaves_ + first);
  size_t hi = static_cast<size_t>(leaves_ + first + count - 1);
  std::fill(nodes_.begin() + static_cast<std::ptrdiff_t>(lo),
            nodes_.begin() + static_cast<std::ptrdiff_t>(hi) + 1, weight);
  // All leaves sit at one depth, so the changed nodes of each level form one contiguous run: the
  // halves of the run below.
  while (lo > 1) {
    lo /= 2;
    hi /= 2;
    for (size_t i = lo; i <= hi; ++i) nodes_[i] = nodes_[2 * i] + nodes_[2 * i + 1];
  }
}

int64_t SumTree::Sample(double u) const {
  const double total = this->total();
  SLATERL_CHECK(total > 0.0);
  double target = std::min(std::max(u, 0.0), 1.0) * total;
  size_t i = 1;
  const size_t leaves = static_cast<size_t>(leaves_);
  // Invariant: nodes_[i] > 0. Going left because target < left means left > 0; going left because
  // right == 0 means left == nodes_[i] > 0; otherwise right > 0.
  while (i < leaves) {
    const double left = nodes_[2 * i];
    const double right = nodes_[2 * i + 1];
    if (target < left || right <= 0.0) {
      i = 2 * i;
    } else {
      target -= left;
      i = 2 * i + 1;
    }
  }
  const int64_t slot = static_cast<int64_t>(i - leaves);
  SLATERL_CHECK(slot < num_slots_ && nodes_[i] > 0.0);
  return slot;
}

void SumTree::Rebuild() {
  for (size_t i = static_cast<size_t>(leaves_) - 1; i >= 1; --i)
    nodes_[i] = nodes_[2 * i] + nodes_[2 * i + 1];
}

}  // namespace slaterl
