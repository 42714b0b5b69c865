// cli/commands.h — the `slaterl` subcommands, one file each in cli/. Each takes the arguments after
// its name and returns the process exit code (0 ok, 1 a failed check or run, 2 bad usage or an
// error, 130 interrupted).
#pragma once

#include <string>
#include <vector>

namespace slaterl {
namespace cli {

int CmdLaunch(const std::vector<std::string>& args);
int CmdEval(const std::vector<std::string>& args);
int CmdSweep(const std::vector<std::string>& args);
int CmdReport(const std::vector<std::string>& args);
int CmdValidate(const std::vector<std::string>& args);
int CmdData(const std::vector<std::string>& args);
int CmdPretrain(const std::vector<std::string>& args);
int CmdBench(const std::vector<std::string>& args);
int CmdParity(const std::vector<std::string>& args);
int CmdDocs(const std::vector<std::string>& args);
int CmdRole(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace slaterl
