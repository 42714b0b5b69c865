// GeMS-protocol throughput (docs/performance.md): per algorithm, how fast one actor collects
// trajectories on focused TopDown (acting with loaded weights, exploration on) and how fast the
// learner performs the protocol's update (batch of 20 trajectories; REINFORCE 1), next to the
// Python originals' cost per trajectory: the simulator's speed and the PyTorch update rate from
// data/reference/reference.csv (rows python_speed/<host>/topics_focused_topdown/random, the fastest
// host's, and pytorch_speed/<algo>/update). Measured in one run: compare the ratios, not absolute
// numbers across machines.
//   build/bench_gems_bench [seconds_per_measurement] [--markdown]
// prints one JSON object per measurement, or with --markdown the tables of docs/performance.md
// (bench/lib/performance_markdown.h: GemsMarkdownTables; bench/performance.sh).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "actors/actor.h"
#include "algos/common/torch_util.h"
#include "algos/run_config.h"
#include "bench/lib/performance_markdown.h"
#include "core/reference_table.h"

using namespace slaterl;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

struct Case {
  std::string name, algo, yaml;
  int batch;
  std::string reference_id;  // the PyTorch update row; "" if none
};

// The config of the Python simulator measurements this bench's env matches.
const char kSimConfig[] = "configs/envs/topics_focused_topdown.yaml";

}  // namespace

int main(int argc, char** argv) {
  double budget_s = 5.0;
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    char* end = nullptr;
    if (std::strcmp(argv[i], "--markdown") == 0) {
      markdown = true;
    } else if (const double v = std::strtod(argv[i], &end); end != argv[i] && *end == '\0' && v > 0) {
      budget_s = v;
    } else {
      std::fprintf(stderr, "usage: bench_gems_bench [seconds_per_measurement] [--markdown]\n");
      return 2;
    }
  }
  Result<ReferenceTable> table = ReferenceTable::Load(DefaultReferenceTablePath());
  if (!table.ok()) return std::fprintf(stderr, "%s\n", table.status().ToString().c_str()), 1;
  ConfigureTorchForRole(/*num_threads=*/1);
  const Case cases[] = {
      {"sac_topk_ideal", "sac", "config: {random_steps: 0}\n", 20, "pytorch_speed/sac_topk_ideal/update"},
      {"sac_wknn", "sac", "config: {random_steps: 0, ranker: wknn, ranker_embeddings: ideal}\n", 20, ""},
      {"reinforce_softmax", "reinforce", "config: {random_steps: 0}\n", 1, "pytorch_speed/reinforce_softmax/update"},
      {"slateq_gems", "slateq", "config: {variant: gems, hiddens: \"256\", batch_size: 20, random_steps: 0}\n", 20, ""},
  };
  // The Python GeMS loop's rate, as the JSON lines have always quoted it: one simulated trajectory
  // plus one SAC+TopK update per iteration.
  const ReferenceRow* sim = FastestSpeedRow(*table, kSimConfig, "random", "steps_per_s");
  const ReferenceRow* sac_update = table->Find("pytorch_speed/sac_topk_ideal/update");
  std::vector<GemsBenchResult> results;
  int steps_per_trajectory = 0;
  constexpr int kManyEnvs = 20;
  for (const Case& c : cases) {
    GemsBenchResult result;
    result.algo = c.name;
    result.reference_id = c.reference_id;
    result.batch_trajectories = c.batch;
    result.many_envs = kManyEnvs;
    for (int num_envs : {1, kManyEnvs}) {
      auto run = LoadRunConfigString("env: topics\nenv_config: {variant: TopDown, embeddings: focused}\nalgo: " + c.algo +
                                         "\n" + c.yaml + "stop: {episodes_total: 1}\ncluster: {num_actors: 1, "
                                         "num_envs_per_actor: " + std::to_string(num_envs) + "}\nseed: 1\n",
                                     "bench.yaml", {}, RegistrySchemas());
      if (!run.ok()) return std::fprintf(stderr, "%s\n", run.status().ToString().c_str()), 1;
      auto actor = ActorCore::Create(*run, *FindEnv("topics"), *FindAlgo(c.algo), 0, 0);
      if (!actor.ok()) return std::fprintf(stderr, "%s\n", actor.status().ToString().c_str()), 1;
      const AlgoContext ctx = MakeAlgoContext(*run, FindEnv("topics")->create(run->env_config, c.batch).value()->spec());
      steps_per_trajectory = ctx.env_spec.max_steps;
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
      (num_envs == 1 ? result.acting_1env : result.acting_many_envs) = act_per_s;
      if (!markdown) std::printf("{\"bench\": \"gems_acting\", \"algo\": \"%s\", \"num_envs\": %d, \"trajectories_per_s\": %.1f, "
                  "\"env_steps_per_s\": %.0f}\n", c.name.c_str(), num_envs, act_per_s, act_per_s * steps_per_trajectory);
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
      result.updates_per_sec = updates_per_s;
      if (markdown) continue;
      // One GeMS iteration = one trajectory + one update (serial, as the Python loop runs it).
      const double serial = SerialRate(act_per_s, updates_per_s);
      const double python = sim != nullptr && sim->mean && sac_update != nullptr && sac_update->mean
                                ? SerialRate(*sim->mean / steps_per_trajectory, *sac_update->mean)
                                : std::nan("");
      std::printf("{\"bench\": \"gems_update\", \"algo\": \"%s\", \"batch_trajectories\": %d, \"updates_per_s\": %.1f, "
                  "\"serial_trajectories_per_s\": %.1f, \"python_trajectories_per_s\": %.1f, \"speedup_vs_python\": %.1f}\n",
                  c.name.c_str(), c.batch, updates_per_s, serial, python, serial / python);
      std::fflush(stdout);
    }
    results.push_back(result);
  }
  if (markdown) std::cout << GemsMarkdownTables(results, *table, kSimConfig, steps_per_trajectory);
  return 0;
}
