// GeMS-protocol throughput (docs/performance.md): per algorithm, how fast one actor collects
// 100-step trajectories on focused TopDown (acting with loaded weights, exploration on) and how
// fast the learner performs the protocol's update (batch of 20 trajectories; REINFORCE 1), next to
// the Python originals' cost per trajectory (docs/performance.md: ≈65 ms simulator + ≈95 ms SAC
// update ≈ 6 trajectories/s). Prints one JSON object per measurement. Measured in one run:
// compare the ratios, not absolute numbers across machines.
//   build/bench_gems_bench [seconds_per_measurement]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "actors/actor.h"
#include "algos/common/torch_util.h"
#include "algos/run_config.h"

using namespace slaterl;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

struct Case {
  std::string name, algo, yaml;
  int batch;
};

}  // namespace

int main(int argc, char** argv) {
  const double budget_s = argc > 1 ? std::atof(argv[1]) : 5.0;
  ConfigureTorchForRole(/*num_threads=*/1);
  const Case cases[] = {
      {"sac_topk_ideal", "sac", "config: {random_steps: 0}\n", 20},
      {"sac_wknn", "sac", "config: {random_steps: 0, ranker: wknn, ranker_embeddings: ideal}\n", 20},
      {"reinforce_softmax", "reinforce", "config: {random_steps: 0}\n", 1},
      {"slateq_gems", "slateq", "config: {variant: gems, hiddens: \"256\", batch_size: 20, random_steps: 0}\n", 20},
  };
  for (const Case& c : cases) {
    for (int num_envs : {1, 20}) {
      auto run = LoadRunConfigString("env: topics\nenv_config: {variant: TopDown, embeddings: focused}\nalgo: " + c.algo +
                                         "\n" + c.yaml + "stop: {episodes_total: 1}\ncluster: {num_actors: 1, "
                                         "num_envs_per_actor: " + std::to_string(num_envs) + "}\nseed: 1\n",
                                     "bench.yaml", {}, RegistrySchemas());
      if (!run.ok()) return std::fprintf(stderr, "%s\n", run.status().ToString().c_str()), 1;
      auto actor = ActorCore::Create(*run, *FindEnv("topics"), *FindAlgo(c.algo), 0, 0);
      if (!actor.ok()) return std::fprintf(stderr, "%s\n", actor.status().ToString().c_str()), 1;
      const AlgoContext ctx = MakeAlgoContext(*run, FindEnv("topics")->create(run->env_config, c.batch).value()->spec());
      auto trainer = FindAlgo(c.algo)->create_trainer(run->config, ctx);
      if (!trainer.ok()) return std::fprintf(stderr, "%s\n", trainer.status().ToString().c_str()), 1;
      Weights weights = (*trainer)->weights();
      weights.version = 1;
      weights.episodes_total = 1000000;  // past the random phase: the learned policy acts
      if (Status s = (*actor)->ApplyWeights(weights); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
      // Acting: whole trajectories from one actor process's worth of work.
      int64_t trajectories = 0;
      SampleBatch batch;
      const auto start = Clock::now();
      while (Seconds(start) < budget_s || trajectories < c.batch) {
        Fragment f = (*actor)->CollectFragment();
        trajectories += f.num_items;
        if (batch.num_items < c.batch) {
          const int take = std::min(c.batch - batch.num_items, f.num_items);
          batch.item_size = f.item_size;
          batch.data.insert(batch.data.end(), f.data.begin(), f.data.begin() + static_cast<size_t>(take) * f.item_size);
          batch.num_items += take;
        }
      }
      const double act_per_s = trajectories / Seconds(start);
      std::printf("{\"bench\": \"gems_acting\", \"algo\": \"%s\", \"num_envs\": %d, \"trajectories_per_s\": %.1f, "
                  "\"env_steps_per_s\": %.0f}\n", c.name.c_str(), num_envs, act_per_s, act_per_s * 100);
      std::fflush(stdout);
      if (num_envs != 1) continue;
      batch.keys.resize(static_cast<size_t>(batch.num_items));
      batch.probabilities.assign(static_cast<size_t>(batch.num_items), 1.0);
      int64_t updates = 0;
      // Warm-up (allocations); a rejected batch would time nothing.
      if (Result<UpdateResult> r = (*trainer)->update(batch); !r.ok())
        return std::fprintf(stderr, "%s\n", r.status().ToString().c_str()), 1;
      const auto update_start = Clock::now();
      while (Seconds(update_start) < budget_s || updates < 3) {
        (void)(*trainer)->update(batch);
        ++updates;
      }
      const double updates_per_s = updates / Seconds(update_start);
      // One GeMS iteration = one trajectory + one update (serial, as the Python loop runs it).
      const double serial = 1.0 / (1.0 / act_per_s + 1.0 / updates_per_s);
      std::printf("{\"bench\": \"gems_update\", \"algo\": \"%s\", \"batch_trajectories\": %d, \"updates_per_s\": %.1f, "
                  "\"serial_trajectories_per_s\": %.1f, \"python_trajectories_per_s\": %.1f, \"speedup_vs_python\": %.1f}\n",
                  c.name.c_str(), c.batch, updates_per_s, serial, 1.0 / (0.065 + 0.095),
                  serial * (0.065 + 0.095));
      std::fflush(stdout);
    }
  }
  return 0;
}
