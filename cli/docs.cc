// cli/docs.cc — `slaterl docs config`: the config key reference.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "core/config.h"

namespace slaterl {
namespace cli {
namespace {


}  // namespace

int CmdDocs(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "config") {
    std::fprintf(stderr, "usage: slaterl docs config > docs/config.md\n");
    return 2;
  }
  std::printf("%s", ConfigReferenceMarkdown(RegistrySchemas()).c_str());
  return 0;
}

}  // namespace cli
}  // namespace slaterl
