// replay/sum_tree.h — a sum tree (segment tree of sums) over a fixed number of slots: set a slot's
// weight, read the total, and draw a slot with probability weight / total, each in O(log n).
// Proportional prioritized replay (Schaul et al. 2016, appendix B.2.1; Reverb's
// selectors/prioritized.cc) stores p_i^α in the leaves.
//
// Contract.
// * Layout. The leaves are the first `num_slots` of L = the next power of two ≥ num_slots leaf
//   nodes, at nodes_[L + slot]; internal node i in [1, L) holds nodes_[2i] + nodes_[2i + 1]; node 1
//   is the root (the total). Leaves past num_slots stay 0. Memory: 2L doubles (≤ 4 × num_slots),
//   allocated once by Create.
// * No drift. Every write recomputes the ancestors of the leaves it changed from their children
//   (node = left + right), never by adding a difference, so rounding errors cannot accumulate:
//   after any sequence of writes every node is bit-identical to what Rebuild() computes from the
//   leaves. (Reverb adds differences, so it has to detect drift and reinitialize its tree; there
//   is no such need here, hence no periodic rebuild.) All sums are doubles.
// * Weights are finite and ≥ 0, and their sum must stay finite: the caller checks that (Table
//   bounds every weight by kMaxPriorityWeight); Set and SetRange CHECK finiteness and sign.
// * Sampling. Sample(u) with u ∈ [0, 1) descends from the root with target u × total. Whenever
//   rounding would lead into a subtree of sum 0 it takes the other child, so the returned slot
//   always has a weight > 0 (when total() > 0; Sample requires that). The probability of drawing a
//   slot is weight(slot) / total() up to rounding of the cumulative sums (relative ~1e-16 × depth).
// * Thread-safety: none. The owning Table calls it with its own mutex held.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace slaterl {

class SumTree {
 public:
  // A tree of `num_slots` (≥ 1, ≤ 2^31) zero weights. Returns InvalidArgument for a bad size,
  // ResourceExhausted when the nodes cannot be allocated.
  static Result<SumTree> Create(int64_t num_slots);

  SumTree() = default;  // an empty tree of 0 slots (for tables that do not need one)

  int64_t num_slots() const { return num_slots_; }
  double total() const { return nodes_.empty() ? 0.0 : nodes_[1]; }
  double weight(int64_t slot) const { return nodes_[static_cast<size_t>(leaves_ + slot)]; }

  // Sets the weight of one slot (0 ≤ slot < num_slots; weight finite and ≥ 0). O(log n).
  void Set(int64_t slot, double weight);
  // Sets the weights of slots [first, first + count) to `weight`; count ≥ 0, first + count ≤
  // num_slots. O(count + log n): ancestors are recomputed level by level, each once.
  void SetRange(int64_t first, int64_t count, double weight);

  // The slot whose cumulative-weight interval contains u × total(). Requires total() > 0 and
  // u ∈ [0, 1) (values outside are clamped). Never returns a slot of weight 0.
  int64_t Sample(double u) const;

  // Recomputes every internal node from the leaves. A no-op on the values (see "No drift"); for
  // tests and bulk loads.
  void Rebuild();

  // Every node (index 0 unused), for tests that check the tree bit for bit.
  const std::vector<double>& NodesForTesting() const { return nodes_; }

 private:
  SumTree(int64_t num_slots, int64_t leaves, std::vector<double> nodes)
      : num_slots_(num_slots), leaves_(leaves), nodes_(std::move(nodes)) {}

  int64_t num_slots_ = 0;
  int64_t leaves_ = 0;          // L: a power of two ≥ num_slots_
  std::vector<double> nodes_;   // 2L nodes; nodes_[0] unused
};

}  // namespace slaterl
