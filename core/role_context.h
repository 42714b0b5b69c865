// core/role_context.h — what every role process (actor, evaluator, learner, replay shard) of the
// process backends sets up first: its options from the command line, its run config, endpoints,
// control-channel timing and CURVE keys, and the connected control channel to the launcher.
//
// `slaterl _role ROLE --run-dir DIR (--socket-dir S | --launcher-address A) --id I --incarnation N`
// starts one role (cli/role.cc). The role reads DIR/config.yaml (the resolved config the launcher
// wrote), connects to the launcher's control channel (heartbeats both ways; it exits when the
// launcher goes silent) and runs its loop (actors/actor_process.h, learner/learner_process.h,
// replay/shard_process.h) over the ipc:// endpoints in S (backend local) or the tcp:// endpoints of
// cluster.hosts (backend hosts) until it is told to shut down.
//
// RoleContext is a plain value owned by the role's main function; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "core/config.h"
#include "core/control.h"
#include "core/curve.h"
#include "core/endpoints.h"
#include "core/status.h"
#include "core/transport.h"

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

struct RoleContext {
  RunConfig run;
  RunEndpoints endpoints;
  std::chrono::milliseconds heartbeat_interval{500};
  int liveness = 6;
  std::chrono::milliseconds stats_interval{500};
  bool curve = false;  // security.curve: the run's keys below secure every socket
  RunKeys keys;

  // `base` plus the run's CURVE server (bound sockets) or client (connecting sockets) keys.
  SocketOptions Server(SocketOptions base = {}) const;
  SocketOptions Client(SocketOptions base = {}) const;
  // Server roles authenticate clients on their context (before binding; keep it alive longer
  // than the sockets). Null when CURVE is off.
  Result<std::unique_ptr<ZapAuthenticator>> StartZap(zmq::context_t& zmq_context) const;
};

// The context of the role `options` describes, for its already loaded and validated `run`.
Result<RoleContext> MakeRoleContext(const RoleOptions& options, RunConfig run);

// The Hello this role sends on every connection that introduces itself.
Hello MakeHello(const RoleOptions& options, const RoleContext& ctx);

// The role's control channel to the launcher, connected (Hello sent).
Result<std::unique_ptr<ControlClient>> ConnectControl(zmq::context_t& zmq_context, const RoleOptions& options,
                                                      const RoleContext& ctx);

// The LibTorch threads of the learner process for `cluster.learner_threads`: the value itself when
// > 0; 0 (auto) = `available_cores` less one for every other role process on the learner's host
// (backend local: every actor and shard and the evaluator; hosts: those placed with the learner),
// at least 1. Each of those runs one LibTorch thread, and threads beyond the free cores make
// LibTorch's workers wait on each other: a SlateQ learner with 2 threads beside 3 busy processes
// on 2 cores made 5× fewer updates than with 1.
int LearnerThreadsFor(const RunConfig& run, int available_cores);
// The cores this process may run on (its CPU affinity; std::thread::hardware_concurrency when that
// cannot be read), at least 1.
int AvailableCores();

// The endpoints of `run`: ipc:// in `socket_dir` (local) or tcp:// from cluster.hosts (hosts).
Result<RunEndpoints> RunEndpointsFor(const RunConfig& run, const std::string& socket_dir,
                                     const std::string& launcher_address);

}  // namespace slaterl
