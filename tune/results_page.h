// tune/results_page.h — the results page (docs/results.md) generated from sweep directories.
//
// `slaterl report --markdown SWEEP_DIR...` reads each sweep directory back (its plan and every
// run's config.yaml, metrics.jsonl and summary.json; nothing else) and writes one section per
// sweep: the command that reproduces it, a table of every point (final evaluation: mean ± 95 %
// Student-t interval over seeds and each seed's value; the last training return; Welch's test
// against the sweep's baseline point; env steps and wall time per run), the learning curve of
// every learning point as a short table, and the rows of the reference table
// (data/reference/reference.csv) measured on the same environment configuration — a reference
// row applies when its config file resolves to the same `env` and `env_config` as the sweep's
// runs. No number on the page is typed by hand. A pure function of the files; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

struct ResultsPageOptions {
  std::vector<std::string> sweep_dirs;  // in page order
  std::string reference_table;          // "" = DefaultReferenceTablePath()
  // The repository root: the reference table's config paths are relative to it ("" = two folders
  // above the table), and links on the page are relative to `page_dir` under it.
  std::string root;
  std::string page_dir = "docs";
  int curve_points = 6;  // rows of each learning-curve table
};

Result<std::string> ResultsPageMarkdown(const ResultsPageOptions& options);

}  // namespace slaterl
