// bench/lib/performance_markdown.h — the markdown tables of docs/performance.md, from measured
// numbers and the reference rows of data/reference/reference.csv.
//
// `slaterl bench envs --markdown`, `slaterl bench pipeline --markdown`, `bench_learner_bench
// --markdown` and `bench_gems_bench --markdown` measure, then format their results with these
// functions; bench/performance.sh puts their output together into docs/performance.md. Every
// function is pure (no clock, no I/O) so that tests can call it with fixed inputs.
//
// Python figures: the table has `speed` rows for the same setting measured on more than one host
// (python_speed/host_a/..., python_speed/host_b/...), and they differ by up to 3×. A speed-up is
// always quoted against the FASTEST Python figure the table has for the setting (FastestSpeedRow),
// and the cell names that row's id.
#pragma once

#include <string>
#include <vector>

#include "core/reference_table.h"

namespace slaterl {

// "—": a cell without a number (no reference, nothing measured).
extern const char kNoValue[];

// A throughput with three significant figures: "9.26 M" (≥ 1e6), "342 k" (≥ 1e5), "68,940" and
// "717" (≥ 100, whole, thousands separated), "23.7" (≥ 10), "2.35" (below); kNoValue if not finite.
std::string FormatRate(double value);
// min–max of `values` in FormatRate's style, both ends in the unit of the larger one
// ("9.26–9.32 M", "292–342 k", "81–228 k", "0.50–1.20 M", "4,047–4,210"); one value (or all equal
// once formatted) as FormatRate; kNoValue when empty.
std::string FormatRateRange(const std::vector<double>& values);
// A speed-up or slow-down factor: "≈1,100×" (≥ 100, two significant figures), "36×" (≥ 10),
// "2.1×" (below); kNoValue if not finite or not positive.
std::string FormatFactor(double factor);
// The median (mean of the two middle values for an even count); NaN when empty.
double Median(std::vector<double> values);

// The kind=speed row with the largest mean among the rows for (config, policy, metric), or
// nullptr when the table has none: the fastest host's figure.
const ReferenceRow* FastestSpeedRow(const ReferenceTable& table, const std::string& config,
                                    const std::string& policy, const std::string& metric);
// "26,100 (`python_speed/host_b/lts_default/random`)": the row's mean and id; kNoValue for nullptr
// or a row without a mean.
std::string FormatReferenceCell(const ReferenceRow* row);
// ours ÷ the row's mean as FormatFactor; kNoValue when there is no row (or no mean).
std::string FormatRatioCell(double ours, const ReferenceRow* row);

// ---- slaterl bench envs ------------------------------------------------------------------------

// One env × policy measured by `slaterl bench envs`: env steps/s at batch 1 and batch 64, one value
// per repeat.
struct EnvBenchResult {
  std::string env;     // registry name, e.g. "lts"
  std::string config;  // repo path of the config whose env_config was measured; "" = the defaults
  std::string policy;  // "random", "oracle"
  int num_candidates = 0, slate_size = 0;  // from the env's spec
  std::vector<double> batch1, batch64;     // steps/s, one per repeat
};

// The header (two lines) of the env table.
std::string EnvMarkdownHeader();
// One row: env (config, candidates, slate), policy, batch 1 and batch 64 ranges, the fastest
// Python figure for (config, policy, "steps_per_s") with its row id, and the speed-up = median of
// batch 1 ÷ that figure; both kNoValue without a reference row (or without a config).
std::string EnvMarkdownRow(const EnvBenchResult& result, const ReferenceTable& table);
// Header, rows, and a line naming the reference file and the rule (fastest host).
std::string EnvMarkdownTable(const std::vector<EnvBenchResult>& results, const ReferenceTable& table);

// ---- build/bench_learner_bench -----------------------------------------------------------------

struct LearnerBenchResult {
  std::string what;          // the shape measured, in words
  std::string reference_id;  // the PyTorch row, e.g. "pytorch_speed/slateq_clean/update"; may be ""
  double updates_per_sec = 0;
};
// | what | slaterl updates/s | PyTorch updates/s (row id) | ratio slaterl ÷ PyTorch |
std::string LearnerMarkdownTable(const std::vector<LearnerBenchResult>& results, const ReferenceTable& table);

// ---- build/bench_gems_bench ----------------------------------------------------------------------

struct GemsBenchResult {
  std::string algo;          // "sac_topk_ideal", ...
  std::string reference_id;  // the PyTorch update row, e.g. "pytorch_speed/sac_topk_ideal/update"; may be ""
  int batch_trajectories = 0;
  double acting_1env = 0, acting_many_envs = 0;  // trajectories/s of one actor
  int many_envs = 0;                             // the env count of acting_many_envs
  double updates_per_sec = 0;
};
// Two tables: the update against PyTorch (| algorithm | batch | slaterl | PyTorch (row) | ratio |),
// then the GeMS iteration (one trajectory + one update, serial as the GeMS loop runs them):
// | algorithm | acting 1 env | acting N envs | serial slaterl | serial Python | speed-up |, where
// serial Python = 1 ÷ (steps_per_trajectory ÷ simulator steps/s + 1 ÷ PyTorch updates/s), the
// simulator's figure being the fastest Python row for (sim_config, "random", "steps_per_s"). A
// line under the second table names the rows used.
std::string GemsMarkdownTables(const std::vector<GemsBenchResult>& results, const ReferenceTable& table,
                               const std::string& sim_config, int steps_per_trajectory);
// 1 ÷ (1 ÷ a + 1 ÷ b): two stages run one after the other; 0 if either is not positive.
double SerialRate(double a, double b);

// ---- slaterl bench pipeline --------------------------------------------------------------------

struct PipelineBenchResult {
  std::string config, env, algo;
  int num_actors = 0, num_envs_per_actor = 0;
  double pipeline_env_steps_per_sec = 0, alone_env_steps_per_sec = 0, learner_updates_per_sec = 0;
  int64_t batch_size = 0;  // the algorithm's config batch_size; 0 if it has none
};
// | config | algo on env | actors × envs | pipeline env steps/s | actors alone | ratio |
// | learner updates/s | updates × batch_size per s |
std::string PipelineMarkdownTable(const std::vector<PipelineBenchResult>& results);

}  // namespace slaterl
