// REINFORCE+SoftMax (docs/algorithms.md §5.2), read top to bottom:
//   config → acting (torch-free: belief, softmax, k i.i.d. draws / top-k) → learning
//   (L = −Σ_t G_t log(α(i_t|h_t) + 1e-6), α = 1 − (1 − π)^k) → checkpoints.
#include "algos/reinforce/reinforce.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "algos/common/gems_common.h"
#include "algos/common/gru_belief.h"
#include "algos/common/torch_device.h"
#include "algos/common/torch_util.h"
#include "envs/trajectory.h"

namespace slaterl {

// ---- config ------------------------------------------------------------------------------------

Schema ReinforceSchema() {
  return Schema("config")
      .Enum("variant", "softmax", {"softmax"},
            "Slate policy: softmax over the catalogue, k i.i.d. draws (docs/algorithms.md §5.2).")
      .Enum("preset", "clean", {"clean", "gems_repro"},
            "gems_repro: as naver/gems (docs/algorithms.md register entries 1, the click of o_t paired "
            "with h_t; 18, updates on random-phase trajectories; 4, random slates with duplicates); "
            "clean: fixed.")
      .Int("item_dim", 20, 1, 1024, "",
           "Dimension d of the belief's item table (docs/algorithms.md §1.5).")
      .Int("belief_dim", 20, 1, 1024, "", "GRU hidden size d_s.")
      .Int("hidden", 256, 1, 65536, "units", "Hidden layer of the policy MLP.")
      .Double("gamma", 0.8, 0.0, 1.0, "", "Discount γ of the return-to-go G_t.")
      .Double("pi_lr", 3e-3, 0.0, 1.0, "", "Adam learning rate of the policy and its belief.", true)
      .Int("batch_size", 1, 1, 1 << 20, "trajectories", "Trajectories per update (GeMS: 1, the latest).")
      .Int("random_steps", 2000, 0, int64_t(1) << 40, "episodes",
           "Training episodes acted with uniformly random slates first (docs/algorithms.md §1.3).");
}

ReplaySpec ReinforceReplaySpec(const Params& config, const AlgoContext& ctx) {
  const int64_t batch = config.GetInt("batch_size");
  ReplaySpec spec;
  ReplayTableSpec table;
  table.name = "trajectories";
  // On-policy: every trajectory is trained on exactly once, in arrival order; the rate limiter
  // keeps the actors at most one trajectory ahead of the learner (docs/algorithms.md §5.2, decision A9).
  table.kind = ReplayTableSpec::Kind::kQueue;
  table.capacity = 2 * batch;
  table.min_size = batch;
  table.samples_per_insert = 1.0;
  table.error_buffer = static_cast<double>(batch);
  table.item_size = TrajectoryLayout(ctx.env_spec.max_steps, ctx.env_spec.slate_size, 0, 0).size;
  spec.tables.push_back(table);
  spec.batch_size = static_cast<int32_t>(batch);
  spec.trajectory_steps = ctx.env_spec.max_steps;
  return spec;
}

namespace {

struct ReinforceSettings : GemsBasics {
  int hidden = 256;
};

Result<ReinforceSettings> MakeSettings(const Params& config, const AlgoContext& ctx) {
  ReinforceSettings s;
  ASSIGN_OR_RETURN(static_cast<GemsBasics&>(s), ReadGemsBasics("reinforce", config, ctx.env_name, ctx.env_spec));
  s.hidden = static_cast<int>(config.GetInt("hidden"));
  return s;
}

// ---- acting (torch-free) -----------------------------------------------------------------------

class ReinforcePolicy : public Policy {
 public:
  ReinforcePolicy(ReinforceSettings settings, const EnvSpec& spec)
      : s_(settings),
        spec_(spec),
        belief_(spec.num_envs, s_.num_items, s_.item_dim, spec.slate_size, s_.belief_dim),
        logits_(static_cast<size_t>(s_.num_items)),
        cdf_(static_cast<size_t>(s_.num_items)) {}

  void set_progress(int64_t episodes_total) override { progress_ = episodes_total; }
  Status VisitState(StateArchive& archive) override {
    { StateArchive::Scope scope(archive, "actor_belief"); belief_.VisitState(archive); }
    archive.Field("progress", progress_);
    archive.Field("loaded", loaded_);
    return archive.status();
  }

  Status load(const Weights& weights) override {
    RETURN_IF_ERROR(belief_.Load(weights, "actor_belief"));
    RETURN_IF_ERROR(policy_.Load(weights, "policy", {s_.belief_dim, s_.hidden, s_.num_items}));
    scratch_.assign(static_cast<size_t>(2 * policy_.max_width()), 0.0f);
    loaded_ = true;
    return Status::Ok();
  }

  void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) override {
    const int k = spec_.slate_size, N = s_.num_items;
    const bool random_phase = explore_ && (progress_ < s_.random_steps || !loaded_);
    for (int n = 0; n < spec_.num_envs; ++n) {
      int32_t* slate = out->items.data() + static_cast<size_t>(n) * k;
      const float* h = loaded_ ? belief_.Observe(obs, n, spec_.response_dim) : nullptr;
      if (random_phase || !loaded_) {
        RandomSlate(rng, N, k, /*allow_duplicates=*/s_.preset == GemsPreset::kGemsRepro, &order_, slate);
        continue;
      }
      policy_.Forward(h, logits_.data(), scratch_.data());
      if (!explore_) {  // evaluation: the k most probable items, descending
        TopKByScore(logits_.data(), N, k, &order_, slate);
        continue;
      }
      // Training: k i.i.d. draws from softmax(logits) (duplicates allowed, docs/algorithms.md §5.2).
      const float max_logit = *std::max_element(logits_.begin(), logits_.end());
      double total = 0.0;
      for (int i = 0; i < N; ++i) {
        total += std::exp(static_cast<double>(logits_[static_cast<size_t>(i)] - max_logit));
        cdf_[static_cast<size_t>(i)] = total;
      }
      for (int p = 0; p < k; ++p) {
        const double u = rng.Uniform() * total;
        const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
        slate[p] = static_cast<int32_t>(std::min<ptrdiff_t>(it - cdf_.begin(), N - 1));
      }
    }
  }

 private:
  ReinforceSettings s_;
  EnvSpec spec_;
  BeliefTracker belief_;
  Mlp policy_;
  bool loaded_ = false;
  int64_t progress_ = 0;
  std::vector<float> logits_, scratch_;
  std::vector<double> cdf_;
  std::vector<int32_t> order_;
};

// ---- learning ----------------------------------------------------------------------------------

struct ReinforceNetsImpl : torch::nn::Module {
  explicit ReinforceNetsImpl(const ReinforceSettings& s) {
    actor_belief = register_module("actor_belief",
                                   GruBelief(torch::randn({s.num_items, s.item_dim}), s.slate_size, s.belief_dim));
    policy = register_module("policy", torch::nn::Sequential(torch::nn::Linear(s.belief_dim, s.hidden), torch::nn::ReLU(),
                                                             torch::nn::Linear(s.hidden, s.num_items)));
  }
  GruBelief actor_belief{nullptr};
  torch::nn::Sequential policy{nullptr};
};
TORCH_MODULE(ReinforceNets);

class ReinforceTrainer : public Trainer {
 public:
  ReinforceTrainer(const Params& config, const AlgoContext& ctx, ReinforceSettings s)
      : s_(s),
        layout_(s_.steps, s_.slate_size, 0, 0),
        replay_spec_(ReinforceReplaySpec(config, ctx)),
        device_(LearnerDevice(ctx.learner_device)),
        nets_(s_),
        gamma_(config.GetDouble("gamma")) {
    nets_->to(device_);
    optimizer_ = std::make_unique<torch::optim::Adam>(nets_->parameters(),
                                                      torch::optim::AdamOptions(config.GetDouble("pi_lr")));
  }

  ReplaySpec replay_spec() const override { return replay_spec_; }

  Result<UpdateResult> update(const SampleBatch& batch) override {
    ASSIGN_OR_RETURN(const TrajectoryTensors tt, ToTrajectoryTensors(batch, layout_, device_));
    UpdateResult result;
    const int64_t T = tt.steps, k = s_.slate_size;
    // docs/algorithms.md register entry 18: GeMS also trains on random-phase trajectories; clean skips them.
    torch::Tensor keep = torch::ones({tt.batch}, torch::kFloat32);
    if (s_.preset == GemsPreset::kClean)
      for (int64_t b = 0; b < tt.batch; ++b)
        if (tt.episode_index[static_cast<size_t>(b)] < s_.random_steps) keep[b] = 0.0f;
    keep = keep.to(device_);
    result.metrics["learner/trained_trajectories"] = keep.sum().item<double>();
    if (keep.sum().item<double>() == 0.0) return result;

    torch::Tensor beliefs = nets_->actor_belief->forward(tt.slates, tt.clicks).narrow(1, 0, T);  // h_0…h_{T−1}
    torch::Tensor log_pi = torch::log_softmax(nets_->policy->forward(beliefs), -1);            // [B, T, N]
    // The consumed item i_t = A_t[first click] from o_{t+1} (clean) or o_t
    // (docs/algorithms.md register entry 1).
    const int64_t first_row = s_.preset == GemsPreset::kClean ? 1 : 0;
    torch::Tensor slates = tt.slates.narrow(1, first_row, T), clicks = tt.clicks.narrow(1, first_row, T);
    auto [first, clicked] = FirstClick(clicks);                                   // [B, T]
    torch::Tensor item = slates.gather(2, first.unsqueeze(-1)).squeeze(-1);        // i_t
    torch::Tensor pi_item = log_pi.gather(2, item.unsqueeze(-1)).squeeze(-1).exp();  // π(i_t|h_t)
    torch::Tensor alpha = 1.0 - torch::pow(1.0 - pi_item, static_cast<double>(k));   // top-K inclusion
    torch::Tensor returns = ReturnsToGo(tt.rewards, gamma_);                          // G_t
    // L = −Σ_t G_t log(α(i_t|h_t) + 1e-6) over clicked steps (a sum; no baseline).
    torch::Tensor loss = -(keep.unsqueeze(1) * clicked * returns * torch::log(alpha + 1e-6)).sum();
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    ++num_updates_;
    result.metrics["learner/loss"] = loss.item<double>();
    result.metrics["learner/entropy"] = -(log_pi.exp() * log_pi).sum(-1).mean().item<double>();
    result.metrics["learner/batch_return_mean"] = tt.rewards.sum().item<double>() / static_cast<double>(tt.batch);
    return result;
  }

  Weights weights() const override {
    Weights w;
    auto& nets = const_cast<ReinforceNetsImpl&>(*nets_);
    AppendModuleWeights(*nets.actor_belief, "actor_belief", &w);
    AppendModuleWeights(*nets.policy, "policy", &w);
    return w;
  }

  // Checkpoint: belief, policy, the optimiser and the update count.
  Status save(const std::string& dir) const override {
    auto& self = const_cast<ReinforceTrainer&>(*this);
    return SaveOneOptimizerCheckpoint(dir + "/reinforce.pt", *self.nets_, *self.optimizer_, num_updates_);
  }
  Status load(const std::string& dir) override {
    return LoadOneOptimizerCheckpoint(dir + "/reinforce.pt", device_, *nets_, *optimizer_, &num_updates_);
  }

 private:
  ReinforceSettings s_;
  TrajectoryLayout layout_;
  ReplaySpec replay_spec_;
  torch::Device device_;
  ReinforceNets nets_;
  double gamma_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  int64_t num_updates_ = 0;
};

}  // namespace

Result<std::unique_ptr<Policy>> CreateReinforcePolicy(const Params& config, const AlgoContext& ctx) {
  ASSIGN_OR_RETURN(ReinforceSettings settings, MakeSettings(config, ctx));
  return std::unique_ptr<Policy>(new ReinforcePolicy(settings, ctx.env_spec));
}

Result<std::unique_ptr<Trainer>> CreateReinforceTrainer(const Params& config, const AlgoContext& ctx) {
  return MakeTorchTrainer<ReinforceTrainer>("REINFORCE", config, ctx, MakeSettings(config, ctx));
}

}  // namespace slaterl
