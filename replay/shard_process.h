// replay/shard_process.h — the replay shard process (process backends): its tables, sockets and
// checkpoints set up from the run's context, then the shard server loop (replay/shard_server.h).
// The caller resolves the algorithm's ReplaySpec (cli/role.cc), so this folder needs neither the
// algorithms nor LibTorch. Blocks until Shutdown; one per process.
#pragma once

#include "core/replay_spec.h"
#include "core/role_context.h"
#include "core/status.h"

namespace slaterl {

Status RunShardProcess(const RoleOptions& options, const RoleContext& ctx, const ReplaySpec& replay_spec);

}  // namespace slaterl
