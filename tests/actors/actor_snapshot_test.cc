// Whole-run snapshots of an actor (backend inproc resume): for every learning algorithm, an actor
// restored from a snapshot — into an actor created with other seeds (another
// incarnation) — collects exactly the fragments the original collects from there: envs, policy
// state (GRU beliefs, ε counters), Rng, observation and partial trajectories all travel.
#include "actors/actor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "learner/learner.h"
#include "algos/run_config.h"

namespace slaterl {
namespace {

struct Case {
  std::string name, yaml;
};

std::vector<Fragment> Collect(ActorCore& actor, int fragments) {
  std::vector<Fragment> out;
  for (int i = 0; i < fragments; ++i) out.push_back(actor.CollectFragment());
  return out;
}

class ActorSnapshotTest : public testing::TestWithParam<Case> {};

TEST_P(ActorSnapshotTest, ARestoredActorCollectsTheSameFragments) {
  auto run = LoadRunConfigString(GetParam().yaml, "actor.yaml", {}, RegistrySchemas());
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const EnvEntry& env = *FindEnv(run->env);
  const AlgoEntry& algo = *FindAlgo(run->algo);
  auto learner = LearnerCore::Create(*run, env, algo);
  ASSERT_TRUE(learner.ok()) << learner.status().ToString();
  const Weights weights = (*learner)->PublishWeights();

  auto original = ActorCore::Create(*run, env, algo, /*actor_id=*/0, /*incarnation=*/0);
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  ASSERT_TRUE((*original)->ApplyWeights(weights).ok());
  (void)Collect(**original, 2);
  StateArchive saved = StateArchive::ForSaving();
  ASSERT_TRUE((*original)->VisitState(saved).ok());
  const std::vector<Fragment> expected = Collect(**original, 3);

  auto restored = ActorCore::Create(*run, env, algo, /*actor_id=*/0, /*incarnation=*/7);  // other seeds
  ASSERT_TRUE(restored.ok());
  ASSERT_TRUE((*restored)->ApplyWeights(weights).ok());
  auto loading = StateArchive::ForLoading(saved.bytes());
  ASSERT_TRUE(loading.ok());
  ASSERT_TRUE((*restored)->VisitState(*loading).ok()) << loading->status().ToString();
  ASSERT_TRUE(loading->CheckFullyRead().ok());
  const std::vector<Fragment> actual = Collect(**restored, 3);

  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].sequence, expected[i].sequence);
    EXPECT_EQ(actual[i].num_items, expected[i].num_items);
    EXPECT_EQ(actual[i].env_steps, expected[i].env_steps);
    EXPECT_EQ(actual[i].episodes, expected[i].episodes);
    EXPECT_EQ(actual[i].policy_version, expected[i].policy_version);
    EXPECT_EQ(actual[i].data, expected[i].data) << "fragment " << i;  // bit-identical floats
  }
  Stats a = (*restored)->TakeStats(), b = (*original)->TakeStats();
  EXPECT_EQ(a.scalars.at("incarnation"), 7);  // who the actor is, not its state
  a.scalars.erase("incarnation");
  b.scalars.erase("incarnation");
  EXPECT_EQ(a.scalars, b.scalars);
  EXPECT_EQ(a.lists, b.lists);

  // Without the snapshot, the other incarnation's fragments differ (the comparison can fail).
  auto fresh = ActorCore::Create(*run, env, algo, 0, 7);
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE((*fresh)->ApplyWeights(weights).ok());
  (void)Collect(**fresh, 2);
  EXPECT_NE(Collect(**fresh, 1)[0].data, expected[0].data);
}

const char kCluster[] = "cluster: {num_envs_per_actor: 2, fragment_length: 5}\nstop: {timesteps_total: 1}\n";

INSTANTIATE_TEST_SUITE_P(
    EveryLearningAlgorithm, ActorSnapshotTest,
    testing::Values(
        Case{"SlateQ", std::string("env: lts\nalgo: slateq\n") + kCluster},
        Case{"LinUcb", std::string("env: interest_evolution\nalgo: linucb\n") + kCluster},
        Case{"GemsSac", std::string("env: topics\nenv_config: {variant: TopDown, embeddings: focused}\nalgo: sac\n"
                                    "config: {random_steps: 0}\n") + kCluster},
        Case{"GemsReinforce", std::string("env: topics\nenv_config: {variant: TopDown, embeddings: focused}\n"
                                          "algo: reinforce\nconfig: {random_steps: 0}\n") + kCluster},
        Case{"GemsSlateQ", std::string("env: topics\nenv_config: {variant: TopDown, embeddings: focused}\n"
                                       "algo: slateq\nconfig: {variant: gems, random_steps: 0, hiddens: \"256\"}\n") + kCluster}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace slaterl
