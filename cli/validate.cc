// cli/validate.cc — `slaterl validate`: a config checked and printed resolved.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace slaterl {
namespace cli {
namespace {

const char kValidateHelp[] =
    "usage: slaterl validate CONFIG.yaml [--set key=value ...]\n"
    "\n"
    "Checks every key of the config (unknown keys, types, ranges) and prints it with every default\n"
    "filled in. Exit code 0 when valid; otherwise one line FILE:LINE: key 'a.b': problem.\n";


}  // namespace

int CmdValidate(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kValidateHelp), 0;
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  std::printf("# %s: valid (config hash %s)\n%s", common->config.c_str(), run->hash.c_str(),
              run->resolved_yaml.c_str());
  return 0;
}

}  // namespace cli
}  // namespace slaterl
