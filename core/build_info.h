// core/build_info.h — provenance compiled into the binary, for summary.json and --version.
#pragma once

#include <string>

namespace slaterl {

std::string SlaterlVersion();
std::string GitCommit();
// JSON object {"slaterl": ..., "git_commit": ..., "compiler": ..., "zeromq": ..., "cppzmq": ...,
// "cereal": ..., "yaml_cpp": ...}.
std::string BuildInfoJson();
std::string HostName();

}  // namespace slaterl
