// Tests of core/reference_table: the committed table data/reference/reference.csv loads and holds
// the reference numbers exactly; malformed tables are rejected with errors naming file, line and
// column; RFC 4180 quoting (commas, doubled quotes, line breaks, CRLF) is honoured.
#include "core/reference_table.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace slaterl {
namespace {

const char kHeader[] =
    "id,kind,config,policy,metric,episodes,mean,std,sem,length_mean,length_std,source,source_commit,"
    "measured_how,verified,notes\n";
const char kRowA[] = "a/random,env_return,configs/envs/lts.yaml,random,return,500,1.5,0.5,0.1,60,0,src,,how,yes,n\n";
const char kRowB[] = "b/oracle,paper_result,,oracle,return,,107.7,,,,,paper,,how,no,\n";

std::string CommittedTablePath() { return std::string(SLATERL_SOURCE_DIR) + "/data/reference/reference.csv"; }

std::string TempDir() {
  char pattern[] = "/tmp/slaterl-reference-table-XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  return dir == nullptr ? std::string("/tmp") : std::string(dir);
}

// Writes `text` to <new temp dir>/table.csv, loads it, and removes both again.
Result<ReferenceTable> LoadText(const std::string& text, std::string* path_out = nullptr) {
  const std::string dir = TempDir();
  const std::string path = dir + "/table.csv";
  std::ofstream(path, std::ios::binary) << text;
  if (path_out != nullptr) *path_out = path;
  auto table = ReferenceTable::Load(path);
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
  return table;
}

// The error message of loading `text`, which must fail, with the temp dir cut from the path
// ("table.csv:3: ...").
std::string LoadError(const std::string& text) {
  std::string path;
  auto table = LoadText(text, &path);
  EXPECT_FALSE(table.ok());
  if (table.ok()) return "";
  EXPECT_EQ(table.status().code(), StatusCode::kInvalidArgument) << table.status().ToString();
  std::string message = table.status().message();
  const std::string dir = path.substr(0, path.rfind('/') + 1);
  EXPECT_EQ(message.rfind(dir, 0), 0u) << message;
  if (message.rfind(dir, 0) == 0) message.erase(0, dir.size());
  return message;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// ---- the committed table ------------------------------------------------------------------------

TEST(ReferenceTableTest, LoadsTheCommittedTable) {
  auto table = ReferenceTable::Load(CommittedTablePath());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_GE(table->rows().size(), 50u);
  std::set<ReferenceKind> kinds;
  for (const ReferenceRow& row : table->rows()) {
    SCOPED_TRACE(row.id);
    kinds.insert(row.kind);
    EXPECT_EQ(table->Find(row.id), &row);
    EXPECT_FALSE(row.metric.empty());
    EXPECT_FALSE(row.source.empty());
    EXPECT_FALSE(row.measured_how.empty());
    // Every config the table names exists in the source tree.
    if (!row.config.empty()) {
      EXPECT_TRUE(std::ifstream(std::string(SLATERL_SOURCE_DIR) + "/" + row.config).good()) << row.config;
    }
    // Env returns measured on the originals carry the full sample summary.
    if (row.kind == ReferenceKind::kEnvReturn && row.metric == "return") {
      EXPECT_TRUE(row.Sample().ok()) << row.Sample().status().ToString();
      EXPECT_TRUE(row.verified);
    }
  }
  EXPECT_EQ(kinds.size(), 4u);
}

TEST(ReferenceTableTest, FindsKnownRowsWithTheirExactNumbers) {
  auto table = ReferenceTable::Load(CommittedTablePath());
  ASSERT_TRUE(table.ok()) << table.status().ToString();

  const ReferenceRow* lts = table->Find("lts_default/random");
  ASSERT_NE(lts, nullptr);
  EXPECT_EQ(lts->kind, ReferenceKind::kEnvReturn);
  EXPECT_EQ(lts->config, "configs/envs/lts.yaml");
  EXPECT_EQ(lts->policy, "random");
  EXPECT_EQ(lts->metric, "return");
  EXPECT_EQ(lts->episodes, 500);
  EXPECT_EQ(lts->mean, 943.7687);
  EXPECT_EQ(lts->std, 165.3804);
  EXPECT_EQ(lts->sem, 7.3960);
  EXPECT_EQ(lts->length_mean, 60.0);
  EXPECT_EQ(lts->length_std, 0.0);
  EXPECT_EQ(lts->source_commit, "55e50e4be736d222ffe8c2477ed1981b40f91605");
  EXPECT_TRUE(lts->verified);
  auto sample = lts->Sample();
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->mean, 943.7687);
  EXPECT_EQ(sample->std, 165.3804);
  EXPECT_EQ(sample->n, 500);

  const ReferenceRow* greedy = table->Find("iev_10cand/greedy");
  ASSERT_NE(greedy, nullptr);
  EXPECT_EQ(greedy->mean, 165.8315);
  auto lengths = greedy->LengthSample();
  ASSERT_TRUE(lengths.ok()) << lengths.status().ToString();
  EXPECT_EQ(lengths->mean, 66.20);
  EXPECT_EQ(lengths->std, 11.87);

  const ReferenceRow* oracle = table->Find("topics_focused_topdown/oracle");
  ASSERT_NE(oracle, nullptr);
  EXPECT_EQ(oracle->mean, 104.1120);
  EXPECT_EQ(oracle->std, 43.7083);
  const ReferenceRow* reset = table->Find("topics_focused_divpen/random/reset_clicks");
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->metric, "reset_clicks");
  EXPECT_EQ(reset->mean, 0.582);

  const ReferenceRow* paper_oracle = table->Find("gems_table2/focused_topdown/oracle");
  ASSERT_NE(paper_oracle, nullptr);
  EXPECT_EQ(paper_oracle->kind, ReferenceKind::kPaperResult);
  EXPECT_EQ(paper_oracle->mean, 107.7);
  EXPECT_TRUE(paper_oracle->verified);
  const ReferenceRow* sac_gems = table->Find("gems_table2/focused_topdown/sac_gems");
  ASSERT_NE(sac_gems, nullptr);
  EXPECT_EQ(sac_gems->mean, 305.3);
  EXPECT_TRUE(sac_gems->verified);
  const ReferenceRow* topk = table->Find("gems_table2/focused_topdown/sac_topk_ideal");
  ASSERT_NE(topk, nullptr);
  EXPECT_EQ(topk->mean, 429.0);
  EXPECT_FALSE(topk->verified);
  EXPECT_FALSE(topk->std.has_value());
  EXPECT_FALSE(topk->Sample().ok());  // a paper mean without a spread is no sample

  const ReferenceRow* threshold = table->Find("rllib_threshold/slateq_iev_10cand");
  ASSERT_NE(threshold, nullptr);
  EXPECT_EQ(threshold->kind, ReferenceKind::kThreshold);
  EXPECT_EQ(threshold->mean, 160.0);
  EXPECT_EQ(threshold->episodes, 500);

  const ReferenceRow* speed_a = table->Find("python_speed/host_a/lts_default/random");
  const ReferenceRow* speed_b = table->Find("python_speed/host_b/lts_default/random");
  ASSERT_NE(speed_a, nullptr);
  ASSERT_NE(speed_b, nullptr);
  EXPECT_EQ(speed_a->kind, ReferenceKind::kSpeed);
  EXPECT_EQ(speed_a->metric, "steps_per_s");
  EXPECT_EQ(speed_a->mean, 8600.0);
  EXPECT_EQ(speed_b->mean, 26100.0);

  EXPECT_EQ(table->Find("no/such/row"), nullptr);
}

TEST(ReferenceTableTest, SelectFiltersByKindConfigPolicyAndMetricInFileOrder) {
  auto table = ReferenceTable::Load(CommittedTablePath());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const auto lts = table->Select(ReferenceKind::kEnvReturn, "configs/envs/lts.yaml");
  ASSERT_EQ(lts.size(), 3u);
  EXPECT_EQ(lts[0]->policy, "random");
  EXPECT_EQ(lts[1]->policy, "choc");
  EXPECT_EQ(lts[2]->policy, "kale");
  EXPECT_EQ(table->Select(ReferenceKind::kThreshold).size(), 5u);
  const auto oracle_returns = table->Select(ReferenceKind::kEnvReturn, "configs/envs/topics_focused_mixed.yaml",
                                            "oracle", "return");
  ASSERT_EQ(oracle_returns.size(), 1u);
  EXPECT_EQ(oracle_returns[0]->id, "topics_focused_mixed/oracle");
  for (const ReferenceRow* row : table->Select(std::nullopt, std::nullopt, std::nullopt, "steps_per_s"))
    EXPECT_EQ(row->kind, ReferenceKind::kSpeed) << row->id;
  EXPECT_TRUE(table->Select(ReferenceKind::kSpeed, "configs/envs/does_not_exist.yaml").empty());
}

TEST(ReferenceTableTest, DefaultPathHonoursTheEnvironmentVariable) {
  ::setenv("SLATERL_REFERENCE_TABLE", "/somewhere/else.csv", 1);
  EXPECT_EQ(DefaultReferenceTablePath(), "/somewhere/else.csv");
  ::unsetenv("SLATERL_REFERENCE_TABLE");
  const std::string path = DefaultReferenceTablePath();
  const std::string suffix = "data/reference/reference.csv";
  ASSERT_GE(path.size(), suffix.size());
  EXPECT_EQ(path.substr(path.size() - suffix.size()), suffix);
}

TEST(ReferenceTableTest, KindNamesRoundTrip) {
  for (ReferenceKind kind : {ReferenceKind::kEnvReturn, ReferenceKind::kPaperResult, ReferenceKind::kThreshold,
                             ReferenceKind::kSpeed})
    EXPECT_EQ(ParseReferenceKind(ReferenceKindName(kind)), kind);
  EXPECT_FALSE(ParseReferenceKind("Speed").has_value());
}

// ---- malformed tables ---------------------------------------------------------------------------

TEST(ReferenceTableTest, AcceptsAWellFormedTable) {
  auto table = LoadText(std::string(kHeader) + kRowA + kRowB);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->rows().size(), 2u);
  EXPECT_EQ(table->rows()[0].line, 2);
  EXPECT_EQ(table->rows()[1].line, 3);
  EXPECT_FALSE(table->rows()[1].episodes.has_value());
  EXPECT_FALSE(table->rows()[1].verified);
}

TEST(ReferenceTableTest, RejectsABadHeaderNamingTheColumn) {
  const std::string message =
      LoadError(Replace(kHeader, ",config,", ",cfg,") + kRowA);
  EXPECT_EQ(message.rfind("table.csv:1: header column 3 is 'cfg', expected 'config'", 0), 0u) << message;
  const std::string missing = LoadError(Replace(kHeader, ",notes", "") + kRowA);
  EXPECT_NE(missing.find(":1: header has 15 columns, expected 16"), std::string::npos) << missing;
  const std::string empty = LoadError("");
  EXPECT_NE(empty.find("empty file"), std::string::npos) << empty;
}

TEST(ReferenceTableTest, RejectsAWrongFieldCountNamingLineAndColumn) {
  const std::string fewer = LoadError(std::string(kHeader) + kRowA + Replace(kRowB, ",how,no,", ",how,no"));
  EXPECT_EQ(fewer, "table.csv:3: 15 fields, expected 16: column 'notes' is missing (quote a field that holds a comma)");
  const std::string more = LoadError(std::string(kHeader) + Replace(kRowA, ",src,", ",src, with a comma,"));
  EXPECT_NE(more.find(":2: 17 fields, expected 16: extra field after column 'notes'"), std::string::npos) << more;
}

TEST(ReferenceTableTest, RejectsNonNumbersNamingLineAndColumn) {
  EXPECT_EQ(LoadError(std::string(kHeader) + kRowA + Replace(kRowB, ",107.7,", ",abc,")),
            "table.csv:3: column 'mean': 'abc' is not a number");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",0.5,", ",0.5x,")),
            "table.csv:2: column 'std': '0.5x' is not a number");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",500,", ",500.5,")),
            "table.csv:2: column 'episodes': '500.5' is not a positive integer");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",60,", ",nan,")),
            "table.csv:2: column 'length_mean': 'nan' is not a number");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",0.5,", ",-0.5,")),
            "table.csv:2: column 'std': '-0.5' is negative");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",1.5,", ", 1.5,")),
            "table.csv:2: column 'mean': ' 1.5' is not a number");
}

TEST(ReferenceTableTest, RejectsDuplicateIdsNamingBothLines) {
  EXPECT_EQ(LoadError(std::string(kHeader) + kRowA + kRowB + kRowA),
            "table.csv:4: column 'id': duplicate id 'a/random' (first on line 2)");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, "a/random,", ",")),
            "table.csv:2: column 'id': empty id");
}

TEST(ReferenceTableTest, RejectsBadVerifiedAndKindValues) {
  EXPECT_EQ(LoadError(std::string(kHeader) + kRowA + Replace(kRowB, ",no,", ",maybe,")),
            "table.csv:3: column 'verified': 'maybe' is not yes or no");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",yes,", ",Yes,")),
            "table.csv:2: column 'verified': 'Yes' is not yes or no");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",env_return,", ",return,")),
            "table.csv:2: column 'kind': 'return' is not one of env_return, paper_result, threshold, speed");
}

TEST(ReferenceTableTest, RejectsBrokenQuotingNamingLineAndColumn) {
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",how,", ",\"how,")),
            "table.csv:2: column 'measured_how': unterminated quoted field");
  EXPECT_EQ(LoadError(std::string(kHeader) + Replace(kRowA, ",how,", ",\"how\"x,")),
            "table.csv:2: column 'measured_how': unexpected character after a closing quote");
  const std::string stray = LoadError(std::string(kHeader) + Replace(kRowA, ",how,", ",h\"ow,"));
  EXPECT_EQ(stray.rfind("table.csv:2: column 'measured_how': quote inside an unquoted field", 0), 0u) << stray;
}

TEST(ReferenceTableTest, MissingFileIsNotFound) {
  const std::string dir = TempDir();
  auto table = ReferenceTable::Load(dir + "/absent.csv");
  ::rmdir(dir.c_str());
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kNotFound);
  EXPECT_NE(table.status().message().find("absent.csv"), std::string::npos);
}

// ---- quoting ------------------------------------------------------------------------------------

TEST(ReferenceTableTest, HandlesQuotedFieldsWithCommasQuotesAndLineBreaks) {
  const std::string row =
      "q/random,env_return,,random,return,500,1.5,0.5,,,,\"GeMS paper, Table 2\",,"
      "\"500 episodes, back to back;\nsecond line\",yes,\"he said \"\"hi\"\", twice\"\n";
  auto table = LoadText(std::string(kHeader) + row + kRowB);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const ReferenceRow* q = table->Find("q/random");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->source, "GeMS paper, Table 2");
  EXPECT_EQ(q->measured_how, "500 episodes, back to back;\nsecond line");
  EXPECT_EQ(q->notes, "he said \"hi\", twice");
  EXPECT_EQ(q->mean, 1.5);
  EXPECT_FALSE(q->sem.has_value());
  // The quoted line break counts: the next row starts on line 4.
  const ReferenceRow* b = table->Find("b/oracle");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 4);
  EXPECT_EQ(LoadError(std::string(kHeader) + row + Replace(kRowB, ",no,", ",nope,")),
            "table.csv:4: column 'verified': 'nope' is not yes or no");
}

TEST(ReferenceTableTest, AcceptsCrlfLineEndingsAByteOrderMarkAndEmptyLines) {
  std::string text = "\xEF\xBB\xBF" + std::string(kHeader) + "\n" + kRowA + kRowB;
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto table = LoadText(crlf);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->rows().size(), 2u);
  EXPECT_EQ(table->rows()[0].notes, "n");
  EXPECT_EQ(table->rows()[1].notes, "");
  EXPECT_EQ(table->rows()[0].line, 3);  // after the empty line
  // No newline at the end of the file.
  auto unterminated = LoadText(std::string(kHeader) + Replace(kRowA, "n\n", "n"));
  ASSERT_TRUE(unterminated.ok()) << unterminated.status().ToString();
  EXPECT_EQ(unterminated->rows()[0].notes, "n");
}

}  // namespace
}  // namespace slaterl
