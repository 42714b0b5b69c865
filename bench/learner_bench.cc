// Learner update throughput on synthetic batches, for comparison with the PyTorch figures of
// data/reference/reference.csv (row pytorch_speed/slateq_clean/update: SlateQ clean,
// docs/algorithms.md §3.6 — the SlateQ config's defaults on interest evolution with 10 candidates,
// slate 2, exact next-slate enumeration; LibTorch, 1 thread).
//   build/bench_learner_bench              one JSON object per measurement
//   build/bench_learner_bench --markdown   the table of docs/performance.md (bench/performance.sh), at 1 and
//                                          2 LibTorch threads
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "algos/common/torch_util.h"
#include "algos/slateq/slateq.h"
#include "bench/lib/performance_markdown.h"
#include "core/reference_table.h"
#include "core/rng.h"
#include "envs/transition.h"

using namespace slaterl;

namespace {

Params Defaults(const Schema& schema) {
  Params p;
  for (const auto& k : schema.keys()) {
    ParamValue v;
    v.type = k.type;
    if (k.type == ValueType::kInt) v.i = std::stoll(k.default_text);
    if (k.type == ValueType::kDouble) v.d = std::stod(k.default_text);
    if (k.type == ValueType::kEnum || k.type == ValueType::kString) v.s = k.default_text;
    if (k.type == ValueType::kBool) v.b = k.default_text == "true";
    p.Set(k.name, v, false);
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--markdown") == 0) {
      markdown = true;
    } else {
      std::fprintf(stderr, "usage: bench_learner_bench [--markdown]\n");
      return 2;
    }
  }
  const char kReferenceId[] = "pytorch_speed/slateq_clean/update";
  Result<ReferenceTable> table = ReferenceTable::Load(DefaultReferenceTablePath());
  if (!table.ok()) return std::fprintf(stderr, "%s\n", table.status().ToString().c_str()), 1;
  const ReferenceRow* reference = table->Find(kReferenceId);
  if (reference == nullptr || !reference->mean)
    return std::fprintf(stderr, "%s: no row %s with a mean\n", table->path().c_str(), kReferenceId), 1;
  ConfigureTorchForRole(/*num_threads=*/1);
  AlgoContext ctx;
  ctx.env_name = "interest_evolution";
  ctx.env_spec = {"interest_evolution", 1, /*num_candidates=*/10, /*slate_size=*/2, /*user_dim=*/20,
                  /*doc_dim=*/20, /*response_dim=*/5, 0};
  const Schema schema = SlateQSchema();
  const Params config = Defaults(schema);
  auto trainer = CreateSlateQTrainer(config, ctx);
  if (!trainer.ok()) {
    std::fprintf(stderr, "%s\n", trainer.status().ToString().c_str());
    return 1;
  }
  TransitionLayout layout(ctx.env_spec);
  SampleBatch batch;
  batch.table = "transitions";
  batch.item_size = layout.size;
  batch.num_items = 32;
  batch.data.assign(static_cast<size_t>(32) * layout.size, 0.0f);
  batch.keys.resize(32);
  batch.probabilities.assign(32, 1.0 / 32);
  batch.table_size = 32;
  Rng rng(1);
  for (int i = 0; i < 32; ++i) {
    float* t = batch.data.data() + static_cast<size_t>(i) * layout.size;
    for (int f = 0; f < 20; ++f) t[layout.user + f] = t[layout.next_user + f] = static_cast<float>(rng.Uniform(-1, 1));
    for (int c = 0; c < 10; ++c) t[layout.docs + c * 20 + rng.UniformInt(20)] = t[layout.next_docs + c * 20 + c] = 1.0f;
    t[layout.slate] = 0;
    t[layout.slate + 1] = 1;
    t[layout.responses] = i % 2;
    t[layout.reward] = 4.0f * (i % 2);
  }
  for (int i = 0; i < 50; ++i) {  // warm-up; a rejected batch would time nothing
    Result<UpdateResult> r = (*trainer)->update(batch);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      return 1;
    }
  }
  // Updates per second over 3 s with `threads` LibTorch intra-op threads (cluster.learner_threads).
  auto measure = [&](int threads) {
    ConfigureTorchForRole(threads);
    for (int i = 0; i < 10; ++i) (void)(*trainer)->update(batch);
    int updates = 0;
    const auto start = std::chrono::steady_clock::now();
    double seconds = 0;
    while (seconds < 3.0) {
      (void)(*trainer)->update(batch);
      ++updates;
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return updates / seconds;
  };
  const double rate = measure(1);
  const double pytorch = *reference->mean;
  if (markdown) {
    const std::string shape =
        "SlateQ (`slateq` defaults, docs/algorithms.md §3.6): batch " + std::to_string(batch.num_items) + ", " +
        std::to_string(ctx.env_spec.num_candidates) + " candidates × " + std::to_string(ctx.env_spec.doc_dim) +
        "-d, user " + std::to_string(ctx.env_spec.user_dim) + "-d, slate " + std::to_string(ctx.env_spec.slate_size) +
        ", per-item MLP hiddens " + config.GetString("hiddens") +
        " plus target, exact next-slate enumeration; synthetic batches, LibTorch CPU";
    LearnerBenchResult one, two;
    one.what = shape + ", one thread";
    one.reference_id = kReferenceId;  // measured with one thread too
    one.updates_per_sec = rate;
    two.what = shape + ", 2 threads (`cluster.learner_threads: 2`; no PyTorch figure at 2 threads)";
    two.updates_per_sec = measure(2);
    std::cout << LearnerMarkdownTable({one, two}, *table);
    return 0;
  }
  std::printf("{\"bench\": \"learner\", \"algo\": \"slateq\", \"shape\": \"batch 32, 10 candidates x 20-d, slate 2, "
              "MLP 40-256-32-1, exact target\", \"updates_per_sec\": %.1f, \"pytorch_reference_updates_per_sec\": %.0f, "
              "\"ratio\": %.2f}\n", rate, pytorch, rate / pytorch);
  return 0;
}
