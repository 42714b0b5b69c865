// learner/learner_process.h — the main loop of the learner process (process backends).
//
// Keeps `cluster.requests_in_flight` sample requests queued at every shard (credit-based flow
// control: a shard answers each request with one batch), trains on each batch, publishes weights
// every broadcast_interval updates (PUB, and on request to late joiners), writes checkpoint N every
// checkpoint.interval_updates and asks every shard to checkpoint its tables as N. A shard that
// disconnects loses its queued requests at once; one that stays silent 60 s with requests pending
// is asked again. Returns on Shutdown (after publishing the final weights and a final checkpoint)
// or with an error when the launcher goes silent. Blocks; one per process.
#pragma once

#include "algos/run_config.h"
#include "core/role_context.h"
#include "core/status.h"

namespace slaterl {

Status RunLearnerProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects);

}  // namespace slaterl
