// learner/learner_process.h — the main loop of the learner process (process backends).
//
// Keeps `cluster.requests_in_flight` sample requests queued at every shard (credit-based flow
// control: a shard answers each request with one batch), trains on each batch, publishes weights
// every broadcast_interval updates (PUB, and on request to late joiners), writes checkpoint N every
// checkpoint.interval_updates and asks every shard to checkpoint its tables as N. A shard that
// disconnects loses its queued requests at once; one that stays silent
// cluster.shard_request_timeout_s with requests pending is asked again. On Shutdown it makes its
// final weights version and a final checkpoint; told "stop" it then returns, told "final_weights"
// it reports learner/final_weights_version and keeps answering weights requests until a later
// "stop" (the hand-off to the final evaluation, docs/runtime.md). Returns with an error when the
// launcher goes silent. Blocks; one per process.
#pragma once

#include "algos/run_config.h"
#include "core/role_context.h"
#include "core/status.h"

namespace slaterl {

Status RunLearnerProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects);

}  // namespace slaterl
