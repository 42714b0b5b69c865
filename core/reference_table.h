// core/reference_table.h — the reference table: every number slaterl compares itself with.
//
// Returns of fixed policies measured on the Python originals (RecSim, GeMS, SARDINE), learning
// results quoted from papers (GeMS Table 2), public pass thresholds (RLlib tuned examples) and the
// speed of the Python code live in one committed CSV file, data/reference/reference.csv
// (documented in data/reference/README.md). `slaterl parity`, the report generator, the docs and
// the tests read it through this class instead of hard-coding the numbers.
//
// The file is RFC 4180 CSV with the header kReferenceTableColumns (exactly, in that order): fields
// separated by commas; a field holding a comma, a quote or a line break is enclosed in double
// quotes, with an embedded quote written twice. Lines may end in LF or CRLF; a UTF-8 byte-order
// mark and empty lines are ignored. Load validates every row (field count, numbers, kind,
// verified, unique non-empty id and metric) and reports the first problem as a Status naming the
// file, the line and the column, e.g.
//   data/reference/reference.csv:12: column 'mean': 'abc' is not a number
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/stats.h"
#include "core/status.h"

namespace slaterl {

// The header of the table, column by column.
extern const char* const kReferenceTableColumns[16];

// What a row's number is.
enum class ReferenceKind {
  kEnvReturn,    // "env_return": a fixed policy's return (or other metric) on an original environment
  kPaperResult,  // "paper_result": a learning result quoted from a paper
  kThreshold,    // "threshold": a public pass threshold (mean = the threshold value)
  kSpeed,        // "speed": throughput of the Python original (mean = the central figure)
};
// "env_return", "paper_result", "threshold", "speed".
const char* ReferenceKindName(ReferenceKind kind);
// The kind named `name`, or nullopt if `name` is not one of the four names above.
std::optional<ReferenceKind> ParseReferenceKind(const std::string& name);

// One row of the table with typed fields; an empty numeric field is nullopt. A plain value.
struct ReferenceRow {
  std::string id;      // stable unique slug, e.g. "lts_default/random"
  ReferenceKind kind = ReferenceKind::kEnvReturn;
  std::string config;  // repo path of the slaterl config that reproduces the setting; may be empty
  std::string policy;  // slaterl baseline / algorithm name, e.g. "random", "sac_topk_ideal"
  std::string metric;  // "return", "reset_clicks", "steps_per_s", "updates_per_s", ...
  std::optional<int64_t> episodes;
  std::optional<double> mean, std, sem;
  std::optional<double> length_mean, length_std;  // length_std 0 = fixed-length episodes
  std::string source;         // e.g. "RecSim (google-research/recsim)", "GeMS paper, Table 2"
  std::string source_commit;  // upstream commit where known; may be empty
  std::string measured_how;   // the protocol, in words
  bool verified = false;      // measured by us on the original code or checked against the source text
  std::string notes;
  int line = 0;               // line of the file on which the row starts (1-based)

  // {mean, std, episodes} of the metric, for a two-sample test. InvalidArgument naming the row if
  // any of the three is missing.
  Result<SampleSummary> Sample() const;
  // {length_mean, length_std, episodes}: the same for the episode length.
  Result<SampleSummary> LengthSample() const;
};

// The parsed table. Owns its rows; immutable after Load, so every const method may be called from
// any number of threads at once. Pointers returned by Find and Select point into the table and
// stay valid while it (or the table it is moved into) lives; a copy has rows of its own.
class ReferenceTable {
 public:
  // Reads and validates the CSV at `path`. NotFound if the file cannot be opened; InvalidArgument
  // "<path>:<line>: ..." (naming the column where there is one) for the first malformed line.
  static Result<ReferenceTable> Load(const std::string& path);
  // Parses CSV text; `path` only names the source in error messages.
  static Result<ReferenceTable> Parse(const std::string& text, const std::string& path);

  // The row with this id, or nullptr.
  const ReferenceRow* Find(const std::string& id) const;
  // The rows matching every given filter (nullopt = any; config "" selects rows without a
  // config), in file order.
  std::vector<const ReferenceRow*> Select(std::optional<ReferenceKind> kind,
                                          std::optional<std::string> config = std::nullopt,
                                          std::optional<std::string> policy = std::nullopt,
                                          std::optional<std::string> metric = std::nullopt) const;
  // Every row, in file order.
  const std::vector<ReferenceRow>& rows() const { return rows_; }
  // The path given to Load (or Parse).
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<ReferenceRow> rows_;
  std::unordered_map<std::string, size_t> index_;  // id → position in rows_
};

// Where the committed table is: $SLATERL_REFERENCE_TABLE if set and non-empty, else
// SLATERL_SOURCE_DIR "/data/reference/reference.csv" when the build defines SLATERL_SOURCE_DIR,
// else "data/reference/reference.csv" relative to the working directory.
std::string DefaultReferenceTablePath();

}  // namespace slaterl
