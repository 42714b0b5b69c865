// launch/roles.h — the main functions of the role processes of the local backend.
//
// `slaterl _role ROLE --run-dir DIR --socket-dir S --id I --incarnation N` runs one of these. Each
// reads DIR/config.yaml (the resolved config the launcher wrote), connects to the launcher's
// control channel (heartbeats both ways; it exits when the launcher goes silent), and runs its
// component (actors/, learner/, replay/) over the ipc:// endpoints in S until it is told to shut
// down. Each returns a Status; the process exit code is non-zero on error.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace slaterl {

struct RoleOptions {
  std::string role;  // actor | learner | shard | evaluator
  std::string run_dir;
  std::string socket_dir;
  int id = 0;
  int incarnation = 0;
  int64_t max_env_steps = 0;  // actors: stop stepping after this many env steps (0 = no limit)
};

Status RunRole(const RoleOptions& options);

}  // namespace slaterl
