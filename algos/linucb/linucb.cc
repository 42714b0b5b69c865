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
            "Arms are items (docs/algorithms.md §2.5); slates are the k highest-scoring items, "
            "descending.")
      .Enum("context", "auto", {"auto", "shared", "disjoint"},
            "`shared`: one θ over per-item contexts [doc ; 1]. `disjoint`: one θ per persistent arm "
            "(the cluster on interest_evolution/exploration) over [user ; 1]; not available on `lts`. "
            "auto: shared on lts, disjoint elsewhere.")
      .Double("alpha", 1.0, 0.0, 1e6, "", "Li's width multiplier α (RLlib alpha = α²).")
      .Double("lambda", 0.0, 0.0, 1e9, "",
              "Ridge λ: A starts at λI (0 = the context's default, docs/algorithms.md §2.6: 0.1 shared, "
              "1.0 disjoint).")
      .Double("width_scale", 0.3, 0.0, 1e6, "", "Extra width factor of the shared context (RLlib: 0.3).")
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

// ---- contexts (docs/algorithms.md §2.5) ---------------------------------------------------------

namespace {

// How items map to models and contexts:
//   shared:   one model; item i has context x_i = [doc_i ; 1].
//   disjoint: one model per persistent arm (the item's cluster); every item of env n shares the
//             user context x_n = [user_n ; 1].
struct ContextScheme {
  bool disjoint = false;
  int num_models = 1;
  int dim = 0;
  double lambda = 0.1;
  // Arm of a candidate from its features (disjoint only).
  int (*arm_of)(const float* doc, int doc_dim) = nullptr;
};

int ArgmaxArm(const float* doc, int doc_dim) {
  return static_cast<int>(std::max_element(doc, doc + doc_dim) - doc);
}
int ClusterFeatureArm(const float* doc, int) { return static_cast<int>(doc[1]); }

Result<ContextScheme> MakeScheme(const Params& config, const AlgoContext& ctx) {
  const EnvSpec& spec = ctx.env_spec;
  std::string context = config.GetString("context");
  if (context == "auto") context = ctx.env_name == "lts" ? "shared" : "disjoint";
  ContextScheme scheme;
  if (context == "shared") {
    if (spec.doc_dim <= 0)
      return InvalidArgumentError("config.context: 'shared' needs per-candidate features; env '" + ctx.env_name +
                                  "' has doc_dim 0");
    scheme.dim = spec.doc_dim + 1;
    scheme.lambda = 0.1;
  } else {
    // Arms must persist across steps (docs/algorithms.md decision A7): the one-hot cluster of
    // interest_evolution, the cluster_id feature of interest_exploration.
    scheme.disjoint = true;
    if (ctx.env_name == "interest_evolution") {
      scheme.num_models = spec.doc_dim;
      scheme.arm_of = ArgmaxArm;
    } else if (ctx.env_name == "interest_exploration") {
      scheme.num_models = 2;
      scheme.arm_of = ClusterFeatureArm;
    } else {
      return InvalidArgumentError("config.context: 'disjoint' needs arms that persist across steps "
                                  "(cluster or item ids); env '" + ctx.env_name +
                                  "' has none, use 'shared' (docs/algorithms.md decision A7)");
    }
    scheme.dim = spec.user_dim + 1;
    scheme.lambda = 1.0;
  }
  if (config.GetDouble("lambda") > 0.0) scheme.lambda = config.GetDouble("lambda");
  return scheme;
}

// Writes the context of candidate `i` of env `n` into x and returns its model index.
inline int Context(const ContextScheme& scheme, const EnvSpec& spec, const float* user, const float* docs, int i,
                   double* x) {
  const float* doc = docs + static_cast<size_t>(i) * spec.doc_dim;
  if (!scheme.disjoint) {
    for (int f = 0; f < spec.doc_dim; ++f) x[f] = doc[f];
    x[spec.doc_dim] = 1.0;
    return 0;
  }
  for (int f = 0; f < spec.user_dim; ++f) x[f] = user[f];
  x[spec.user_dim] = 1.0;
  return std::min(scheme.num_models - 1, std::max(0, scheme.arm_of(doc, spec.doc_dim)));
}

// ---- acting ------------------------------------------------------------------------------------

class LinUcbPolicy : public Policy {
 public:
  LinUcbPolicy(const Params& config, const EnvSpec& spec, ContextScheme scheme)
      : spec_(spec),
        scheme_(scheme),
        width_multiplier_(config.GetDouble("alpha") * (scheme.disjoint ? 1.0 : config.GetDouble("width_scale"))) {
    const int d = scheme_.dim, m = scheme_.num_models;
    theta_.assign(static_cast<size_t>(m) * d, 0.0);
    inverse_.assign(static_cast<size_t>(m) * d * d, 0.0);
    for (int a = 0; a < m; ++a)
      for (int i = 0; i < d; ++i) inverse_[(static_cast<size_t>(a) * d + i) * d + i] = 1.0 / scheme_.lambda;
    scores_.assign(spec.num_candidates, 0.0);
    order_.assign(spec.num_candidates, 0);
    x_.assign(d, 0.0);
  }

  // p_i = θ_aᵀx_i + α·sqrt(x_iᵀ A_a⁻¹ x_i); slate = the k best, descending (ties: lowest position).
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override {
    const int c = spec_.num_candidates, k = spec_.slate_size, d = scheme_.dim;
    const double width = explore_ ? width_multiplier_ : 0.0;
    for (int n = 0; n < spec_.num_envs; ++n) {
      const float* user = obs.user.data() + static_cast<size_t>(n) * spec_.user_dim;
      const float* docs = obs.docs.data() + static_cast<size_t>(n) * c * spec_.doc_dim;
      for (int i = 0; i < c; ++i) {
        const int a = Context(scheme_, spec_, user, docs, i, x_.data());
        const double* theta = theta_.data() + static_cast<size_t>(a) * d;
        const double* inverse = inverse_.data() + static_cast<size_t>(a) * d * d;
        double mean = 0.0, quad = 0.0;
        for (int r = 0; r < d; ++r) {
          mean += theta[r] * x_[r];
          double mx = 0.0;
          for (int col = 0; col < d; ++col) mx += inverse[r * d + col] * x_[col];
          quad += x_[r] * mx;
        }
        scores_[i] = mean + width * std::sqrt(std::max(0.0, quad));
        order_[i] = i;
      }
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
    if (!theta || !inverse || theta->data.size() != theta_.size() || inverse->data.size() != inverse_.size())
      return InvalidArgumentError("LinUCB weights need 'theta' [" + std::to_string(scheme_.num_models) + "x" +
                                  std::to_string(scheme_.dim) + "] and 'inverse' [" +
                                  std::to_string(scheme_.num_models) + "x" + std::to_string(scheme_.dim) + "x" +
                                  std::to_string(scheme_.dim) + "]");
    std::copy(theta->data.begin(), theta->data.end(), theta_.begin());
    std::copy(inverse->data.begin(), inverse->data.end(), inverse_.begin());
    return Status::Ok();
  }

  // Snapshots: θ and A⁻¹ come with the weights; nothing else outlives an act().
  Status VisitState(StateArchive& archive) override { return archive.status(); }

 private:
  EnvSpec spec_;
  ContextScheme scheme_;
  double width_multiplier_;
  std::vector<double> theta_, inverse_, scores_, x_;  // θ: models × d; A⁻¹: models × d × d
  std::vector<int> order_;
};

// ---- learning ----------------------------------------------------------------------------------

class LinUcbTrainer : public Trainer {
 public:
  LinUcbTrainer(const Params& config, const AlgoContext& ctx, ContextScheme scheme)
      : spec_(ctx.env_spec),
        scheme_(scheme),
        layout_(ctx.env_spec),
        replay_spec_(LinUcbReplaySpec(config, ctx)),
        clicked_only_(config.GetString("update_on") == "clicked_only") {
    const auto mode = config.GetString("inverse_mode") == "full" ? RidgeStatistics::InverseMode::kFull
                                                                  : RidgeStatistics::InverseMode::kShermanMorrison;
    for (int a = 0; a < scheme_.num_models; ++a)
      models_.emplace_back(scheme_.dim, scheme_.lambda, mode, config.GetInt("refresh_every"));
    x_.assign(scheme_.dim, 0.0);
  }

  ReplaySpec replay_spec() const override { return replay_spec_; }

  // For every transition and every shown slot j: x = context of slate_j, r = click_j × item_reward_j;
  // in its model A += x xᵀ, b += r x.
  Result<UpdateResult> update(const SampleBatch& batch) override {
    const int k = spec_.slate_size, response_dim = spec_.response_dim;
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
        const int model = Context(scheme_, spec_, t + layout_.user, t + layout_.docs, position, x_.data());
        const double payoff = static_cast<double>(click) * item_reward;
        models_[model].Update(x_.data(), payoff);
        payoff_sum += payoff;
        ++observations;
      }
    }
    UpdateResult result;
    result.metrics["learner/observations"] = static_cast<double>(observations);
    result.metrics["learner/mean_payoff"] = observations ? payoff_sum / observations : 0.0;
    return result;
  }

  Weights weights() const override {
    Weights w;
    WeightTensor theta{"theta", {scheme_.num_models, scheme_.dim}, {}};
    WeightTensor inverse{"inverse", {scheme_.num_models, scheme_.dim, scheme_.dim}, {}};
    for (const auto& model : models_) {
      for (double v : model.Theta()) theta.data.push_back(static_cast<float>(v));
      for (double v : model.inverse()) inverse.data.push_back(static_cast<float>(v));
    }
    w.tensors.push_back(std::move(theta));
    w.tensors.push_back(std::move(inverse));
    return w;
  }

  // Checkpoint: every model's A, b and update count as hex floats (exact round trip).
  Status save(const std::string& dir) const override {
    RETURN_IF_ERROR(MakeDirectories(dir));
    std::ostringstream out;
    out << "linucb 2 " << scheme_.num_models << " " << scheme_.dim << "\n";
    char buf[40];
    for (const auto& model : models_) {
      out << model.num_updates() << "\n";
      for (double v : model.a()) { std::snprintf(buf, sizeof(buf), "%a ", v); out << buf; }
      out << "\n";
      for (double v : model.b()) { std::snprintf(buf, sizeof(buf), "%a ", v); out << buf; }
      out << "\n";
    }
    return WriteFileAtomic(dir + "/linucb.txt", out.str());
  }

  Status load(const std::string& dir) override {
    ASSIGN_OR_RETURN(std::string text, ReadFile(dir + "/linucb.txt"));
    std::istringstream in(text);
    std::string magic;
    int version = 0, num_models = 0, dim = 0;
    in >> magic >> version >> num_models >> dim;
    if (magic != "linucb" || version != 2 || num_models != scheme_.num_models || dim != scheme_.dim)
      return DataLossError(dir + "/linucb.txt: not a LinUCB checkpoint of " + std::to_string(scheme_.num_models) +
                           " models of dimension " + std::to_string(scheme_.dim));
    std::vector<RidgeStatistics> restored = models_;
    for (auto& model : restored) {
      int64_t updates = 0;
      std::vector<double> a(static_cast<size_t>(dim) * dim), b(dim);
      std::string token;
      if (!(in >> updates)) return DataLossError(dir + "/linucb.txt: truncated");
      for (auto& v : a) { if (!(in >> token)) return DataLossError(dir + "/linucb.txt: truncated"); v = std::strtod(token.c_str(), nullptr); }
      for (auto& v : b) { if (!(in >> token)) return DataLossError(dir + "/linucb.txt: truncated"); v = std::strtod(token.c_str(), nullptr); }
      RETURN_IF_ERROR(model.Restore(std::move(a), std::move(b), updates));
    }
    models_ = std::move(restored);
    return Status::Ok();
  }

 private:
  EnvSpec spec_;
  ContextScheme scheme_;
  TransitionLayout layout_;
  ReplaySpec replay_spec_;
  bool clicked_only_;
  std::vector<RidgeStatistics> models_;
  std::vector<double> x_;
};

}  // namespace

Result<std::unique_ptr<Policy>> CreateLinUcbPolicy(const Params& config, const AlgoContext& ctx) {
  ASSIGN_OR_RETURN(ContextScheme scheme, MakeScheme(config, ctx));
  return std::unique_ptr<Policy>(new LinUcbPolicy(config, ctx.env_spec, scheme));
}

Result<std::unique_ptr<Trainer>> CreateLinUcbTrainer(const Params& config, const AlgoContext& ctx) {
  ASSIGN_OR_RETURN(ContextScheme scheme, MakeScheme(config, ctx));
  return std::unique_ptr<Trainer>(new LinUcbTrainer(config, ctx, scheme));
}

}  // namespace slaterl
