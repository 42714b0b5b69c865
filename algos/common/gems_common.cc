#include "algos/common/gems_common.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "envs/topics.h"
#include "envs/topics_embeddings.h"
#include "envs/trajectory.h"

namespace slaterl {

GemsPreset ParseGemsPreset(const std::string& name) {
  return name == "gems_repro" ? GemsPreset::kGemsRepro : GemsPreset::kClean;
}

Status CheckGemsEnv(const std::string& algo, const std::string& env_name, const EnvSpec& spec) {
  if (env_name != "topics")
    return InvalidArgumentError("algo '" + algo + "' needs `env: topics` (its observation is the served "
                                "slate and its clicks, docs/algorithms.md §1.1), not '" + env_name + "'");
  if (spec.max_steps <= 0) return InvalidArgumentError("algo '" + algo + "' needs fixed-length episodes");
  return Status::Ok();
}

Result<GemsBasics> ReadGemsBasics(const std::string& algo, const Params& config, const std::string& env_name,
                                  const EnvSpec& spec) {
  RETURN_IF_ERROR(CheckGemsEnv(algo, env_name, spec));
  GemsBasics b;
  b.preset = ParseGemsPreset(config.GetString("preset"));
  b.num_items = spec.num_candidates;
  b.slate_size = spec.slate_size;
  b.steps = spec.max_steps;
  b.item_dim = static_cast<int>(config.GetInt("item_dim"));
  b.belief_dim = static_cast<int>(config.GetInt("belief_dim"));
  b.random_steps = config.GetInt("random_steps");
  return b;
}

ReplaySpec GemsTrajectoryReplaySpec(const Params& config, int replay_shards, const EnvSpec& spec, int action_dim,
                                    int user_dim) {
  const int shards = std::max(1, replay_shards);
  const int64_t batch = config.GetInt("batch_size");
  ReplayTableSpec table;
  table.name = "trajectories";
  table.kind = ReplayTableSpec::Kind::kUniform;
  table.capacity = std::max<int64_t>(1, (config.GetInt("replay_capacity") + shards - 1) / shards);
  table.min_size = std::max<int64_t>(batch, (config.GetInt("random_steps") + shards - 1) / shards);
  table.samples_per_insert = static_cast<double>(batch);
  table.error_buffer = static_cast<double>(batch);
  table.item_size = TrajectoryLayout(spec.max_steps, spec.slate_size, action_dim, user_dim).size;
  ReplaySpec out;
  out.tables.push_back(table);
  out.batch_size = static_cast<int32_t>(batch);
  out.trajectory_steps = spec.max_steps;
  out.trajectory_action_dim = action_dim;
  out.trajectory_user_dim = user_dim;
  return out;
}

BeliefTracker::BeliefTracker(int num_envs, int num_items, int item_dim, int slate_size, int hidden_size)
    : num_items_(num_items), item_dim_(item_dim), slate_size_(slate_size), hidden_(hidden_size),
      h_(static_cast<size_t>(num_envs) * hidden_size, 0.0f),
      x_(static_cast<size_t>(slate_size) * (item_dim + 1), 0.0f),
      scratch_(static_cast<size_t>(6) * hidden_size, 0.0f) {}

Status BeliefTracker::Load(const Weights& weights, const std::string& prefix) {
  ASSIGN_OR_RETURN(const WeightTensor* table, FindWeightTensor(weights, prefix + ".table", {num_items_, item_dim_}));
  RETURN_IF_ERROR(cell_.Load(weights, prefix + ".gru", slate_size_ * (item_dim_ + 1), hidden_));
  table_ = table->data;
  return Status::Ok();
}

const float* BeliefTracker::Observe(const ObsBatch& obs, int n, int response_dim) {
  float* h = h_.data() + static_cast<size_t>(n) * hidden_;
  if (obs.first_step[static_cast<size_t>(n)]) std::fill(h, h + hidden_, 0.0f);
  const int k = slate_size_, d = item_dim_;
  for (int p = 0; p < k; ++p) {
    int32_t item = obs.last_slate[static_cast<size_t>(n) * k + p];
    item = std::min(std::max(item, 0), num_items_ - 1);
    const float* e = table_.data() + static_cast<size_t>(item) * d;
    std::copy(e, e + d, x_.data() + static_cast<size_t>(p) * (d + 1));
    x_[static_cast<size_t>(p) * (d + 1) + d] = obs.last_responses[(static_cast<size_t>(n) * k + p) * response_dim];
  }
  cell_.Step(x_.data(), h, scratch_.data());
  return h;
}

void TopKByScore(const float* scores, int n, int k, std::vector<int32_t>* order, int32_t* out) {
  order->resize(static_cast<size_t>(n));
  std::iota(order->begin(), order->end(), 0);
  std::partial_sort(order->begin(), order->begin() + k, order->end(), [scores](int32_t a, int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  std::copy(order->begin(), order->begin() + k, out);
}

void RandomSlate(Rng& rng, int n, int k, bool allow_duplicates, std::vector<int32_t>* order, int32_t* out) {
  if (allow_duplicates) {
    for (int p = 0; p < k; ++p) out[p] = static_cast<int32_t>(rng.UniformInt(static_cast<uint32_t>(n)));
    return;
  }
  order->resize(static_cast<size_t>(n));
  std::iota(order->begin(), order->end(), 0);
  for (int p = 0; p < k; ++p) {
    const int pick = p + static_cast<int>(rng.UniformInt(static_cast<uint32_t>(n - p)));
    std::swap((*order)[static_cast<size_t>(p)], (*order)[static_cast<size_t>(pick)]);
    out[p] = (*order)[static_cast<size_t>(p)];
  }
}

namespace {
std::string ExecutableDir() {
  char buf[4096];
  const ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (len <= 0) return ".";
  std::string path(buf, static_cast<size_t>(len));
  return path.substr(0, path.find_last_of('/'));
}
}  // namespace

Result<std::vector<float>> LoadRankerEmbeddings(const std::string& kind, const std::string& mf_path,
                                                const Params& env_config, int num_items, int dim) {
  if (kind == "ideal") {
    ASSIGN_OR_RETURN(TopicsConfig config, TopicsConfig::FromParams(env_config));
    ASSIGN_OR_RETURN(std::shared_ptr<const TopicsEmbeddings> table, LoadTopicsEmbeddings(config));
    if (table->num_items() != num_items || table->dim() != dim)
      return InvalidArgumentError("ideal embeddings are " + std::to_string(table->num_items()) + " × " +
                                  std::to_string(table->dim()) + ", expected " + std::to_string(num_items) +
                                  " × " + std::to_string(dim));
    return table->table();
  }
  if (kind != "mf") return InvalidArgumentError("unknown ranker embeddings '" + kind + "'");
  if (mf_path.empty())
    return InvalidArgumentError("config.mf_embeddings: `ranker_embeddings: mf` needs the path of an MF table "
                                "(make one with `slaterl data generate` then `slaterl pretrain mf`, "
                                "docs/data.md)");
  std::vector<std::string> tried;
  std::vector<std::string> candidates = {mf_path};
  if (mf_path[0] != '/') candidates.push_back(ExecutableDir() + "/../" + mf_path);
  if (dim % kGemsTopicSize != 0) return InvalidArgumentError("mf embeddings: dim must be even");
  for (const std::string& path : candidates) {
    Result<TopicsEmbeddings> table = TopicsEmbeddings::LoadFile(path, num_items, dim / kGemsTopicSize, kGemsTopicSize);
    if (table.ok()) return table->table();
    if (table.status().code() != StatusCode::kNotFound) return table.status();
    tried.push_back(path);
  }
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  return NotFoundError("config.mf_embeddings: no file at " + list +
                       " (make one with `slaterl pretrain mf`, docs/data.md)");
}

void EmbeddingBounds(const std::vector<float>& table, int dim, std::vector<float>* centre,
                     std::vector<float>* half_width) {
  std::vector<float> lo(static_cast<size_t>(dim), std::numeric_limits<float>::infinity());
  std::vector<float> hi(static_cast<size_t>(dim), -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < table.size(); ++i) {
    const size_t j = i % static_cast<size_t>(dim);
    lo[j] = std::min(lo[j], table[i]);
    hi[j] = std::max(hi[j], table[i]);
  }
  centre->assign(static_cast<size_t>(dim), 0.0f);
  half_width->assign(static_cast<size_t>(dim), 0.0f);
  for (int j = 0; j < dim; ++j) {
    (*centre)[static_cast<size_t>(j)] = (hi[static_cast<size_t>(j)] + lo[static_cast<size_t>(j)]) / 2;
    (*half_width)[static_cast<size_t>(j)] = (hi[static_cast<size_t>(j)] - lo[static_cast<size_t>(j)]) / 2;
  }
}

}  // namespace slaterl
