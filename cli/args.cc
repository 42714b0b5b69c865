#include "cli/args.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace slaterl {
namespace cli {

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "slaterl: %s\n", status.message().c_str());
  return 2;
}

Result<CommonArgs> ParseCommon(const std::vector<std::string>& args) {
  CommonArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set") {
      if (i + 1 >= args.size()) return InvalidArgumentError("--set needs key=value");
      out.overrides.push_back(args[++i]);
    } else if (args[i].rfind("--set=", 0) == 0) {
      out.overrides.push_back(args[i].substr(6));
    } else if (!args[i].empty() && args[i][0] != '-' && out.config.empty()) {
      out.config = args[i];
    } else {
      out.rest.push_back(args[i]);
    }
  }
  if (out.config.empty()) return InvalidArgumentError("missing CONFIG.yaml (see --help)");
  return out;
}

Result<bool> TakeFlag(std::vector<std::string>* rest, const std::string& flag, std::string* value) {
  for (size_t i = 0; i < rest->size(); ++i) {
    if ((*rest)[i] == flag) {
      if (i + 1 >= rest->size()) return InvalidArgumentError(flag + " needs a value");
      *value = (*rest)[i + 1];
      rest->erase(rest->begin() + i, rest->begin() + i + 2);
      return true;
    }
  }
  return false;
}
bool TakeSwitch(std::vector<std::string>* rest, const std::string& flag) {
  for (size_t i = 0; i < rest->size(); ++i)
    if ((*rest)[i] == flag) {
      rest->erase(rest->begin() + i);
      return true;
    }
  return false;
}
Status NoLeftovers(const std::vector<std::string>& rest) {
  if (rest.empty()) return Status::Ok();
  return InvalidArgumentError("unknown argument '" + rest.front() + "' (see --help)");
}
Result<int64_t> ParsePositive(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0) return InvalidArgumentError(flag + ": expected a non-negative integer, got '" + text + "'");
  return static_cast<int64_t>(v);
}

Result<double> ParseDouble(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v))
    return InvalidArgumentError(flag + ": expected a number, got '" + text + "'");
  return v;
}

}  // namespace cli
}  // namespace slaterl
