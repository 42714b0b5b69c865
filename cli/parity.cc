// cli/parity.cc — `slaterl parity`: our environments against the measured originals.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "tune/parity.h"

namespace slaterl {
namespace cli {
namespace {


}  // namespace

int CmdParity(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::printf("usage: slaterl parity [--episodes N] [--only TEXT] [--reference FILE] [--root DIR] > docs/parity.md\n\n"
                "Plays every env_return row of the reference table (default data/reference/reference.csv)\n"
                "with its config and baseline policy, and prints a markdown table: reference vs ours, Welch p\n"
                "with Holm-Bonferroni at alpha 0.01 (the verdict), the smallest detectable difference, and a\n"
                "TOST equivalence test (margin 3 reference standard errors) for information.\n"
                "  --root DIR   where the table's config paths are relative to (default: two folders above it)\n"
                "Exit code 1 when any row is rejected.\n");
    return 0;
  }
  std::vector<std::string> rest = args;
  ParityOptions options;
  std::string episodes;
  for (auto flag : {std::make_pair("--episodes", &episodes), std::make_pair("--only", &options.only),
                    std::make_pair("--reference", &options.reference_table),
                    std::make_pair("--root", &options.root)}) {
    auto taken = TakeFlag(&rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  Status leftovers = NoLeftovers(rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (!episodes.empty()) {
    auto parsed = ParsePositive("--episodes", episodes);
    if (!parsed.ok() || *parsed < 2) return Fail(InvalidArgumentError("--episodes: at least 2"));
    options.episodes = *parsed;
  }
  Status status = RunParity(std::cout, options);
  if (!status.ok()) {
    std::fprintf(stderr, "slaterl: %s\n", status.message().c_str());
    return status.code() == StatusCode::kFailedPrecondition ? 1 : 2;
  }
  return 0;
}

}  // namespace cli
}  // namespace slaterl
