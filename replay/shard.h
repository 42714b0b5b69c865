// replay/shard.h — ShardCore: the transport-free logic of one replay shard.
//
// Contract.
// * Ownership. A ShardCore owns one Table per ReplayTableSpec (by name), the sample requests
//   waiting to be served, a bounded backlog of accepted fragments that the tables could not take
//   yet (rate limiter, full queue), the shard's env-step/episode counters and a DropCounter. It
//   knows nothing about sockets: the multi-process shard server (replay/shard_server.h) and the
//   in-process deterministic scheduler drive the same object, so both behave identically.
// * Fragments. Every valid fragment goes into every table of the shard (all tables of a shard
//   share one item_size, checked by Create). A fragment is inserted into all tables or into none:
//   it is validated against the spec first (item_size matches, num_items > 0, data holds exactly
//   num_items × item_size floats, num_items ≤ every table's capacity, env_steps ≥ 0,
//   episodes ≥ 0), and it is inserted only when every table admits it. A valid fragment that the
//   tables cannot take yet waits in the backlog (FIFO, at most `max_backlog_fragments`) and goes
//   in, in arrival order, as soon as samples make room (ServeReady). The shard's env_steps and
//   episodes counters grow when a fragment's items become visible in the tables.
// * Priorities. A SampleRequest may carry priority updates for its table (the learner's new
//   priorities of items it trained on); they are applied when the request is accepted, before it
//   is queued, so they count for its draw (Table::UpdatePriorities; keys evicted meanwhile are
//   skipped and counted).
// * Requests. A SampleRequest waits in the shard until its table can serve it (min_size, rate
//   limiter, enough queue items), then ServeReady answers it exactly once. Requests of one table
//   are answered in arrival order (a request that cannot be served holds back later requests of
//   the same table, never those of other tables). Pending requests are bounded per client and in
//   total, so a flood cannot grow memory without bound.
// * Rejections. Everything rejected (malformed fragment, unknown table, bad batch size, bad
//   priority update, too many pending requests, a full backlog) is counted in the DropCounter
//   under a reason and never touches a table; transport-level drops of the server are counted
//   there too (RecordDrop), so MakeStats reports one total "replay/dropped_messages".
// * Thread-safety. Not thread-safe: one owner thread calls every method (the server loop or the
//   scheduler). The Tables themselves are thread-safe, but ShardCore relies on being the only
//   writer of its tables: table() hands out const access only.
// * Never blocks: every method returns at once.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/messages.h"
#include "core/replay_spec.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/transport.h"
#include "replay/table.h"

namespace slaterl {

class StateArchive;

struct ShardOptions {
  int32_t shard_id = 0;
  std::vector<ReplayTableSpec> tables;  // at least one; unique names; one shared item_size
  int32_t max_pending_requests_per_client = 64;
  int32_t max_pending_requests = 4096;  // all clients together
  int32_t max_backlog_fragments = 16;   // valid fragments waiting for room in the tables
};

class ShardCore {
 public:
  // Checks the options and creates the tables. Returns InvalidArgument for no tables, duplicate
  // or invalid table specs (Table::ValidateSpec), tables with different item sizes, or
  // non-positive limits; ResourceExhausted when an arena cannot be allocated.
  static Result<std::unique_ptr<ShardCore>> Create(const ShardOptions& options);

  ShardCore(const ShardCore&) = delete;
  ShardCore& operator=(const ShardCore&) = delete;

  // Validates `fragment` and inserts it into every table, or queues it in the backlog when a
  // table cannot take it yet. Returns: OK (inserted, or accepted into the backlog);
  // InvalidArgument (malformed for this shard; counted as dropped, tables untouched);
  // ResourceExhausted (valid, but the backlog is full: not accepted, counted as dropped — callers
  // that want back-pressure check accepting_fragments() before handing a fragment over).
  Status HandleFragment(const Fragment& fragment);
  // The same, moving the fragment into the backlog instead of copying it when it has to wait.
  Status HandleFragment(Fragment&& fragment);

  // True while the backlog is empty: the owner should read new fragments only then, so a
  // rate-limited shard pushes back on its actors (ZeroMQ queues fill, PUSH blocks) instead of
  // buffering without bound.
  bool accepting_fragments() const { return backlog_.empty(); }

  // Applies the priority updates `request` carries (priority_keys[i] gets priorities[i]; see
  // Table::UpdatePriorities: keys no longer stored are skipped and counted) to its table, then
  // queues it from `client_identity` (the ROUTER routing id; any string in-process). A request is
  // taken whole or not at all: a rejected request applies no priority.
  // Returns: OK (priorities applied, request queued; answered by a later ServeReady); NotFound
  // (unknown table); InvalidArgument (batch_size ≤ 0 or larger than the table can ever serve:
  // above its max_sample_items() or a reply beyond the wire's payload limit; or a bad priority
  // update: sizes differ, a non-empty update for a table that is not prioritized, or a priority
  // that is negative, NaN, infinite or too large); ResourceExhausted (the client or the shard has
  // too many pending requests). Every error is counted as dropped (reasons request_unknown_table,
  // request_bad_batch_size, request_too_many_pending, request_bad_priorities) and the request is
  // forgotten; the caller just drops it.
  Status EnqueueSampleRequest(const std::string& client_identity, const SampleRequest& request);

  // Moves backlog fragments into the tables and answers every pending request that can now be
  // served, alternating until neither makes progress (a sample can make room for a backlogged
  // fragment, whose items can in turn serve a request). Returns (client_identity, batch) pairs in
  // the order they were served; each batch carries request_id, table, shard_id, the shard's
  // env_steps/episodes counters and the table size at sampling time.
  std::vector<std::pair<std::string, SampleBatch>> ServeReady(Rng& rng);

  // Counts a message the owner dropped before it reached the core (bad frames, bad header, wrong
  // type, undecodable payload, a reply that could not be sent). Logs the first of each reason.
  void RecordDrop(const std::string& reason, const Status& detail);

  // Stats{role "shard", id shard_id} with scalars (sums over tables unless named per table):
  //   replay/size, replay/inserted_items, replay/sampled_items, replay/evicted_items,
  //   replay/refused_inserts, replay/env_steps, replay/episodes, replay/fragments,
  //   replay/backlog_fragments, replay/pending_requests, replay/served_requests,
  //   replay/priority_updates (priorities applied), replay/stale_priority_keys (update keys no
  //   longer stored), replay/dropped_messages, replay/dropped/<reason> (one per reason seen),
  //   replay/<table>/size (one per table), replay/<table>/max_priority (prioritized tables: the
  //   priority new items get).
  Stats MakeStats() const;

  // Checkpoints: every table to `dir`/<table>.slrt (replay/table_checkpoint.h: atomic,
  // CRC-32C, items with keys and priorities, rate-limiter counts) plus the shard's counters in
  // `dir`/shard.counters. Pending requests and the backlog are not saved (clients re-ask; actors
  // resend what the shard had not acknowledged through their socket buffers).
  Status SaveCheckpoint(const std::string& dir) const;
  // Replaces every table and the counters with the checkpoint in `dir` (all or nothing).
  Status LoadCheckpoint(const std::string& dir);
  int64_t fragments() const { return fragments_; }
  // Whole-run snapshots of the in-process scheduler (core/state_archive.h): what
  // SaveCheckpoint leaves out — the backlog, the pending requests (restored as they stood: their
  // priority updates were applied already), the served-request count and the drop counters. Load
  // it after LoadCheckpoint.
  Status VisitQueueState(StateArchive& archive);

  // Inspection (tests, stats). nullptr for an unknown table.
  const Table* table(const std::string& name) const;
  int32_t shard_id() const { return options_.shard_id; }
  int32_t item_size() const { return item_size_; }
  int64_t env_steps() const { return env_steps_; }
  int64_t episodes() const { return episodes_; }
  int64_t pending_requests() const { return static_cast<int64_t>(pending_.size()); }
  int64_t backlog_fragments() const { return static_cast<int64_t>(backlog_.size()); }
  const DropCounter& drops() const { return drops_; }

 private:
  struct PendingRequest {
    std::string client;
    SampleRequest request;
    Table* table = nullptr;
  };

  explicit ShardCore(const ShardOptions& options);

  // `movable` is `fragment` itself when the caller gave an rvalue (moved into the backlog), else
  // nullptr (copied into the backlog).
  Status HandleFragmentImpl(const Fragment& fragment, Fragment* movable);
  Status ValidateFragment(const Fragment& fragment) const;
  bool AllTablesCanInsert(int32_t num_items) const;
  // Inserts into every table (all admitted it: CHECKed) and counts env steps and episodes.
  void InsertIntoAllTables(const Fragment& fragment);
  // Moves backlog fragments into the tables while they fit. Returns how many went in.
  int MoveBacklogIntoTables();
  int64_t MaxBatchItems(const Table& table) const;

  ShardOptions options_;
  int32_t item_size_ = 0;
  std::map<std::string, std::unique_ptr<Table>> tables_;
  std::deque<Fragment> backlog_;
  std::deque<PendingRequest> pending_;
  std::map<std::string, int32_t> pending_per_client_;
  int64_t env_steps_ = 0;
  int64_t episodes_ = 0;
  int64_t fragments_ = 0;
  int64_t served_requests_ = 0;
  DropCounter drops_;
};

}  // namespace slaterl
