#include "envs/registry.h"

#include <string>

#include "envs/interest_evolution.h"
#include "envs/interest_exploration.h"
#include "envs/lts.h"
#include "envs/topics.h"

namespace slaterl {
namespace {

Result<std::unique_ptr<VecEnv>> CreateLts(const Params& env_config, int num_envs) {
  ASSIGN_OR_RETURN(LtsConfig config, LtsConfig::FromParams(env_config));
  ASSIGN_OR_RETURN(std::unique_ptr<LtsVecEnv> env, LtsVecEnv::Create(config, num_envs));
  return std::unique_ptr<VecEnv>(std::move(env));
}

Result<std::unique_ptr<VecEnv>> CreateInterestEvolution(const Params& env_config, int num_envs) {
  ASSIGN_OR_RETURN(InterestEvolutionConfig config, InterestEvolutionConfig::FromParams(env_config));
  ASSIGN_OR_RETURN(std::unique_ptr<InterestEvolutionVecEnv> env,
                   InterestEvolutionVecEnv::Create(config, num_envs));
  return std::unique_ptr<VecEnv>(std::move(env));
}

Result<std::unique_ptr<VecEnv>> CreateInterestExploration(const Params& env_config, int num_envs) {
  ASSIGN_OR_RETURN(InterestExplorationConfig config,
                   InterestExplorationConfig::FromParams(env_config));
  ASSIGN_OR_RETURN(std::unique_ptr<InterestExplorationVecEnv> env,
                   InterestExplorationVecEnv::Create(config, num_envs));
  return std::unique_ptr<VecEnv>(std::move(env));
}

Result<std::unique_ptr<VecEnv>> CreateTopics(const Params& env_config, int num_envs) {
  ASSIGN_OR_RETURN(TopicsConfig config, TopicsConfig::FromParams(env_config));
  ASSIGN_OR_RETURN(std::unique_ptr<TopicsVecEnv> env, TopicsVecEnv::Create(config, num_envs));
  return std::unique_ptr<VecEnv>(std::move(env));
}

std::vector<EnvEntry> MakeRegistry() {
  std::vector<EnvEntry> entries;
  entries.push_back({"lts", "RecSim long-term satisfaction (choc/kale; StrongLTS via env_config)",
                     &LtsConfig::GetSchema, &CreateLts});
  entries.push_back({"interest_evolution",
                     "RecSim interest evolution (observed interests, one-hot clusters, time budget)",
                     &InterestEvolutionConfig::GetSchema, &CreateInterestEvolution});
  entries.push_back({"interest_exploration",
                     "RecSim interest exploration (hidden topic affinities; fixed horizon)",
                     &InterestExplorationConfig::GetSchema, &CreateInterestExploration});
  entries.push_back({"topics", "GeMS TopicRec (1000-item catalogue, boredom, PBM clicks; variants "
                     "TopDown/Mixed/DivPen)",
                     &TopicsConfig::GetSchema, &CreateTopics});
  return entries;
}

std::string JoinNames() {
  std::string names;
  for (const EnvEntry& e : EnvRegistry()) names += (names.empty() ? "" : ", ") + e.name;
  return names;
}

}  // namespace

const std::vector<EnvEntry>& EnvRegistry() {
  static const std::vector<EnvEntry>* const kRegistry = new std::vector<EnvEntry>(MakeRegistry());
  return *kRegistry;
}

const EnvEntry* FindEnv(const std::string& name) {
  for (const EnvEntry& e : EnvRegistry())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> EnvNames() {
  std::vector<std::string> names;
  for (const EnvEntry& e : EnvRegistry()) names.push_back(e.name);
  return names;
}

Result<std::unique_ptr<VecEnv>> CreateVecEnv(const std::string& name, const Params& env_config,
                                             int num_envs) {
  const EnvEntry* entry = FindEnv(name);
  if (entry == nullptr)
    return NotFoundError("unknown env '" + name + "' (registered envs: " + JoinNames() + ")");
  if (num_envs < 1)
    return InvalidArgumentError("env '" + name + "': num_envs must be >= 1, got " +
                                std::to_string(num_envs));
  return entry->create(env_config, num_envs);
}

}  // namespace slaterl
