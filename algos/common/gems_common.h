// algos/common/gems_common.h — torch-free pieces shared by the GeMS-family algorithms (sac,
// reinforce, slateq `variant: gems`; docs/algorithms.md §1): the preset switch, the acting-side GRU belief
// (docs/algorithms.md §1.5), top-k by score, item-embedding tables for rankers (§1.6), and the
// `topics` checks. Shared plumbing: do not fork per algorithm.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "algos/common/nn_inference.h"
#include "core/params.h"
#include "core/replay_spec.h"
#include "core/rng.h"
#include "core/state_archive.h"
#include "core/status.h"
#include "envs/vec_env.h"

namespace slaterl {

// docs/algorithms.md §0.2: gems_repro reproduces naver/gems (quirks of the §8 register included);
// clean fixes them.
enum class GemsPreset { kClean, kGemsRepro };
GemsPreset ParseGemsPreset(const std::string& name);

// The GeMS algorithms run on `topics` only (its observation is (A_{t−1}, c_t), docs/environments.md §8.2).
Status CheckGemsEnv(const std::string& algo, const std::string& env_name, const EnvSpec& spec);

// What every GeMS-family algorithm reads the same way: the env's shape and the config keys
// `preset`, `item_dim`, `belief_dim`, `random_steps` (each algorithm's schema declares them).
struct GemsBasics {
  GemsPreset preset = GemsPreset::kClean;
  int num_items = 0, slate_size = 0, steps = 0;  // N, k, T
  int item_dim = 20, belief_dim = 20;             // d, d_s (docs/algorithms.md §1.5)
  int64_t random_steps = 2000;
};
// Checks the env (CheckGemsEnv) and reads the basics. `algo` names the algorithm in errors.
Result<GemsBasics> ReadGemsBasics(const std::string& algo, const Params& config, const std::string& env_name,
                                  const EnvSpec& spec);

// The uniform whole-trajectory table of the GeMS protocol (docs/algorithms.md §1.3, §1.4): capacity
// `replay_capacity` trajectories over all shards, learning from `random_steps` trajectories on,
// then one sample of `batch_size` trajectories per trajectory inserted (no catch-up on the random
// phase; error buffer one trajectory).
ReplaySpec GemsTrajectoryReplaySpec(const Params& config, int replay_shards, const EnvSpec& spec, int action_dim,
                                    int user_dim);

// Acting side of GruBelief (algos/common/gru_belief.h): the same parameters ("<prefix>.table",
// "<prefix>.gru.*") evaluated with plain loops. Per env a hidden vector, zeroed at each episode's
// first observation. Not thread-safe.
class BeliefTracker {
 public:
  BeliefTracker(int num_envs, int num_items, int item_dim, int slate_size, int hidden_size);
  Status Load(const Weights& weights, const std::string& prefix);
  // Feeds env n's observation (obs.last_slate / last_responses, zeroing h at first_step) and
  // returns its belief (hidden_size floats). Requires a prior Load.
  const float* Observe(const ObsBatch& obs, int n, int response_dim);
  int hidden_size() const { return hidden_; }
  // Snapshots: the per-env hidden states (the table and cell come with the weights).
  void VisitState(StateArchive& archive) { archive.Field("h", h_); }

 private:
  int num_items_, item_dim_, slate_size_, hidden_;
  std::vector<float> table_;  // N × d
  GruCell cell_;
  std::vector<float> h_;      // num_envs × hidden
  std::vector<float> x_, scratch_;
};

// The k items of [0, n) with the largest scores, in descending order (ties: lower id first),
// written to out[0..k). `order` is scratch of n ints.
void TopKByScore(const float* scores, int n, int k, std::vector<int32_t>* order, int32_t* out);

// k distinct uniformly random items of [0, n) (duplicates when `allow_duplicates`, GeMS's random
// slates, docs/algorithms.md register entry 4). `order` is scratch of n ints.
void RandomSlate(Rng& rng, int n, int k, bool allow_duplicates, std::vector<int32_t>* order, int32_t* out);

// Item embeddings a ranker uses (docs/algorithms.md §1.6, §4.3): `ideal` = the env's own table
// (privileged), `mf` = a file written by `slaterl pretrain mf` (raw float32 N × d). Relative paths
// are tried from the working directory, then from the source tree (<executable>/..). Errors name
// the file and say how to make it.
Result<std::vector<float>> LoadRankerEmbeddings(const std::string& kind, const std::string& mf_path,
                                                const Params& env_config, int num_items, int dim);

// Per-dimension bounds of a table (docs/algorithms.md §4.3.1): centre c = (hi + lo)/2, half-width
// w = (hi − lo)/2.
void EmbeddingBounds(const std::vector<float>& table, int dim, std::vector<float>* centre,
                     std::vector<float>* half_width);

}  // namespace slaterl
