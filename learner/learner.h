// learner/learner.h — the learner's logic, free of transport (DESIGN.md "Learner").
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
  // Validates and trains on one batch. Malformed batches are rejected (InvalidArgument) untouched.
  Status OnSampleBatch(const SampleBatch& batch);
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
  // A restarted learner: loads the trainer from `dir` and continues counting from `num_updates`;
  // the next published version is above both `weights_version` (the checkpoint's) and
  // `version_floor` (the newest version any actor holds: actors ignore versions they have seen).
  Status RestoreCheckpoint(const std::string& dir, int64_t num_updates, int64_t weights_version,
                           int64_t version_floor);
  // Whole-run snapshots (backend inproc, issue 8): the counters, the last published weights, the
  // shards' counters, the latest update metrics and the priority updates waiting to ride on the
  // next requests. The trainer itself goes through SaveCheckpoint/a restore of `dir` first.
  Status VisitState(StateArchive& archive);
  // Loads the trainer from `dir` (a snapshot's learner/, no counters): VisitState follows.
  Status LoadTrainer(const std::string& dir) { return trainer_->load(dir); }
  // The next published version will be above `version_floor`.
  void RaiseVersionFloor(int64_t version_floor) { latest_.version = std::max(latest_.version, version_floor); }

 private:
  LearnerCore(std::unique_ptr<Trainer> trainer, int64_t broadcast_interval);
  std::unique_ptr<Trainer> trainer_;
  ReplaySpec replay_spec_;
  int64_t broadcast_interval_;
  uint64_t next_request_id_ = 1;
  int64_t num_updates_ = 0;
  int64_t updates_since_broadcast_ = 0;
  int64_t sampled_items_ = 0;
  int64_t invalid_priorities_ = 0;
  Weights latest_;
  std::map<int32_t, std::pair<int64_t, int64_t>> shard_counters_;  // shard → (env steps, episodes)
  Metrics last_metrics_;
  // Per shard: priority updates waiting to ride on the next request (keys, priorities).
  std::map<int32_t, std::pair<std::vector<uint64_t>, std::vector<double>>> pending_priorities_;
  std::map<int32_t, int64_t> checkpoint_requests_;  // shard → checkpoint step to ask for
};

}  // namespace slaterl
