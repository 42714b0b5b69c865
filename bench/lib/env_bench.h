// bench/lib/env_bench.h — `slaterl bench envs [CONFIG.yaml ...] [--json|--markdown]`: single-core
// environment throughput.
//
// For every registered environment (default env_config), or for the env_config of each CONFIG,
// measures env steps per second at batch sizes 1 and 64 with the `random` baseline choosing the
// slates (policy time included, as in the Python reference measurements of docs/performance.md),
// and also with `oracle` for envs whose spec has oracle_sentinel (topics: the env scores its whole
// catalogue each step). Each measurement warms up, then times about `seconds_per_measurement` of
// steps on the calling thread. Blocks for the whole run (~2 s per measurement by default),
// `repeats` times over the whole list; not thread-safe with respect to `out`.
//
// --markdown (docs/performance.md, bench/performance.sh) prints, after all measurements, the table
// of bench/lib/performance_markdown.h: per env and policy the range over the repeats at batch 1 and
// 64, the fastest Python figure of data/reference/reference.csv for the same config and policy
// (kind=speed, metric steps_per_s) and the speed-up. Without CONFIGs it measures the configs those
// rows name (in file order), then every registered env none of them covers, at its defaults.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

enum class BenchOutput { kText, kJson, kMarkdown };

struct EnvBenchOptions {
  double warmup_seconds = 0.25;
  double seconds_per_measurement = 1.5;
  int batch_sizes[2] = {1, 64};
  int repeats = 1;                   // passes over the whole list
  std::vector<std::string> configs;  // run configs whose env and env_config to measure; empty: see above
  std::string reference_table;       // --markdown; "" = DefaultReferenceTablePath()
};

// Text and JSON print one line per measurement: with JSON,
//   {"bench":"envs","env":"lts","batch":64,"steps_per_sec":1.2e7,"policy":"random"}
// (one line per env, batch size, policy and repeat; with "config" when measured from a CONFIG and
// "repeat" when repeats > 1), else a human-readable line. An env that cannot be built is reported
// on its own line ({"bench":"envs","env":...,"error":...}; in markdown under the table) and makes
// the call return its error after the other envs have been measured.
Status RunEnvBench(std::ostream& out, BenchOutput output, const EnvBenchOptions& options);

}  // namespace slaterl
