// launch/roles.h — the main functions of the role processes of the local backend.
//
// `slaterl _role ROLE --run-dir DIR (--socket-dir S | --launcher-address A) --id I --incarnation N`
// runs one of these. Each
// reads DIR/config.yaml (the resolved config the launcher wrote), connects to the launcher's
// control channel (heartbeats both ways; it exits when the launcher goes silent), and runs its
// component (actors/, learner/, replay/) over the ipc:// endpoints in S (backend local) or the
// tcp:// endpoints of cluster.hosts (backend hosts, RunEndpointsFor) until it is told to shut down. Each returns a Status; the process exit code is non-zero on error.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace slaterl {

struct RoleOptions {
  std::string role;  // actor | learner | shard | evaluator
  std::string run_dir;
  std::string socket_dir;        // backend local: the ipc:// socket directory
  std::string launcher_address;  // backend hosts: where the launcher's control socket listens
  int id = 0;
  int incarnation = 0;
  int64_t max_env_steps = 0;  // actors: stop stepping after this many env steps (0 = no limit)
  int64_t weights_version_floor = 0;  // a restarted learner: publish above every version actors hold
  bool resume = false;  // learner and shards: start from the newest valid checkpoint (launch --resume)
  // With resume: the run checkpoint to start from (learner ckpt-N and every shard's ckpt-N, chosen
  // by the launcher); 0 = each role's newest valid one.
  int64_t checkpoint_step = 0;
};

Status RunRole(const RoleOptions& options);

struct RunConfig;
struct RunEndpoints;
// The endpoints of `run`: ipc:// in `socket_dir` (local) or tcp:// from cluster.hosts (hosts).
Result<RunEndpoints> RunEndpointsFor(const RunConfig& run, const std::string& socket_dir,
                                     const std::string& launcher_address);

}  // namespace slaterl
