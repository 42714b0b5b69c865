// algos/algorithm.h — what every algorithm provides (one of the two extension points;
// the other is an environment, envs/registry.h).
//
// A Policy acts for a whole ObsBatch at once and is owned by one actor or evaluator thread (not
// thread-safe). It draws randomness only from the Rng it is given, never from env streams, and
// loads the learner's broadcast Weights. A Trainer is owned by the learner: it declares the replay
// tables it needs (ReplaySpec), consumes SampleBatches, and exports Weights; not thread-safe.
// Algorithms and baselines register by name in algos/registry.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/messages.h"
#include "core/params.h"
#include "core/replay_spec.h"
#include "core/rng.h"
#include "core/state_archive.h"
#include "core/status.h"
#include "envs/vec_env.h"

namespace slaterl {

using Metrics = std::map<std::string, double>;

// What one training step returns: scalars for metrics.jsonl ("learner/..."), and for
// prioritized tables the new priority of every sampled item (same order as the batch; empty =
// leave priorities alone).
struct UpdateResult {
  Metrics metrics;
  std::vector<double> priorities;
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Writes one slate per env of `obs` into `out` (sized for the spec).
  virtual void act(const ObsBatch& obs, Rng& rng, SlateBatch* out) = 0;
  // Applies broadcast weights. Returns an error when they do not fit this policy.
  virtual Status load(const Weights& weights) { (void)weights; return Status::Ok(); }
  // Exploration on (training actors) or off (evaluation).
  virtual void set_explore(bool explore) { explore_ = explore; }
  // Called once with the env the policy will act on, before the first act(). Privileged methods
  // (docs/environments.md §8.3: SlateQ gems, the oracle) read the env's privileged accessors through it; the
  // env outlives the policy's use of it.
  virtual void attach_env(const VecEnv& env) { (void)env; }
  // Floats of the raw action the policy writes per env into SlateBatch::actions when that is
  // sized (0 = none; SAC: the proto-action, docs/algorithms.md §4.1).
  virtual int action_dim() const { return 0; }
  // The run's training progress as this actor knows it: finished training episodes over all
  // actors (the GeMS protocol's n, docs/algorithms.md §1.3 / decision A3). Drives random_steps and
  // ε schedules that count episodes. Called by actors before each act().
  virtual void set_progress(int64_t episodes_total) { (void)episodes_total; }
  // Whole-run snapshots (core/state_archive.h): visits the state that influences later
  // act() calls beyond the loaded weights and the caller's Rng (per-env beliefs, local counters).
  // The owner re-applies the same weights first, then loads this. Stateless policies return OK
  // explicitly; the default refuses, so a policy nobody made snapshot-safe cannot resume wrongly.
  virtual Status VisitState(StateArchive& archive) {
    (void)archive;
    return FailedPreconditionError("this policy cannot be snapshotted (Policy::VisitState not implemented)");
  }

 protected:
  bool explore_ = true;
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual ReplaySpec replay_spec() const = 0;
  // One training step on `batch`. A batch the trainer cannot use (its items do not decode into
  // this algorithm's layout, e.g. trajectories of another length) is an error (InvalidArgument,
  // saying why) and leaves the trainer untouched: the learner counts it as rejected, not as an
  // update (learner/rejected_batches; cluster.max_rejected_batch_fraction ends the run).
  virtual Result<UpdateResult> update(const SampleBatch& batch) = 0;
  virtual Weights weights() const = 0;
  virtual Status save(const std::string& dir) const = 0;
  virtual Status load(const std::string& dir) = 0;
};

}  // namespace slaterl
