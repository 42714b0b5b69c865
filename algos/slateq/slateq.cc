// SlateQ (docs/algorithms.md §3, `variant: rllib`), read top to bottom:
//   config → choice model and slate optimisation → Q-network → acting → learning.
#include "algos/slateq/slateq.h"
#include "algos/slateq/slateq_gems.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <sstream>

#include "algos/common/torch_device.h"
#include "algos/common/torch_nets.h"
#include "algos/common/torch_util.h"
#include "core/files.h"
#include "envs/transition.h"

namespace slaterl {

// ---- config ------------------------------------------------------------------------------------

Schema SlateQSchema() {
  return Schema("config")
      .Enum("variant", "rllib", {"rllib", "gems"},
            "rllib: RecSim/RLlib-style SlateQ on candidate envs (docs/algorithms.md §3.6); gems: GeMS "
            "QL-TT-TS on topics (docs/algorithms.md §3.8; trajectory replay, GRU belief, privileged "
            "relevance — its GeMS values are in configs/gems/slateq_*.yaml: gamma 0.8, lr 1e-3, "
            "batch_size 20 trajectories, replay_capacity "
            "10000 trajectories, tau 0.002, hiddens 256).")
      .Enum("preset", "clean", {"clean", "gems_repro"},
            "variant gems: gems_repro keeps the GeMS quirks of docs/algorithms.md register entries 1–4 "
            "and 23; clean fixes them.")
      .Int("random_steps", 2000, 0, int64_t(1) << 40, "episodes",
           "variant gems: training episodes with random slates before learning starts "
           "(docs/algorithms.md §1.3).")
      .Int("epsilon_decay_episodes", 1000, 1, int64_t(1) << 40, "episodes",
           "variant gems: ε_n = epsilon_final + (epsilon_initial − epsilon_final)·exp(−n / this).")
      .Int("item_dim", 20, 1, 1024, "",
           "variant gems: item-table dimension of the GRU belief (docs/algorithms.md §1.5).")
      .Int("belief_dim", 20, 1, 1024, "", "variant gems: GRU hidden size d_s.")
      .Double("gamma", 0.99, 0.0, 1.0, "", "Discount γ.")
      .Double("lr", 2.5e-4, 0.0, 1.0, "", "Learning rate of the Q-network.", /*min_exclusive=*/true)
      .Enum("optimizer", "rmsprop", {"rmsprop", "adam"},
            "RMSprop (centered, smoothing 0.95, momentum 0: RecSim's; "
            "docs/algorithms.md register entry 6 corrected) or Adam.")
      .Double("rmsprop_epsilon", 1e-5, 0.0, 1.0, "", "ε of RMSprop (or Adam).", true)
      .String("hiddens", "256,32", "Hidden layer sizes of the per-item MLP, comma-separated.")
      .Int("batch_size", 32, 1, 1 << 16, "transitions", "Transitions per gradient step.")
      .Int("train_every", 4, 1, 1 << 20, "env steps",
           "One gradient step per this many inserted env steps: replay ratio batch_size/train_every.")
      .Enum("replay", "prioritized", {"prioritized", "uniform"},
            "Replay table kind (docs/algorithms.md §3.6).")
      .Int("replay_capacity", 100000, 1, int64_t(1) << 31, "transitions", "Replay capacity over all shards.")
      .Double("prioritized_replay_alpha", 0.6, 0.0, 10.0, "", "Priority exponent α.")
      .Double("prioritized_replay_beta", 0.4, 0.0, 1.0, "",
              "Importance-sampling exponent β (0 = no importance weights).")
      .Double("prioritized_replay_eps", 1e-6, 0.0, 1.0, "", "Added to |TD error| to form a priority.", true)
      .Int("learning_starts", 20000, 1, int64_t(1) << 40, "env steps",
           "Transitions stored (over all shards) before the first gradient step.")
      .Int("replay_ratio_tolerance", 2000, 1, int64_t(1) << 40, "env steps",
           "How far inserts may run ahead of or behind the replay ratio before the rate limiter blocks.")
      .Int("target_update_freq", 3200, 1, int64_t(1) << 40, "env steps",
           "Target network update period, in env steps (converted with train_every into updates).")
      .Double("tau", 1.0, 0.0, 1.0, "", "Target update mix: 1 = hard copy.", true)
      .Bool("use_huber", false, "Huber loss instead of squared TD error.")
      .Double("huber_threshold", 1.0, 0.0, 1e9, "", "Huber δ.", true)
      .Double("grad_clip", 0.0, 0.0, 1e9, "", "Clip the gradient norm to this (0 = off).")
      .Double("epsilon_initial", 1.0, 0.0, 1.0, "", "ε during warm-up.")
      .Double("epsilon_final", 0.01, 0.0, 1.0, "", "ε after the decay.")
      .Int("epsilon_warmup_timesteps", 20000, 0, int64_t(1) << 40, "env steps", "ε stays initial this long.")
      .Int("epsilon_timesteps", 250000, 1, int64_t(1) << 40, "env steps", "Linear decay length of ε after warm-up.")
      .Enum("slate_selection", "optimal", {"optimal", "topk", "greedy"},
            "How the acting slate maximises Q(s, A) (docs/algorithms.md §3.3): enumeration, top-k of "
            "v·Q̄, or greedy.")
      .Enum("target", "optimal", {"optimal", "topk", "greedy"},
            "The max over next slates in the target (docs/algorithms.md §3.1).")
      .Double("reward_shift", 0.0, -1e9, 1e9, "",
              "Added to every reward before learning. With the slot0 choice model every step consumes an "
              "item, so a constant shift moves all Q-values by shift/(1−γ) and changes no decision; it "
              "centres them (StrongLTS rewards ≈ 9.5 ± 0.1 per step, docs/algorithms.md decision A13). "
              "Leave 0 otherwise.")
      .Enum("choice_model", "auto", {"auto", "proportional", "slot0"},
            "User choice model (docs/algorithms.md §3.2): proportional v = ⟨user, doc⟩ + 1, v_∅ = 2; "
            "slot0 = the user consumes slot 0 (LTS, decision A13). auto: slot0 on lts, proportional "
            "elsewhere.");
}

namespace {

enum class ChoiceModel { kProportional, kSlot0 };

struct SlateQSettings {
  ChoiceModel choice_model = ChoiceModel::kProportional;
  SlateSelection selection = SlateSelection::kOptimal;
  SlateSelection target = SlateSelection::kOptimal;
  std::vector<int64_t> hiddens;
  bool lts_satisfaction_feature = false;  // feed (SAT − 0.5)·20 (docs/algorithms.md decision A13)
  int input_dim = 0;
};

SlateSelection ParseSelection(const std::string& s) {
  return s == "topk" ? SlateSelection::kTopK : s == "greedy" ? SlateSelection::kGreedy : SlateSelection::kOptimal;
}

double NumCombinations(int n, int k) {
  double c = 1;
  for (int i = 0; i < k; ++i) c = c * (n - i) / (i + 1);
  return c;
}

Result<SlateQSettings> MakeSettings(const Params& config, const AlgoContext& ctx) {
  SlateQSettings s;
  const EnvSpec& spec = ctx.env_spec;
  const std::string choice = config.GetString("choice_model");
  s.choice_model = (choice == "slot0" || (choice == "auto" && ctx.env_name == "lts")) ? ChoiceModel::kSlot0
                                                                                        : ChoiceModel::kProportional;
  s.selection = ParseSelection(config.GetString("slate_selection"));
  s.target = ParseSelection(config.GetString("target"));
  std::stringstream hiddens(config.GetString("hiddens"));
  for (std::string item; std::getline(hiddens, item, ',');) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v <= 0 || v > 65536)
      return InvalidArgumentError("config.hiddens: expected positive layer sizes like \"256,32\", got '" +
                                  config.GetString("hiddens") + "'");
    s.hiddens.push_back(v);
  }
  if (spec.doc_dim <= 0)
    return InvalidArgumentError("SlateQ (variant rllib) needs candidate features; env '" + ctx.env_name +
                                "' has doc_dim 0");
  if (spec.slate_size > spec.num_candidates)
    return InvalidArgumentError("slate_size exceeds num_candidates");
  const bool optimal = s.selection == SlateSelection::kOptimal || s.target == SlateSelection::kOptimal;
  if (optimal && spec.slate_size > kMaxEnumeratedSlateSize)
    return InvalidArgumentError("config.slate_selection/target: optimal enumerates slates of at most " +
                                std::to_string(kMaxEnumeratedSlateSize) + " items; env '" + ctx.env_name +
                                "' has slate_size " + std::to_string(spec.slate_size) + "; use topk or greedy");
  if (optimal && NumCombinations(spec.num_candidates, spec.slate_size) > 1e5)
    return InvalidArgumentError("config.slate_selection/target: optimal enumerates C(" +
                                std::to_string(spec.num_candidates) + ", " + std::to_string(spec.slate_size) +
                                ") > 1e5 slates; use topk or greedy");
  s.lts_satisfaction_feature = ctx.env_name == "lts" && spec.user_dim == 1;
  s.input_dim = spec.user_dim + spec.doc_dim;
  return s;
}

}  // namespace

ReplaySpec SlateQReplaySpec(const Params& config, const AlgoContext& ctx) {
  if (config.GetString("variant") == "gems") return SlateQGemsReplaySpec(config, ctx);
  const int64_t shards = std::max(1, ctx.replay_shards);
  const double samples_per_insert =
      static_cast<double>(config.GetInt("batch_size")) / static_cast<double>(config.GetInt("train_every"));
  ReplayTableSpec table;
  table.name = "transitions";
  table.kind = config.GetString("replay") == "prioritized" ? ReplayTableSpec::Kind::kPrioritized
                                                           : ReplayTableSpec::Kind::kUniform;
  table.capacity = std::max<int64_t>(1, config.GetInt("replay_capacity") / shards);
  table.min_size = std::max<int64_t>(1, config.GetInt("learning_starts") / shards);
  table.samples_per_insert = samples_per_insert;
  table.error_buffer = std::max(
      {1.0, samples_per_insert,
       samples_per_insert * static_cast<double>(config.GetInt("replay_ratio_tolerance")) / shards,
       2.0 * static_cast<double>(config.GetInt("batch_size"))});
  table.priority_exponent = config.GetDouble("prioritized_replay_alpha");
  table.item_size = TransitionLayout(ctx.env_spec).size;
  ReplaySpec spec;
  spec.tables.push_back(table);
  spec.batch_size = static_cast<int32_t>(config.GetInt("batch_size"));
  return spec;
}

// ---- choice model and slate optimisation (docs/algorithms.md §3.2, §3.3) ------------------------

double SlateValue(const float* v, const float* q, float no_click_score, const int* slate, int slate_size) {
  double num = 0.0, den = no_click_score;
  for (int j = 0; j < slate_size; ++j) {
    num += static_cast<double>(v[slate[j]]) * q[slate[j]];
    den += v[slate[j]];
  }
  return den > 0 ? num / den : 0.0;
}

void SelectSlate(SlateSelection selection, const float* v, const float* q, float no_click_score, int num_candidates,
                 int slate_size, int* out) {
  const int c = num_candidates, k = slate_size;
  auto by_score_desc = [&](int a, int b) {
    const float sa = v[a] * q[a], sb = v[b] * q[b];
    return sa > sb || (sa == sb && a < b);
  };
  if (selection == SlateSelection::kTopK) {
    int order[4096];
    int* positions = c <= 4096 ? order : nullptr;
    std::vector<int> heap_positions;
    if (!positions) {
      heap_positions.resize(c);
      positions = heap_positions.data();
    }
    std::iota(positions, positions + c, 0);
    std::partial_sort(positions, positions + k, positions + c, by_score_desc);
    std::copy(positions, positions + k, out);
    return;
  }
  if (selection == SlateSelection::kGreedy) {  // RecSim's greedy: add the item that helps most
    double num = 0.0, den = no_click_score;
    for (int j = 0; j < k; ++j) {
      int best = -1;
      double best_value = -1e300;
      for (int i = 0; i < c; ++i) {
        if (std::find(out, out + j, i) != out + j) continue;
        const double value = (num + static_cast<double>(v[i]) * q[i]) / (den + v[i]);
        if (value > best_value) best_value = value, best = i;
      }
      out[j] = best;
      num += static_cast<double>(v[best]) * q[best];
      den += v[best];
    }
  } else {  // exact: every k-subset (the MNL value ignores order)
    int idx_stack[kMaxEnumeratedSlateSize];
    std::vector<int> idx_heap;  // never used by configs that passed MakeSettings
    int* idx = idx_stack;
    if (k > kMaxEnumeratedSlateSize) {
      idx_heap.resize(k);
      idx = idx_heap.data();
    }
    for (int j = 0; j < k; ++j) idx[j] = j;
    double best_value = -1e300;
    while (true) {
      const double value = SlateValue(v, q, no_click_score, idx, k);
      if (value > best_value) {
        best_value = value;
        std::copy(idx, idx + k, out);
      }
      int j = k - 1;
      while (j >= 0 && idx[j] == c - k + j) --j;
      if (j < 0) break;
      ++idx[j];
      for (int m = j + 1; m < k; ++m) idx[m] = idx[m - 1] + 1;
    }
  }
  // Ordered slates: best v·Q̄ in slot 0 (docs/algorithms.md decision A13).
  std::sort(out, out + k, by_score_desc);
}

namespace {

// Choice scores of every candidate of one env. Proportional (docs/algorithms.md §3.2):
// v_i = ⟨user, doc_i⟩ + 1, v_∅ = 2 (v_i = 1 when the user is not observed in the doc space). slot0:
// the user consumes slot 0, so the slate value is Q̄ of slot 0 and selection is by Q̄ alone (v = 1,
// v_∅ = 0 with a top-1 value, handled by the callers).
void ChoiceScores(ChoiceModel model, const EnvSpec& spec, const float* user, const float* docs, float* v) {
  for (int i = 0; i < spec.num_candidates; ++i) {
    float dot = 0.0f;
    if (model == ChoiceModel::kProportional && spec.user_dim == spec.doc_dim)
      for (int f = 0; f < spec.doc_dim; ++f) dot += user[f] * docs[i * spec.doc_dim + f];
    v[i] = model == ChoiceModel::kProportional ? dot + 1.0f : 1.0f;
  }
}
constexpr float kNoClickScore = 2.0f;

// Best slate and its value for one env under the choice model.
double BestSlate(ChoiceModel model, SlateSelection selection, const float* v, const float* q, int c, int k, int* out) {
  if (model == ChoiceModel::kSlot0) {
    SelectSlate(SlateSelection::kTopK, v, q, 0.0f, c, k, out);  // v = 1: descending Q̄
    return q[out[0]];
  }
  SelectSlate(selection, v, q, kNoClickScore, c, k, out);
  return SlateValue(v, q, kNoClickScore, out, k);
}

// ---- Q-network -----------------------------------------------------------------------------

// Q̄(s, i) = MLP(concat(user, doc_i)), shared over candidates (docs/algorithms.md register entry 7
// corrected).
struct QNetworkImpl : torch::nn::Module {
  QNetworkImpl(int input_dim, const std::vector<int64_t>& hiddens) {
    int64_t in = input_dim;
    for (size_t l = 0; l < hiddens.size(); ++l) {
      layers->push_back(torch::nn::Linear(in, hiddens[l]));
      layers->push_back(torch::nn::ReLU());
      in = hiddens[l];
    }
    layers->push_back(torch::nn::Linear(in, 1));
    register_module("layers", layers);
  }
  // x: [..., input_dim] → Q̄: [...]
  torch::Tensor forward(const torch::Tensor& x) { return layers->forward(x).squeeze(-1); }
  torch::nn::Sequential layers;
};
TORCH_MODULE(QNetwork);

// Writes the network input [N, C, U + D] for a batch of observations into `x`.
void FillInputs(const SlateQSettings& s, const EnvSpec& spec, int n_rows, const float* users, const float* docs,
                float* x) {
  const int c = spec.num_candidates, u = spec.user_dim, d = spec.doc_dim;
  for (int n = 0; n < n_rows; ++n)
    for (int i = 0; i < c; ++i) {
      float* row = x + (static_cast<size_t>(n) * c + i) * (u + d);
      for (int f = 0; f < u; ++f) {
        const float value = users[static_cast<size_t>(n) * u + f];
        row[f] = s.lts_satisfaction_feature ? (value - 0.5f) * 20.0f : value;
      }
      std::copy(docs + (static_cast<size_t>(n) * c + i) * d, docs + (static_cast<size_t>(n) * c + i + 1) * d, row + u);
    }
}

Weights ExportWeights(QNetwork& net) {
  Weights w;
  torch::NoGradGuard no_grad;
  for (const auto& p : net->named_parameters()) {
    WeightTensor t;
    t.name = p.key();
    torch::Tensor cpu = p.value().detach().to(torch::kCPU).contiguous();
    t.shape = cpu.sizes().vec();
    t.data.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
    w.tensors.push_back(std::move(t));
  }
  return w;
}

// ---- acting ------------------------------------------------------------------------------------

class SlateQPolicy : public Policy {
 public:
  SlateQPolicy(const Params& config, const AlgoContext& ctx, SlateQSettings settings)
      : spec_(ctx.env_spec),
        settings_(std::move(settings)),
        net_(settings_.input_dim, settings_.hiddens),
        epsilon_initial_(config.GetDouble("epsilon_initial")),
        epsilon_final_(config.GetDouble("epsilon_final")),
        epsilon_warmup_(config.GetInt("epsilon_warmup_timesteps")),
        epsilon_timesteps_(config.GetInt("epsilon_timesteps")) {
    net_->eval();
    inputs_.assign(static_cast<size_t>(spec_.num_envs) * spec_.num_candidates * settings_.input_dim, 0.0f);
    v_.assign(spec_.num_candidates, 0.0f);
    slate_.assign(spec_.slate_size, 0);
    permutation_.resize(spec_.num_candidates);
  }

  // ε(t), piecewise linear through (0, ε0), (warmup, ε0), (warmup + decay, ε_final)
  // (docs/algorithms.md §3.4).
  double Epsilon() const {
    const double t = static_cast<double>(timesteps_);
    if (t <= epsilon_warmup_) return epsilon_initial_;
    const double frac = std::min(1.0, (t - epsilon_warmup_) / static_cast<double>(epsilon_timesteps_));
    return epsilon_initial_ + frac * (epsilon_final_ - epsilon_initial_);
  }

  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override {
    const int n_envs = spec_.num_envs, c = spec_.num_candidates, k = spec_.slate_size;
    FillInputs(settings_, spec_, n_envs, obs.user.data(), obs.docs.data(), inputs_.data());
    torch::InferenceMode inference;
    torch::Tensor x = torch::from_blob(inputs_.data(), {n_envs, c, settings_.input_dim}, torch::kFloat32);
    torch::Tensor q = net_->forward(x).contiguous();
    const float* q_data = q.data_ptr<float>();
    const double epsilon = explore_ ? Epsilon() : 0.0;
    for (int n = 0; n < n_envs; ++n) {
      int32_t* slate_out = out->items.data() + static_cast<size_t>(n) * k;
      if (epsilon > 0.0 && rng.Uniform() < epsilon) {  // a uniformly random valid slate
        std::iota(permutation_.begin(), permutation_.end(), 0);
        for (int j = 0; j < k; ++j) {
          const int pick = j + static_cast<int>(rng.UniformInt(static_cast<uint32_t>(c - j)));
          std::swap(permutation_[j], permutation_[pick]);
          slate_out[j] = permutation_[j];
        }
        continue;
      }
      ChoiceScores(settings_.choice_model, spec_, obs.user.data() + static_cast<size_t>(n) * spec_.user_dim,
                   obs.docs.data() + static_cast<size_t>(n) * c * spec_.doc_dim, v_.data());
      BestSlate(settings_.choice_model, settings_.selection, v_.data(), q_data + static_cast<size_t>(n) * c, c, k,
                slate_.data());
      for (int j = 0; j < k; ++j) slate_out[j] = slate_[j];
    }
    if (explore_) timesteps_ += n_envs;  // local progress between broadcasts
  }

  Status load(const Weights& weights) override {
    torch::NoGradGuard no_grad;
    auto params = net_->named_parameters();
    if (weights.tensors.size() != params.size())
      return InvalidArgumentError("SlateQ weights have " + std::to_string(weights.tensors.size()) +
                                  " tensors, the network " + std::to_string(params.size()));
    // Every tensor is checked (name, shape, data size) before any is copied: weights of another
    // architecture are refused whole, never half-applied.
    std::set<std::string> seen;
    for (const auto& t : weights.tensors) {
      const torch::Tensor* p = params.find(t.name);
      if (!p) return InvalidArgumentError("SlateQ weights: the network has no tensor '" + t.name + "'");
      if (!seen.insert(t.name).second) return InvalidArgumentError("SlateQ weights: tensor '" + t.name + "' given twice");
      if (c10::IntArrayRef(t.shape) != p->sizes())
        return InvalidArgumentError("SlateQ weights: tensor '" + t.name + "' has shape " + ShapeString(t.shape) +
                                    ", the network's is " + ShapeString(p->sizes()));
      if (static_cast<size_t>(p->numel()) != t.data.size())
        return InvalidArgumentError("SlateQ weights: tensor '" + t.name + "' holds " + std::to_string(t.data.size()) +
                                    " values for shape " + ShapeString(t.shape));
    }
    for (const auto& t : weights.tensors) {
      torch::Tensor* p = params.find(t.name);
      p->copy_(torch::from_blob(const_cast<float*>(t.data.data()), p->sizes(), torch::kFloat32));
    }
    timesteps_ = weights.timesteps_total;
    return Status::Ok();
  }

  // Snapshots: the local step count that drives ε between broadcasts.
  Status VisitState(StateArchive& archive) override {
    archive.Field("timesteps", timesteps_);
    return archive.status();
  }

 private:
  EnvSpec spec_;
  SlateQSettings settings_;
  QNetwork net_;
  double epsilon_initial_, epsilon_final_;
  int64_t epsilon_warmup_, epsilon_timesteps_;
  int64_t timesteps_ = 0;
  std::vector<float> inputs_, v_;
  std::vector<int> slate_, permutation_;
};

// ---- learning ----------------------------------------------------------------------------------

class SlateQTrainer : public Trainer {
 public:
  SlateQTrainer(const Params& config, const AlgoContext& ctx, SlateQSettings settings)
      : spec_(ctx.env_spec),
        layout_(ctx.env_spec),
        settings_(std::move(settings)),
        replay_spec_(SlateQReplaySpec(config, ctx)),
        device_(LearnerDevice(ctx.learner_device)),
        net_(settings_.input_dim, settings_.hiddens),
        target_net_(settings_.input_dim, settings_.hiddens),
        gamma_(config.GetDouble("gamma")),
        reward_shift_(config.GetDouble("reward_shift")),
        beta_(config.GetDouble("prioritized_replay_beta")),
        priority_eps_(config.GetDouble("prioritized_replay_eps")),
        prioritized_(config.GetString("replay") == "prioritized"),
        use_huber_(config.GetBool("use_huber")),
        huber_threshold_(config.GetDouble("huber_threshold")),
        grad_clip_(config.GetDouble("grad_clip")),
        tau_(config.GetDouble("tau")),
        target_update_updates_(std::max<int64_t>(1, config.GetInt("target_update_freq") / config.GetInt("train_every"))) {
    net_->to(device_);
    target_net_->to(device_);
    SyncTarget(/*tau=*/1.0);
    if (config.GetString("optimizer") == "adam") {
      optimizer_ = std::make_unique<torch::optim::Adam>(
          net_->parameters(), torch::optim::AdamOptions(config.GetDouble("lr")).eps(config.GetDouble("rmsprop_epsilon")));
    } else {
      optimizer_ = std::make_unique<torch::optim::RMSprop>(
          net_->parameters(), torch::optim::RMSpropOptions(config.GetDouble("lr"))
                                  .alpha(0.95)
                                  .eps(config.GetDouble("rmsprop_epsilon"))
                                  .centered(true)
                                  .momentum(0.0));
    }
  }

  ReplaySpec replay_spec() const override { return replay_spec_; }

  Result<UpdateResult> update(const SampleBatch& batch) override {
    const int b = batch.num_items, c = spec_.num_candidates, k = spec_.slate_size;
    const int in = settings_.input_dim;
    // Unpack the transitions (envs/transition.h layout).
    std::vector<float> x(static_cast<size_t>(b) * c * in), x_next(x.size());
    std::vector<float> user(static_cast<size_t>(b) * spec_.user_dim), docs(static_cast<size_t>(b) * c * spec_.doc_dim);
    std::vector<float> next_user(user.size()), next_docs(docs.size());
    std::vector<int64_t> consumed(b, 0);
    std::vector<float> reward(b), not_done(b), clicked(b);
    for (int row = 0; row < b; ++row) {
      const float* t = batch.data.data() + static_cast<size_t>(row) * layout_.size;
      std::copy(t + layout_.user, t + layout_.user + spec_.user_dim, user.begin() + static_cast<size_t>(row) * spec_.user_dim);
      std::copy(t + layout_.docs, t + layout_.docs + layout_.docs_size, docs.begin() + static_cast<size_t>(row) * layout_.docs_size);
      std::copy(t + layout_.next_user, t + layout_.next_user + spec_.user_dim,
                next_user.begin() + static_cast<size_t>(row) * spec_.user_dim);
      std::copy(t + layout_.next_docs, t + layout_.next_docs + layout_.docs_size,
                next_docs.begin() + static_cast<size_t>(row) * layout_.docs_size);
      // The consumed item: the first clicked slot of the slate served at this step.
      clicked[row] = 0.0f;
      for (int p = 0; p < k; ++p)
        if (t[layout_.responses + p * spec_.response_dim] > 0.5f) {
          const float position = t[layout_.slate + p];
          if (!(position >= 0.0f && position < static_cast<float>(c)))  // NaN fails too
            return InvalidArgumentError("SlateQ: transition " + std::to_string(row) + " of the batch consumed candidate " +
                                        std::to_string(position) + ", outside 0.." + std::to_string(c - 1));
          consumed[row] = static_cast<int64_t>(position);
          clicked[row] = 1.0f;
          break;
        }
      reward[row] = t[layout_.reward] + static_cast<float>(reward_shift_);
      not_done[row] = t[layout_.terminated] > 0.5f ? 0.0f : 1.0f;
    }
    FillInputs(settings_, spec_, b, user.data(), docs.data(), x.data());
    FillInputs(settings_, spec_, b, next_user.data(), next_docs.data(), x_next.data());

    // Next value V' = max_{A'} Σ_{j∈A'} P(j | s', A') Q̄'(s', j), target network on s'
    // (docs/algorithms.md register entry 5 corrected).
    std::vector<float> next_value(b, 0.0f);
    {
      torch::NoGradGuard no_grad;
      torch::Tensor q_next = target_net_->forward(torch::from_blob(x_next.data(), {b, c, in}).to(device_))
                                 .to(torch::kCPU).contiguous();
      const float* qn = q_next.data_ptr<float>();
      std::vector<float> v(c);
      std::vector<int> slate(k);
      for (int row = 0; row < b; ++row) {
        ChoiceScores(settings_.choice_model, spec_, next_user.data() + static_cast<size_t>(row) * spec_.user_dim,
                     next_docs.data() + static_cast<size_t>(row) * c * spec_.doc_dim, v.data());
        next_value[row] = static_cast<float>(
            BestSlate(settings_.choice_model, settings_.target, v.data(), qn + static_cast<size_t>(row) * c, c, k, slate.data()));
      }
    }
    // Copies (never aliases) host data, so no tensor outlives the vector it came from.
    auto to_device = [&](std::vector<float>& data, std::vector<int64_t> shape) {
      return torch::from_blob(data.data(), shape, torch::kFloat32).to(device_, /*non_blocking=*/false, /*copy=*/true);
    };
    torch::Tensor reward_t = to_device(reward, {b}), not_done_t = to_device(not_done, {b});
    torch::Tensor clicked_t = to_device(clicked, {b}), next_value_t = to_device(next_value, {b});
    torch::Tensor consumed_t =
        torch::from_blob(consumed.data(), {b, 1}, torch::kInt64).to(device_, /*non_blocking=*/false, /*copy=*/true);

    // y = r + γ (1 − done) V'   (stop-gradient)
    torch::Tensor target = reward_t + gamma_ * not_done_t * next_value_t;
    // Q̄(s, i_consumed), trained only on transitions with a consumed item (docs/algorithms.md §3.1).
    torch::Tensor q_all = net_->forward(to_device(x, {b, c, in}));
    torch::Tensor q_consumed = q_all.gather(1, consumed_t).squeeze(1);
    torch::Tensor td_error = (q_consumed - target) * clicked_t;
    torch::Tensor per_item = use_huber_ ? torch::nn::functional::huber_loss(
                                              q_consumed * clicked_t, target * clicked_t,
                                              torch::nn::functional::HuberLossFuncOptions().reduction(torch::kNone).delta(huber_threshold_))
                                        : td_error.pow(2);
    // Importance weights w_i = (N·P_i)^−β / max_j w_j (prioritized replay; β = 0 turns them off).
    torch::Tensor weights = torch::ones({b}, torch::TensorOptions().device(device_));
    if (prioritized_ && beta_ > 0.0 && batch.probabilities.size() == static_cast<size_t>(b)) {
      std::vector<float> w(b);
      for (int row = 0; row < b; ++row)
        w[row] = static_cast<float>(std::pow(std::max(1e-12, batch.probabilities[row] * batch.table_size), -beta_));
      const float w_max = *std::max_element(w.begin(), w.end());
      for (auto& value : w) value /= w_max;
      weights = to_device(w, {b});
    }
    const torch::Tensor num_clicked = clicked_t.sum().clamp_min(1.0);
    torch::Tensor loss = (weights * per_item).sum() / num_clicked;

    optimizer_->zero_grad();
    loss.backward();
    if (grad_clip_ > 0.0) torch::nn::utils::clip_grad_norm_(net_->parameters(), grad_clip_);
    optimizer_->step();
    if (++num_updates_ % target_update_updates_ == 0) SyncTarget(tau_);

    UpdateResult result;
    torch::Tensor td_cpu = td_error.detach().abs().to(torch::kCPU).contiguous();
    if (prioritized_) {
      result.priorities.resize(b);
      for (int row = 0; row < b; ++row) result.priorities[row] = td_cpu.data_ptr<float>()[row] + priority_eps_;
    }
    const double n_clicked = clicked_t.sum().item<double>();
    result.metrics["learner/loss"] = loss.item<double>();
    result.metrics["learner/td_error_abs_mean"] = n_clicked > 0 ? td_cpu.sum().item<double>() / n_clicked : 0.0;
    result.metrics["learner/q_consumed_mean"] =
        n_clicked > 0 ? (q_consumed.detach() * clicked_t).sum().item<double>() / n_clicked : 0.0;
    result.metrics["learner/target_mean"] = n_clicked > 0 ? (target * clicked_t).sum().item<double>() / n_clicked : 0.0;
    result.metrics["learner/clicked_fraction"] = n_clicked / b;
    result.metrics["learner/target_syncs"] = static_cast<double>(num_updates_ / target_update_updates_);
    return result;
  }

  Weights weights() const override { return ExportWeights(const_cast<QNetwork&>(net_)); }

  // Checkpoint: online and target networks and the optimizer state.
  Status save(const std::string& dir) const override {
    RETURN_IF_ERROR(MakeDirectories(dir));
    try {
      torch::serialize::OutputArchive archive;
      torch::serialize::OutputArchive net_archive, target_archive, optimizer_archive;
      net_->save(net_archive);
      target_net_->save(target_archive);
      optimizer_->save(optimizer_archive);
      archive.write("net", net_archive);
      archive.write("target", target_archive);
      archive.write("optimizer", optimizer_archive);
      archive.write("num_updates", torch::tensor(num_updates_));
      const std::string tmp = dir + "/slateq.pt.tmp";
      archive.save_to(tmp);
      if (std::rename(tmp.c_str(), (dir + "/slateq.pt").c_str()) != 0)
        return UnavailableError(dir + "/slateq.pt: rename failed");
    } catch (const c10::Error& e) {
      return UnavailableError(dir + "/slateq.pt: " + e.what_without_backtrace());
    }
    return Status::Ok();
  }

  Status load(const std::string& dir) override {
    try {
      torch::serialize::InputArchive archive, net_archive, target_archive, optimizer_archive;
      archive.load_from(dir + "/slateq.pt", device_);
      archive.read("net", net_archive);
      archive.read("target", target_archive);
      archive.read("optimizer", optimizer_archive);
      // Module::load would take a checkpoint's shapes as they come: refuse another architecture
      // (e.g. other hiddens or features) before anything is loaded.
      RETURN_IF_ERROR(CheckArchiveShapes(net_archive, *net_, "net/").WithContext(dir + "/slateq.pt"));
      RETURN_IF_ERROR(CheckArchiveShapes(target_archive, *target_net_, "target/").WithContext(dir + "/slateq.pt"));
      net_->load(net_archive);
      target_net_->load(target_archive);
      optimizer_->load(optimizer_archive);
      torch::Tensor updates;
      archive.read("num_updates", updates);
      num_updates_ = updates.item<int64_t>();
    } catch (const c10::Error& e) {
      return DataLossError(dir + "/slateq.pt: not a loadable SlateQ checkpoint: " + e.what_without_backtrace());
    }
    return Status::Ok();
  }

 private:
  // target ← τ·online + (1 − τ)·target
  void SyncTarget(double tau) { PolyakUpdate(*net_, *target_net_, tau); }

  EnvSpec spec_;
  TransitionLayout layout_;
  SlateQSettings settings_;
  ReplaySpec replay_spec_;
  torch::Device device_;
  QNetwork net_, target_net_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  double gamma_, reward_shift_, beta_, priority_eps_;
  bool prioritized_, use_huber_;
  double huber_threshold_, grad_clip_, tau_;
  int64_t target_update_updates_;
  int64_t num_updates_ = 0;
};

}  // namespace

Result<std::unique_ptr<Policy>> CreateSlateQPolicy(const Params& config, const AlgoContext& ctx) {
  if (config.GetString("variant") == "gems") return CreateSlateQGemsPolicy(config, ctx);
  ASSIGN_OR_RETURN(SlateQSettings settings, MakeSettings(config, ctx));
  try {
    return std::unique_ptr<Policy>(new SlateQPolicy(config, ctx, std::move(settings)));
  } catch (const c10::Error& e) {
    return InternalError(std::string("SlateQ policy: ") + e.what_without_backtrace());
  }
}

Result<std::unique_ptr<Trainer>> CreateSlateQTrainer(const Params& config, const AlgoContext& ctx) {
  if (config.GetString("variant") == "gems") return CreateSlateQGemsTrainer(config, ctx);
  ASSIGN_OR_RETURN(SlateQSettings settings, MakeSettings(config, ctx));
  RETURN_IF_ERROR(CheckLearnerDevice(ctx.learner_device));
  try {
    torch::manual_seed(ctx.seed);  // initial weights: a function of the run seed
    return std::unique_ptr<Trainer>(new SlateQTrainer(config, ctx, std::move(settings)));
  } catch (const c10::Error& e) {
    return InternalError(std::string("SlateQ trainer: ") + e.what_without_backtrace());
  }
}

}  // namespace slaterl
