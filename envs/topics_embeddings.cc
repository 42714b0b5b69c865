#include "envs/topics_embeddings.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/files.h"
#include "core/rng.h"

namespace slaterl {
namespace {

constexpr size_t kFloatBytes = 4;
// Environment variable that names the folder of the GeMS files (FindTopicsDataFile, step 2).
constexpr const char* kDataDirEnvVar = "SLATERL_DATA_DIR";
// Folders tried relative to the executable's directory and to the working directory.
constexpr const char* kDataDirFromExecutable = "/../data/gems";
constexpr const char* kDataDirFromWorkingDir = "data/gems";

// ‖x[0..n)‖₂ in float32: squares added in order, then sqrtf.
float BlockNorm(const float* x, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += x[i] * x[i];
  return std::sqrt(s);
}

// Directory of the running executable, or "" when it cannot be read (non-Linux, no /proc).
std::string ExecutableDir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  std::string path(buf);
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

// ---- construction ------------------------------------------------------------------------------

Result<TopicsEmbeddings> TopicsEmbeddings::FromTable(std::vector<float> table, int num_topics,
                                                     int topic_size, const std::string& what) {
  if (num_topics < 1 || topic_size < 1)
    return InvalidArgumentError(what + ": num_topics and topic_size must be >= 1");
  const size_t dim = static_cast<size_t>(num_topics) * topic_size;
  if (table.empty() || table.size() % dim != 0)
    return InvalidArgumentError(what + ": " + std::to_string(table.size()) +
                                " floats is not a whole number of rows of " + std::to_string(dim));
  for (size_t i = 0; i < table.size(); ++i) {
    if (!std::isfinite(table[i])) {
      char value[32];
      std::snprintf(value, sizeof(value), "%g", static_cast<double>(table[i]));
      return InvalidArgumentError(what + ": entry [item " + std::to_string(i / dim) + ", dim " +
                                  std::to_string(i % dim) + "] is not finite (" + value + ")");
    }
  }
  TopicsEmbeddings e;
  e.num_items_ = static_cast<int>(table.size() / dim);
  e.num_topics_ = num_topics;
  e.topic_size_ = topic_size;
  e.dim_ = static_cast<int>(dim);
  e.table_ = std::move(table);
  e.Derive();
  if (!(e.max_score_ > 0.0f))
    return InvalidArgumentError(what +
                                ": every row is zero (max row norm 0), scores would divide "
                                "by zero");
  return e;
}

Result<TopicsEmbeddings> TopicsEmbeddings::LoadFile(const std::string& path, int num_items,
                                                    int num_topics, int topic_size) {
  const size_t count = static_cast<size_t>(num_items) * num_topics * topic_size;
  const size_t expected_bytes = count * kFloatBytes;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return NotFoundError("topics: cannot open embeddings file '" + path +
                         "': " + std::strerror(errno));
  std::vector<unsigned char> bytes(expected_bytes + 1);
  const size_t got = std::fread(bytes.data(), 1, bytes.size(), f);
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) return DataLossError("topics: error reading embeddings file '" + path + "'");
  if (got != expected_bytes)
    return InvalidArgumentError(
        "topics: embeddings file '" + path + "' has " +
        (got > expected_bytes ? "more than " + std::to_string(expected_bytes)
                              : std::to_string(got)) +
        " bytes, expected exactly " + std::to_string(expected_bytes) + " (" +
        std::to_string(num_items) + " items × " + std::to_string(num_topics * topic_size) +
        " float32, little-endian, no header)");
  std::vector<float> table(count);
  for (size_t i = 0; i < count; ++i) {  // little-endian on any host
    const unsigned char* b = bytes.data() + i * kFloatBytes;
    const uint32_t bits = static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
                          (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
    std::memcpy(&table[i], &bits, sizeof(float));
  }
  return FromTable(std::move(table), num_topics, topic_size,
                   "topics: embeddings file '" + path + "'");
}

TopicsEmbeddings TopicsEmbeddings::Generate(uint64_t seed, TopicsGeneratedStructure structure,
                                            int num_items, int num_topics, int topic_size) {
  SLATERL_CHECK(num_items >= 1 && num_topics >= 1 && topic_size >= 1);
  const int dim = num_topics * topic_size;
  Rng rng(DeriveSeed(seed, {kSeedEmbeddings, static_cast<uint64_t>(structure)}));
  std::vector<float> table(static_cast<size_t>(num_items) * dim);
  std::vector<float> weight(static_cast<size_t>(num_topics));
  for (int j = 0; j < num_items; ++j) {
    float* e = table.data() + static_cast<size_t>(j) * dim;
    for (float& w : weight) w = rng.UniformFloat();
    for (int k = 0; k < num_topics; ++k) {
      for (int d = 0; d < topic_size; ++d) {
        const float g = kTopicsNormalScale * static_cast<float>(rng.Normal());
        e[k * topic_size + d] = weight[k] * std::fabs(std::clamp(g, -1.0f, 1.0f));
      }
    }
    const float norm = BlockNorm(e, dim);
    if (norm > 0.0f)  // a zero row needs every w_k or g to be exactly 0: never in practice
      for (int d = 0; d < dim; ++d) e[d] /= norm;
  }
  auto result = FromTable(std::move(table), num_topics, topic_size, "topics: generated embeddings");
  SLATERL_CHECK(result.ok());  // finite by construction
  return std::move(result).value();
}

void TopicsEmbeddings::Derive() {
  const int n = num_items_, s = topic_size_;
  item_topics_.assign(static_cast<size_t>(n), 0);
  best_item_of_topic_.assign(static_cast<size_t>(num_topics_), 0);
  std::vector<float> best_norm(static_cast<size_t>(num_topics_), -1.0f);
  max_score_ = 0.0f;
  for (int j = 0; j < n; ++j) {
    const float* e = row(j);
    float topic_norm = -1.0f;
    for (int k = 0; k < num_topics_; ++k) {
      const float b = BlockNorm(e + k * s, s);
      if (b > topic_norm) {  // strict: the first topic wins ties
        topic_norm = b;
        item_topics_[static_cast<size_t>(j)] = k;
      }
      if (b > best_norm[static_cast<size_t>(k)]) {  // strict: the first item wins ties
        best_norm[static_cast<size_t>(k)] = b;
        best_item_of_topic_[static_cast<size_t>(k)] = j;
      }
    }
    max_score_ = std::max(max_score_, BlockNorm(e, dim_));
  }
  padded_items_ = (n + kTopicsScoreLanes - 1) / kTopicsScoreLanes * kTopicsScoreLanes;
  // Block-major copy: block b holds E[b·L + l, d] at ((b·dim + d)·L + l), L = kTopicsScoreLanes.
  blocked_.assign(static_cast<size_t>(dim_) * padded_items_, 0.0f);
  for (int j = 0; j < n; ++j) {
    const size_t b = static_cast<size_t>(j / kTopicsScoreLanes);
    const size_t l = static_cast<size_t>(j % kTopicsScoreLanes);
    for (int d = 0; d < dim_; ++d)
      blocked_[(b * dim_ + d) * kTopicsScoreLanes + l] = table_[static_cast<size_t>(j) * dim_ + d];
  }
}

void TopicsEmbeddings::ScoreAll(const float* u, float* out) const {
  // Four SSE-width accumulators per block of kTopicsScoreLanes items, kept in registers. GCC and
  // Clang vector types compute lane-wise, so every item's sum is the scalar one of Score().
  typedef float Lanes4 __attribute__((vector_size(16)));
  static_assert(kTopicsScoreLanes == 16, "ScoreAll keeps four 4-lane accumulators");
  const int dim = dim_;
  const float* block = blocked_.data();
  for (int j0 = 0; j0 < padded_items_; j0 += kTopicsScoreLanes) {
    Lanes4 acc0 = {0, 0, 0, 0}, acc1 = acc0, acc2 = acc0, acc3 = acc0;
    for (int d = 0; d < dim; ++d, block += kTopicsScoreLanes) {
      const float ud = u[d];
      // A zero coordinate (a bored topic's block) adds ±0 to every lane: skipping it changes no
      // bit, since a sum that starts at +0 is never −0.
      if (ud == 0.0f) continue;
      const Lanes4 w = {ud, ud, ud, ud};
      Lanes4 e0, e1, e2, e3;
      std::memcpy(&e0, block, sizeof(Lanes4));
      std::memcpy(&e1, block + 4, sizeof(Lanes4));
      std::memcpy(&e2, block + 8, sizeof(Lanes4));
      std::memcpy(&e3, block + 12, sizeof(Lanes4));
      acc0 += e0 * w;
      acc1 += e1 * w;
      acc2 += e2 * w;
      acc3 += e3 * w;
    }
    std::memcpy(out + j0, &acc0, sizeof(Lanes4));
    std::memcpy(out + j0 + 4, &acc1, sizeof(Lanes4));
    std::memcpy(out + j0 + 8, &acc2, sizeof(Lanes4));
    std::memcpy(out + j0 + 12, &acc3, sizeof(Lanes4));
  }
}

// ---- files --------------------------------------------------------------------------------------

std::string GemsItemEmbeddingsFileName(const std::string& kind) {
  return "item_embeddings_" + kind + ".f32";
}

std::vector<std::string> TopicsDataDirCandidates(const std::string& configured_dir) {
  if (!configured_dir.empty()) return {configured_dir};
  const char* from_env = std::getenv(kDataDirEnvVar);
  if (from_env != nullptr && from_env[0] != '\0') return {from_env};
  std::vector<std::string> dirs;
  const std::string exe_dir = ExecutableDir();
  if (!exe_dir.empty()) dirs.push_back(exe_dir + kDataDirFromExecutable);
  dirs.push_back(kDataDirFromWorkingDir);
  return dirs;
}

Result<std::string> FindTopicsDataFile(const std::string& configured_dir,
                                       const std::string& file_name) {
  const std::vector<std::string> dirs = TopicsDataDirCandidates(configured_dir);
  std::string tried;
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/" + file_name;
    if (PathExists(path)) return path;
    tried += (tried.empty() ? "" : ", ") + dir;
  }
  std::string source;
  if (!configured_dir.empty()) {
    source = " (env_config.data_dir)";
  } else if (const char* v = std::getenv(kDataDirEnvVar); v != nullptr && v[0] != '\0') {
    source = std::string(" ($") + kDataDirEnvVar + ")";
  } else {
    source = std::string(" (set env_config.data_dir or $") + kDataDirEnvVar +
             " to the data/gems folder of the slaterl source tree)";
  }
  return NotFoundError("topics: embeddings file '" + file_name + "' not found in " + tried +
                       source);
}

}  // namespace slaterl
