#include "algos/baselines/baselines.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace slaterl {
namespace {

// Batch size of `obs`, checked against the output slate batch.
int BatchSize(const ObsBatch& obs, const SlateBatch& out, int slate_size) {
  const int n = static_cast<int>(obs.first_step.size());
  SLATERL_CHECK(out.items.size() == static_cast<size_t>(n) * slate_size);
  return n;
}

// Puts the k best positions of `positions` (by `better`, a strict total order) first, in order.
template <typename Better>
void TopK(std::vector<int32_t>& positions, int k, Better better) {
  std::partial_sort(positions.begin(), positions.begin() + k, positions.end(), better);
}

}  // namespace

// ---- random -----------------------------------------------------------------------------------

RandomSlatePolicy::RandomSlatePolicy(const EnvSpec& spec)
    : num_candidates_(spec.num_candidates), slate_size_(spec.slate_size),
      permutation_(static_cast<size_t>(spec.num_candidates)),
      swapped_with_(static_cast<size_t>(spec.slate_size)) {
  SLATERL_CHECK(slate_size_ >= 1 && slate_size_ <= num_candidates_);
  std::iota(permutation_.begin(), permutation_.end(), 0);
}

void RandomSlatePolicy::act(const ObsBatch& obs, Rng& rng, SlateBatch* out) {
  const int n = BatchSize(obs, *out, slate_size_);
  const uint32_t c = static_cast<uint32_t>(num_candidates_);
  for (int i = 0; i < n; ++i) {
    int32_t* slate = out->items.data() + static_cast<size_t>(i) * slate_size_;
    for (int j = 0; j < slate_size_; ++j) {
      const uint32_t r = static_cast<uint32_t>(j) + rng.UniformInt(c - static_cast<uint32_t>(j));
      swapped_with_[j] = static_cast<int32_t>(r);
      std::swap(permutation_[j], permutation_[r]);
      slate[j] = permutation_[j];
    }
    // Undo the swaps (reverse order) so every slate starts from the identity: O(k), and the
    // output is a function of the Rng alone, not of earlier calls.
    for (int j = slate_size_ - 1; j >= 0; --j)
      std::swap(permutation_[j], permutation_[swapped_with_[j]]);
  }
}

// ---- random_md --------------------------------------------------------------------------------

RandomIndependentPolicy::RandomIndependentPolicy(const EnvSpec& spec)
    : num_candidates_(spec.num_candidates), slate_size_(spec.slate_size) {
  SLATERL_CHECK(slate_size_ >= 1 && num_candidates_ >= 1);
}

void RandomIndependentPolicy::act(const ObsBatch& obs, Rng& rng, SlateBatch* out) {
  const int n = BatchSize(obs, *out, slate_size_);
  const uint32_t c = static_cast<uint32_t>(num_candidates_);
  for (size_t e = 0; e < static_cast<size_t>(n) * slate_size_; ++e)
    out->items[e] = static_cast<int32_t>(rng.UniformInt(c));
}

// ---- first ------------------------------------------------------------------------------------

FirstSlatePolicy::FirstSlatePolicy(const EnvSpec& spec) : slate_size_(spec.slate_size) {
  SLATERL_CHECK(slate_size_ >= 1 && slate_size_ <= spec.num_candidates);
}

void FirstSlatePolicy::act(const ObsBatch& obs, Rng& /*rng*/, SlateBatch* out) {
  const int n = BatchSize(obs, *out, slate_size_);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < slate_size_; ++j) out->items[static_cast<size_t>(i) * slate_size_ + j] = j;
}

// ---- feature rank (choc, kale, lts greedy/oracle) ----------------------------------------------

FeatureRankPolicy::FeatureRankPolicy(const EnvSpec& spec, int feature, Order order)
    : num_candidates_(spec.num_candidates), slate_size_(spec.slate_size), doc_dim_(spec.doc_dim),
      feature_(feature), order_(order), positions_(static_cast<size_t>(spec.num_candidates)) {
  SLATERL_CHECK(slate_size_ >= 1 && slate_size_ <= num_candidates_);
  SLATERL_CHECK(feature_ >= 0 && feature_ < doc_dim_);
  std::iota(positions_.begin(), positions_.end(), 0);
}

void FeatureRankPolicy::act(const ObsBatch& obs, Rng& /*rng*/, SlateBatch* out) {
  const int n = BatchSize(obs, *out, slate_size_);
  const size_t docs_per_env = static_cast<size_t>(num_candidates_) * doc_dim_;
  SLATERL_CHECK(obs.docs.size() == static_cast<size_t>(n) * docs_per_env);
  for (int i = 0; i < n; ++i) {
    const float* docs = obs.docs.data() + static_cast<size_t>(i) * docs_per_env;
    const int dim = doc_dim_;
    const int f = feature_;
    auto value = [docs, dim, f](int32_t p) { return docs[static_cast<size_t>(p) * dim + f]; };
    if (order_ == Order::kDescending) {
      TopK(positions_, slate_size_, [&value](int32_t a, int32_t b) {
        const float va = value(a), vb = value(b);
        return va > vb || (va == vb && a < b);
      });
    } else {
      TopK(positions_, slate_size_, [&value](int32_t a, int32_t b) {
        const float va = value(a), vb = value(b);
        return va < vb || (va == vb && a < b);
      });
    }
    std::copy(positions_.begin(), positions_.begin() + slate_size_,
              out->items.begin() + static_cast<ptrdiff_t>(i) * slate_size_);
  }
}

// ---- dot-product rank (interest_evolution greedy/oracle) ----------------------------------------

DotProductRankPolicy::DotProductRankPolicy(const EnvSpec& spec)
    : num_candidates_(spec.num_candidates), slate_size_(spec.slate_size), dim_(spec.doc_dim),
      scores_(static_cast<size_t>(spec.num_candidates)),
      positions_(static_cast<size_t>(spec.num_candidates)) {
  SLATERL_CHECK(slate_size_ >= 1 && slate_size_ <= num_candidates_);
  SLATERL_CHECK(spec.user_dim == spec.doc_dim && dim_ > 0);
  std::iota(positions_.begin(), positions_.end(), 0);
}

void DotProductRankPolicy::act(const ObsBatch& obs, Rng& /*rng*/, SlateBatch* out) {
  const int n = BatchSize(obs, *out, slate_size_);
  const size_t docs_per_env = static_cast<size_t>(num_candidates_) * dim_;
  SLATERL_CHECK(obs.docs.size() == static_cast<size_t>(n) * docs_per_env);
  SLATERL_CHECK(obs.user.size() == static_cast<size_t>(n) * dim_);
  for (int i = 0; i < n; ++i) {
    const float* user = obs.user.data() + static_cast<size_t>(i) * dim_;
    const float* docs = obs.docs.data() + static_cast<size_t>(i) * docs_per_env;
    for (int p = 0; p < num_candidates_; ++p) {
      double s = 0.0;
      for (int d = 0; d < dim_; ++d) s += static_cast<double>(user[d]) * docs[static_cast<size_t>(p) * dim_ + d];
      scores_[p] = s;
    }
    const double* scores = scores_.data();
    TopK(positions_, slate_size_, [scores](int32_t a, int32_t b) {
      return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
    });
    std::copy(positions_.begin(), positions_.begin() + slate_size_,
              out->items.begin() + static_cast<ptrdiff_t>(i) * slate_size_);
  }
}

// ---- oracle sentinel (topics) -------------------------------------------------------------------

OracleSentinelPolicy::OracleSentinelPolicy(const EnvSpec& spec) : slate_size_(spec.slate_size) {
  SLATERL_CHECK(slate_size_ >= 1);
}

void OracleSentinelPolicy::act(const ObsBatch& obs, Rng& /*rng*/, SlateBatch* out) {
  BatchSize(obs, *out, slate_size_);
  std::fill(out->items.begin(), out->items.end(), -1);
}

// ---- ε-greedy oracle (topics) -------------------------------------------------------------------

EpsilonOraclePolicy::EpsilonOraclePolicy(const EnvSpec& spec, double epsilon)
    : epsilon_(epsilon), num_candidates_(spec.num_candidates), slate_size_(spec.slate_size),
      permutation_(static_cast<size_t>(spec.num_candidates)),
      swapped_with_(static_cast<size_t>(spec.slate_size)) {
  SLATERL_CHECK(epsilon_ >= 0.0 && epsilon_ <= 1.0);
  SLATERL_CHECK(slate_size_ >= 1 && slate_size_ <= num_candidates_);
  std::iota(permutation_.begin(), permutation_.end(), 0);
}

void EpsilonOraclePolicy::act(const ObsBatch& obs, Rng& rng, SlateBatch* out) {
  const int n = BatchSize(obs, *out, slate_size_);
  if (epsilon_ <= 0.0) {
    std::fill(out->items.begin(), out->items.end(), kOracleSentinel);
    oracle_slots_ += static_cast<int64_t>(n) * slate_size_;
    return;
  }
  const uint32_t c = static_cast<uint32_t>(num_candidates_);
  for (int i = 0; i < n; ++i) {
    int32_t* slate = out->items.data() + static_cast<size_t>(i) * slate_size_;
    for (int j = 0; j < slate_size_; ++j) {  // the random slate: a permutation's first k items
      const uint32_t r = static_cast<uint32_t>(j) + rng.UniformInt(c - static_cast<uint32_t>(j));
      swapped_with_[j] = static_cast<int32_t>(r);
      std::swap(permutation_[j], permutation_[r]);
      slate[j] = permutation_[j];
    }
    for (int j = slate_size_ - 1; j >= 0; --j)
      std::swap(permutation_[j], permutation_[swapped_with_[j]]);
    if (epsilon_ >= 1.0) {
      random_slots_ += slate_size_;
      continue;
    }
    for (int j = 0; j < slate_size_; ++j) {  // the mask: random with probability ε
      if (rng.Uniform() < epsilon_) {
        ++random_slots_;
      } else {
        slate[j] = kOracleSentinel;
        ++oracle_slots_;
      }
    }
  }
}

// ---- construction by name -----------------------------------------------------------------------

namespace {

constexpr const char* kAllBaselines[] = {"random", "random_md", "greedy", "oracle",
                                         "choc",   "kale",      "first",  "oracle_eps"};
constexpr int kLtsClickbaitFeature = 0;

std::string Join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

bool IsKnownBaseline(const std::string& name) {
  for (const char* n : kAllBaselines)
    if (name == n) return true;
  return false;
}

}  // namespace

std::vector<std::string> BaselineNamesForEnv(const std::string& env_name) {
  if (env_name == "lts") return {"random", "random_md", "greedy", "oracle", "choc", "kale", "first"};
  if (env_name == "interest_evolution") return {"random", "random_md", "greedy", "oracle", "first"};
  if (env_name == "topics") return {"random", "random_md", "oracle", "oracle_eps"};
  if (env_name == "interest_exploration") return {"random", "random_md", "first"};
  return {"random", "random_md", "first"};
}

Result<std::unique_ptr<Policy>> MakeBaselinePolicy(const std::string& name, const AlgoContext& ctx) {
  std::vector<std::string> all(std::begin(kAllBaselines), std::end(kAllBaselines));
  if (!IsKnownBaseline(name))
    return NotFoundError("unknown baseline policy '" + name + "' (valid: " + Join(all) + ")");
  const std::vector<std::string> valid = BaselineNamesForEnv(ctx.env_name);
  if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
    std::string why;
    if (ctx.env_name == "topics" && name == "greedy")
      why = "; greedy on topics needs a learned myopic model (docs/algorithms.md §6)";
    if (ctx.env_name == "interest_exploration" && (name == "greedy" || name == "oracle"))
      why = "; interest_exploration defines no myopic baseline: the user's topic affinities are "
            "hidden and docs/environments.md §7 lists none";
    return InvalidArgumentError("baseline policy '" + name + "' is not defined for env '" +
                                ctx.env_name + "' (valid for " + ctx.env_name + ": " +
                                Join(valid) + ")" + why);
  }
  const EnvSpec& spec = ctx.env_spec;
  const bool fills_by_env = ctx.env_name == "topics" && name == "oracle";
  // (oracle_eps draws random items too, so it needs slate_size <= num_candidates like random.)
  if (spec.num_candidates < 1 || spec.slate_size < 1 ||
      (!fills_by_env && spec.slate_size > spec.num_candidates))
    return InvalidArgumentError("baseline policy '" + name + "': unusable env spec (num_candidates " +
                                std::to_string(spec.num_candidates) + ", slate_size " +
                                std::to_string(spec.slate_size) + ")");

  std::unique_ptr<Policy> policy;
  if (name == "random") {
    policy = std::make_unique<RandomSlatePolicy>(spec);
  } else if (name == "random_md") {
    policy = std::make_unique<RandomIndependentPolicy>(spec);
  } else if (name == "first") {
    policy = std::make_unique<FirstSlatePolicy>(spec);
  } else if (ctx.env_name == "lts") {
    // greedy and oracle = choc: with RecSim's parameters E[engagement] increases with c
    // (docs/environments.md §7).
    if (spec.doc_dim <= kLtsClickbaitFeature)
      return InvalidArgumentError("baseline policy '" + name + "': lts spec has no clickbait feature");
    const auto order = name == "kale" ? FeatureRankPolicy::Order::kAscending
                                      : FeatureRankPolicy::Order::kDescending;
    policy = std::make_unique<FeatureRankPolicy>(spec, kLtsClickbaitFeature, order);
  } else if (ctx.env_name == "interest_evolution") {
    if (spec.user_dim != spec.doc_dim || spec.doc_dim <= 0)
      return InvalidArgumentError("baseline policy '" + name +
                                  "': interest_evolution needs user_dim == doc_dim > 0");
    policy = std::make_unique<DotProductRankPolicy>(spec);
  } else if (ctx.env_name == "topics" && name == "oracle_eps") {
    policy = std::make_unique<EpsilonOraclePolicy>(spec, kGemsLoggingEpsilon);
  } else if (ctx.env_name == "topics") {
    policy = std::make_unique<OracleSentinelPolicy>(spec);
  }
  SLATERL_CHECK(policy != nullptr);  // BaselineNamesForEnv and the branches above agree
  policy->set_explore(false);
  return policy;
}

}  // namespace slaterl
