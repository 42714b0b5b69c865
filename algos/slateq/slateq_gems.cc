// SlateQ QL-TT-TS for GeMS topics (docs/algorithms.md §3.8), read top to bottom:
//   settings → relevance and effective user → acting (torch-free) → learning → checkpoints.
#include "algos/slateq/slateq_gems.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "algos/common/gems_common.h"
#include "algos/common/gru_belief.h"
#include "algos/common/torch_device.h"
#include "algos/common/torch_nets.h"
#include "algos/common/torch_util.h"
#include "envs/topics.h"
#include "envs/trajectory.h"

namespace slaterl {

namespace {

struct GemsQSettings : GemsBasics {
  int user_dim = 0, hidden = 256;
  double epsilon_start = 1.0, epsilon_end = 0.01, epsilon_decay = 1000.0;
  // The simulator's disclosed parts (docs/environments.md §8.3): item table, topics, examination, relevance.
  std::shared_ptr<const TopicsEmbeddings> items;
  std::vector<float> examination;
  double slope = 100.0, offset = 0.28, diversity_penalty = 1.0;
  int diversity_threshold = 4;
};

Result<GemsQSettings> MakeSettings(const Params& config, const AlgoContext& ctx) {
  GemsQSettings s;
  ASSIGN_OR_RETURN(static_cast<GemsBasics&>(s), ReadGemsBasics("slateq (variant gems)", config, ctx.env_name, ctx.env_spec));
  const std::string hiddens = config.GetString("hiddens");
  if (hiddens.find(',') != std::string::npos)
    return InvalidArgumentError("config.hiddens: variant gems has one hidden layer (GeMS: 256), got '" + hiddens + "'");
  s.hidden = std::atoi(hiddens.c_str());
  if (s.hidden <= 0) return InvalidArgumentError("config.hiddens: not a positive layer size: '" + hiddens + "'");
  s.epsilon_start = config.GetDouble("epsilon_initial");
  s.epsilon_end = config.GetDouble("epsilon_final");
  s.epsilon_decay = static_cast<double>(config.GetInt("epsilon_decay_episodes"));
  ASSIGN_OR_RETURN(TopicsConfig topics, TopicsConfig::FromParams(*ctx.env_config));
  ASSIGN_OR_RETURN(std::unique_ptr<TopicsVecEnv> env, TopicsVecEnv::Create(topics, 1));
  s.items = std::make_shared<const TopicsEmbeddings>(env->embeddings());
  s.examination = env->examination();
  s.user_dim = s.items->dim();
  s.slope = topics.env_slope;
  s.offset = topics.env_offset;
  s.diversity_penalty = env->config().diversity_penalty;
  s.diversity_threshold = topics.diversity_threshold;
  return s;
}

}  // namespace

ReplaySpec SlateQGemsReplaySpec(const Params& config, const AlgoContext& ctx) {
  // The target needs the post-step true user vector of every step (privileged, docs/algorithms.md §3.8).
  return GemsTrajectoryReplaySpec(config, ctx.replay_shards, ctx.env_spec, /*action_dim=*/0,
                                  /*user_dim=*/kGemsNumTopics * kGemsTopicSize);
}

namespace {

// ---- acting (torch-free) -----------------------------------------------------------------------

class SlateQGemsPolicy : public Policy {
 public:
  SlateQGemsPolicy(GemsQSettings settings, const EnvSpec& spec)
      : s_(std::move(settings)),
        spec_(spec),
        belief_(spec.num_envs, s_.num_items, s_.item_dim, spec.slate_size, s_.belief_dim),
        q_(static_cast<size_t>(s_.num_items)),
        user_(static_cast<size_t>(s_.user_dim)) {}

  void attach_env(const VecEnv& env) override { env_ = dynamic_cast<const TopicsVecEnv*>(&env); }
  void set_progress(int64_t episodes_total) override { progress_ = episodes_total; }
  Status VisitState(StateArchive& archive) override {
    { StateArchive::Scope scope(archive, "critic_belief"); belief_.VisitState(archive); }
    archive.Field("progress", progress_);
    archive.Field("loaded", loaded_);
    return archive.status();
  }

  Status load(const Weights& weights) override {
    RETURN_IF_ERROR(belief_.Load(weights, "critic_belief"));
    RETURN_IF_ERROR(q_net_.Load(weights, "q", {s_.belief_dim, s_.hidden, s_.num_items}));
    scratch_.assign(static_cast<size_t>(2 * q_net_.max_width()), 0.0f);
    loaded_ = true;
    return Status::Ok();
  }

  // ε_n = end + (start − end)·exp(−n / decay), n = training episodes (docs/algorithms.md §3.4, §3.8).
  double Epsilon() const {
    return s_.epsilon_end + (s_.epsilon_start - s_.epsilon_end) * std::exp(-static_cast<double>(progress_) / s_.epsilon_decay);
  }

  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override {
    SLATERL_CHECK(env_ != nullptr);  // attach_env with the topics env comes first
    const int k = spec_.slate_size, N = s_.num_items;
    const bool random_phase = explore_ && (progress_ < s_.random_steps || !loaded_);
    const double epsilon = explore_ ? Epsilon() : 0.0;
    for (int n = 0; n < spec_.num_envs; ++n) {
      int32_t* slate = out->items.data() + static_cast<size_t>(n) * k;
      const float* h = loaded_ ? belief_.Observe(obs, n, spec_.response_dim) : nullptr;
      if (random_phase || !loaded_ || (epsilon > 0.0 && rng.Uniform() < epsilon)) {
        RandomSlate(rng, N, k, /*allow_duplicates=*/s_.preset == GemsPreset::kGemsRepro, &order_, slate);
        continue;
      }
      q_net_.Forward(h, q_.data(), scratch_.data());
      EffectiveUser(n);
      const float max_score = s_.items->max_score();
      for (int i = 0; i < N; ++i) {
        const float* e = s_.items->row(i);
        float dot = 0.0f;
        for (int d = 0; d < s_.user_dim; ++d) dot += e[d] * user_[static_cast<size_t>(d)];
        const double rel = 1.0 / (1.0 + std::exp(-s_.slope * (dot / max_score - s_.offset)));
        q_[static_cast<size_t>(i)] *= static_cast<float>(rel);
      }
      TopKByScore(q_.data(), N, k, &order_, slate);
    }
  }

 private:
  // ũ_t of env n: clean = the vector the next step will use (pending boredom update applied,
  // docs/algorithms.md register entry 23 corrected); gems_repro = the raw u with the stale bored
  // flags masking dims [2b, 3b) (register entries 2 and 23).
  void EffectiveUser(int n) {
    if (s_.preset == GemsPreset::kClean) {
      env_->EffectiveUser(n, /*preview=*/true, user_.data());
      return;
    }
    const TopicsUserState& state = env_->state(n);
    std::copy(state.user.begin(), state.user.end(), user_.begin());
    for (size_t b = 0; b < state.bored.size(); ++b) {
      if (!state.bored[b]) continue;
      for (size_t d = 2 * b; d < std::min<size_t>(3 * b, user_.size()); ++d) user_[d] = 0.0f;
    }
  }

  GemsQSettings s_;
  EnvSpec spec_;
  const TopicsVecEnv* env_ = nullptr;
  BeliefTracker belief_;
  Mlp q_net_;
  bool loaded_ = false;
  int64_t progress_ = 0;
  std::vector<float> q_, user_, scratch_;
  std::vector<int32_t> order_;
};

// ---- learning ----------------------------------------------------------------------------------

torch::nn::Sequential MakeQNet(const GemsQSettings& s) {
  return torch::nn::Sequential(torch::nn::Linear(s.belief_dim, s.hidden), torch::nn::ReLU(),
                               torch::nn::Linear(s.hidden, s.num_items));
}

struct GemsQNetsImpl : torch::nn::Module {
  explicit GemsQNetsImpl(const GemsQSettings& s) {
    critic_belief = register_module("critic_belief",
                                    GruBelief(torch::randn({s.num_items, s.item_dim}), s.slate_size, s.belief_dim));
    q = register_module("q", MakeQNet(s));
    q_target = register_module("q_target", MakeQNet(s));
    PolyakUpdate(*q, *q_target, 1.0);  // the target starts as a copy
  }
  GruBelief critic_belief{nullptr};
  torch::nn::Sequential q{nullptr}, q_target{nullptr};
};
TORCH_MODULE(GemsQNets);

class SlateQGemsTrainer : public Trainer {
 public:
  SlateQGemsTrainer(const Params& config, const AlgoContext& ctx, GemsQSettings s)
      : s_(std::move(s)),
        layout_(s_.steps, s_.slate_size, 0, s_.user_dim),
        replay_spec_(SlateQGemsReplaySpec(config, ctx)),
        device_(LearnerDevice(ctx.learner_device)),
        nets_(s_),
        gamma_(config.GetDouble("gamma")),
        tau_(config.GetDouble("tau")) {
    nets_->to(device_);
    items_ = torch::from_blob(const_cast<float*>(s_.items->table().data()), {s_.num_items, s_.user_dim},
                              torch::kFloat32).clone().to(device_);
    std::vector<int64_t> topics(s_.items->item_topics().begin(), s_.items->item_topics().end());
    item_topics_ = torch::tensor(topics, torch::kInt64).to(device_);
    examination_ = torch::tensor(s_.examination).to(device_);
    // Adam over the critic belief and the Q-network (the target network is not optimised).
    optimizer_ = std::make_unique<torch::optim::Adam>(
        [&] {
          std::vector<torch::Tensor> p;
          for (auto& t : nets_->critic_belief->parameters()) p.push_back(t);
          for (auto& t : nets_->q->parameters()) p.push_back(t);
          return p;
        }(),
        torch::optim::AdamOptions(config.GetDouble("lr")));
  }

  ReplaySpec replay_spec() const override { return replay_spec_; }

  Result<UpdateResult> update(const SampleBatch& batch) override {
    ASSIGN_OR_RETURN(const TrajectoryTensors tt, ToTrajectoryTensors(batch, layout_, device_));
    UpdateResult result;
    const int64_t B = tt.batch, T = tt.steps, k = s_.slate_size, H = s_.belief_dim;
    torch::Tensor beliefs = nets_->critic_belief->forward(tt.slates, tt.clicks);  // [B, T+1, H]
    torch::Tensor h = beliefs.narrow(1, 0, T).reshape({B * T, H});
    torch::Tensor h_next = beliefs.narrow(1, 1, T).reshape({B * T, H}).detach();
    // Consumed item i_t = A_t[first click]: from o_{t+1} (clean) or o_t
    // (docs/algorithms.md register entry 1).
    const int64_t first_row = s_.preset == GemsPreset::kClean ? 1 : 0;
    torch::Tensor slates = tt.slates.narrow(1, first_row, T).reshape({B * T, k});
    auto [first, clicked] = FirstClick(tt.clicks.narrow(1, first_row, T).reshape({B * T, k}));
    torch::Tensor item = slates.gather(1, first.unsqueeze(1)).squeeze(1);
    torch::Tensor done = tt.done.reshape({B * T});

    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      // ρ_j = rel_j(u_{t+1}) with the raw post-step user; q'_j = Q̄'(h_{t+1})_j.
      torch::Tensor user_next = tt.next_user.reshape({B * T, s_.user_dim});
      torch::Tensor rho = torch::sigmoid(s_.slope * (user_next.matmul(items_.t()) / s_.items->max_score() - s_.offset));
      torch::Tensor q_next = nets_->q_target->forward(h_next);  // [BT, N]
      torch::Tensor top = std::get<1>((rho * q_next).topk(k, 1));  // A', descending
      // Diversity penalty: ≥ threshold items of one main topic in A' (clean: per slate;
      // docs/algorithms.md register entry 3: the batch).
      torch::Tensor topic_counts = torch::zeros({B * T, kGemsNumTopics}, torch::kFloat32).to(device_);
      topic_counts.scatter_add_(1, item_topics_.index_select(0, top.reshape({-1})).view({B * T, k}),
                                torch::ones({B * T, k}, torch::kFloat32).to(device_));
      torch::Tensor penalised = s_.preset == GemsPreset::kClean
                                    ? (topic_counts.amax(1) >= s_.diversity_threshold)
                                    : (topic_counts.sum(0).amax() >= s_.diversity_threshold).expand({B * T});
      torch::Tensor pen = torch::where(penalised, torch::full({B * T}, s_.diversity_penalty).to(device_),
                                       torch::ones({B * T}).to(device_));
      torch::Tensor prob = rho.gather(1, top) / pen.unsqueeze(1) * examination_.unsqueeze(0);  // P_p
      torch::Tensor value = (prob * q_next.gather(1, top)).sum(1);                           // V'
      y = 1.0 + gamma_ * (1.0 - done) * value;
    }
    torch::Tensor q = nets_->q->forward(h).gather(1, item.unsqueeze(1)).squeeze(1);
    const double n_clicked = clicked.sum().item<double>();
    torch::Tensor loss = ((q - y).pow(2) * clicked).sum() / std::max(1.0, n_clicked);
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    PolyakUpdate(*nets_->q, *nets_->q_target, tau_);  // φ' ← (1 − τ)φ' + τφ
    ++num_updates_;
    result.metrics["learner/loss"] = loss.item<double>();
    result.metrics["learner/q_consumed_mean"] = n_clicked > 0 ? (q.detach() * clicked).sum().item<double>() / n_clicked : 0.0;
    result.metrics["learner/target_mean"] = n_clicked > 0 ? (y * clicked).sum().item<double>() / n_clicked : 0.0;
    result.metrics["learner/batch_return_mean"] = tt.rewards.sum().item<double>() / static_cast<double>(B);
    return result;
  }

  Weights weights() const override {
    Weights w;
    auto& nets = const_cast<GemsQNetsImpl&>(*nets_);
    AppendModuleWeights(*nets.critic_belief, "critic_belief", &w);
    AppendModuleWeights(*nets.q, "q", &w);
    return w;
  }

  // Checkpoint: belief, Q and target networks, the optimiser, the update count.
  Status save(const std::string& dir) const override {
    auto& self = const_cast<SlateQGemsTrainer&>(*this);
    return SaveOneOptimizerCheckpoint(dir + "/slateq_gems.pt", *self.nets_, *self.optimizer_, num_updates_);
  }
  Status load(const std::string& dir) override {
    return LoadOneOptimizerCheckpoint(dir + "/slateq_gems.pt", device_, *nets_, *optimizer_, &num_updates_);
  }

 private:
  GemsQSettings s_;
  TrajectoryLayout layout_;
  ReplaySpec replay_spec_;
  torch::Device device_;
  GemsQNets nets_;
  double gamma_, tau_;
  torch::Tensor items_, item_topics_, examination_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  int64_t num_updates_ = 0;
};

}  // namespace

Result<std::unique_ptr<Policy>> CreateSlateQGemsPolicy(const Params& config, const AlgoContext& ctx) {
  ASSIGN_OR_RETURN(GemsQSettings settings, MakeSettings(config, ctx));
  return std::unique_ptr<Policy>(new SlateQGemsPolicy(std::move(settings), ctx.env_spec));
}

Result<std::unique_ptr<Trainer>> CreateSlateQGemsTrainer(const Params& config, const AlgoContext& ctx) {
  return MakeTorchTrainer<SlateQGemsTrainer>("SlateQ gems", config, ctx, MakeSettings(config, ctx));
}

}  // namespace slaterl
