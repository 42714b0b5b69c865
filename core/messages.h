// core/messages.h — the messages of the wire protocol (docs/runtime.md, "Wire protocol").
//
// Plain structs; core/wire.h frames them (16-byte header + cereal binary payload) and checks
// every field on receipt. Bulk arrays are contiguous float/int vectors. Sizes are validated by the
// receiver (ValidateFragment etc. in the owning component) before anything touches a table.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace slaterl {

enum class MessageType : uint16_t {
  kHello = 1,
  kFragment = 2,
  kSampleRequest = 3,
  kSampleBatch = 4,
  kWeights = 5,
  kStats = 6,
  kHeartbeat = 7,
  kShutdown = 8,
};
const char* MessageTypeName(MessageType type);
constexpr int kNumMessageTypes = 8;

// First message of every connection: who is speaking (role "actor", "learner", "shard",
// "evaluator", "launcher"), which instance, and which run (config hash).
struct Hello {
  static constexpr MessageType kType = MessageType::kHello;
  std::string role;
  int32_t id = 0;
  int32_t incarnation = 0;  // restarts of this role instance so far
  uint16_t protocol_version = 0;
  std::string config_hash;
  int32_t pid = 0;
};

// T×N transitions of one actor, already laid out as fixed-size float items (envs/transition.h).
struct Fragment {
  static constexpr MessageType kType = MessageType::kFragment;
  int32_t actor_id = 0;
  int32_t incarnation = 0;
  uint64_t sequence = 0;         // per actor incarnation, from 0
  int64_t policy_version = 0;    // weights version the actor acted with
  int32_t item_size = 0;         // floats per item
  int32_t num_items = 0;
  int64_t env_steps = 0;         // env steps this fragment covers
  int64_t episodes = 0;          // episodes finished inside it
  std::vector<float> data;       // num_items × item_size
};

// The learner asks a shard for `batch_size` items of `table`. Shards answer each request once,
// when the table can serve it (min size, rate limiter); requests wait in the shard until then.
//
// Prioritized tables: the learner piggybacks the new priorities of items it trained on
// (priority_keys[i] gets priorities[i]) on its next request to the same shard; the shard applies
// them before serving the request. Keys no longer in the table are ignored.
struct SampleRequest {
  static constexpr MessageType kType = MessageType::kSampleRequest;
  uint64_t request_id = 0;
  std::string table;
  int32_t batch_size = 0;
  std::vector<uint64_t> priority_keys;
  std::vector<double> priorities;
  // > 0: the learner has just written its checkpoint ckpt-<checkpoint_step>; the shard checkpoints
  // its tables under the same step before it queues this request, so the run's checkpoint N is
  // one learner state and every shard's tables taken right after it.
  int64_t checkpoint_step = 0;
};

struct SampleBatch {
  static constexpr MessageType kType = MessageType::kSampleBatch;
  uint64_t request_id = 0;
  std::string table;
  int32_t shard_id = 0;
  int32_t item_size = 0;
  int32_t num_items = 0;
  std::vector<uint64_t> keys;          // num_items item keys
  std::vector<double> probabilities;   // num_items sampling probabilities
  std::vector<float> data;             // num_items × item_size
  // Shard counters at the time of sampling (the learner's timesteps_total/episodes_total).
  int64_t shard_env_steps = 0;
  int64_t shard_episodes = 0;
  int64_t table_size = 0;
};

struct WeightTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

struct Weights {
  static constexpr MessageType kType = MessageType::kWeights;
  int64_t version = 0;
  int64_t timesteps_total = 0;
  int64_t episodes_total = 0;
  std::vector<WeightTensor> tensors;
};

// Periodic report of a process to the launcher: scalar gauges/counters and lists of values
// (e.g. "episode_return" of every episode finished since the last report).
struct Stats {
  static constexpr MessageType kType = MessageType::kStats;
  std::string role;
  int32_t id = 0;
  std::map<std::string, double> scalars;
  std::map<std::string, std::vector<double>> lists;
};

struct Heartbeat {
  static constexpr MessageType kType = MessageType::kHeartbeat;
  uint64_t sequence = 0;
};

// The launcher's order to stop. Reasons (docs/runtime.md, "Shutdown and the final weights"):
// "stop" = exit; "final_weights" (learner) = stop training, publish the final weights, checkpoint,
// report `learner/final_weights_version`, then keep answering weights requests until a "stop";
// "final_evaluation" (evaluator) = take the learner's final weights, evaluate them, report, exit.
// A later Shutdown replaces an earlier one (the launcher sends the evaluator a second one with
// final_weights_version 0 when the learner dies before the evaluator has its final weights).
struct Shutdown {
  static constexpr MessageType kType = MessageType::kShutdown;
  std::string reason;
  // "final_evaluation": the learner's final weights version, which it is holding ready on its
  // weights ROUTER; 0 = unknown (the learner is gone): evaluate the newest version held.
  int64_t final_weights_version = 0;
};

}  // namespace slaterl
