#include "learner/learner.h"

#include <algorithm>

#include <cmath>
#include <sstream>

#include "core/logging.h"
#include "core/state_archive.h"
#include "core/wire.h"

namespace slaterl {

Result<std::unique_ptr<LearnerCore>> LearnerCore::Create(const RunConfig& run, const EnvEntry& env,
                                                         const AlgoEntry& algo) {
  if (!algo.create_trainer)
    return InvalidArgumentError("algo '" + algo.name +
                                "' does not learn; use `slaterl eval --policy " + algo.name +
                                "` to measure it");
  ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> probe, env.create(run.env_config, 1));
  AlgoContext ctx = MakeAlgoContext(run, probe->spec());
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, algo.create_trainer(run.config, ctx));
  return std::unique_ptr<LearnerCore>(new LearnerCore(std::move(trainer), run.cluster.GetInt("broadcast_interval"),
                                                      run.cluster.GetDouble("max_rejected_batch_fraction")));
}

LearnerCore::LearnerCore(std::unique_ptr<Trainer> trainer, int64_t broadcast_interval, double max_rejected_fraction)
    : trainer_(std::move(trainer)), replay_spec_(trainer_->replay_spec()),
      broadcast_interval_(broadcast_interval), max_rejected_fraction_(max_rejected_fraction) {
  SLATERL_CHECK(!replay_spec_.tables.empty());
  latest_ = trainer_->weights();
  latest_.version = 0;
}

SampleRequest LearnerCore::NextRequest(int shard) {
  SampleRequest request;
  request.request_id = next_request_id_++;
  request.table = replay_spec_.tables.front().name;
  request.batch_size = replay_spec_.batch_size;
  auto it = pending_priorities_.find(shard);
  if (it != pending_priorities_.end()) {
    request.priority_keys = std::move(it->second.first);
    request.priorities = std::move(it->second.second);
    pending_priorities_.erase(it);
  }
  auto checkpoint = checkpoint_requests_.find(shard);
  if (checkpoint != checkpoint_requests_.end()) {
    request.checkpoint_step = checkpoint->second;
    checkpoint_requests_.erase(checkpoint);
  }
  return request;
}

Status LearnerCore::OnSampleBatch(const SampleBatch& batch) {
  const ReplayTableSpec* table = nullptr;
  for (const auto& t : replay_spec_.tables)
    if (t.name == batch.table) table = &t;
  if (!table) return InvalidArgumentError("sample batch for unknown table '" + batch.table + "'");
  if (batch.item_size != table->item_size || batch.num_items <= 0 ||
      batch.data.size() != static_cast<size_t>(batch.num_items) * batch.item_size)
    return InvalidArgumentError("sample batch of " + std::to_string(batch.num_items) + " items × " +
                                std::to_string(batch.item_size) + " floats does not match table '" +
                                table->name + "' (item size " + std::to_string(table->item_size) + ")");
  shard_counters_[batch.shard_id] = {batch.shard_env_steps, batch.shard_episodes};
  if (too_many_rejected_) return FailedPreconditionError("the learner already stopped for rejected batches");
  Result<UpdateResult> updated = trainer_->update(batch);
  if (!updated.ok()) return OnRejectedBatch(updated.status());
  UpdateResult& result = *updated;
  last_metrics_ = std::move(result.metrics);
  if (!result.priorities.empty()) {
    if (result.priorities.size() != batch.keys.size())
      return InternalError("trainer returned " + std::to_string(result.priorities.size()) +
                           " priorities for a batch of " + std::to_string(batch.keys.size()));
    // A non-finite or negative priority would make the shard drop the whole next request: such
    // items keep their old priority instead.
    auto& pending = pending_priorities_[batch.shard_id];
    for (size_t i = 0; i < result.priorities.size(); ++i) {
      const double p = result.priorities[i];
      if (!std::isfinite(p) || p < 0.0) {
        ++invalid_priorities_;
        continue;
      }
      pending.first.push_back(batch.keys[i]);
      pending.second.push_back(p);
    }
  }
  ++num_updates_;
  ++updates_since_broadcast_;
  sampled_items_ += batch.num_items;
  return CheckRejectedFraction();
}

Status LearnerCore::OnRejectedBatch(const Status& why) {
  if (rejected_batches_++ == 0)
    LOG(WARNING) << "the trainer rejected a sample batch (not counted as an update; rejections are counted in "
                 << "learner/rejected_batches): " << why.message();
  last_rejection_ = why.message();
  return CheckRejectedFraction();
}

Status LearnerCore::CheckRejectedFraction() {
  Status status = CheckRejectedBatchFraction(rejected_batches_, num_updates_, max_rejected_fraction_);
  if (status.ok()) return status;
  too_many_rejected_ = true;
  return FailedPreconditionError(status.message() + "; the latest rejection: " + last_rejection_);
}

Status CheckRejectedBatchFraction(int64_t rejected, int64_t updates, double max_fraction) {
  const int64_t batches = updates + rejected;
  if (batches < kMinBatchesForRejectionLimit || static_cast<double>(rejected) <= max_fraction * static_cast<double>(batches))
    return Status::Ok();
  std::ostringstream message;
  message << "the trainer rejected " << rejected << " of " << batches << " sample batches ("
          << 100.0 * static_cast<double>(rejected) / static_cast<double>(batches)
          << "%), more than cluster.max_rejected_batch_fraction = " << max_fraction
          << ": the run cannot learn from its replay data";
  return FailedPreconditionError(message.str());
}

int64_t LearnerCore::timesteps_total() const {
  int64_t total = 0;
  for (const auto& kv : shard_counters_) total += kv.second.first;
  return total;
}

int64_t LearnerCore::episodes_total() const {
  int64_t total = 0;
  for (const auto& kv : shard_counters_) total += kv.second.second;
  return total;
}

Status LearnerCore::RestoreCheckpoint(const std::string& dir, int64_t num_updates, int64_t rejected_batches,
                                      int64_t weights_version, int64_t version_floor) {
  RETURN_IF_ERROR(trainer_->load(dir));
  num_updates_ = num_updates;
  rejected_batches_ = rejected_batches;
  latest_.version = weights_version;
  RaiseVersionFloor(version_floor);
  updates_since_broadcast_ = 0;
  return Status::Ok();
}

Status LearnerCore::VisitState(StateArchive& archive) {
  archive.Field("next_request_id", next_request_id_);
  archive.Field("num_updates", num_updates_);
  archive.Field("updates_since_broadcast", updates_since_broadcast_);
  archive.Field("sampled_items", sampled_items_);
  archive.Field("invalid_priorities", invalid_priorities_);
  archive.Field("rejected_batches", rejected_batches_);
  std::string latest = archive.loading() ? std::string() : EncodePayload(latest_);
  archive.Field("latest_weights", latest);
  archive.Field("last_metrics", last_metrics_);
  std::vector<int32_t> shard_ids, priority_shards;
  std::vector<int64_t> shard_env_steps, shard_episodes;
  for (const auto& kv : shard_counters_) {
    shard_ids.push_back(kv.first);
    shard_env_steps.push_back(kv.second.first);
    shard_episodes.push_back(kv.second.second);
  }
  for (const auto& kv : pending_priorities_) priority_shards.push_back(kv.first);
  archive.Field("shard_ids", shard_ids);
  archive.Field("shard_env_steps", shard_env_steps);
  archive.Field("shard_episodes", shard_episodes);
  archive.Field("priority_shards", priority_shards);
  for (int32_t shard : priority_shards) {
    StateArchive::Scope scope(archive, "priorities/" + std::to_string(shard));
    auto& pending = pending_priorities_[shard];
    archive.Field("keys", pending.first);
    archive.Field("priorities", pending.second);
  }
  if (!archive.loading() || !archive.status().ok()) return archive.status();
  if (shard_env_steps.size() != shard_ids.size() || shard_episodes.size() != shard_ids.size())
    return DataLossError("state snapshot: learner shard counters of different lengths");
  shard_counters_.clear();
  for (size_t i = 0; i < shard_ids.size(); ++i) shard_counters_[shard_ids[i]] = {shard_env_steps[i], shard_episodes[i]};
  return DecodePayload(latest.data(), latest.size(), &latest_);
}

Weights LearnerCore::PublishWeights() {
  Weights w = trainer_->weights();
  w.version = latest_.version + 1;
  w.timesteps_total = timesteps_total();
  w.episodes_total = episodes_total();
  latest_ = w;
  updates_since_broadcast_ = 0;
  return w;
}

Stats LearnerCore::TakeStats() {
  Stats stats;
  stats.role = "learner";
  for (const auto& kv : last_metrics_) stats.scalars[kv.first] = kv.second;
  stats.scalars["learner/num_updates"] = static_cast<double>(num_updates_);
  stats.scalars["learner/weights_version"] = static_cast<double>(latest_.version);
  stats.scalars["learner/sampled_items"] = static_cast<double>(sampled_items_);
  stats.scalars["learner/timesteps_total"] = static_cast<double>(timesteps_total());
  stats.scalars["learner/invalid_priorities"] = static_cast<double>(invalid_priorities_);
  stats.scalars["learner/rejected_batches"] = static_cast<double>(rejected_batches_);
  return stats;
}

}  // namespace slaterl
