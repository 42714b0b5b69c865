// algos/registry.h — algorithms and baseline policies by name.
//
// An AlgoEntry declares its `config:` schema and builds Policies (actors, evaluator) and, when it
// learns, a Trainer (learner). Baselines (`random`, `random_md`, `greedy`, `oracle`, `choc`,
// `kale`, `first`) are policies without a trainer, used by `slaterl eval --policy`. Read-only
// tables; thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "algos/algorithm.h"
#include "core/config.h"

namespace slaterl {

struct AlgoContext {
  std::string env_name;
  EnvSpec env_spec;
  const Params* env_config = nullptr;
  int replay_shards = 1;               // cluster.replay_shards: tables are split across them
  std::string learner_device = "cpu";  // cluster.learner_device: auto | cpu | cuda
  uint64_t seed = 0;                   // for the learner's initial weights (derived from the run seed)
};

// The context of `run` for environments of `spec` (every role builds its algorithm from this).
AlgoContext MakeAlgoContext(const RunConfig& run, const EnvSpec& spec);

struct AlgoEntry {
  std::string name;
  std::string summary;
  std::function<Schema()> schema;  // `config:` keys
  std::function<Result<std::unique_ptr<Policy>>(const Params& config, const AlgoContext& ctx)>
      create_policy;
  // Replay tables every shard must hold (computed without building the trainer, so replay
  // shards never load the algorithm's model code).
  std::function<ReplaySpec(const Params& config, const AlgoContext& ctx)> replay_spec;
  // Empty for algorithms that do not learn.
  std::function<Result<std::unique_ptr<Trainer>>(const Params& config, const AlgoContext& ctx)>
      create_trainer;
};

const std::vector<AlgoEntry>& AlgoRegistry();
const AlgoEntry* FindAlgo(const std::string& name);
std::vector<std::string> AlgoNames();

// Baseline policies for `slaterl eval --policy NAME` (docs/environments.md §7).
struct BaselineEntry {
  std::string name;
  std::string summary;
  std::function<Result<std::unique_ptr<Policy>>(const AlgoContext& ctx)> create;
};
const std::vector<BaselineEntry>& BaselineRegistry();
Result<std::unique_ptr<Policy>> CreateBaseline(const std::string& name, const AlgoContext& ctx);

}  // namespace slaterl
