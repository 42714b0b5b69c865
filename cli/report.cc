// cli/report.cc — `slaterl report`: reports rebuilt from run and sweep directories.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "tune/report.h"
#include "tune/results_page.h"

namespace slaterl {
namespace cli {
namespace {

const char kReportHelp[] =
    "usage: slaterl report RUN_OR_SWEEP_DIR\n"
    "\n"
    "Rebuilds the report from the files: for a sweep directory report.md, results.csv, points.csv\n"
    "and plots/curves.svg; for a run directory report.md and curves.svg. Prints report.md.\n"
    "\n"
    "usage: slaterl report --markdown SWEEP_DIR... [--reference FILE] > docs/results.md\n"
    "\n"
    "Prints the results page: one section per sweep directory (its reproduction command, every point's\n"
    "final evaluation with a 95% interval over seeds and each seed's value, Welch's test against the\n"
    "baseline point, learning-curve tables) plus the rows of the reference table (default\n"
    "data/reference/reference.csv) measured on the same environment configuration.\n";


}  // namespace

int CmdReport(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kReportHelp), 0;
  if (!args.empty() && args[0] == "--markdown") {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    ResultsPageOptions options;
    auto taken = TakeFlag(&rest, "--reference", &options.reference_table);
    if (!taken.ok()) return Fail(taken.status());
    for (const auto& arg : rest) {
      if (!arg.empty() && arg[0] == '-') return Fail(InvalidArgumentError("unknown argument '" + arg + "' (see --help)"));
      options.sweep_dirs.push_back(arg);
    }
    if (options.sweep_dirs.empty()) return Fail(InvalidArgumentError("--markdown needs at least one SWEEP_DIR"));
    auto page = ResultsPageMarkdown(options);
    if (!page.ok()) return Fail(page.status());
    std::printf("%s", page->c_str());
    return 0;
  }
  if (args.size() != 1) return Fail(InvalidArgumentError("report needs one RUN_OR_SWEEP_DIR (see --help)"));
  auto report = WriteReport(args[0]);
  if (!report.ok()) return Fail(report.status());
  std::printf("%s", report->c_str());
  return 0;
}

}  // namespace cli
}  // namespace slaterl
