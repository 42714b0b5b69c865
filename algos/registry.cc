#include "algos/registry.h"

#include "algos/linucb/linucb.h"
#include "algos/reinforce/reinforce.h"
#include "algos/sac/sac.h"
#include "algos/slateq/slateq.h"

namespace slaterl {

namespace {
// Baselines are algorithms too (so `algo: random` configs validate); they have no `config:` keys
// and no trainer.
AlgoEntry BaselineAlgo(const std::string& name, const std::string& summary) {
  AlgoEntry e;
  e.name = name;
  e.summary = summary;
  e.schema = [] { return Schema("config"); };
  e.create_policy = [name](const Params&, const AlgoContext& ctx) { return CreateBaseline(name, ctx); };
  e.replay_spec = [](const Params&, const AlgoContext&) { return ReplaySpec(); };
  return e;
}
}  // namespace

AlgoContext MakeAlgoContext(const RunConfig& run, const EnvSpec& spec) {
  AlgoContext ctx;
  ctx.env_name = run.env;
  ctx.env_spec = spec;
  ctx.env_config = &run.env_config;
  ctx.replay_shards = static_cast<int>(run.cluster.GetInt("replay_shards"));
  ctx.learner_device = run.cluster.GetString("learner_device");
  ctx.seed = DeriveSeed(run.seed, {kSeedLearner});
  return ctx;
}

const std::vector<AlgoEntry>& AlgoRegistry() {
  static const std::vector<AlgoEntry> registry = [] {
    std::vector<AlgoEntry> r;
    r.push_back({"linucb", "LinUCB contextual bandit over slates (docs/algorithms.md §2)", LinUcbSchema,
                 CreateLinUcbPolicy, LinUcbReplaySpec, CreateLinUcbTrainer});
    r.push_back({"slateq", "SlateQ: slate Q-learning by item-wise decomposition (docs/algorithms.md §3)",
                 SlateQSchema, CreateSlateQPolicy, SlateQReplaySpec, CreateSlateQTrainer});
    r.push_back({"sac", "SAC for slates with a frozen TopK ranker on topics (docs/algorithms.md §4)",
                 SacSchema, CreateSacPolicy, SacReplaySpec, CreateSacTrainer});
    r.push_back({"reinforce",
                 "REINFORCE+SoftMax slates with a GRU belief on topics (docs/algorithms.md §5.2)",
                 ReinforceSchema, CreateReinforcePolicy, ReinforceReplaySpec, CreateReinforceTrainer});
    r.push_back(BaselineAlgo("random", "k distinct uniformly random candidates"));
    r.push_back(BaselineAlgo("greedy", "myopic best-immediate-reward slate (docs/environments.md §7)"));
    r.push_back(BaselineAlgo("oracle", "myopic privileged oracle (docs/environments.md §7)"));
    return r;
  }();
  return registry;
}

const AlgoEntry* FindAlgo(const std::string& name) {
  for (const auto& e : AlgoRegistry())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> AlgoNames() {
  std::vector<std::string> names;
  for (const auto& e : AlgoRegistry()) names.push_back(e.name);
  return names;
}

}  // namespace slaterl
