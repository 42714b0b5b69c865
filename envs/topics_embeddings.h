// envs/topics_embeddings.h — the item table of `topics` (GeMS TopicRec, docs/environments.md §6.2):
// loaded from the GeMS files shipped in data/gems/, or drawn by slaterl's own seeded generator.
//
// A TopicsEmbeddings owns E ∈ R^{num_items × dim} (float32, row-major, dim = num_topics ·
// topic_size; row j = item id j) and what the simulator derives from it once: the main topic of
// every item (argmax of the topic-block norms ‖E[j, b·s : (b+1)·s]‖, first on ties), max_score =
// max_j ‖E_j‖ (float32), the initial slate's item per topic (argmax over items of that topic's
// block norm, first on ties, docs/environments.md §6.7) and a block-major copy padded to
// kTopicsScoreLanes items, so that scoring every item (the oracle, docs/environments.md §6.8
// step 5) is float32, contiguous and vectorised. Score() and ScoreAll() add the products
// E[j,d]·u[d] in the same order d = 0…dim−1, so their values are bit-identical. Immutable after
// construction; thread-safe to read (shared by every env of a batch through a shared_ptr). Nothing
// here writes a file: the GeMS code's generator overwrites its focused file on disk
// (docs/environments.md quirk Q9); slaterl never does.
//
// Files (docs/environments.md §6.2, data/gems/README.md): `item_embeddings_focused.f32` and
// `item_embeddings_diffuse.f32`, raw little-endian float32, 1000 × 20, no header, exactly 80 000
// bytes; CC BY-NC-SA 4.0 (data/gems/LICENSE). A file of another size, or holding a non-finite
// value, or whose rows are all zero, is an error naming the file.
//
// Where the files are looked up (FindTopicsDataFile), in order:
//   1. env_config.data_dir, when not empty (only there);
//   2. else $SLATERL_DATA_DIR, when set and not empty (only there);
//   3. else <directory of the running executable>/../data/gems (a build folder directly under the
//      source tree, e.g. build/slaterl → data/gems of the source tree);
//   4. else ./data/gems (relative to the working directory).
// In 3–4 the first folder that holds the file wins; the error lists every folder tried.
//
// Generator (`embeddings: generated`, no licence restriction): for every item j, K uniforms
// w_k ~ U[0,1), then K·s normals g; E[j, k·s + d] = w_k · |clamp(0.4·g, −1, 1)|; the row is then
// divided by its L2 norm. This is the GeMS code's generator without its power-1.5 step, and the
// shipped focused and diffuse files both have its structure (tests/envs/topics_embeddings_test.cc
// measures the statistics; the two files are statistically alike, so `generated_structure`
// focused|diffuse selects two independent streams of the same generator, the analogues of the two
// files). Draws come from Rng(DeriveSeed(embeddings_seed, {kSeedEmbeddings, structure})).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

// Shape of the shipped GeMS item tables (docs/environments.md §6.1–6.2).
constexpr int kGemsNumItems = 1000;
constexpr int kGemsNumTopics = 10;
constexpr int kGemsTopicSize = 2;
// Scale of the per-coordinate normals in the GeMS generators (items and users,
// docs/environments.md §6.2/6.4).
constexpr float kTopicsNormalScale = 0.4f;
// Items per block of the block-major scoring copy (ScoreAll): the padding unit, and the width of
// the accumulator the compiler vectorises.
constexpr int kTopicsScoreLanes = 16;

// Which independent draw of the generator (`generated_structure`), see the header comment.
enum class TopicsGeneratedStructure : uint64_t { kFocused = 0, kDiffuse = 1 };

class TopicsEmbeddings {
 public:
  // Builds from a row-major table of num_items × (num_topics · topic_size) floats. InvalidArgument
  // (naming `what`, e.g. the file) when the size does not match, a value is not finite, or every
  // row is zero (max_score would be 0).
  static Result<TopicsEmbeddings> FromTable(std::vector<float> table, int num_topics,
                                            int topic_size, const std::string& what);
  // Reads a raw little-endian float32 file of exactly num_items · num_topics · topic_size floats.
  // NotFound when it cannot be opened; InvalidArgument (naming the file) when malformed.
  static Result<TopicsEmbeddings> LoadFile(const std::string& path, int num_items, int num_topics,
                                           int topic_size);
  // slaterl's seeded generator (header comment). num_items, num_topics, topic_size >= 1.
  static TopicsEmbeddings Generate(uint64_t seed, TopicsGeneratedStructure structure, int num_items,
                                   int num_topics, int topic_size);

  int num_items() const { return num_items_; }
  int num_topics() const { return num_topics_; }
  int topic_size() const { return topic_size_; }
  int dim() const { return dim_; }
  // num_items × dim, row-major.
  const std::vector<float>& table() const { return table_; }
  const float* row(int32_t item) const { return table_.data() + static_cast<size_t>(item) * dim_; }
  // Main topic of every item (num_items).
  const std::vector<int32_t>& item_topics() const { return item_topics_; }
  int32_t topic(int32_t item) const { return item_topics_[static_cast<size_t>(item)]; }
  // max_j ‖E_j‖₂ in float32 (1.0000001 for both GeMS files); scores are divided by it.
  float max_score() const { return max_score_; }
  // The item with the largest norm in topic block k (first on ties), k < num_topics.
  int32_t best_item_of_topic(int k) const { return best_item_of_topic_[static_cast<size_t>(k)]; }
  // Number of floats ScoreAll writes: num_items rounded up to a multiple of kTopicsScoreLanes.
  int padded_items() const { return padded_items_; }

  // E_j · u (float32, products added in order d = 0…dim−1).
  float Score(int32_t item, const float* u) const {
    const float* e = row(item);
    float s = 0.0f;
    for (int d = 0; d < dim_; ++d) s += e[d] * u[d];
    return s;
  }
  // out[j] = Score(j, u) for every item, bit-identical to Score(); out holds padded_items() floats
  // (the padding is 0). No allocation.
  void ScoreAll(const float* u, float* out) const;

 private:
  TopicsEmbeddings() = default;
  // Derives topics, max_score, best items and the block-major copy from table_.
  void Derive();

  int num_items_ = 0, num_topics_ = 0, topic_size_ = 0, dim_ = 0, padded_items_ = 0;
  std::vector<float> table_;          // num_items × dim
  std::vector<float> blocked_;        // padded_items × dim in blocks of kTopicsScoreLanes items
  std::vector<int32_t> item_topics_;  // num_items
  std::vector<int32_t> best_item_of_topic_;  // num_topics
  float max_score_ = 0.0f;
};

// File name of the GeMS item table `kind` ("focused" or "diffuse"): item_embeddings_<kind>.f32.
std::string GemsItemEmbeddingsFileName(const std::string& kind);
// The folders FindTopicsDataFile searches for `configured_dir` (the env_config.data_dir), in order.
std::vector<std::string> TopicsDataDirCandidates(const std::string& configured_dir);
// Path of `file_name` in the first candidate folder that holds it. NotFound naming the file and
// every folder tried.
Result<std::string> FindTopicsDataFile(const std::string& configured_dir,
                                       const std::string& file_name);

}  // namespace slaterl
