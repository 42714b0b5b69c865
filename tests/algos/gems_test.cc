// GeMS building blocks and algorithms (docs/algorithms.md §1, §3.8, §4, §5.2): the torch-free acting maths
// equals LibTorch's, actors record whole trajectories with the served slates, the privileged
// SlateQ policy ranks by true relevance, trainers learn on a fixed batch and checkpoints round-trip.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "actors/actor.h"
#include "algos/common/gems_common.h"
#include "algos/common/gru_belief.h"
#include "algos/common/nn_inference.h"
#include "envs/topics.h"
#include "algos/run_config.h"

namespace slaterl {
namespace {

constexpr int kItems = 1000, kSlate = 10, kDim = 20;

RunConfig MakeRun(const std::string& algo_yaml, int num_envs) {
  auto run = LoadRunConfigString("env: topics\nenv_config: {variant: TopDown, embeddings: focused}\n" + algo_yaml +
                                     "stop: {episodes_total: 10}\ncluster: {backend: inproc, num_actors: 1, "
                                     "num_envs_per_actor: " + std::to_string(num_envs) + "}\nseed: 3\n",
                                 "gems.yaml", {}, RegistrySchemas());
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return *run;
}

const char kSacYaml[] = "algo: sac\nconfig: {random_steps: 1000000}\n";

TEST(NnInferenceTest, BeliefTrackerMatchesTorchGruOverATrajectory) {
  torch::manual_seed(0);
  GruBelief belief(torch::randn({kItems, kDim}), kSlate, kDim);
  const int steps = 6;
  torch::Tensor slates = torch::randint(0, kItems, {1, steps, kSlate}, torch::kInt64);
  torch::Tensor clicks = (torch::rand({1, steps, kSlate}) < 0.3).to(torch::kFloat32);
  torch::Tensor expected = belief->forward(slates, clicks).detach();
  Weights w;
  AppendModuleWeights(*belief, "b", &w);
  BeliefTracker tracker(1, kItems, kDim, kSlate, kDim);
  ASSERT_TRUE(tracker.Load(w, "b").ok());
  ObsBatch obs;
  EnvSpec spec;
  spec.num_envs = 1;
  spec.slate_size = kSlate;
  spec.num_candidates = kItems;
  obs.Allocate(spec);
  for (int t = 0; t < steps; ++t) {
    for (int p = 0; p < kSlate; ++p) {
      obs.last_slate[p] = static_cast<int32_t>(slates[0][t][p].item<int64_t>());
      obs.last_responses[p * 2] = obs.last_responses[p * 2 + 1] = clicks[0][t][p].item<float>();
    }
    obs.first_step[0] = t == 0;
    const float* h = tracker.Observe(obs, 0, 2);
    for (int j = 0; j < kDim; ++j) EXPECT_NEAR(h[j], expected[0][t][j].item<float>(), 1e-5) << "t " << t;
  }
}

TEST(NnInferenceTest, MlpMatchesTorchSequential) {
  torch::manual_seed(1);
  torch::nn::Sequential net(torch::nn::Linear(7, 16), torch::nn::ReLU(), torch::nn::Linear(16, 5));
  Weights w;
  AppendModuleWeights(*net, "m", &w);
  Mlp mlp;
  ASSERT_TRUE(mlp.Load(w, "m", {7, 16, 5}).ok());
  EXPECT_FALSE(mlp.Load(w, "m", {7, 15, 5}).ok()) << "a shape mismatch must be an error";
  torch::Tensor x = torch::randn({7});
  torch::Tensor y = net->forward(x.unsqueeze(0)).squeeze(0).detach();
  std::vector<float> out(5), scratch(2 * mlp.max_width());
  mlp.Forward(x.data_ptr<float>(), out.data(), scratch.data());
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(out[i], y[i].item<float>(), 1e-5);
}

TEST(GruBeliefTest, FirstClickAndReturnsToGo) {
  torch::Tensor clicks = torch::tensor({0.f, 1.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f}).view({2, 4});
  auto [first, any] = FirstClick(clicks);
  EXPECT_EQ(first[0].item<int64_t>(), 1);
  EXPECT_EQ(any[0].item<float>(), 1.0f);
  EXPECT_EQ(any[1].item<float>(), 0.0f);
  torch::Tensor g = ReturnsToGo(torch::tensor({1.f, 0.f, 2.f}).view({1, 3}), 0.5);
  EXPECT_FLOAT_EQ(g[0][0].item<float>(), 1.0f + 0.25f * 2.0f);
  EXPECT_FLOAT_EQ(g[0][1].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(g[0][2].item<float>(), 2.0f);
}

TEST(ActorTrajectoryTest, RecordsWholeEpisodesWithServedSlatesClicksAndActions) {
  const RunConfig run = MakeRun(kSacYaml, 3);
  auto actor = ActorCore::Create(run, *FindEnv("topics"), *FindAlgo("sac"), 0, 0);
  ASSERT_TRUE(actor.ok()) << actor.status().ToString();
  const ReplaySpec spec = FindAlgo("sac")->replay_spec(run.config, MakeAlgoContext(run, EnvSpec{}));
  Fragment fragment = (*actor)->CollectFragment();
  ASSERT_EQ(fragment.num_items, 3) << "three envs finish their 100-step episodes together";
  EXPECT_EQ(fragment.env_steps, 300);
  const TrajectoryLayout L(100, kSlate, kDim, 0);
  ASSERT_EQ(fragment.item_size, L.size);
  Stats stats = (*actor)->TakeStats();
  const std::vector<double>& returns = stats.lists["episode_return"];
  ASSERT_EQ(returns.size(), 3u);
  auto topics = TopicsVecEnv::Create(TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kFocused), 1);
  ASSERT_TRUE(topics.ok());
  std::vector<float> centre, half;
  EmbeddingBounds((*topics)->embeddings().table(), kDim, &centre, &half);
  for (int i = 0; i < 3; ++i) {
    const float* item = fragment.data.data() + static_cast<size_t>(i) * L.size;
    for (int p = 0; p < kSlate; ++p)  // o_0 = the reset slate
      EXPECT_EQ(static_cast<int>(L.slate_row(item, 0)[p]), (*topics)->dynamics().initial_slate()[p]);
    double total = 0;
    for (int t = 0; t < 100; ++t) {
      float clicks = 0;
      for (int p = 0; p < kSlate; ++p) {
        clicks += L.click_row(item, t + 1)[p];
        EXPECT_GE(L.slate_row(item, t + 1)[p], 0.0f);
        EXPECT_LT(L.slate_row(item, t + 1)[p], kItems);
      }
      EXPECT_EQ(clicks, item[L.rewards + t]) << "reward r_t = clicks of o_{t+1}";
      total += item[L.rewards + t];
      // Random phase: c + w(U − 0.5), the central half (docs/algorithms.md register entry 10).
      for (int j = 0; j < kDim; ++j) {
        EXPECT_LE(std::fabs(L.action_row(item, t)[j] - centre[j]), 0.5f * half[j] + 1e-5f);
      }
    }
    EXPECT_EQ(total, returns[static_cast<size_t>(i)]);
    EXPECT_EQ(item[L.episode_index], 0.0f);
  }
  EXPECT_EQ(spec.trajectory_steps, 0) << "an EnvSpec without a horizon gives no trajectory spec";
}

TEST(ActorTrajectoryTest, RejectsEnvsWithoutAFixedHorizon) {
  auto run = LoadRunConfigString("env: interest_evolution\nalgo: sac\nstop: {episodes_total: 1}\n", "x.yaml", {},
                                 RegistrySchemas());
  ASSERT_TRUE(run.ok());
  auto actor = ActorCore::Create(*run, *FindEnv("interest_evolution"), *FindAlgo("sac"), 0, 0);
  ASSERT_FALSE(actor.ok());
  EXPECT_NE(actor.status().message().find("env: topics"), std::string::npos) << actor.status().ToString();
}

TEST(SlateQGemsTest, FlatQValuesServeTheShortTermOracleSlate) {
  const RunConfig run = MakeRun("algo: slateq\nconfig: {variant: gems, hiddens: \"256\"}\n", 1);
  auto topics = TopicsVecEnv::Create(TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kFocused), 1);
  auto oracle_env = TopicsVecEnv::Create(TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kFocused), 1);
  ASSERT_TRUE(topics.ok() && oracle_env.ok());
  auto policy = FindAlgo("slateq")->create_policy(run.config, MakeAlgoContext(run, (*topics)->spec()));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  // Weights with Q̄ ≡ 1: the slate is the top-k by true relevance of the previewed ũ = the oracle's.
  auto trainer = FindAlgo("slateq")->create_trainer(run.config, MakeAlgoContext(run, (*topics)->spec()));
  ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
  Weights w = (*trainer)->weights();
  for (WeightTensor& t : w.tensors) {
    if (t.name == "q.2.weight") std::fill(t.data.begin(), t.data.end(), 0.0f);
    if (t.name == "q.2.bias") std::fill(t.data.begin(), t.data.end(), 1.0f);
  }
  w.version = 1;
  ASSERT_TRUE((*policy)->load(w).ok());
  (*policy)->set_explore(false);
  (*policy)->attach_env(**topics);
  const EnvSpec& spec = (*topics)->spec();
  ObsBatch obs, oracle_obs;
  obs.Allocate(spec);
  oracle_obs.Allocate(spec);
  SlateBatch slates, oracle_slates;
  slates.Allocate(spec);
  oracle_slates.Allocate(spec);
  std::fill(oracle_slates.items.begin(), oracle_slates.items.end(), kOracleSentinel);
  StepBatch step, oracle_step;
  step.Allocate(spec);
  oracle_step.Allocate(spec);
  (*topics)->reset(11, &obs);
  (*oracle_env)->reset(11, &oracle_obs);
  Rng rng(1);
  for (int t = 0; t < 30; ++t) {
    (*policy)->act(obs, rng, &slates);
    (*topics)->step(slates, &step);
    (*oracle_env)->step(oracle_slates, &oracle_step);
    for (int p = 0; p < kSlate; ++p) ASSERT_EQ(slates.items[p], (*oracle_env)->served_slate(0)[p]) << "step " << t;
    ASSERT_EQ(step.rewards[0], oracle_step.rewards[0]);
    std::swap(obs, step.obs);
  }
}

// Trajectories from random-phase actors, as one SampleBatch of `count` items.
SampleBatch CollectBatch(const RunConfig& run, const std::string& algo, int count) {
  auto actor = ActorCore::Create(run, *FindEnv("topics"), *FindAlgo(algo), 0, 0);
  EXPECT_TRUE(actor.ok()) << actor.status().ToString();
  Fragment f = (*actor)->CollectFragment();
  EXPECT_EQ(f.num_items, count);
  SampleBatch batch;
  batch.item_size = f.item_size;
  batch.num_items = f.num_items;
  batch.data = f.data;
  batch.keys.resize(static_cast<size_t>(f.num_items));
  batch.probabilities.assign(static_cast<size_t>(f.num_items), 1.0);
  return batch;
}

struct TrainerCase {
  std::string algo, yaml, loss_metric;
};

class GemsTrainerTest : public testing::TestWithParam<TrainerCase> {};

TEST_P(GemsTrainerTest, RepeatedUpdatesOnOneBatchLowerTheLossAndCheckpointsRoundTrip) {
  const TrainerCase& c = GetParam();
  const RunConfig run = MakeRun(c.yaml, 4);
  const std::string algo = c.algo.substr(0, c.algo.find('_'));
  const SampleBatch batch = CollectBatch(run, algo, 4);
  const AlgoContext ctx = MakeAlgoContext(run, FindEnv("topics")->create(run.env_config, 4).value()->spec());
  auto trainer = FindAlgo(algo)->create_trainer(run.config, ctx);
  ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
  double first = 0, last = 0;
  for (int i = 0; i < 25; ++i) {
    Result<UpdateResult> updated = (*trainer)->update(batch);
    ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    UpdateResult& r = *updated;
    ASSERT_TRUE(r.metrics.count(c.loss_metric)) << c.loss_metric;
    (i == 0 ? first : last) = r.metrics[c.loss_metric];
  }
  EXPECT_LT(last, first) << c.algo << ": " << c.loss_metric << " " << first << " → " << last;
  // A batch of another layout is an error saying why (the learner counts it as rejected), not an update.
  SampleBatch other_layout = batch;
  other_layout.item_size += 1;
  const Result<UpdateResult> rejected = (*trainer)->update(other_layout);
  ASSERT_FALSE(rejected.ok()) << c.algo;
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument) << rejected.status().ToString();

  char pattern[] = "/tmp/slaterl-gems-ckpt-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  ASSERT_TRUE((*trainer)->save(dir).ok());
  auto restored = FindAlgo(algo)->create_trainer(run.config, ctx);
  ASSERT_TRUE(restored.ok());
  ASSERT_TRUE((*restored)->load(dir).ok());
  const Weights a = (*trainer)->weights(), b = (*restored)->weights();
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) EXPECT_EQ(a.tensors[i].data, b.tensors[i].data) << a.tensors[i].name;
  // The next update from the restored trainer continues identically (optimiser state restored).
  torch::manual_seed(9);
  const double next_a = (*trainer)->update(batch)->metrics[c.loss_metric];
  torch::manual_seed(9);
  const double next_b = (*restored)->update(batch)->metrics[c.loss_metric];
  EXPECT_DOUBLE_EQ(next_a, next_b);
  // A truncated checkpoint is an error naming the file, never a crash.
  for (const char* file : {"/sac.pt", "/reinforce.pt", "/slateq_gems.pt"}) {
    std::ifstream in(dir + file, std::ios::binary);
    if (!in) continue;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir + file, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
    Status status = (*restored)->load(dir);
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find(file + 1), std::string::npos) << status.ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, GemsTrainerTest,
    testing::Values(TrainerCase{"sac", "algo: sac\nconfig: {random_steps: 1000000}\n", "learner/q_loss"},
                    TrainerCase{"sac_wknn", "algo: sac\nconfig: {random_steps: 1000000, ranker: wknn}\n",
                                "learner/q_loss"},
                    TrainerCase{"reinforce", "algo: reinforce\nconfig: {random_steps: 0, batch_size: 20}\n",
                                "learner/loss"},
                    TrainerCase{"slateq",
                                // γ = 0: the regression to y = 1 must converge. (With γ = 0.8 the
                                // unnormalised PBM target of docs/algorithms.md §3.8 can expand:
                                // γ·Σ_p P_p > 1.)
                                "algo: slateq\nconfig: {variant: gems, hiddens: \"256\", batch_size: 20, "
                                "random_steps: 1000000, lr: 0.001, gamma: 0}\n",
                                "learner/loss"}),
    [](const testing::TestParamInfo<TrainerCase>& info) { return info.param.algo; });

}  // namespace
}  // namespace slaterl
