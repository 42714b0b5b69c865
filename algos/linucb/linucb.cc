// LinUCB for slates, read top to bottom: schema → ridge statistics → acting → learning.
#include "algos/linucb/linucb.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/files.h"
#include "envs/transition.h"

namespace slaterl {

Schema LinUcbSchema() {
  return Schema("config")
      .Enum("mode", "per_item", {"per_item"},
            "Arms are items (ALGOS.md §2.5); slates are the k highest-scoring items, descending.")
      .Enum("context", "shared", {"shared", "disjoint"},
            "`shared`: one θ over per-item contexts [doc ; 1]. `disjoint`: one θ per persistent arm "
            "(cluster or item id); not available on `lts`.")
      .Double("alpha", 1.0, 0.0, 1e6, "", "Li's width multiplier α (RLlib alpha = α²).")
      .Double("lambda", 0.1, 0.0, 1e9, "", "Ridge λ: A starts at λI (ALGOS.md §2.6: 0.1 shared, 1.0 disjoint).",
              /*min_exclusive=*/true)
      .Double("width_scale", 0.3, 0.0, 1e6, "", "Extra width factor of the shared model (RLlib: 0.3).")
      .Enum("inverse_mode", "sherman_morrison", {"sherman_morrison", "full"},
            "How A⁻¹ is kept: rank-1 updates with periodic refresh, or a Cholesky inverse per update.")
      .Int("refresh_every", 1000, 1, int64_t(1) << 40, "updates",
           "Sherman–Morrison mode: recompute A⁻¹ from A by Cholesky this often.")
      .Enum("update_on", "shown", {"shown", "clicked_only"},
            "Which slots update the model: every shown slot with payoff click×item_reward, or clicked ones.")
      .Int("batch_size", 64, 1, 1 << 20, "transitions", "Transitions per learner update.")
      .Int("replay_capacity", 20000, 1, int64_t(1) << 32, "transitions",
           "Per-shard FIFO queue capacity; every transition is used exactly once. A full queue "
           "pushes back on the actors, which bounds how stale their parameters get.");
}

ReplaySpec LinUcbReplaySpec(const Params& config, const AlgoContext& ctx) {
  ReplaySpec spec;
  ReplayTableSpec table;
  table.name = "transitions";
  table.kind = ReplayTableSpec::Kind::kQueue;
  table.capacity = config.GetInt("replay_capacity");
  table.min_size = 1;
  table.item_size = TransitionLayout(ctx.env_spec).size;
  spec.tables.push_back(table);
  spec.batch_size = static_cast<int32_t>(config.GetInt("batch_size"));
  return spec;
}

// ---- ridge statistics ------------------------------------------------------------------------

namespace {

// Inverse of a symmetric positive-definite matrix by Cholesky. Returns false if not SPD.
bool CholeskyInverse(const std::vector<double>& a, int d, std::vector<double>* inv) {
  std::vector<double> l(static_cast<size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j <= i; ++j) {
      double sum = a[i * d + j];
      for (int k = 0; k < j; ++k) sum -= l[i * d + k] * l[j * d + k];
      if (i == j) {
        if (sum <= 0.0) return false;
        l[i * d + i] = std::sqrt(sum);
      } else {
        l[i * d + j] = sum / l[j * d + j];
      }
    }
  }
  inv->assign(static_cast<size_t>(d) * d, 0.0);
  std::vector<double> column(d);
  for (int c = 0; c < d; ++c) {  // solve L Lᵀ x = e_c
    for (int i = 0; i < d; ++i) {
      double sum = (i == c) ? 1.0 : 0.0;
      for (int k = 0; k < i; ++k) sum -= l[i * d + k] * column[k];
      column[i] = sum / l[i * d + i];
    }
    for (int i = d - 1; i >= 0; --i) {
      double sum = column[i];
      for (int k = i + 1; k < d; ++k) sum -= l[k * d + i] * column[k];
      column[i] = sum / l[i * d + i];
    }
    for (int i = 0; i < d; ++i) (*inv)[i * d + c] = column[i];
  }
  return true;
}

}  // namespace

RidgeStatistics::RidgeStatistics(int dim, double lambda, InverseMode mode, int64_t refresh_every)
    : dim_(dim), mode_(mode), refresh_every_(refresh_every) {
  a_.assign(static_cast<size_t>(dim) * dim, 0.0);
  inverse_.assign(static_cast<size_t>(dim) * dim, 0.0);
  for (int i = 0; i < dim; ++i) {
    a_[i * dim + i] = lambda;
    inverse_[i * dim + i] = 1.0 / lambda;
  }
  b_.assign(dim, 0.0);
  scratch_.assign(dim, 0.0);
}

void RidgeStatistics::Update(const double* x, double reward) {
  const int d = dim_;
  for (int i = 0; i < d; ++i) {
    b_[i] += reward * x[i];
    for (int j = 0; j < d; ++j) a_[i * d + j] += x[i] * x[j];
  }
  ++num_updates_;
  if (mode_ == InverseMode::kFull || num_updates_ % refresh_every_ == 0) {
    RefreshInverse();
    return;
  }
  // Sherman–Morrison: M ← M − (Mx)(Mx)ᵀ / (1 + xᵀMx), then symmetrise.
  double denominator = 1.0;
  for (int i = 0; i < d; ++i) {
    double mx = 0.0;
    for (int j = 0; j < d; ++j) mx += inverse_[i * d + j] * x[j];
    scratch_[i] = mx;
    denominator += x[i] * mx;
  }
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) inverse_[i * d + j] -= scratch_[i] * scratch_[j] / denominator;
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) {
      const double mean = 0.5 * (inverse_[i * d + j] + inverse_[j * d + i]);
      inverse_[i * d + j] = inverse_[j * d + i] = mean;
    }
}

void RidgeStatistics::RefreshInverse() {
  std::vector<double> inv;
  if (CholeskyInverse(a_, dim_, &inv)) inverse_ = std::move(inv);
}

std::vector<double> RidgeStatistics::Theta() const {
  std::vector<double> theta(dim_, 0.0);
  for (int i = 0; i < dim_; ++i)
    for (int j = 0; j < dim_; ++j) theta[i] += inverse_[i * dim_ + j] * b_[j];
  return theta;
}

double RidgeStatistics::Width(const double* x) const {
  double q = 0.0;
  for (int i = 0; i < dim_; ++i) {
    double mx = 0.0;
    for (int j = 0; j < dim_; ++j) mx += inverse_[i * dim_ + j] * x[j];
    q += x[i] * mx;
  }
  return std::sqrt(std::max(0.0, q));
}

Status RidgeStatistics::Restore(std::vector<double> a, std::vector<double> b, int64_t num_updates) {
  if (a.size() != a_.size() || b.size() != b_.size())
    return InvalidArgumentError("LinUCB statistics have the wrong dimension");
  a_ = std::move(a);
  b_ = std::move(b);
  num_updates_ = num_updates;
  std::vector<double> inv;
  if (!CholeskyInverse(a_, dim_, &inv)) return DataLossError("LinUCB matrix A is not positive definite");
  inverse_ = std::move(inv);
  return Status::Ok();
}

// ---- shared pieces -----------------------------------------------------------------------------

namespace {

Status CheckContext(const Params& config, const AlgoContext& ctx) {
  if (config.GetString("context") == "disjoint")
    return InvalidArgumentError("config.context: 'disjoint' needs arms that persist across steps "
                                "(cluster or item ids); env '" + ctx.env_name +
                                "' has none, use 'shared' (ALGOS.md §9 A7)");
  if (ctx.env_spec.doc_dim <= 0)
    return InvalidArgumentError("LinUCB (shared) needs per-candidate features; env '" + ctx.env_name +
                                "' has doc_dim 0");
  return Status::Ok();
}

// Context of candidate `i` of env `n`: [doc features ; 1].
inline void ItemContext(const float* docs, int doc_dim, double* x) {
  for (int f = 0; f < doc_dim; ++f) x[f] = docs[f];
  x[doc_dim] = 1.0;
}

// ---- acting ------------------------------------------------------------------------------------

class LinUcbPolicy : public Policy {
 public:
  LinUcbPolicy(const Params& config, const EnvSpec& spec)
      : spec_(spec),
        dim_(spec.doc_dim + 1),
        width_multiplier_(config.GetDouble("alpha") * config.GetDouble("width_scale")) {
    theta_.assign(dim_, 0.0);
    inverse_.assign(static_cast<size_t>(dim_) * dim_, 0.0);
    const double lambda = config.GetDouble("lambda");
    for (int i = 0; i < dim_; ++i) inverse_[i * dim_ + i] = 1.0 / lambda;
    scores_.assign(spec.num_candidates, 0.0);
    order_.assign(spec.num_candidates, 0);
    x_.assign(dim_, 0.0);
  }

  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override {
    const int c = spec_.num_candidates, k = spec_.slate_size, d = spec_.doc_dim;
    const double width = explore_ ? width_multiplier_ : 0.0;
    for (int n = 0; n < spec_.num_envs; ++n) {
      const float* docs = obs.docs.data() + static_cast<size_t>(n) * c * d;
      for (int i = 0; i < c; ++i) {
        ItemContext(docs + static_cast<size_t>(i) * d, d, x_.data());
        double mean = 0.0, quad = 0.0;
        for (int a = 0; a < dim_; ++a) {
          mean += theta_[a] * x_[a];
          double mx = 0.0;
          for (int b = 0; b < dim_; ++b) mx += inverse_[a * dim_ + b] * x_[b];
          quad += x_[a] * mx;
        }
        scores_[i] = mean + width * std::sqrt(std::max(0.0, quad));
        order_[i] = i;
      }
      // k best, descending; ties to the lowest position.
      std::partial_sort(order_.begin(), order_.begin() + k, order_.end(), [&](int a, int b) {
        return scores_[a] > scores_[b] || (scores_[a] == scores_[b] && a < b);
      });
      for (int j = 0; j < k; ++j) out->items[static_cast<size_t>(n) * k + j] = order_[j];
    }
  }

  Status load(const Weights& weights) override {
    const WeightTensor* theta = nullptr;
    const WeightTensor* inverse = nullptr;
    for (const auto& t : weights.tensors) {
      if (t.name == "theta") theta = &t;
      if (t.name == "inverse") inverse = &t;
    }
    if (!theta || !inverse || theta->data.size() != static_cast<size_t>(dim_) ||
        inverse->data.size() != static_cast<size_t>(dim_) * dim_)
      return InvalidArgumentError("LinUCB weights need 'theta' [" + std::to_string(dim_) +
                                  "] and 'inverse' [" + std::to_string(dim_) + "x" +
                                  std::to_string(dim_) + "]");
    std::copy(theta->data.begin(), theta->data.end(), theta_.begin());
    std::copy(inverse->data.begin(), inverse->data.end(), inverse_.begin());
    return Status::Ok();
  }

 private:
  EnvSpec spec_;
  int dim_;
  double width_multiplier_;
  std::vector<double> theta_, inverse_, scores_, x_;
  std::vector<int> order_;
};

// ---- learning ----------------------------------------------------------------------------------

class LinUcbTrainer : public Trainer {
 public:
  LinUcbTrainer(const Params& config, const AlgoContext& ctx)
      : spec_(ctx.env_spec),
        layout_(ctx.env_spec),
        replay_spec_(LinUcbReplaySpec(config, ctx)),
        clicked_only_(config.GetString("update_on") == "clicked_only"),
        stats_(ctx.env_spec.doc_dim + 1, config.GetDouble("lambda"),
               config.GetString("inverse_mode") == "full" ? RidgeStatistics::InverseMode::kFull
                                                          : RidgeStatistics::InverseMode::kShermanMorrison,
               config.GetInt("refresh_every")) {
    x_.assign(stats_.dim(), 0.0);
  }

  ReplaySpec replay_spec() const override { return replay_spec_; }

  // For every transition and every shown slot j: x = [doc_{slate_j} ; 1], r = click_j × item_reward_j;
  // A += x xᵀ, b += r x.
  UpdateResult update(const SampleBatch& batch) override {
    const int d = spec_.doc_dim, k = spec_.slate_size, response_dim = spec_.response_dim;
    double payoff_sum = 0.0;
    int64_t observations = 0;
    for (int32_t item = 0; item < batch.num_items; ++item) {
      const float* t = batch.data.data() + static_cast<size_t>(item) * layout_.size;
      for (int j = 0; j < k; ++j) {
        const int position = static_cast<int>(t[layout_.slate + j]);
        const float click = t[layout_.responses + j * response_dim + 0];
        const float item_reward = t[layout_.responses + j * response_dim + 1];
        if (clicked_only_ && click == 0.0f) continue;
        if (position < 0 || position >= spec_.num_candidates) continue;
        ItemContext(t + layout_.docs + static_cast<size_t>(position) * d, d, x_.data());
        const double payoff = static_cast<double>(click) * item_reward;
        stats_.Update(x_.data(), payoff);
        payoff_sum += payoff;
        ++observations;
      }
    }
    UpdateResult result;
    Metrics& m = result.metrics;
    m["learner/observations"] = static_cast<double>(observations);
    m["learner/mean_payoff"] = observations ? payoff_sum / observations : 0.0;
    const auto theta = stats_.Theta();
    double norm = 0.0;
    for (double v : theta) norm += v * v;
    m["learner/theta_norm"] = std::sqrt(norm);
    return result;
  }

  Weights weights() const override {
    Weights w;
    WeightTensor theta;
    theta.name = "theta";
    theta.shape = {stats_.dim()};
    for (double v : stats_.Theta()) theta.data.push_back(static_cast<float>(v));
    WeightTensor inverse;
    inverse.name = "inverse";
    inverse.shape = {stats_.dim(), stats_.dim()};
    for (double v : stats_.inverse()) inverse.data.push_back(static_cast<float>(v));
    w.tensors.push_back(std::move(theta));
    w.tensors.push_back(std::move(inverse));
    return w;
  }

  // Checkpoint: A, b and the update count as hex floats (exact round trip).
  Status save(const std::string& dir) const override {
    RETURN_IF_ERROR(MakeDirectories(dir));
    std::ostringstream out;
    out << "linucb 1 " << stats_.dim() << " " << stats_.num_updates() << "\n";
    char buf[40];
    for (double v : stats_.a()) { std::snprintf(buf, sizeof(buf), "%a ", v); out << buf; }
    out << "\n";
    for (double v : stats_.b()) { std::snprintf(buf, sizeof(buf), "%a ", v); out << buf; }
    out << "\n";
    return WriteFileAtomic(dir + "/linucb.txt", out.str());
  }

  Status load(const std::string& dir) override {
    ASSIGN_OR_RETURN(std::string text, ReadFile(dir + "/linucb.txt"));
    std::istringstream in(text);
    std::string magic;
    int version = 0, dim = 0;
    int64_t updates = 0;
    in >> magic >> version >> dim >> updates;
    if (magic != "linucb" || version != 1 || dim != stats_.dim())
      return DataLossError(dir + "/linucb.txt: not a LinUCB checkpoint of dimension " +
                           std::to_string(stats_.dim()));
    std::vector<double> a(static_cast<size_t>(dim) * dim), b(dim);
    std::string token;
    for (auto& v : a) { if (!(in >> token)) return DataLossError(dir + "/linucb.txt: truncated"); v = std::strtod(token.c_str(), nullptr); }
    for (auto& v : b) { if (!(in >> token)) return DataLossError(dir + "/linucb.txt: truncated"); v = std::strtod(token.c_str(), nullptr); }
    return stats_.Restore(std::move(a), std::move(b), updates);
  }

 private:
  EnvSpec spec_;
  TransitionLayout layout_;
  ReplaySpec replay_spec_;
  bool clicked_only_;
  RidgeStatistics stats_;
  std::vector<double> x_;
};

}  // namespace

Result<std::unique_ptr<Policy>> CreateLinUcbPolicy(const Params& config, const AlgoContext& ctx) {
  RETURN_IF_ERROR(CheckContext(config, ctx));
  return std::unique_ptr<Policy>(new LinUcbPolicy(config, ctx.env_spec));
}

Result<std::unique_ptr<Trainer>> CreateLinUcbTrainer(const Params& config, const AlgoContext& ctx) {
  RETURN_IF_ERROR(CheckContext(config, ctx));
  return std::unique_ptr<Trainer>(new LinUcbTrainer(config, ctx));
}

}  // namespace slaterl
