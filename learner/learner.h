// learner/learner.h — the learner's logic, free of transport (docs/runtime.md, "Processes").
//
// A LearnerCore owns the algorithm's Trainer. It names the sample requests to send to each shard
// (NextRequest), consumes the SampleBatches that come back (validated against the replay spec
// before the trainer sees them), counts updates, and decides when to broadcast: version 1 is the
// initial model, and every `broadcast_interval` updates a new version is due. timesteps_total and
// episodes_total are the sums of the shards' latest counters; they travel in every Weights
// message so actors' schedules follow the learner. Not thread-safe: one owner thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "algos/registry.h"
#include "envs/registry.h"
#include "core/config.h"

namespace slaterl {

// The limit on batches a trainer rejects (Trainer::update's error): OK while at most
// `max_fraction` of the `updates + rejected` batches were rejected or fewer than
// `kMinBatchesForRejectionLimit` batches were seen, else FailedPrecondition saying so (naming
// cluster.max_rejected_batch_fraction). The learner applies it to every batch; the launcher of a
// process backend applies it to the learner's reported counters too, so the run ends with this
// message rather than with restarts of a learner that cannot learn.
constexpr int64_t kMinBatchesForRejectionLimit = 100;
Status CheckRejectedBatchFraction(int64_t rejected, int64_t updates, double max_fraction);

class LearnerCore {
 public:
  static Result<std::unique_ptr<LearnerCore>> Create(const RunConfig& run, const EnvEntry& env,
                                                     const AlgoEntry& algo);

  const ReplaySpec& replay_spec() const { return replay_spec_; }
  // The next request to `shard`, carrying the priority updates of the batches it served (and a
  // pending checkpoint step, once).
  SampleRequest NextRequest(int shard);
  // The next request to each of shards 0..num_shards-1 asks it to checkpoint its tables as
  // checkpoint `step` (the learner's own checkpoint just written): SampleRequest::checkpoint_step.
  void RequestShardCheckpoints(int64_t step, int num_shards) {
    for (int k = 0; k < num_shards; ++k) checkpoint_requests_[k] = step;
  }
  // Validates and trains on one batch. A malformed batch (unknown table, sizes that do not match
  // it) is refused untouched: InvalidArgument, and the caller drops it. A well-formed batch that
  // the trainer rejects (Trainer::update's error) is not an update: it is counted in
  // learner/rejected_batches, the first one is logged with its reason, and OK is returned —
  // until the rejections pass CheckRejectedBatchFraction's limit: then the result is that
  // FailedPrecondition (with the latest rejection's reason), too_many_rejected_batches() turns
  // true, and the caller must end the run with it.
  Status OnSampleBatch(const SampleBatch& batch);
  bool too_many_rejected_batches() const { return too_many_rejected_; }
  int64_t rejected_batches() const { return rejected_batches_; }
  bool broadcast_due() const { return updates_since_broadcast_ >= broadcast_interval_; }
  // The current model as a new version (bumps the version, resets the broadcast counter).
  Weights PublishWeights();
  // The last published version, for late joiners (no bump).
  const Weights& latest_weights() const { return latest_; }
  int64_t num_updates() const { return num_updates_; }
  int64_t timesteps_total() const;
  int64_t episodes_total() const;
  Stats TakeStats();
  Status SaveCheckpoint(const std::string& dir) const { return trainer_->save(dir); }
  // A restarted learner: loads the trainer from `dir` and continues counting from `num_updates`
  // (and `rejected_batches`); the next published version is above both `weights_version` (the
  // checkpoint's) and `version_floor` (the newest version any actor holds: actors ignore versions
  // they have seen).
  Status RestoreCheckpoint(const std::string& dir, int64_t num_updates, int64_t rejected_batches,
                           int64_t weights_version, int64_t version_floor);
  // Whole-run snapshots (backend inproc, core/state_archive.h): the counters, the last published weights, the
  // shards' counters, the latest update metrics and the priority updates waiting to ride on the
  // next requests. The trainer itself goes through SaveCheckpoint/a restore of `dir` first.
  Status VisitState(StateArchive& archive);
  // Loads the trainer from `dir` (a snapshot's learner/, no counters): VisitState follows.
  Status LoadTrainer(const std::string& dir) { return trainer_->load(dir); }
  // The next published version will be above `version_floor`.
  void RaiseVersionFloor(int64_t version_floor) { latest_.version = std::max(latest_.version, version_floor); }

 private:
  LearnerCore(std::unique_ptr<Trainer> trainer, int64_t broadcast_interval, double max_rejected_fraction);
  // Counts a batch the trainer rejected for `why` and applies the fraction limit.
  Status OnRejectedBatch(const Status& why);
  // FailedPrecondition (and too_many_rejected_) once the rejections pass the limit, else OK.
  Status CheckRejectedFraction();
  std::unique_ptr<Trainer> trainer_;
  ReplaySpec replay_spec_;
  int64_t broadcast_interval_;
  uint64_t next_request_id_ = 1;
  int64_t num_updates_ = 0;
  int64_t updates_since_broadcast_ = 0;
  int64_t sampled_items_ = 0;
  int64_t invalid_priorities_ = 0;
  double max_rejected_fraction_;
  int64_t rejected_batches_ = 0;
  bool too_many_rejected_ = false;
  std::string last_rejection_;  // the reason of the latest rejection (for the limit's message)
  Weights latest_;
  std::map<int32_t, std::pair<int64_t, int64_t>> shard_counters_;  // shard → (env steps, episodes)
  Metrics last_metrics_;
  // Per shard: priority updates waiting to ride on the next request (keys, priorities).
  std::map<int32_t, std::pair<std::vector<uint64_t>, std::vector<double>>> pending_priorities_;
  std::map<int32_t, int64_t> checkpoint_requests_;  // shard → checkpoint step to ask for
};

}  // namespace slaterl
