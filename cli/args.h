// cli/args.h — the argument helpers every `slaterl` subcommand shares: CONFIG plus --set parsing,
// flags with values, switches, numbers, and the one way a command reports an error (exit code 2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {
namespace cli {

bool WantsHelp(const std::vector<std::string>& args);

// Prints "slaterl: MESSAGE" on stderr; returns exit code 2.
int Fail(const Status& status);

struct CommonArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::vector<std::string> rest;  // unparsed
};

// Parses CONFIG and --set; leaves other flags in `rest`.
Result<CommonArgs> ParseCommon(const std::vector<std::string>& args);

// Takes "--flag value" from `rest`; returns false when absent.
Result<bool> TakeFlag(std::vector<std::string>* rest, const std::string& flag, std::string* value);
// Takes "--flag" from `rest`; returns whether it was there.
bool TakeSwitch(std::vector<std::string>* rest, const std::string& flag);
// An error naming the first argument nobody took.
Status NoLeftovers(const std::vector<std::string>& rest);
Result<int64_t> ParsePositive(const std::string& flag, const std::string& text);
Result<double> ParseDouble(const std::string& flag, const std::string& text);

}  // namespace cli
}  // namespace slaterl
