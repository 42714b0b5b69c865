// actors/actor_process.h — the main loops of the actor and evaluator processes (process backends).
//
// An actor steps its envs, pushes a fragment to its replay shard (a mod K) every fragment_length
// steps and applies the newest weights it has; a full shard queue pushes back (the actor waits,
// heartbeating). The evaluator evaluates the newest weights on a schedule and, when told
// "final_evaluation", takes the learner's final weights version named in that Shutdown (asking the
// learner for it; the newest version it holds if the launcher says the learner is gone) and
// evaluates it (or the best validated weights). Both return when the
// launcher says Shutdown, and with an error when the launcher goes silent. They block; run one
// per process.
#pragma once

#include "algos/run_config.h"
#include "core/role_context.h"
#include "core/status.h"

namespace slaterl {

Status RunActorProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects);
Status RunEvaluatorProcess(const RoleOptions& options, const RoleContext& ctx, const RunObjects& objects);

}  // namespace slaterl
