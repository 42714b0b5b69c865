// Small learning tests through the inproc pipeline (actors → shards → learner → weights), several
// fixed seeds: SlateQ beats random on interest evolution; LinUCB reaches the same quality with
// one actor as with four.
#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"
#include "launch/launcher.h"
#include "algos/run_config.h"
#include "tests/launch/process_util.h"
#include "tests/testing/reference.h"

namespace slaterl {
namespace {

using namespace testing_util;

// The original's IEv-10cand returns: data/reference/reference.csv, rows iev_10cand/random and
// iev_10cand/greedy.

struct FinalEval {
  double mean = 0, std = 0, episodes = 0;
};

FinalEval RunInproc(const std::string& dir, const std::string& name, const std::string& yaml) {
  WriteText(dir + "/" + name + ".yaml", yaml);
  auto run = LoadRun(dir + "/" + name + ".yaml");
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  LaunchOptions options;
  options.run_dir = dir + "/" + name;
  auto result = Launch(*run, options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  const std::string summary = ReadText(dir + "/" + name + "/summary.json");
  const std::string final_eval = summary.substr(summary.find("\"final_eval\""));
  FinalEval f;
  EXPECT_TRUE(JsonGetNumber(final_eval, "eval/episode_reward_mean", &f.mean));
  EXPECT_TRUE(JsonGetNumber(final_eval, "eval/episode_reward_std", &f.std));
  EXPECT_TRUE(JsonGetNumber(final_eval, "eval/episodes", &f.episodes));
  return f;
}

TEST(SlateQLearningTest, BeatsRandomOnInterestEvolutionOverSeveralSeeds) {
  const std::string dir = MakeTempDir("slateq-learn");
  double sum = 0;
  for (int seed : {1, 2, 3}) {
    const FinalEval f = RunInproc(
        dir, "seed" + std::to_string(seed),
        "env: interest_evolution\nenv_config: {num_candidates: 10, slate_size: 2}\nalgo: slateq\n"
        "config: {learning_starts: 1000, epsilon_warmup_timesteps: 1000, epsilon_timesteps: 10000,\n"
        "         replay_capacity: 30000, target_update_freq: 1000, lr: 0.001, optimizer: adam}\n"
        "stop: {timesteps_total: 30000}\nevaluation: {final_episodes: 300}\n"
        "cluster: {backend: inproc, num_actors: 2, num_envs_per_actor: 4, replay_shards: 1, fragment_length: 10}\n"
        "reporting: {progress: off, interval_timesteps: 10000}\nseed: " + std::to_string(seed) + "\n");
    const SampleSummary random = ReferenceSample("iev_10cand/random");
    const double se = std::sqrt(f.std * f.std / f.episodes + random.std * random.std / random.n);
    EXPECT_GT(f.mean - random.mean, 3 * se) << "seed " << seed << ": final evaluation " << f.mean;
    sum += f.mean;
  }
  EXPECT_GT(sum / 3, ReferenceSample("iev_10cand/greedy").mean)
      << "mean final evaluation should pass the myopic greedy baseline";
}

TEST(LinUcbLearningTest, OneActorAndFourActorsReachTheSameQuality) {
  const std::string dir = MakeTempDir("linucb-actors");
  auto yaml = [](int actors) {
    return "env: interest_evolution\nenv_config: {num_candidates: 10, slate_size: 2}\nalgo: linucb\n"
           "config: {context: disjoint, batch_size: 16}\nstop: {timesteps_total: 40000}\n"
           "evaluation: {final_episodes: 1000, seed: 77}\n"
           "cluster: {backend: inproc, num_actors: " + std::to_string(actors) +
           ", num_envs_per_actor: 4, replay_shards: 2, fragment_length: 10}\n"
           "reporting: {progress: off, interval_timesteps: 10000}\nseed: 5\n";
  };
  const FinalEval one = RunInproc(dir, "one", yaml(1)), four = RunInproc(dir, "four", yaml(4));
  const double se = std::sqrt(one.std * one.std / one.episodes + four.std * four.std / four.episodes);
  EXPECT_LT(std::fabs(one.mean - four.mean), 3 * se) << one.mean << " vs " << four.mean;
  const SampleSummary random = ReferenceSample("iev_10cand/random");
  for (const FinalEval& f : {one, four})
    EXPECT_GT(f.mean - random.mean, 3 * std::sqrt(f.std * f.std / f.episodes + random.std * random.std / random.n))
        << f.mean;
}

}  // namespace
}  // namespace slaterl
