// tune/parity.h — `slaterl parity`: our environments against the measured Python originals.
//
// For every `env_return` row of the reference table (data/reference/reference.csv) that names a
// slaterl config and the `return` metric, plays the same policy in that config (one env, episodes
// back to back, a seed decided once per row) and compares the mean return — and the mean episode
// length where the reference's lengths vary — with Welch's two-sample t-test, Holm–Bonferroni over
// all tests at a family-wise α. Welch decides. Next to it, for information: a TOST equivalence test
// with a margin of `tost_margin_sems` reference standard errors, and the smallest difference the
// Welch test would detect with 80 % power. Also lists which presets in configs/envs/ have no
// reference rows. Writes markdown (docs/parity.md). Blocks for the whole run (seconds).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "core/status.h"

namespace slaterl {

struct ParityOptions {
  int64_t episodes = 2000;        // per row (≥ the reference's 500)
  double family_alpha = 0.01;
  double tost_alpha = 0.05;
  double tost_margin_sems = 3.0;  // equivalence margin, in standard errors of the reference mean
  std::string reference_table;    // "" = DefaultReferenceTablePath()
  // Where the table's config paths are relative to ("" = two folders above the table).
  std::string root;
  std::string only;               // substring filter on row ids ("" = all)
};

// Writes the markdown report to `out`; returns FailedPrecondition when Holm–Bonferroni rejects
// any row (the report is written either way).
Status RunParity(std::ostream& out, const ParityOptions& options);

}  // namespace slaterl
