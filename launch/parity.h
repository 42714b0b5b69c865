// launch/parity.h — `slaterl parity`: our environments against the measured Python originals.
//
// For every row of the reference table (RESULTS.md §1, transcribed in parity.cc with its
// source), runs `slaterl eval` of the same preset config (configs/envs/*.yaml) and policy with a
// fixed seed decided once per row, and compares mean returns — and mean episode lengths where
// lengths vary — with Welch's two-sample t-test. Holm–Bonferroni over all tests at a family-wise
// α. Writes a markdown table (docs/parity.md). Blocks for the whole run (minutes).
#pragma once

#include <ostream>
#include <string>

#include "core/status.h"

namespace slaterl {

struct ParityOptions {
  int64_t episodes = 2000;        // per row (≥ the reference's 500)
  double family_alpha = 0.01;
  std::string configs_dir = "configs/envs";
  std::string only;               // substring filter on row names ("" = all)
};

// Writes the markdown report to `out`; returns FailedPrecondition when Holm–Bonferroni rejects
// any row (the report is written either way).
Status RunParity(std::ostream& out, const ParityOptions& options);

}  // namespace slaterl
