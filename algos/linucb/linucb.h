// algos/linucb/linucb.h — slate LinUCB (docs/algorithms.md §2, `mode: per_item`).
//
// The learner owns the ridge statistics (A = λI + Σ x xᵀ, b = Σ r x, in float64) and broadcasts
// θ̂ = A⁻¹b and A⁻¹; actors score every candidate with θ̂ᵀx + α·width_scale·sqrt(xᵀA⁻¹x) and serve
// the k best, descending (ties: lowest position). Because A and b are sums, the order in which
// replay delivers transitions does not change the model; only the acting lag does.
//
// Context (docs/algorithms.md §2.5): `shared` — one θ over per-item contexts x_i = [doc_i ; 1].
// `disjoint` needs arms that persist across steps (cluster or item ids) and is refused on `lts`
// (docs/algorithms.md decision A7). Payoff (docs/algorithms.md decision A8): each shown slot j is
// an observation (x_{slate_j}, click_j × item_reward_j); `update_on: clicked_only` keeps only clicked slots.
#pragma once

#include <memory>

#include "algos/registry.h"

namespace slaterl {

Schema LinUcbSchema();
ReplaySpec LinUcbReplaySpec(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Policy>> CreateLinUcbPolicy(const Params& config, const AlgoContext& ctx);
Result<std::unique_ptr<Trainer>> CreateLinUcbTrainer(const Params& config, const AlgoContext& ctx);

// Ridge statistics of one linear model, exposed for tests (Sherman–Morrison vs full inverse).
class RidgeStatistics {
 public:
  enum class InverseMode { kShermanMorrison, kFull };
  RidgeStatistics(int dim, double lambda, InverseMode mode, int64_t refresh_every);
  void Update(const double* x, double reward);
  int dim() const { return dim_; }
  const std::vector<double>& inverse() const { return inverse_; }  // A⁻¹, dim × dim
  std::vector<double> Theta() const;                               // A⁻¹ b
  double Width(const double* x) const;                             // sqrt(xᵀ A⁻¹ x)
  int64_t num_updates() const { return num_updates_; }
  const std::vector<double>& a() const { return a_; }
  const std::vector<double>& b() const { return b_; }
  // Restores A and b (e.g. from a checkpoint) and recomputes A⁻¹.
  Status Restore(std::vector<double> a, std::vector<double> b, int64_t num_updates);

 private:
  void RefreshInverse();
  int dim_;
  InverseMode mode_;
  int64_t refresh_every_;
  std::vector<double> a_, b_, inverse_, scratch_;
  int64_t num_updates_ = 0;
};

}  // namespace slaterl
