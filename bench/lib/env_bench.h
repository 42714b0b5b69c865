// bench/lib/env_bench.h — `slaterl bench envs [--json]`: single-core environment throughput.
//
// For every registered environment (default env_config), measures env steps per second at batch
// sizes 1 and 64 with the `random` baseline choosing the slates (policy time included, as in the
// Python reference measurements of docs/performance.md), and also with `oracle` for envs whose spec has
// oracle_sentinel (topics: the env scores its whole catalogue each step). Each measurement warms up, then times about
// `seconds_per_measurement` of steps on the calling thread. Blocks for the whole run (~2 s per
// measurement by default); not thread-safe with respect to `out`.
#pragma once

#include <ostream>

#include "core/status.h"

namespace slaterl {

struct EnvBenchOptions {
  double warmup_seconds = 0.25;
  double seconds_per_measurement = 1.5;
  int batch_sizes[2] = {1, 64};
};

// Prints one line per measurement: with `json`,
//   {"bench":"envs","env":"lts","batch":64,"steps_per_sec":1.2e7,"policy":"random"}
// (one line per env, batch size and policy)
// else a human-readable line. An env that cannot be built from its defaults is reported on its own
// line ({"bench":"envs","env":...,"error":...}) and makes the call return its error after the
// other envs have been measured.
Status RunEnvBench(std::ostream& out, bool json);
Status RunEnvBench(std::ostream& out, bool json, const EnvBenchOptions& options);

}  // namespace slaterl
