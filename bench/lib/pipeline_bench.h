// bench/lib/pipeline_bench.h — `slaterl bench pipeline [CONFIG ...] [--seconds S] [--json|--markdown]`.
//
// Measures, for each CONFIG in turn, in one invocation (so noise affects both sides alike):
//   1. the whole local pipeline: `launch` of CONFIG (backend local) for S seconds — actor env
//      steps/s and learner updates/s from the run's own metrics, counted from the learner's first
//      update (filling the replay before learning starts is not the steady state);
//   2. the same actors stepping alone: num_actors threads in this process, each an ActorCore of
//      the same config collecting and encoding fragments (the actor's full work minus sending),
//      for S seconds;
//   3. with --against CONFIG2, CONFIG2 as it is (e.g. backend hosts over tcp:// + CURVE), as a
//      ratio to the local ipc:// run;
// and reports pipeline steps/s ÷ alone steps/s (goal ≥ 0.8: transport, replay and weight
// updates should cost actors little). A learner-bound config (a rate limiter tying inserts to
// updates) measures the learner instead; the line says which bound the run hit. --markdown prints
// one table row per CONFIG after all of them have run (bench/lib/performance_markdown.h:
// PipelineMarkdownTable; docs/performance.md).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "bench/lib/env_bench.h"
#include "core/status.h"

namespace slaterl {

struct PipelineBenchOptions {
  std::vector<std::string> configs = {"configs/bench/pipeline_linucb_lts.yaml"};
  double seconds = 10.0;
  std::string executable;  // slaterl binary for the role processes
  // Optional: a second config, the same run placed elsewhere (e.g. `backend: hosts` over network
  // namespaces, tcp:// + CURVE); measured right after, and reported as a ratio to the ipc run.
  // Only with one CONFIG, and not with markdown output.
  std::string against;
};

Status RunPipelineBench(std::ostream& out, BenchOutput output, const PipelineBenchOptions& options);

}  // namespace slaterl
