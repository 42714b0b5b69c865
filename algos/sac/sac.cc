// SAC for slates (docs/algorithms.md §4, ranker TopK), read top to bottom:
//   config → settings → acting (torch-free: belief, tanh-Gaussian, TopK / WkNN rankers) → learning
//   (critic, actor, temperature, targets; written like docs/algorithms.md §4.2) → checkpoints.
#include "algos/sac/sac.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "algos/common/gems_common.h"
#include "algos/common/gru_belief.h"
#include "algos/common/torch_device.h"
#include "algos/common/torch_nets.h"
#include "algos/common/torch_util.h"
#include "core/files.h"
#include "envs/topics_embeddings.h"
#include "envs/trajectory.h"

namespace slaterl {

// ---- config ------------------------------------------------------------------------------------

Schema SacSchema() {
  return Schema("config")
      .Enum("preset", "clean", {"clean", "gems_repro"},
            "gems_repro: as naver/gems, register quirks included (docs/algorithms.md §8: entry 9, log α "
            "starts at 0); clean: fixed.")
      .Enum("ranker", "topk", {"topk", "wknn"},
            "Ranker mapping the proto-action to a slate: topk (docs/algorithms.md §4.3.1, D = d) or wknn "
            "(Wolpertinger, docs/algorithms.md §4.3.3, D = k·d: per-slot k-NN retrieval refined greedily "
            "by the critic).")
      .Enum("ranker_embeddings", "ideal", {"ideal", "mf", "scratch"},
            "Item embeddings of the ranker: the env's own (privileged, \"SAC+TopK (ideal)\"), MF "
            "embeddings from `slaterl pretrain mf` (\"SAC+TopK (MF)\", WkNN corrected), or scratch = a "
            "frozen copy of the beliefs' random initial table (WkNN as GeMS runs it, "
            "docs/algorithms.md register entry 15).")
      .Int("wolpertinger_k", 10, 1, 1 << 20, "items", "wknn: nearest items retrieved per slot.")
      .Enum("target_slate", "refine", {"refine", "nearest"},
            "wknn: the next slate of the critic target is the critic-refined slate "
            "(docs/algorithms.md §4.3.3) or, cheaper, the nearest item per slot.")
      .String("mf_embeddings", "", "Path of the MF table (raw float32 N × d) when ranker_embeddings is mf.")
      .Int("item_dim", 20, 1, 1024, "",
           "Dimension d of the belief encoders' item tables (docs/algorithms.md §1.5).")
      .Int("belief_dim", 20, 1, 1024, "", "GRU hidden size d_s (docs/algorithms.md §1.5).")
      .Int("hidden", 256, 1, 65536, "units",
           "Hidden layer of the policy and of each critic (docs/algorithms.md §4.2).")
      .Double("gamma", 0.8, 0.0, 1.0, "", "Discount γ.")
      .Double("tau", 0.002, 0.0, 1.0, "", "Polyak factor of the target critics.", true)
      .Int("target_update_freq", 1, 1, 1 << 30, "updates", "Polyak step period.")
      .Double("q_lr", 1e-3, 0.0, 1.0, "", "Adam learning rate of the critics and the critic belief.", true)
      .Double("pi_lr", 3e-3, 0.0, 1.0, "", "Adam learning rate of the policy and the actor belief.", true)
      .Double("alpha_lr", 1e-3, 0.0, 1.0, "", "Adam learning rate of log α.", true)
      .Double("alpha", 0.2, 0.0, 1e6, "", "Entropy temperature α (initial value with auto_entropy).")
      .Bool("auto_entropy", true, "Tune α towards the target entropy −D (docs/algorithms.md §4.2 step 3).")
      .Int("batch_size", 20, 1, 1 << 20, "trajectories", "Trajectories per update.")
      .Int("replay_capacity", 10000, 1, int64_t(1) << 31, "trajectories", "FIFO capacity over all shards.")
      .Int("random_steps", 2000, 0, int64_t(1) << 40, "episodes",
           "Training episodes acted with random ranker actions before learning starts "
           "(docs/algorithms.md §1.3).")
      .Enum("random_action", "central_half", {"central_half", "full_box"},
            "Random-phase proto-action: c + w(U − 0.5) as GeMS (docs/algorithms.md register entry 10) "
            "or the full box c + w(2U − 1).");
}

namespace {

enum class Ranker { kTopK, kWknn };

struct SacSettings : GemsBasics {
  Ranker ranker = Ranker::kTopK;
  int hidden = 256;
  int ranker_dim = 20;  // d_r, dimension of the ranker's item embeddings
  int action_dim = 20;  // D: topk d_r; wknn k·d_r (one target embedding per slot)
  int wolpertinger_k = 10;
  bool target_refine = true;
  bool full_box_random = false;
  // N × item_dim, both beliefs start from it (docs/algorithms.md §1.5).
  std::vector<float> initial_table;
  std::vector<float> ranker_table;        // N × d_r
  std::vector<float> centre, half_width;  // D
  // docs/algorithms.md register entries 16 and 17 (gems_repro): retrieval reads the proto-action
  // feature-major, and the refinement scores with target critic 1 on the actor belief.
  bool feature_major_retrieval() const { return preset == GemsPreset::kGemsRepro; }
  bool refine_with_target_on_actor() const { return preset == GemsPreset::kGemsRepro; }
};

// The initial item table of the beliefs: N(0, 1) from the run seed (the same on every role, so
// `ranker_embeddings: scratch` can freeze a copy of it on the acting side).
std::vector<float> InitialBeliefTable(uint64_t seed, int num_items, int dim) {
  Rng rng(DeriveSeed(seed, {kSeedBeliefTable}));
  std::vector<float> table(static_cast<size_t>(num_items) * dim);
  for (float& v : table) v = static_cast<float>(rng.Normal());
  return table;
}

Result<SacSettings> MakeSettings(const Params& config, const AlgoContext& ctx) {
  SacSettings s;
  ASSIGN_OR_RETURN(static_cast<GemsBasics&>(s), ReadGemsBasics("sac", config, ctx.env_name, ctx.env_spec));
  s.hidden = static_cast<int>(config.GetInt("hidden"));
  s.full_box_random = config.GetString("random_action") == "full_box";
  s.ranker = config.GetString("ranker") == "wknn" ? Ranker::kWknn : Ranker::kTopK;
  s.wolpertinger_k = static_cast<int>(std::min<int64_t>(config.GetInt("wolpertinger_k"), s.num_items));
  s.target_refine = config.GetString("target_slate") == "refine";
  s.initial_table = InitialBeliefTable(ctx.seed, s.num_items, s.item_dim);
  const std::string embeddings = config.GetString("ranker_embeddings");
  if (embeddings == "scratch") {
    if (s.ranker != Ranker::kWknn)
      return InvalidArgumentError("config.ranker_embeddings: scratch is the WkNN quirk of "
                                  "docs/algorithms.md register entry 15; topk needs ideal or mf");
    s.ranker_dim = s.item_dim;
    s.ranker_table = s.initial_table;
  } else {
    s.ranker_dim = kGemsNumTopics * kGemsTopicSize;
    ASSIGN_OR_RETURN(s.ranker_table, LoadRankerEmbeddings(embeddings, config.GetString("mf_embeddings"),
                                                          *ctx.env_config, s.num_items, s.ranker_dim));
  }
  std::vector<float> centre, half_width;
  EmbeddingBounds(s.ranker_table, s.ranker_dim, &centre, &half_width);
  const int tiles = s.ranker == Ranker::kWknn ? s.slate_size : 1;  // WkNN: bounds tiled k times
  for (int t = 0; t < tiles; ++t) {
    s.centre.insert(s.centre.end(), centre.begin(), centre.end());
    s.half_width.insert(s.half_width.end(), half_width.begin(), half_width.end());
  }
  s.action_dim = tiles * s.ranker_dim;
  return s;
}

}  // namespace

ReplaySpec SacReplaySpec(const Params& config, const AlgoContext& ctx) {
  // TopK trains the critic on the stored proto-action; WkNN on the served slate's embeddings.
  const int action_dim = config.GetString("ranker") == "wknn" ? 0 : kGemsNumTopics * kGemsTopicSize;
  return GemsTrajectoryReplaySpec(config, ctx.replay_shards, ctx.env_spec, action_dim, /*user_dim=*/0);
}

// ---- acting (torch-free) -----------------------------------------------------------------------

namespace {

// A critic Q(s, [ê_1 … ê_k]) = w2·relu(W_s s + Σ_p W_p ê_p + b1) + b2 split by slot, so that the
// greedy WkNN refinement (docs/algorithms.md §4.3.3) scores a candidate c at slot p with one d-wide product:
// pre_p + S_p E_c, where pre_p = W_s s + b1 + Σ_{q<p} W_q ê_q and S_p = Σ_{q≥p} W_q.
struct SlotCritic {
  int state_dim = 0, slots = 0, dim = 0, hidden = 0;
  std::vector<float> w_state, b1, w2;  // hidden × state_dim, hidden, hidden
  std::vector<float> w_slot, suffix;   // slots × hidden × dim each
  float b2 = 0.0f;

  Status Load(const Weights& weights, const std::string& prefix, int state_dim_, int slots_, int dim_, int hidden_) {
    const int in = state_dim_ + slots_ * dim_;
    ASSIGN_OR_RETURN(const WeightTensor* w1, FindWeightTensor(weights, prefix + ".0.weight", {hidden_, in}));
    ASSIGN_OR_RETURN(const WeightTensor* bias1, FindWeightTensor(weights, prefix + ".0.bias", {hidden_}));
    ASSIGN_OR_RETURN(const WeightTensor* w2t, FindWeightTensor(weights, prefix + ".2.weight", {1, hidden_}));
    ASSIGN_OR_RETURN(const WeightTensor* bias2, FindWeightTensor(weights, prefix + ".2.bias", {1}));
    state_dim = state_dim_, slots = slots_, dim = dim_, hidden = hidden_;
    w_state.assign(static_cast<size_t>(hidden) * state_dim, 0.0f);
    w_slot.assign(static_cast<size_t>(slots) * hidden * dim, 0.0f);
    for (int h = 0; h < hidden; ++h) {
      const float* row = w1->data.data() + static_cast<size_t>(h) * in;
      std::copy(row, row + state_dim, w_state.begin() + static_cast<size_t>(h) * state_dim);
      for (int p = 0; p < slots; ++p)
        std::copy(row + state_dim + p * dim, row + state_dim + (p + 1) * dim,
                  w_slot.begin() + (static_cast<size_t>(p) * hidden + h) * dim);
    }
    suffix = w_slot;
    for (int p = slots - 2; p >= 0; --p)
      for (size_t i = 0; i < static_cast<size_t>(hidden) * dim; ++i)
        suffix[static_cast<size_t>(p) * hidden * dim + i] += suffix[static_cast<size_t>(p + 1) * hidden * dim + i];
    b1 = bias1->data;
    w2 = w2t->data;
    b2 = bias2->data[0];
    return Status::Ok();
  }
  // pre = W_s s + b1 (hidden floats).
  void Start(const float* state, float* pre) const {
    for (int h = 0; h < hidden; ++h) {
      float sum = b1[static_cast<size_t>(h)];
      const float* row = w_state.data() + static_cast<size_t>(h) * state_dim;
      for (int j = 0; j < state_dim; ++j) sum += row[j] * state[j];
      pre[h] = sum;
    }
  }
  // Q of filling slots p…k with embedding e, given pre (slots < p already added).
  float ScoreFill(const float* pre, int p, const float* e) const {
    float q = b2;
    const float* m = suffix.data() + static_cast<size_t>(p) * hidden * dim;
    for (int h = 0; h < hidden; ++h) {
      float sum = pre[h];
      for (int j = 0; j < dim; ++j) sum += m[static_cast<size_t>(h) * dim + j] * e[j];
      q += w2[static_cast<size_t>(h)] * std::max(0.0f, sum);
    }
    return q;
  }
  // pre += W_p e.
  void Commit(float* pre, int p, const float* e) const {
    const float* m = w_slot.data() + static_cast<size_t>(p) * hidden * dim;
    for (int h = 0; h < hidden; ++h)
      for (int j = 0; j < dim; ++j) pre[h] += m[static_cast<size_t>(h) * dim + j] * e[j];
  }
};

class SacPolicy : public Policy {
 public:
  SacPolicy(SacSettings settings, const EnvSpec& spec)
      : s_(std::move(settings)),
        spec_(spec),
        belief_(spec.num_envs, s_.num_items, s_.item_dim, spec.slate_size, s_.belief_dim),
        critic_belief_(spec.num_envs, s_.num_items, s_.item_dim, spec.slate_size, s_.belief_dim),
        head_(static_cast<size_t>(2 * s_.action_dim)),
        action_(static_cast<size_t>(s_.action_dim)),
        scores_(static_cast<size_t>(s_.num_items)) {}

  int action_dim() const override { return s_.action_dim; }
  void set_progress(int64_t episodes_total) override { progress_ = episodes_total; }
  Status VisitState(StateArchive& archive) override {
    { StateArchive::Scope scope(archive, "actor_belief"); belief_.VisitState(archive); }
    { StateArchive::Scope scope(archive, "critic_belief"); critic_belief_.VisitState(archive); }
    archive.Field("progress", progress_);
    archive.Field("loaded", loaded_);
    archive.Field("action", action_);
    return archive.status();
  }

  Status load(const Weights& weights) override {
    RETURN_IF_ERROR(belief_.Load(weights, "actor_belief"));
    RETURN_IF_ERROR(policy_.Load(weights, "policy", {s_.belief_dim, s_.hidden, 2 * s_.action_dim}));
    if (s_.ranker == Ranker::kWknn) {
      critics_.assign(s_.refine_with_target_on_actor() ? 1 : 2, SlotCritic());
      if (s_.refine_with_target_on_actor()) {
        RETURN_IF_ERROR(critics_[0].Load(weights, "q1_target", s_.belief_dim, s_.slate_size, s_.ranker_dim, s_.hidden));
      } else {
        RETURN_IF_ERROR(critic_belief_.Load(weights, "critic_belief"));
        RETURN_IF_ERROR(critics_[0].Load(weights, "q1", s_.belief_dim, s_.slate_size, s_.ranker_dim, s_.hidden));
        RETURN_IF_ERROR(critics_[1].Load(weights, "q2", s_.belief_dim, s_.slate_size, s_.ranker_dim, s_.hidden));
      }
      pre_.assign(critics_.size() * static_cast<size_t>(s_.hidden), 0.0f);
    }
    scratch_.assign(static_cast<size_t>(2 * policy_.max_width()), 0.0f);
    loaded_ = true;
    return Status::Ok();
  }

  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override {
    const int k = spec_.slate_size, D = s_.action_dim;
    const bool random_phase = explore_ && (progress_ < s_.random_steps || !loaded_);
    for (int n = 0; n < spec_.num_envs; ++n) {
      const float* h = loaded_ ? belief_.Observe(obs, n, spec_.response_dim) : nullptr;
      const bool critic_state = loaded_ && s_.ranker == Ranker::kWknn && !s_.refine_with_target_on_actor();
      const float* h_critic = critic_state ? critic_belief_.Observe(obs, n, spec_.response_dim) : h;
      for (int j = 0; j < D; ++j) {
        const float c = s_.centre[static_cast<size_t>(j)], w = s_.half_width[static_cast<size_t>(j)];
        if (random_phase) {
          const double u = rng.Uniform();
          action_[static_cast<size_t>(j)] = static_cast<float>(c + w * (s_.full_box_random ? 2.0 * u - 1.0 : u - 0.5));
        } else if (!loaded_) {
          action_[static_cast<size_t>(j)] = c;
        }
      }
      if (!random_phase && loaded_) {
        policy_.Forward(h, head_.data(), scratch_.data());
        for (int j = 0; j < D; ++j) {
          const float mu = head_[static_cast<size_t>(j)];
          const float log_std = std::min(2.0f, std::max(-20.0f, head_[static_cast<size_t>(D + j)]));
          const float u = explore_ ? mu + std::exp(log_std) * static_cast<float>(rng.Normal()) : mu;
          action_[static_cast<size_t>(j)] = s_.centre[static_cast<size_t>(j)] + s_.half_width[static_cast<size_t>(j)] * std::tanh(u);
        }
      }
      int32_t* slate = out->items.data() + static_cast<size_t>(n) * k;
      if (s_.ranker == Ranker::kTopK) {
        RankTopK(slate);
      } else {
        RankWknn(loaded_ ? h_critic : nullptr, slate);
      }
      if (out->actions.size() == static_cast<size_t>(spec_.num_envs) * D)
        std::copy(action_.begin(), action_.end(), out->actions.begin() + static_cast<size_t>(n) * D);
    }
  }

 private:
  // TopK (docs/algorithms.md §4.3.1): the k items with the largest ⟨E_i, a⟩, descending.
  void RankTopK(int32_t* slate) {
    const int d = s_.ranker_dim;
    for (int i = 0; i < s_.num_items; ++i) {
      const float* e = s_.ranker_table.data() + static_cast<size_t>(i) * d;
      float dot = 0.0f;
      for (int j = 0; j < d; ++j) dot += e[j] * action_[static_cast<size_t>(j)];
      scores_[static_cast<size_t>(i)] = dot;
    }
    TopKByScore(scores_.data(), s_.num_items, spec_.slate_size, &order_, slate);
  }

  // WkNN (docs/algorithms.md §4.3.3): per slot p the wolpertinger_k items nearest to the slot's
  // target q_p; then slot by slot, the candidate whose "fill the rest with it" slate the critic values most
  // (without weights yet: the nearest item).
  void RankWknn(const float* state, int32_t* slate) {
    const int k = spec_.slate_size, d = s_.ranker_dim, K = s_.wolpertinger_k;
    if (state != nullptr)
      for (size_t c = 0; c < critics_.size(); ++c) critics_[c].Start(state, pre_.data() + c * s_.hidden);
    std::vector<float>& query = query_;
    query.resize(static_cast<size_t>(d));
    for (int p = 0; p < k; ++p) {
      // Slot-major q_p = a[p·d + j]; docs/algorithms.md register entry 16: a[j·k + p].
      for (int j = 0; j < d; ++j)
        query[static_cast<size_t>(j)] = action_[static_cast<size_t>(s_.feature_major_retrieval() ? j * k + p : p * d + j)];
      for (int i = 0; i < s_.num_items; ++i) {
        const float* e = s_.ranker_table.data() + static_cast<size_t>(i) * d;
        float dist = 0.0f;
        for (int j = 0; j < d; ++j) dist += (e[j] - query[static_cast<size_t>(j)]) * (e[j] - query[static_cast<size_t>(j)]);
        scores_[static_cast<size_t>(i)] = -dist;
      }
      candidates_.resize(static_cast<size_t>(K));
      TopKByScore(scores_.data(), s_.num_items, K, &order_, candidates_.data());
      int32_t best = candidates_[0];
      if (state != nullptr) {
        float best_q = -std::numeric_limits<float>::infinity();
        for (int32_t c : candidates_) {
          const float* e = s_.ranker_table.data() + static_cast<size_t>(c) * d;
          float q = std::numeric_limits<float>::infinity();
          for (size_t j = 0; j < critics_.size(); ++j)
            q = std::min(q, critics_[j].ScoreFill(pre_.data() + j * s_.hidden, p, e));
          if (q > best_q) best_q = q, best = c;
        }
        const float* e = s_.ranker_table.data() + static_cast<size_t>(best) * d;
        for (size_t j = 0; j < critics_.size(); ++j) critics_[j].Commit(pre_.data() + j * s_.hidden, p, e);
      }
      slate[p] = best;
    }
  }

  SacSettings s_;
  EnvSpec spec_;
  BeliefTracker belief_, critic_belief_;
  Mlp policy_;
  std::vector<SlotCritic> critics_;  // WkNN refinement scorers
  bool loaded_ = false;
  int64_t progress_ = 0;
  std::vector<float> head_, action_, scores_, scratch_, pre_, query_;
  std::vector<int32_t> order_, candidates_;
};

// ---- learning ----------------------------------------------------------------------------------

torch::nn::Sequential MakeMlp(int in, int hidden, int out) {
  return torch::nn::Sequential(torch::nn::Linear(in, hidden), torch::nn::ReLU(), torch::nn::Linear(hidden, out));
}

// Every learned tensor of SAC, registered in one module for checkpoints.
struct SacNetsImpl : torch::nn::Module {
  SacNetsImpl(const SacSettings& s, const torch::Tensor& initial_table) {
    actor_belief = register_module("actor_belief", GruBelief(initial_table, s.slate_size, s.belief_dim));
    critic_belief = register_module("critic_belief", GruBelief(initial_table, s.slate_size, s.belief_dim));
    policy = register_module("policy", MakeMlp(s.belief_dim, s.hidden, 2 * s.action_dim));
    q1 = register_module("q1", MakeMlp(s.belief_dim + s.action_dim, s.hidden, 1));
    q2 = register_module("q2", MakeMlp(s.belief_dim + s.action_dim, s.hidden, 1));
    q1_target = register_module("q1_target", MakeMlp(s.belief_dim + s.action_dim, s.hidden, 1));
    q2_target = register_module("q2_target", MakeMlp(s.belief_dim + s.action_dim, s.hidden, 1));
    PolyakUpdate(*q1, *q1_target, 1.0);  // targets start as copies
    PolyakUpdate(*q2, *q2_target, 1.0);
    // docs/algorithms.md register entry 9: GeMS starts log α at 0 although the first update uses α = 0.2.
    const double log_alpha0 = s.preset == GemsPreset::kGemsRepro ? 0.0 : std::log(0.2);
    log_alpha = register_parameter("log_alpha", torch::full({1}, log_alpha0));
  }
  GruBelief actor_belief{nullptr}, critic_belief{nullptr};
  torch::nn::Sequential policy{nullptr}, q1{nullptr}, q2{nullptr}, q1_target{nullptr}, q2_target{nullptr};
  torch::Tensor log_alpha;
};
TORCH_MODULE(SacNets);

std::vector<torch::Tensor> ParametersOf(std::initializer_list<torch::nn::Module*> modules) {
  std::vector<torch::Tensor> out;
  for (torch::nn::Module* m : modules)
    for (const torch::Tensor& p : m->parameters()) out.push_back(p);
  return out;
}

class SacTrainer : public Trainer {
 public:
  SacTrainer(const Params& config, const AlgoContext& ctx, SacSettings s)
      : s_(std::move(s)),
        layout_(s_.steps, s_.slate_size, s_.ranker == Ranker::kWknn ? 0 : s_.action_dim, 0),
        replay_spec_(SacReplaySpec(config, ctx)),
        device_(LearnerDevice(ctx.learner_device)),
        nets_(s_, torch::from_blob(s_.initial_table.data(), {s_.num_items, s_.item_dim}, torch::kFloat32).clone()),
        gamma_(config.GetDouble("gamma")),
        tau_(config.GetDouble("tau")),
        target_update_freq_(config.GetInt("target_update_freq")),
        auto_entropy_(config.GetBool("auto_entropy")),
        alpha_(config.GetDouble("alpha")),
        target_entropy_(-static_cast<double>(s_.action_dim)) {
    nets_->to(device_);
    if (!auto_entropy_ || s_.preset == GemsPreset::kClean) {
      torch::NoGradGuard no_grad;
      nets_->log_alpha.fill_(std::log(std::max(alpha_, 1e-30)));
    }
    ranker_table_ = torch::from_blob(s_.ranker_table.data(), {s_.num_items, s_.ranker_dim}, torch::kFloat32)
                        .clone()
                        .to(device_);
    centre_ = torch::tensor(s_.centre).to(device_);
    half_width_ = torch::tensor(s_.half_width).to(device_);
    q_optimizer_ = std::make_unique<torch::optim::Adam>(
        ParametersOf({nets_->q1.ptr().get(), nets_->q2.ptr().get(), nets_->critic_belief.ptr().get()}),
        torch::optim::AdamOptions(config.GetDouble("q_lr")));
    pi_optimizer_ = std::make_unique<torch::optim::Adam>(
        ParametersOf({nets_->policy.ptr().get(), nets_->actor_belief.ptr().get()}),
        torch::optim::AdamOptions(config.GetDouble("pi_lr")));
    alpha_optimizer_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{nets_->log_alpha},
                                                            torch::optim::AdamOptions(config.GetDouble("alpha_lr")));
  }

  ReplaySpec replay_spec() const override { return replay_spec_; }

  // a ~ π(·|s) reparameterised: u = μ + σ ⊙ ξ, a = c + w ⊙ tanh(u), with log π(a|s)
  // (docs/algorithms.md §4.2).
  std::pair<torch::Tensor, torch::Tensor> SampleAction(const torch::Tensor& belief) {
    torch::Tensor head = nets_->policy->forward(belief);
    torch::Tensor mu = head.narrow(1, 0, s_.action_dim);
    torch::Tensor log_std = head.narrow(1, s_.action_dim, s_.action_dim).clamp(-20.0, 2.0);
    torch::Tensor std = log_std.exp();
    torch::Tensor u = mu + std * torch::randn_like(mu);
    torch::Tensor tanh_u = torch::tanh(u);
    torch::Tensor log_normal = -0.5 * ((u - mu) / std).pow(2) - log_std - 0.5 * std::log(2.0 * M_PI);
    torch::Tensor log_pi = (log_normal - torch::log(1.0 - tanh_u.pow(2) + 1e-6)).sum(1);
    return {centre_ + half_width_ * tanh_u, log_pi};
  }

  // WkNN (docs/algorithms.md §4.3.3) on a batch: per slot the wolpertinger_k items nearest to the
  // slot's target, then (target_slate: refine) greedy refinement by the scoring critics — the
  // split-by-slot form of SlotCritic, batched. Clean: min of the online critics on the critic
  // belief; docs/algorithms.md register entry 17: target critic 1 on the actor belief. Returns item
  // ids [M, k].
  torch::Tensor WknnSlates(const torch::Tensor& proto, const torch::Tensor& critic_state, const torch::Tensor& actor_state) {
    torch::NoGradGuard no_grad;
    const int64_t M = proto.size(0), k = s_.slate_size, d = s_.ranker_dim;
    torch::Tensor query = s_.feature_major_retrieval() ? proto.view({M, d, k}).transpose(1, 2) : proto.view({M, k, d});
    torch::Tensor dist = query.pow(2).sum(-1, true) - 2.0 * query.matmul(ranker_table_.t()) +
                         ranker_table_.pow(2).sum(-1).view({1, 1, -1});               // [M, k, N]
    torch::Tensor candidates = std::get<1>((-dist).topk(s_.wolpertinger_k, -1));        // [M, k, K]
    if (!s_.target_refine) return candidates.select(2, 0);
    std::vector<torch::nn::Sequential> critics =
        s_.refine_with_target_on_actor() ? std::vector<torch::nn::Sequential>{nets_->q1_target}
                                         : std::vector<torch::nn::Sequential>{nets_->q1, nets_->q2};
    const torch::Tensor& state = s_.refine_with_target_on_actor() ? actor_state : critic_state;
    const int64_t H = state.size(1);
    std::vector<torch::Tensor> pre, slot_w, suffix, w2, b2;
    for (auto& critic : critics) {
      auto* first = critic[0]->as<torch::nn::Linear>();
      auto* last = critic[2]->as<torch::nn::Linear>();
      torch::Tensor w1 = first->weight;                                       // [hid, H + k·d]
      torch::Tensor slots = w1.narrow(1, H, k * d).view({-1, k, d}).permute({1, 0, 2});  // [k, hid, d]
      slot_w.push_back(slots);
      suffix.push_back(slots.flip(0).cumsum(0).flip(0));
      pre.push_back(state.matmul(w1.narrow(1, 0, H).t()) + first->bias);    // [M, hid]
      w2.push_back(last->weight.view({-1}));
      b2.push_back(last->bias);
    }
    torch::Tensor chosen = torch::empty({M, k}, torch::kInt64).to(device_);
    for (int64_t p = 0; p < k; ++p) {
      torch::Tensor cand = candidates.select(1, p);                                          // [M, K]
      torch::Tensor emb = ranker_table_.index_select(0, cand.reshape({-1})).view({M, -1, d});  // [M, K, d]
      torch::Tensor q;
      for (size_t c = 0; c < critics.size(); ++c) {
        torch::Tensor hidden = torch::relu(pre[c].unsqueeze(1) + emb.matmul(suffix[c][p].t()));  // [M, K, hid]
        torch::Tensor qc = hidden.matmul(w2[c]) + b2[c];                                        // [M, K]
        q = c == 0 ? qc : torch::min(q, qc);
      }
      torch::Tensor best = cand.gather(1, q.argmax(1, true)).squeeze(1);                       // [M]
      chosen.select(1, p).copy_(best);
      torch::Tensor e = ranker_table_.index_select(0, best);                                   // [M, d]
      for (size_t c = 0; c < critics.size(); ++c) pre[c] += e.matmul(slot_w[c][p].t());
    }
    return chosen;
  }

  // Concatenated ranker embeddings of slates [..., k] → [..., k·d] (slot-major, the critic's input).
  torch::Tensor SlateEmbeddings(const torch::Tensor& slates) {
    const int64_t k = s_.slate_size, d = s_.ranker_dim;
    std::vector<int64_t> shape = slates.sizes().vec();
    shape.back() = k * d;
    return ranker_table_.index_select(0, slates.reshape({-1})).view(shape);
  }

  Result<UpdateResult> update(const SampleBatch& batch) override {
    ASSIGN_OR_RETURN(const TrajectoryTensors tt, ToTrajectoryTensors(batch, layout_, device_));
    UpdateResult result;
    const int64_t B = tt.batch, T = tt.steps, H = s_.belief_dim, D = s_.action_dim;
    // Beliefs recomputed over whole trajectories with the current weights (docs/algorithms.md §1.2): s_t from
    // o_0…o_t; the next state s_{t+1} is detached and masked at the episode's last step.
    torch::Tensor actor_beliefs = nets_->actor_belief->forward(tt.slates, tt.clicks);    // [B, T+1, H]
    torch::Tensor critic_beliefs = nets_->critic_belief->forward(tt.slates, tt.clicks);  // [B, T+1, H]
    torch::Tensor s_actor = actor_beliefs.narrow(1, 0, T).reshape({B * T, H});
    torch::Tensor s_actor_next = actor_beliefs.narrow(1, 1, T).reshape({B * T, H}).detach();
    torch::Tensor s_critic = critic_beliefs.narrow(1, 0, T).reshape({B * T, H});
    torch::Tensor s_critic_next = critic_beliefs.narrow(1, 1, T).reshape({B * T, H}).detach();
    // The critic's replay action: TopK the stored proto-action; WkNN the served slate's embeddings
    // (A_t from o_{t+1}; docs/algorithms.md register entry 1: o_t's slate).
    torch::Tensor a = s_.ranker == Ranker::kTopK
                          ? tt.actions.reshape({B * T, D})
                          : SlateEmbeddings(tt.slates.narrow(1, s_.preset == GemsPreset::kClean ? 1 : 0, T))
                                .reshape({B * T, D});
    torch::Tensor r = tt.rewards.reshape({B * T});
    torch::Tensor done = tt.done.reshape({B * T});

    // 1. Critic: y = r + γ(1 − done)·[min_j Q'_j(s', a') − α log π(a'|s')], a' ~ π(·|s').
    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      auto [a_next, log_pi_next] = SampleAction(s_actor_next);
      // WkNN: the critic sees the slate the ranker makes of a' (its embeddings).
      if (s_.ranker == Ranker::kWknn) a_next = SlateEmbeddings(WknnSlates(a_next, s_critic_next, s_actor_next));
      torch::Tensor x_next = torch::cat({s_critic_next, a_next}, 1);
      torch::Tensor q_next = torch::min(nets_->q1_target->forward(x_next), nets_->q2_target->forward(x_next)).squeeze(1);
      y = r + gamma_ * (1.0 - done) * (q_next - alpha_ * log_pi_next);
    }
    torch::Tensor x = torch::cat({s_critic, a}, 1);
    torch::Tensor q1 = nets_->q1->forward(x).squeeze(1), q2 = nets_->q2->forward(x).squeeze(1);
    torch::Tensor q_loss = 0.5 * ((q1 - y).pow(2).mean() + (q2 - y).pow(2).mean());
    q_optimizer_->zero_grad();
    q_loss.backward();
    q_optimizer_->step();

    // 2. Actor: L_π = mean[α log π(ã|s) − min_j Q_j(sg(s^crit), ã)], ã reparameterised.
    auto [a_new, log_pi] = SampleAction(s_actor);
    torch::Tensor x_new = torch::cat({s_critic.detach(), a_new}, 1);
    torch::Tensor q_new = torch::min(nets_->q1->forward(x_new), nets_->q2->forward(x_new)).squeeze(1);
    torch::Tensor pi_loss = (alpha_ * log_pi - q_new).mean();
    pi_optimizer_->zero_grad();
    pi_loss.backward();
    pi_optimizer_->step();

    // 3. Temperature: L_α = −mean[exp(log α)·(log π̃ + H̄)], then α ← exp(log α).
    if (auto_entropy_) {
      torch::Tensor alpha_loss = -(nets_->log_alpha.exp() * (log_pi.detach() + target_entropy_)).mean();
      alpha_optimizer_->zero_grad();
      alpha_loss.backward();
      alpha_optimizer_->step();
      alpha_ = nets_->log_alpha.exp().item<double>();
    }

    // 4. Targets: θ' ← (1 − τ)θ' + τθ.
    ++num_updates_;
    if (num_updates_ % target_update_freq_ == 0) {
      PolyakUpdate(*nets_->q1, *nets_->q1_target, tau_);
      PolyakUpdate(*nets_->q2, *nets_->q2_target, tau_);
    }
    result.metrics["learner/q_loss"] = q_loss.item<double>();
    result.metrics["learner/pi_loss"] = pi_loss.item<double>();
    result.metrics["learner/alpha"] = alpha_;
    result.metrics["learner/entropy"] = -log_pi.detach().mean().item<double>();
    result.metrics["learner/q_mean"] = q1.detach().mean().item<double>();
    result.metrics["learner/batch_return_mean"] = tt.rewards.sum().item<double>() / static_cast<double>(B);
    return result;
  }

  Weights weights() const override {
    Weights w;
    auto& nets = const_cast<SacNetsImpl&>(*nets_);
    AppendModuleWeights(*nets.actor_belief, "actor_belief", &w);
    AppendModuleWeights(*nets.policy, "policy", &w);
    // WkNN: the acting side refines slates with the critic (docs/algorithms.md §4.3.3).
    if (s_.ranker == Ranker::kWknn) {
      if (s_.refine_with_target_on_actor()) {
        AppendModuleWeights(*nets.q1_target, "q1_target", &w);
      } else {
        AppendModuleWeights(*nets.critic_belief, "critic_belief", &w);
        AppendModuleWeights(*nets.q1, "q1", &w);
        AppendModuleWeights(*nets.q2, "q2", &w);
      }
    }
    return w;
  }

  // Checkpoint: every network (beliefs, policy, critics, targets, log α), the three optimisers,
  // α and the update count.
  Status save(const std::string& dir) const override {
    auto& self = const_cast<SacTrainer&>(*this);
    return SaveTorchCheckpoint(dir + "/sac.pt", *self.nets_, self.Optimizers(),
                               {{"num_updates", static_cast<double>(num_updates_)}, {"alpha", alpha_}});
  }

  Status load(const std::string& dir) override {
    std::map<std::string, double> scalars = {{"num_updates", 0.0}, {"alpha", 0.0}};
    RETURN_IF_ERROR(LoadTorchCheckpoint(dir + "/sac.pt", device_, *nets_, Optimizers(), &scalars));
    num_updates_ = static_cast<int64_t>(scalars["num_updates"]);
    alpha_ = scalars["alpha"];
    return Status::Ok();
  }

 private:
  NamedOptimizers Optimizers() {
    return {{"q_optimizer", q_optimizer_.get()}, {"pi_optimizer", pi_optimizer_.get()},
            {"alpha_optimizer", alpha_optimizer_.get()}};
  }

  SacSettings s_;
  TrajectoryLayout layout_;
  ReplaySpec replay_spec_;
  torch::Device device_;
  SacNets nets_;
  double gamma_, tau_;
  int64_t target_update_freq_;
  bool auto_entropy_;
  double alpha_, target_entropy_;
  torch::Tensor ranker_table_, centre_, half_width_;
  std::unique_ptr<torch::optim::Adam> q_optimizer_, pi_optimizer_, alpha_optimizer_;
  int64_t num_updates_ = 0;
};

}  // namespace

Result<std::unique_ptr<Policy>> CreateSacPolicy(const Params& config, const AlgoContext& ctx) {
  ASSIGN_OR_RETURN(SacSettings settings, MakeSettings(config, ctx));
  return std::unique_ptr<Policy>(new SacPolicy(std::move(settings), ctx.env_spec));
}

Result<std::unique_ptr<Trainer>> CreateSacTrainer(const Params& config, const AlgoContext& ctx) {
  return MakeTorchTrainer<SacTrainer>("SAC", config, ctx, MakeSettings(config, ctx));
}

}  // namespace slaterl
