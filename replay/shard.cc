#include "replay/shard.h"

#include "core/files.h"

#include <cstdio>

#include <cinttypes>

#include <algorithm>
#include <set>

#include "core/state_archive.h"
#include "core/wire.h"

namespace slaterl {
namespace {

// Bytes of a SampleBatch payload beyond its arrays (fixed fields, length prefixes, table name).
constexpr int64_t kBatchOverheadBytes = 4096;

}  // namespace

Result<std::unique_ptr<ShardCore>> ShardCore::Create(const ShardOptions& options) {
  const std::string where = "replay shard " + std::to_string(options.shard_id) + ": ";
  if (options.tables.empty()) return InvalidArgumentError(where + "no replay tables");
  if (options.max_pending_requests_per_client <= 0 || options.max_pending_requests <= 0 ||
      options.max_backlog_fragments <= 0)
    return InvalidArgumentError(where + "pending-request and backlog limits must be > 0");
  std::set<std::string> names;
  for (const ReplayTableSpec& spec : options.tables) {
    Status status = Table::ValidateSpec(spec);
    if (!status.ok()) return status.WithContext(where.substr(0, where.size() - 2));
    if (!names.insert(spec.name).second)
      return InvalidArgumentError(where + "duplicate table name '" + spec.name + "'");
    if (spec.item_size != options.tables.front().item_size)
      return InvalidArgumentError(where + "table '" + spec.name + "' has item_size " +
                                  std::to_string(spec.item_size) + " but table '" +
                                  options.tables.front().name + "' has " +
                                  std::to_string(options.tables.front().item_size) +
                                  " (every fragment goes into every table)");
  }
  std::unique_ptr<ShardCore> core(new ShardCore(options));
  for (const ReplayTableSpec& spec : options.tables) {
    auto table = Table::Create(spec);
    if (!table.ok()) return table.status().WithContext(where.substr(0, where.size() - 2));
    core->tables_.emplace(spec.name, std::move(table).value());
  }
  return core;
}

ShardCore::ShardCore(const ShardOptions& options)
    : options_(options),
      item_size_(options.tables.front().item_size),
      drops_("replay shard " + std::to_string(options.shard_id)) {}

// ---- fragments ---------------------------------------------------------------------------------

Status ShardCore::ValidateFragment(const Fragment& fragment) const {
  if (fragment.item_size != item_size_)
    return InvalidArgumentError("fragment item_size " + std::to_string(fragment.item_size) +
                                " does not match the shard's item_size " + std::to_string(item_size_));
  if (fragment.num_items <= 0)
    return InvalidArgumentError("fragment num_items must be > 0, got " +
                                std::to_string(fragment.num_items));
  const uint64_t expected =
      static_cast<uint64_t>(fragment.num_items) * static_cast<uint64_t>(item_size_);
  if (fragment.data.size() != expected)
    return InvalidArgumentError("fragment data holds " + std::to_string(fragment.data.size()) +
                                " floats, num_items × item_size = " + std::to_string(expected));
  for (const auto& entry : tables_) {
    if (fragment.num_items > entry.second->capacity())
      return InvalidArgumentError("fragment of " + std::to_string(fragment.num_items) +
                                  " items exceeds the capacity of table '" + entry.first + "' (" +
                                  std::to_string(entry.second->capacity()) + ")");
  }
  if (fragment.env_steps < 0 || fragment.episodes < 0)
    return InvalidArgumentError("fragment env_steps/episodes must be >= 0, got " +
                                std::to_string(fragment.env_steps) + "/" +
                                std::to_string(fragment.episodes));
  return Status::Ok();
}

bool ShardCore::AllTablesCanInsert(int32_t num_items) const {
  for (const auto& entry : tables_)
    if (!entry.second->CanInsert(num_items)) return false;
  return true;
}

void ShardCore::InsertIntoAllTables(const Fragment& fragment) {
  for (auto& entry : tables_) {
    // Every table admitted the fragment and nobody else writes to them (class contract).
    Status status = entry.second->Insert(fragment.data.data(), fragment.num_items);
    SLATERL_CHECK(status.ok());
  }
  env_steps_ += fragment.env_steps;
  episodes_ += fragment.episodes;
  ++fragments_;
}

Status ShardCore::HandleFragment(const Fragment& fragment) {
  return HandleFragmentImpl(fragment, nullptr);
}

Status ShardCore::HandleFragment(Fragment&& fragment) {
  return HandleFragmentImpl(fragment, &fragment);
}

Status ShardCore::HandleFragmentImpl(const Fragment& fragment, Fragment* movable) {
  Status status = ValidateFragment(fragment);
  if (!status.ok()) {
    drops_.Drop("fragment_invalid", status);
    return status;
  }
  if (backlog_.empty() && AllTablesCanInsert(fragment.num_items)) {
    InsertIntoAllTables(fragment);
    return Status::Ok();
  }
  if (static_cast<int64_t>(backlog_.size()) >= options_.max_backlog_fragments) {
    status = ResourceExhaustedError("fragment backlog is full (" +
                                    std::to_string(backlog_.size()) + " fragments)");
    drops_.Drop("fragment_backlog_full", status);
    return status;
  }
  if (movable != nullptr)
    backlog_.push_back(std::move(*movable));
  else
    backlog_.push_back(fragment);
  return Status::Ok();
}

int ShardCore::MoveBacklogIntoTables() {
  int moved = 0;
  while (!backlog_.empty() && AllTablesCanInsert(backlog_.front().num_items)) {
    InsertIntoAllTables(backlog_.front());
    backlog_.pop_front();
    ++moved;
  }
  return moved;
}

// ---- sample requests ---------------------------------------------------------------------------

int64_t ShardCore::MaxBatchItems(const Table& table) const {
  const int64_t bytes_per_item =
      static_cast<int64_t>(table.item_size()) * static_cast<int64_t>(sizeof(float)) +
      static_cast<int64_t>(sizeof(uint64_t) + sizeof(double));
  const int64_t wire_limit =
      (static_cast<int64_t>(kMaxPayloadBytes) - kBatchOverheadBytes) / bytes_per_item;
  return std::min(table.max_sample_items(), wire_limit);
}

Status ShardCore::EnqueueSampleRequest(const std::string& client_identity,
                                       const SampleRequest& request) {
  auto it = tables_.find(request.table);
  if (it == tables_.end()) {
    Status status = NotFoundError("sample request for unknown table '" + request.table + "'");
    drops_.Drop("request_unknown_table", status);
    return status;
  }
  Table* table = it->second.get();
  const int64_t max_items = MaxBatchItems(*table);
  if (request.batch_size <= 0 || request.batch_size > max_items) {
    Status status = InvalidArgumentError("sample request batch_size " +
                                         std::to_string(request.batch_size) + " for table '" +
                                         request.table + "' is outside [1, " +
                                         std::to_string(max_items) + "]");
    drops_.Drop("request_bad_batch_size", status);
    return status;
  }
  int32_t& per_client = pending_per_client_[client_identity];
  if (per_client >= options_.max_pending_requests_per_client ||
      static_cast<int64_t>(pending_.size()) >= options_.max_pending_requests) {
    if (per_client == 0) pending_per_client_.erase(client_identity);
    Status status = ResourceExhaustedError(
        "too many pending sample requests (" + std::to_string(pending_.size()) + " in all)");
    drops_.Drop("request_too_many_pending", status);
    return status;
  }
  // The piggybacked priorities, all or nothing (UpdatePriorities checks them all first). Applied
  // now, so they count for this request's draw and for every later one.
  if (!request.priority_keys.empty() || !request.priorities.empty()) {
    Status status = table->UpdatePriorities(request.priority_keys, request.priorities);
    if (!status.ok()) {
      if (per_client == 0) pending_per_client_.erase(client_identity);
      status = status.WithContext("sample request " + std::to_string(request.request_id));
      drops_.Drop("request_bad_priorities", status);
      return status;
    }
  }
  ++per_client;
  pending_.push_back(PendingRequest{client_identity, request, table});
  return Status::Ok();
}

std::vector<std::pair<std::string, SampleBatch>> ShardCore::ServeReady(Rng& rng) {
  std::vector<std::pair<std::string, SampleBatch>> served;
  while (true) {
    bool progress = MoveBacklogIntoTables() > 0;
    // Tables whose oldest pending request cannot be served: their later requests wait too.
    std::vector<const Table*> blocked;
    for (auto it = pending_.begin(); it != pending_.end();) {
      Table* table = it->table;
      if (std::find(blocked.begin(), blocked.end(), table) != blocked.end()) {
        ++it;
        continue;
      }
      SampleBatch batch;
      if (!table->CanSample(it->request.batch_size) ||
          !table->Sample(it->request.batch_size, rng, &batch).ok()) {
        blocked.push_back(table);
        ++it;
        continue;
      }
      batch.request_id = it->request.request_id;
      batch.shard_id = options_.shard_id;
      batch.shard_env_steps = env_steps_;
      batch.shard_episodes = episodes_;
      auto count = pending_per_client_.find(it->client);
      if (count != pending_per_client_.end() && --count->second <= 0) pending_per_client_.erase(count);
      served.emplace_back(std::move(it->client), std::move(batch));
      it = pending_.erase(it);
      ++served_requests_;
      progress = true;
    }
    if (!progress) break;
  }
  return served;
}

// ---- drops, stats, inspection ------------------------------------------------------------------

void ShardCore::RecordDrop(const std::string& reason, const Status& detail) {
  drops_.Drop(reason, detail);
}

Stats ShardCore::MakeStats() const {
  Stats stats;
  stats.role = "shard";
  stats.id = options_.shard_id;
  double size = 0, inserted = 0, sampled = 0, evicted = 0, refused = 0;
  double priority_updates = 0, stale_priority_keys = 0;
  for (const auto& entry : tables_) {
    const Table::Counters counters = entry.second->counters();
    const double table_size = static_cast<double>(entry.second->size());
    size += table_size;
    inserted += static_cast<double>(counters.inserted_items);
    sampled += static_cast<double>(counters.sampled_items);
    evicted += static_cast<double>(counters.evicted_items);
    refused += static_cast<double>(counters.refused_inserts);
    priority_updates += static_cast<double>(counters.priority_updates);
    stale_priority_keys += static_cast<double>(counters.stale_priority_keys);
    stats.scalars["replay/" + entry.first + "/size"] = table_size;
    if (entry.second->kind() == ReplayTableSpec::Kind::kPrioritized)
      stats.scalars["replay/" + entry.first + "/max_priority"] = entry.second->max_priority();
  }
  stats.scalars["replay/priority_updates"] = priority_updates;
  stats.scalars["replay/stale_priority_keys"] = stale_priority_keys;
  stats.scalars["replay/size"] = size;
  stats.scalars["replay/inserted_items"] = inserted;
  stats.scalars["replay/sampled_items"] = sampled;
  stats.scalars["replay/evicted_items"] = evicted;
  stats.scalars["replay/refused_inserts"] = refused;
  stats.scalars["replay/env_steps"] = static_cast<double>(env_steps_);
  stats.scalars["replay/episodes"] = static_cast<double>(episodes_);
  stats.scalars["replay/fragments"] = static_cast<double>(fragments_);
  stats.scalars["replay/backlog_fragments"] = static_cast<double>(backlog_.size());
  stats.scalars["replay/pending_requests"] = static_cast<double>(pending_.size());
  stats.scalars["replay/served_requests"] = static_cast<double>(served_requests_);
  stats.scalars["replay/dropped_messages"] = static_cast<double>(drops_.total());
  for (const auto& entry : drops_.by_reason())
    stats.scalars["replay/dropped/" + entry.first] = static_cast<double>(entry.second);
  return stats;
}

const Table* ShardCore::table(const std::string& name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second.get();
}

Status ShardCore::VisitQueueState(StateArchive& archive) {
  int64_t backlog = static_cast<int64_t>(backlog_.size());
  archive.Field("backlog_fragments", backlog);
  if (archive.loading() && archive.status().ok()) {
    if (backlog < 0 || backlog > options_.max_backlog_fragments)
      return DataLossError("state snapshot: shard " + std::to_string(options_.shard_id) + " backlog of " +
                           std::to_string(backlog) + " fragments");
    backlog_.assign(static_cast<size_t>(backlog), Fragment());
  }
  for (int64_t i = 0; i < backlog && archive.status().ok(); ++i) {
    Fragment& fragment = backlog_[static_cast<size_t>(i)];
    std::string bytes = archive.loading() ? std::string() : EncodePayload(fragment);
    archive.Field("backlog/" + std::to_string(i), bytes);
    if (archive.loading() && archive.status().ok()) RETURN_IF_ERROR(DecodePayload(bytes.data(), bytes.size(), &fragment));
  }
  int64_t pending = static_cast<int64_t>(pending_.size());
  archive.Field("pending_requests", pending);
  if (archive.loading() && archive.status().ok()) {
    if (pending < 0 || pending > options_.max_pending_requests)
      return DataLossError("state snapshot: shard " + std::to_string(options_.shard_id) + " with " +
                           std::to_string(pending) + " pending requests");
    pending_.clear();
    pending_per_client_.clear();
  }
  for (int64_t i = 0; i < pending && archive.status().ok(); ++i) {
    StateArchive::Scope scope(archive, "pending/" + std::to_string(i));
    std::string client = archive.loading() ? std::string() : pending_[static_cast<size_t>(i)].client;
    std::string request = archive.loading() ? std::string() : EncodePayload(pending_[static_cast<size_t>(i)].request);
    archive.Field("client", client);
    archive.Field("request", request);
    if (!archive.loading() || !archive.status().ok()) continue;
    PendingRequest restored;
    restored.client = client;
    RETURN_IF_ERROR(DecodePayload(request.data(), request.size(), &restored.request));
    auto table = tables_.find(restored.request.table);
    if (table == tables_.end())
      return DataLossError("state snapshot: a pending request for unknown table '" + restored.request.table + "'");
    restored.table = table->second.get();
    ++pending_per_client_[client];
    pending_.push_back(std::move(restored));
  }
  archive.Field("served_requests", served_requests_);
  std::map<std::string, double> drops(drops_.by_reason().begin(), drops_.by_reason().end());
  archive.Field("drops", drops);
  if (archive.loading() && archive.status().ok()) {
    std::map<std::string, int64_t> restored;
    for (const auto& kv : drops) restored[kv.first] = static_cast<int64_t>(kv.second);
    drops_.Restore(restored);
  }
  return archive.status();
}

Status ShardCore::SaveCheckpoint(const std::string& dir) const {
  for (const auto& [name, table] : tables_) RETURN_IF_ERROR(table->SaveCheckpoint(dir + "/" + name + ".slrt"));
  return WriteFileAtomic(dir + "/shard.counters", std::to_string(env_steps_) + " " + std::to_string(episodes_) +
                                                      " " + std::to_string(fragments_) + "\n");
}

Status ShardCore::LoadCheckpoint(const std::string& dir) {
  std::map<std::string, std::unique_ptr<Table>> loaded;
  for (const ReplayTableSpec& spec : options_.tables) {
    ASSIGN_OR_RETURN(std::unique_ptr<Table> table, Table::LoadCheckpoint(spec, dir + "/" + spec.name + ".slrt"));
    loaded.emplace(spec.name, std::move(table));
  }
  ASSIGN_OR_RETURN(std::string counters, ReadFile(dir + "/shard.counters"));
  int64_t env_steps = 0, episodes = 0, fragments = 0;
  if (std::sscanf(counters.c_str(), "%" SCNd64 " %" SCNd64 " %" SCNd64, &env_steps, &episodes, &fragments) != 3)
    return DataLossError(dir + "/shard.counters: malformed");
  tables_ = std::move(loaded);
  env_steps_ = env_steps, episodes_ = episodes, fragments_ = fragments;
  pending_.clear();
  pending_per_client_.clear();
  return Status::Ok();
}

}  // namespace slaterl
