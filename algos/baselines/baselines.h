// algos/baselines/baselines.h — the fixed (non-learning) baseline policies of docs/environments.md §7.
//
// | name      | lts                          | interest_evolution       | topics              |
// |-----------|------------------------------|--------------------------|---------------------|
// | random    | k distinct uniform positions | same                     | same (permutation)  |
// | random_md | k independent uniform slots  | same                     | same                |
// | greedy    | highest clickbait first      | top-k by user·doc        | error (needs model) |
// | oracle    | = choc                       | = greedy                 | all −1 (env fills)  |
// | oracle_eps| —                            | —                        | ε-greedy oracle 0.5 |
// | choc      | highest clickbait first      | —                        | —                   |
// | kale      | lowest clickbait first       | —                        | —                   |
// | first     | positions 0..k−1             | same                     | —                   |
// interest_exploration has random, random_md and first only (its user is hidden;
// docs/environments.md §7 defines no myopic baseline, so greedy/oracle are errors that say why).
// Envs not in the table get random, random_md and first. Ranking ties go to the lowest candidate
// position. Policies draw only from the Rng they are given (the caller's policy stream).
//
// Every policy here sizes its scratch at construction and allocates nothing in act(). act() reads
// the batch size from obs.first_step and requires `out` to be allocated for the same batch and
// slate size (CHECK). Not thread-safe: one policy per thread (algos/algorithm.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "algos/algorithm.h"
#include "algos/registry.h"

namespace slaterl {

// `random`: k distinct positions, uniform over ordered k-subsets (partial Fisher–Yates on a
// scratch identity permutation, restored after each slate in O(k)).
class RandomSlatePolicy : public Policy {
 public:
  explicit RandomSlatePolicy(const EnvSpec& spec);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

 private:
  int num_candidates_;
  int slate_size_;
  std::vector<int32_t> permutation_;   // C positions, the identity between slates
  std::vector<int32_t> swapped_with_;  // k, swap partners of the current slate
};

// `random_md`: every slot independently uniform over the C positions (duplicates possible), the
// MultiDiscrete baseline of RLlib.
class RandomIndependentPolicy : public Policy {
 public:
  explicit RandomIndependentPolicy(const EnvSpec& spec);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

 private:
  int num_candidates_;
  int slate_size_;
};

// `first`: positions 0, 1, ..., k−1 for every env.
class FirstSlatePolicy : public Policy {
 public:
  explicit FirstSlatePolicy(const EnvSpec& spec);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

 private:
  int slate_size_;
};

// Ranks candidates by one document feature: the k best in order (descending for `choc`/`greedy`
// on lts, ascending for `kale`), ties to the lowest position.
class FeatureRankPolicy : public Policy {
 public:
  enum class Order { kDescending, kAscending };
  FeatureRankPolicy(const EnvSpec& spec, int feature, Order order);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

 private:
  int num_candidates_;
  int slate_size_;
  int doc_dim_;
  int feature_;
  Order order_;
  std::vector<int32_t> positions_;  // C scratch
};

// Ranks candidates by the dot product of the user observation and each document's features
// (interest_evolution's greedy_pctr: u·one-hot(cluster) = u[cluster]), descending, ties to the
// lowest position. Requires user_dim == doc_dim > 0.
class DotProductRankPolicy : public Policy {
 public:
  explicit DotProductRankPolicy(const EnvSpec& spec);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

 private:
  int num_candidates_;
  int slate_size_;
  int dim_;
  std::vector<double> scores_;      // C scratch
  std::vector<int32_t> positions_;  // C scratch
};

// Writes −1 in every slot: "the environment's oracle fills this slot"
// (docs/environments.md decision E3, `topics`).
class OracleSentinelPolicy : public Policy {
 public:
  explicit OracleSentinelPolicy(const EnvSpec& spec);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

 private:
  int slate_size_;
};

// The ε-greedy oracle of `topics` (docs/algorithms.md §6 `epsilon`, §4.4.4: the GeMS logging policy, ε = 0.5
// as `oracle_eps`): every slot independently holds, with probability ε, a random item, else −1
// (the env's oracle fills it, docs/environments.md §6.8 step 5). The random items of one slate are
// the first k of one random permutation of the catalogue (slot p gets its p-th item), so they are mutually
// distinct; random and oracle items may coincide. Draws per slate, in order: k bounded integers
// (partial Fisher–Yates, as `random`), then k uniforms for the slot mask. ε = 0 draws nothing and
// is `oracle`; ε = 1 draws no mask and is `random`, draw for draw.
class EpsilonOraclePolicy : public Policy {
 public:
  // 0 <= epsilon <= 1 (CHECK); slate_size <= num_candidates.
  EpsilonOraclePolicy(const EnvSpec& spec, double epsilon);
  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override;

  double epsilon() const { return epsilon_; }
  // Slots given a random item / given −1 since construction (diagnostics: ≈ ε of all slots).
  int64_t random_slots() const { return random_slots_; }
  int64_t oracle_slots() const { return oracle_slots_; }

 private:
  double epsilon_;
  int num_candidates_;
  int slate_size_;
  std::vector<int32_t> permutation_;   // C items, the identity between slates
  std::vector<int32_t> swapped_with_;  // k
  int64_t random_slots_ = 0;
  int64_t oracle_slots_ = 0;
};

// ε of `oracle_eps`: the GeMS logging policy (docs/algorithms.md §4.4.4).
constexpr double kGemsLoggingEpsilon = 0.5;

// The baseline names defined for `env_name`, in registry order.
std::vector<std::string> BaselineNamesForEnv(const std::string& env_name);
// Builds baseline `name` for ctx.env_name / ctx.env_spec. NotFound for an unknown name;
// InvalidArgument when the baseline is not defined for the env or the spec is unusable. Both
// messages list the valid names.
Result<std::unique_ptr<Policy>> MakeBaselinePolicy(const std::string& name, const AlgoContext& ctx);

}  // namespace slaterl
