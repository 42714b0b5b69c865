// slaterl — the command line: dispatches to one subcommand per file in cli/.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/build_info.h"

namespace slaterl {
namespace {

const char kUsage[] =
    "usage: slaterl COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  launch CONFIG.yaml [--set k=v ...] [--run-dir DIR] [--dry-run]   run one training run\n"
    "  eval CONFIG.yaml --policy P --episodes N [--seed S] [--json]     evaluate a fixed policy\n"
    "  sweep SWEEP.yaml [--run-dir DIR] [--set k=v ...] [--dry-run]     many runs (grid, seeds), report.md\n"
    "  report RUN_OR_SWEEP_DIR                                          rebuild report.md and plots\n"
    "  validate CONFIG.yaml [--set k=v ...]                             check a config, print it resolved\n"
    "  data generate CONFIG.yaml --episodes N --out FILE [--epsilon E]  logged trajectories (topics)\n"
    "  pretrain mf CONFIG.yaml --data FILE --out PATH.f32               MF item embeddings from logged data\n"
    "  bench envs|pipeline [CONFIG.yaml ...] [--json|--markdown]        env steps/s; pipeline vs actors alone\n"
    "  parity [--episodes N] [--only TEXT]                              envs vs the Python originals (markdown)\n"
    "  docs config                                                      print the config key reference\n"
    "  version                                                          print versions\n"
    "\n"
    "Run `slaterl COMMAND --help` for the options of a command.\n";

}  // namespace
}  // namespace slaterl

int main(int argc, char** argv) {
  using namespace slaterl;
  using namespace slaterl::cli;
  if (argc < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "launch") return CmdLaunch(args);
  if (command == "eval") return CmdEval(args);
  if (command == "sweep") return CmdSweep(args);
  if (command == "report") return CmdReport(args);
  if (command == "validate") return CmdValidate(args);
  if (command == "bench") return CmdBench(args);
  if (command == "data") return CmdData(args);
  if (command == "pretrain") return CmdPretrain(args);
  if (command == "docs") return CmdDocs(args);
  if (command == "parity") return CmdParity(args);
  if (command == "_role") return CmdRole(args);
  if (command == "version" || command == "--version") {
    std::printf("%s\n", BuildInfoJson().c_str());
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  std::fprintf(stderr, "slaterl: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
