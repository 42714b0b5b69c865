#include "core/build_info.h"

#include <unistd.h>

#include <cereal/version.hpp>
#include <zmq.hpp>

#include "core/json.h"

#ifndef SLATERL_VERSION
#define SLATERL_VERSION "0.0.0"
#endif
#ifndef SLATERL_GIT_COMMIT
#define SLATERL_GIT_COMMIT "unknown"
#endif
#ifndef SLATERL_YAML_CPP_VERSION
#define SLATERL_YAML_CPP_VERSION "unknown"
#endif

namespace slaterl {

std::string SlaterlVersion() { return SLATERL_VERSION; }
std::string GitCommit() { return SLATERL_GIT_COMMIT; }

std::string BuildInfoJson() {
  int major = 0, minor = 0, patch = 0;
  zmq_version(&major, &minor, &patch);
  JsonObject o;
  o.Add("slaterl", SlaterlVersion())
      .Add("git_commit", GitCommit())
      .Add("compiler", std::string("g++ ") + __VERSION__)
      .Add("zeromq", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch))
      .Add("cppzmq", std::to_string(CPPZMQ_VERSION_MAJOR) + "." + std::to_string(CPPZMQ_VERSION_MINOR) +
                         "." + std::to_string(CPPZMQ_VERSION_PATCH))
      .Add("cereal", std::to_string(CEREAL_VERSION_MAJOR) + "." + std::to_string(CEREAL_VERSION_MINOR) +
                         "." + std::to_string(CEREAL_VERSION_PATCH))
      .Add("yaml_cpp", SLATERL_YAML_CPP_VERSION);
  return o.str();
}

std::string HostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

}  // namespace slaterl
