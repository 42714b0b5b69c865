// Tests of envs/topics_embeddings (docs/environments.md §6.2): the shipped GeMS item tables and
// their metadata, scoring, the data-folder lookup, errors naming missing or malformed files,
// docs/environments.md quirk Q9 (nothing is ever written), and the statistics that define "the same
// structure" for slaterl's generator.
//
// "The same structure" (a generated table must match BOTH GeMS files on every line; the two files
// also match each other, which is why one generator serves both):
//   S1 unit rows:        max_j |‖E_j‖ − 1| ≤ 5e-7 and |max_score − 1| ≤ 5e-7 (float32 rounding);
//   S2 entries:          finite and strictly positive (the files have no zero entry);
//   S3 items per topic:  uniform over topics, Pearson χ² ≤ 27.88 (p = 0.001, 9 df);
//   S4 concentration:    mean share of ‖E_j‖² in the main topic block within ±0.02 of the file's,
//                        and the Kolmogorov–Smirnov distance between the main-block norms ≤ 0.0872
//                        (the α = 0.001 critical value for two samples of 1000);
//   S5 spread:           the mean r-th largest block norm, r = 1…10, each within ±0.02;
//   S6 block direction:  KS distance of the in-block angles atan2(E[j,2k+1], E[j,2k]) ≤ 0.0276
//                        (α = 0.001 for two samples of 10 000);
//   S7 similarity:       mean cosine similarity of same-topic pairs, and of different-topic pairs,
//                        each within ±0.015.
// Tolerances are about 4 standard deviations of the statistic between independent tables of 1000
// items (measured over 80 generated tables), or the stated test levels.
#include "envs/topics_embeddings.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/files.h"
#include "core/rng.h"
#include "envs/topics.h"
#include "tests/envs/trace_json.h"

namespace slaterl {
namespace {

constexpr int kItems = kGemsNumItems;
constexpr int kTopics = kGemsNumTopics;
constexpr int kDim = kGemsNumTopics * kGemsTopicSize;
constexpr size_t kFileBytes = static_cast<size_t>(kItems) * kDim * 4;

std::string DataDir() { return std::string(SLATERL_SOURCE_DIR) + "/data/gems"; }

TopicsEmbeddings LoadShipped(const std::string& kind) {
  auto e = TopicsEmbeddings::LoadFile(DataDir() + "/" + GemsItemEmbeddingsFileName(kind), kItems,
                                      kTopics, kGemsTopicSize);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

// A fresh temporary folder, removed (with the files this test put there) on destruction.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/slaterl_topics_test_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "";
  }
  ~TempDir() {
    for (const std::string& f : files_) ::unlink(f.c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  // Writes a new file (the folder is fresh: nothing is overwritten).
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string file = path_ + "/" + name;
    EXPECT_FALSE(PathExists(file));
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    files_.push_back(file);
    return file;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

std::string FloatsAsBytes(const std::vector<float>& v) {
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xFF);
  }
  return bytes;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Names and sizes of the entries of `dir`, sorted (to check that nothing was written).
std::set<std::string> Listing(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    struct stat st;
    const std::string path = dir + "/" + e->d_name;
    if (::stat(path.c_str(), &st) == 0)
      out.insert(std::string(e->d_name) + ":" + std::to_string(st.st_size) + ":" +
                 std::to_string(st.st_mtime));
  }
  ::closedir(d);
  return out;
}

TopicsConfig FileConfig(const std::string& dir, TopicsEmbeddingsKind kind) {
  TopicsConfig c = TopicsConfig::Paper(TopicsVariant::kTopDown, kind);
  c.data_dir = dir;
  return c;
}

// ---- the statistics of "the same structure" -----------------------------------------------------

struct StructureStats {
  double max_norm_deviation = 0.0;
  double max_score_deviation = 0.0;
  double min_entry = std::numeric_limits<double>::infinity();
  bool all_finite = true;
  double topic_chi_square = 0.0;
  double main_share_mean = 0.0;
  std::vector<double> main_norms;  // per item
  std::vector<double> profile;     // mean r-th largest block norm
  std::vector<double> angles;      // per (item, topic)
  double cos_same = 0.0, cos_diff = 0.0;
};

StructureStats Measure(const TopicsEmbeddings& e) {
  StructureStats s;
  const int n = e.num_items(), k = e.num_topics(), ts = e.topic_size(), dim = e.dim();
  std::vector<int> counts(static_cast<size_t>(k), 0);
  s.profile.assign(static_cast<size_t>(k), 0.0);
  std::vector<double> norms(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {
    const float* r = e.row(j);
    double sq = 0.0;
    for (int d = 0; d < dim; ++d) {
      s.all_finite = s.all_finite && std::isfinite(r[d]);
      s.min_entry = std::min(s.min_entry, static_cast<double>(r[d]));
      sq += static_cast<double>(r[d]) * r[d];
    }
    norms[static_cast<size_t>(j)] = std::sqrt(sq);
    s.max_norm_deviation = std::max(s.max_norm_deviation, std::fabs(std::sqrt(sq) - 1.0));
    std::vector<double> block(static_cast<size_t>(k));
    for (int b = 0; b < k; ++b) {
      double q = 0.0;
      for (int d = 0; d < ts; ++d) q += static_cast<double>(r[b * ts + d]) * r[b * ts + d];
      block[static_cast<size_t>(b)] = std::sqrt(q);
      if (ts == 2) s.angles.push_back(std::atan2(r[b * ts + 1], r[b * ts]));
    }
    const int topic = e.topic(j);
    ++counts[static_cast<size_t>(topic)];
    s.main_share_mean +=
        block[static_cast<size_t>(topic)] * block[static_cast<size_t>(topic)] / sq / n;
    s.main_norms.push_back(block[static_cast<size_t>(topic)]);
    std::sort(block.rbegin(), block.rend());
    for (int b = 0; b < k; ++b)
      s.profile[static_cast<size_t>(b)] += block[static_cast<size_t>(b)] / n;
  }
  s.max_score_deviation = std::fabs(static_cast<double>(e.max_score()) - 1.0);
  const double expected = static_cast<double>(n) / k;
  for (int c : counts) s.topic_chi_square += (c - expected) * (c - expected) / expected;
  double same = 0.0, diff = 0.0;
  int64_t n_same = 0, n_diff = 0;
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      double dot = 0.0;
      for (int d = 0; d < dim; ++d) dot += static_cast<double>(e.row(a)[d]) * e.row(b)[d];
      const double cos = dot / (norms[static_cast<size_t>(a)] * norms[static_cast<size_t>(b)]);
      if (e.topic(a) == e.topic(b)) {
        same += cos;
        ++n_same;
      } else {
        diff += cos;
        ++n_diff;
      }
    }
  }
  s.cos_same = same / static_cast<double>(n_same);
  s.cos_diff = diff / static_cast<double>(n_diff);
  return s;
}

// Two-sample Kolmogorov–Smirnov distance sup_x |F_a(x) − F_b(x)|.
double KsDistance(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  size_t i = 0, j = 0;
  double d = 0.0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d,
                 std::fabs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return d;
}

constexpr double kMaxNormDeviation = 5e-7;
constexpr double kMaxTopicChiSquare = 27.88;  // χ²(9 df) at p = 0.001
constexpr double kMainShareTolerance = 0.02;
constexpr double kMainNormKs = 0.0872;  // 1.949·sqrt(2/1000)
constexpr double kProfileTolerance = 0.02;
constexpr double kAngleKs = 0.0276;  // 1.949·sqrt(2/10000)
constexpr double kCosineTolerance = 0.015;

void PrintStats(const char* name, const StructureStats& s, const StructureStats& ref) {
  std::printf(
      "[structure] %-16s |norm-1| %.1e min entry %.1e chi2 %5.2f main share %.4f "
      "KS(main) %.4f KS(angle) %.4f cos same/diff %.4f/%.4f profile",
      name, s.max_norm_deviation, s.min_entry, s.topic_chi_square, s.main_share_mean,
      KsDistance(s.main_norms, ref.main_norms), KsDistance(s.angles, ref.angles), s.cos_same,
      s.cos_diff);
  for (double p : s.profile) std::printf(" %.3f", p);
  std::printf("\n");
}

// Every property of the header comment, for `s` against the file statistics `ref`.
void ExpectSameStructure(const StructureStats& s, const StructureStats& ref) {
  EXPECT_LE(s.max_norm_deviation, kMaxNormDeviation);  // S1
  EXPECT_LE(s.max_score_deviation, kMaxNormDeviation);
  EXPECT_TRUE(s.all_finite);  // S2
  EXPECT_GT(s.min_entry, 0.0);
  EXPECT_LE(s.topic_chi_square, kMaxTopicChiSquare);                         // S3
  EXPECT_NEAR(s.main_share_mean, ref.main_share_mean, kMainShareTolerance);  // S4
  EXPECT_LE(KsDistance(s.main_norms, ref.main_norms), kMainNormKs);
  ASSERT_EQ(s.profile.size(), ref.profile.size());  // S5
  for (size_t r = 0; r < s.profile.size(); ++r)
    EXPECT_NEAR(s.profile[r], ref.profile[r], kProfileTolerance) << "rank " << r;
  EXPECT_LE(KsDistance(s.angles, ref.angles), kAngleKs);    // S6
  EXPECT_NEAR(s.cos_same, ref.cos_same, kCosineTolerance);  // S7
  EXPECT_NEAR(s.cos_diff, ref.cos_diff, kCosineTolerance);
}

// ---- the shipped files --------------------------------------------------------------------------

TEST(TopicsEmbeddingsTest, ShippedFilesHaveTheirDocumentedProperties) {
  for (const std::string kind : {"focused", "diffuse"}) {
    SCOPED_TRACE(kind);
    const TopicsEmbeddings e = LoadShipped(kind);
    EXPECT_EQ(e.num_items(), 1000);
    EXPECT_EQ(e.dim(), 20);
    EXPECT_EQ(e.max_score(), 1.0000001f);  // docs/environments.md §6.2
    bool ok = false;
    const testing_envs::Json meta =
        testing_envs::ReadJsonFile(DataDir() + "/item_embeddings_" + kind + ".json", &ok);
    ASSERT_TRUE(ok);
    EXPECT_EQ(meta["shape"].As<int>(), std::vector<int>({1000, 20}));
    EXPECT_EQ(meta["topic_size"].number, 2.0);
    EXPECT_NEAR(meta["max_row_norm"].number, 1.0000001, 1e-7);
    EXPECT_EQ(meta["item_topic"].As<int32_t>(), e.item_topics());  // argmax of block norms
    std::vector<int> counts(kTopics, 0);
    for (int32_t t : e.item_topics()) ++counts[static_cast<size_t>(t)];
    EXPECT_EQ(meta["topic_counts"].As<int>(), counts);
    EXPECT_GE(*std::min_element(counts.begin(), counts.end()), 81);
    EXPECT_LE(*std::max_element(counts.begin(), counts.end()), 109);
    for (float x : e.table()) EXPECT_GT(x, 0.0f);
  }
}

TEST(TopicsEmbeddingsTest, ScoreAllIsBitIdenticalToScore) {
  Rng rng(4);
  const TopicsEmbeddings focused = LoadShipped("focused");
  const TopicsEmbeddings odd = TopicsEmbeddings::Generate(1, TopicsGeneratedStructure::kFocused,
                                                          /*num_items=*/37, /*num_topics=*/3,
                                                          /*topic_size=*/5);
  for (const TopicsEmbeddings* e : {&focused, &odd}) {
    EXPECT_EQ(e->padded_items() % kTopicsScoreLanes, 0);
    EXPECT_GE(e->padded_items(), e->num_items());
    std::vector<float> u(static_cast<size_t>(e->dim())),
        out(static_cast<size_t>(e->padded_items()));
    for (int round = 0; round < 20; ++round) {
      for (float& x : u) x = round % 3 == 0 ? 0.0f : static_cast<float>(rng.Normal());
      e->ScoreAll(u.data(), out.data());
      for (int32_t j = 0; j < e->num_items(); ++j)
        ASSERT_EQ(out[static_cast<size_t>(j)], e->Score(j, u.data())) << "item " << j;
      for (int j = e->num_items(); j < e->padded_items(); ++j)
        EXPECT_EQ(out[static_cast<size_t>(j)], 0.0f);
    }
  }
}

// ---- the generator ------------------------------------------------------------------------------

TEST(TopicsEmbeddingsTest, GeneratedTablesHaveTheStructureOfBothFiles) {
  const StructureStats focused = Measure(LoadShipped("focused"));
  const StructureStats diffuse = Measure(LoadShipped("diffuse"));
  PrintStats("file focused", focused, focused);
  PrintStats("file diffuse", diffuse, focused);
  {
    SCOPED_TRACE("the two files against each other");
    ExpectSameStructure(diffuse, focused);
    ExpectSameStructure(focused, diffuse);
  }
  for (uint64_t seed : {0, 1, 2}) {
    for (TopicsGeneratedStructure structure :
         {TopicsGeneratedStructure::kFocused, TopicsGeneratedStructure::kDiffuse}) {
      const StructureStats g =
          Measure(TopicsEmbeddings::Generate(seed, structure, kItems, kTopics, kGemsTopicSize));
      const std::string name = std::string("generated ") +
                               (structure == TopicsGeneratedStructure::kFocused ? "f" : "d") +
                               std::to_string(seed);
      PrintStats(name.c_str(), g, focused);
      SCOPED_TRACE(name);
      ExpectSameStructure(g, focused);
      ExpectSameStructure(g, diffuse);
    }
  }
}

TEST(TopicsEmbeddingsTest, GeneratorIsAFunctionOfSeedAndStructure) {
  using S = TopicsGeneratedStructure;
  const auto a = TopicsEmbeddings::Generate(5, S::kFocused, 200, 10, 2);
  EXPECT_EQ(a.table(), TopicsEmbeddings::Generate(5, S::kFocused, 200, 10, 2).table());
  EXPECT_NE(a.table(), TopicsEmbeddings::Generate(6, S::kFocused, 200, 10, 2).table());
  EXPECT_NE(a.table(), TopicsEmbeddings::Generate(5, S::kDiffuse, 200, 10, 2).table());
  // Through the env config too.
  TopicsConfig c = TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kGenerated);
  c.embeddings_seed = 5;
  c.num_items = 200;
  auto e = LoadTopicsEmbeddings(c);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->table(), a.table());
}

// ---- finding and reading files ------------------------------------------------------------------

TEST(TopicsEmbeddingsTest, DataFolderLookupOrder) {
  const char* saved = std::getenv("SLATERL_DATA_DIR");
  const std::string saved_value = saved ? saved : "";
  EXPECT_EQ(TopicsDataDirCandidates("/some/dir"), std::vector<std::string>({"/some/dir"}));
  ::setenv("SLATERL_DATA_DIR", DataDir().c_str(), 1);
  EXPECT_EQ(TopicsDataDirCandidates(""), std::vector<std::string>({DataDir()}));
  auto found = FindTopicsDataFile("", "item_embeddings_focused.f32");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(*found, DataDir() + "/item_embeddings_focused.f32");
  ::unsetenv("SLATERL_DATA_DIR");
  const std::vector<std::string> fallback = TopicsDataDirCandidates("");
  ASSERT_GE(fallback.size(), 1u);
  EXPECT_EQ(fallback.back(), "data/gems");
  if (fallback.size() == 2) {
    const std::string& from_exe = fallback.front();
    EXPECT_EQ(from_exe.substr(from_exe.size() - 13), "/../data/gems");
  }
  auto missing = FindTopicsDataFile("", "no_such_file.f32");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("SLATERL_DATA_DIR"), std::string::npos);
  if (saved) ::setenv("SLATERL_DATA_DIR", saved_value.c_str(), 1);
}

TEST(TopicsEmbeddingsTest, MissingFileErrorNamesTheFileAndFolder) {
  TempDir dir;
  auto e = LoadTopicsEmbeddings(FileConfig(dir.path(), TopicsEmbeddingsKind::kFocused));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  EXPECT_NE(e.status().message().find("item_embeddings_focused.f32"), std::string::npos)
      << e.status().message();
  EXPECT_NE(e.status().message().find(dir.path()), std::string::npos);
  EXPECT_NE(e.status().message().find("data_dir"), std::string::npos);
}

TEST(TopicsEmbeddingsTest, MalformedFilesAreErrorsNamingTheFile) {
  const std::vector<float> good(static_cast<size_t>(kItems) * kDim, 0.2236068f);
  struct Case {
    const char* what;
    std::string bytes;
    std::vector<std::string> expected;  // substrings of the message besides the path
  };
  std::vector<float> with_nan = good;
  with_nan[12 * kDim + 3] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> with_inf = good;
  with_inf[999 * kDim + 19] = std::numeric_limits<float>::infinity();
  const std::vector<Case> cases = {
      {"short", FloatsAsBytes(good).substr(0, kFileBytes - 4), {"79996", "80000"}},
      {"long", FloatsAsBytes(good) + std::string(4, '\0'), {"more than 80000"}},
      {"empty", "", {"has 0 bytes"}},
      {"nan", FloatsAsBytes(with_nan), {"item 12, dim 3", "not finite"}},
      {"inf", FloatsAsBytes(with_inf), {"item 999, dim 19", "not finite"}},
      {"zero", FloatsAsBytes(std::vector<float>(good.size(), 0.0f)), {"zero"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    const std::string path = dir.Write("item_embeddings_diffuse.f32", c.bytes);
    auto e = LoadTopicsEmbeddings(FileConfig(dir.path(), TopicsEmbeddingsKind::kDiffuse));
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find(path), std::string::npos) << e.status().message();
    for (const std::string& s : c.expected)
      EXPECT_NE(e.status().message().find(s), std::string::npos) << e.status().message();
    // The env factory reports the same error.
    auto env = TopicsVecEnv::Create(FileConfig(dir.path(), TopicsEmbeddingsKind::kDiffuse), 1);
    ASSERT_FALSE(env.ok());
    EXPECT_NE(env.status().message().find(path), std::string::npos);
  }
  // A well-formed file in the same place loads.
  TempDir dir;
  dir.Write("item_embeddings_focused.f32", FloatsAsBytes(good));
  auto e = LoadTopicsEmbeddings(FileConfig(dir.path(), TopicsEmbeddingsKind::kFocused));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->table(), good);
}

TEST(TopicsEmbeddingsTest, NothingIsEverWritten) {
  // docs/environments.md quirk Q9: GeMS's generator overwrites its focused file; slaterl reads, never writes.
  TempDir dir;
  const std::string copy = dir.Write("item_embeddings_focused.f32",
                                     ReadBytes(DataDir() + "/item_embeddings_focused.f32"));
  const std::set<std::string> shipped_before = Listing(DataDir());
  const std::set<std::string> temp_before = Listing(dir.path());
  const std::string bytes_before = ReadBytes(copy);
  for (TopicsEmbeddingsKind kind :
       {TopicsEmbeddingsKind::kFocused, TopicsEmbeddingsKind::kGenerated}) {
    auto env = TopicsVecEnv::Create(FileConfig(dir.path(), kind), 4);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    ObsBatch obs;
    obs.Allocate((*env)->spec());
    SlateBatch slates;
    slates.Allocate((*env)->spec());
    std::fill(slates.items.begin(), slates.items.end(), kOracleSentinel);
    StepBatch out;
    out.Allocate((*env)->spec());
    (*env)->reset(1, &obs);
    for (int t = 0; t < 150; ++t) (*env)->step(slates, &out);
  }
  EXPECT_EQ(Listing(dir.path()), temp_before);
  EXPECT_EQ(ReadBytes(copy), bytes_before);
  EXPECT_EQ(Listing(DataDir()), shipped_before);
}

}  // namespace
}  // namespace slaterl
