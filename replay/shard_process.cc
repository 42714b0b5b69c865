#include "replay/shard_process.h"

#include <string>

#include "replay/shard_server.h"

namespace slaterl {

Status RunShardProcess(const RoleOptions& options, const RoleContext& ctx, const ReplaySpec& replay_spec) {
  ShardServerOptions shard;
  shard.shard_id = options.id;
  shard.tables = replay_spec.tables;
  // Whole-trajectory replay (GeMS protocol): keep the queue in front of the rate limiter short, so
  // actors wait instead of running ahead of the learner with stale weights.
  if (replay_spec.trajectory_steps > 0) shard.insert_receive_hwm = 2;
  shard.insert_endpoint = ctx.endpoints.shard_insert.at(options.id);
  shard.sample_endpoint = ctx.endpoints.shard_sample.at(options.id);
  shard.control_endpoint = ctx.endpoints.control;
  shard.config_hash = ctx.run.hash;
  shard.incarnation = options.incarnation;
  shard.heartbeat_interval = ctx.heartbeat_interval;
  shard.heartbeat_liveness = ctx.liveness;
  shard.stats_interval = ctx.stats_interval;
  shard.seed = ctx.run.seed;
  if (ctx.run.checkpoint.GetInt("interval_updates") > 0) {
    shard.checkpoint_dir = options.run_dir + "/checkpoints/shard-" + std::to_string(options.id);
    shard.checkpoint_keep_last = static_cast<int>(ctx.run.checkpoint.GetInt("keep_last"));
    shard.restore = options.incarnation > 0 || options.resume;
    if (options.resume) shard.restore_step = options.checkpoint_step;
  }
  if (ctx.curve) {
    shard.curve_server_secret_key = ctx.keys.server.secret_key;
    shard.curve_server_public_key = ctx.keys.server.public_key;
    shard.curve_client_public_key = ctx.keys.client.public_key;
    shard.curve_client_secret_key = ctx.keys.client.secret_key;
    shard.allowed_clients = ctx.keys.allowed_clients;
  }
  return RunShardServer(shard);
}

}  // namespace slaterl
