#include "core/reference_table.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace slaterl {

const char* const kReferenceTableColumns[16] = {
    "id",  "kind",        "config",     "policy", "metric",        "episodes",     "mean",     "std",
    "sem", "length_mean", "length_std", "source", "source_commit", "measured_how", "verified", "notes"};

namespace {

constexpr size_t kNumColumns = sizeof(kReferenceTableColumns) / sizeof(kReferenceTableColumns[0]);

enum Column : size_t {
  kId, kKind, kConfig, kPolicy, kMetric, kEpisodes, kMean, kStd, kSem, kLengthMean, kLengthStd,
  kSource, kSourceCommit, kMeasuredHow, kVerified, kNotes,
};

std::string ColumnName(size_t index) {
  if (index < kNumColumns) return kReferenceTableColumns[index];
  return "field " + std::to_string(index + 1);
}

std::string Where(const std::string& path, int line) { return path + ":" + std::to_string(line) + ": "; }

struct Record {
  int line = 0;  // where the record starts
  std::vector<std::string> fields;
};

// Splits RFC 4180 text into records. Empty lines are skipped; quoted fields may span lines.
Result<std::vector<Record>> SplitCsv(const std::string& text, const std::string& path) {
  std::vector<Record> records;
  size_t i = 0;
  const size_t n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte-order mark
  int line = 1;
  auto at_line_end = [&](size_t pos) {
    return text[pos] == '\n' || (text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n');
  };
  auto skip_line_end = [&]() {  // text[i] is at a line end
    i += text[i] == '\r' ? 2 : 1;
    ++line;
  };
  while (i < n) {
    if (at_line_end(i)) {  // empty line
      skip_line_end();
      continue;
    }
    Record record;
    record.line = line;
    bool record_done = false;
    while (!record_done) {
      const size_t column = record.fields.size();
      std::string field;
      if (i < n && text[i] == '"') {
        const int start_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (text[i] == '\n') ++line;
          field.push_back(text[i++]);
        }
        if (!closed)
          return InvalidArgumentError(Where(path, start_line) + "column '" + ColumnName(column) +
                                      "': unterminated quoted field");
        if (i < n && text[i] != ',' && !at_line_end(i))
          return InvalidArgumentError(Where(path, line) + "column '" + ColumnName(column) +
                                      "': unexpected character after a closing quote");
      } else {
        while (i < n && text[i] != ',' && !at_line_end(i)) {
          if (text[i] == '"')
            return InvalidArgumentError(Where(path, line) + "column '" + ColumnName(column) +
                                        "': quote inside an unquoted field (quote the whole field and "
                                        "double the quote)");
          field.push_back(text[i++]);
        }
        if (!field.empty() && field.back() == '\r' && i == n) field.pop_back();  // lone CR at EOF
      }
      record.fields.push_back(std::move(field));
      if (i >= n) {
        record_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // line end
        skip_line_end();
        record_done = true;
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

Status FieldError(const std::string& path, int line, size_t column, const std::string& what) {
  return InvalidArgumentError(Where(path, line) + "column '" + ColumnName(column) + "': " + what);
}

Result<std::optional<double>> ParseNumber(const std::string& path, int line, size_t column,
                                          const std::string& text, bool non_negative) {
  if (text.empty()) return std::optional<double>();
  double value = 0.0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value))
    return FieldError(path, line, column, "'" + text + "' is not a number");
  if (non_negative && value < 0.0) return FieldError(path, line, column, "'" + text + "' is negative");
  return std::optional<double>(value);
}

Result<std::optional<int64_t>> ParseCount(const std::string& path, int line, size_t column,
                                          const std::string& text) {
  if (text.empty()) return std::optional<int64_t>();
  int64_t value = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value <= 0)
    return FieldError(path, line, column, "'" + text + "' is not a positive integer");
  return std::optional<int64_t>(value);
}

Result<ReferenceRow> ParseRow(const std::string& path, const Record& record) {
  const std::vector<std::string>& f = record.fields;
  const int line = record.line;
  ReferenceRow row;
  row.line = line;
  row.id = f[kId];
  if (row.id.empty()) return FieldError(path, line, kId, "empty id");
  const std::optional<ReferenceKind> kind = ParseReferenceKind(f[kKind]);
  if (!kind)
    return FieldError(path, line, kKind,
                      "'" + f[kKind] + "' is not one of env_return, paper_result, threshold, speed");
  row.kind = *kind;
  row.config = f[kConfig];
  row.policy = f[kPolicy];
  row.metric = f[kMetric];
  if (row.metric.empty()) return FieldError(path, line, kMetric, "empty metric");
  ASSIGN_OR_RETURN(row.episodes, ParseCount(path, line, kEpisodes, f[kEpisodes]));
  ASSIGN_OR_RETURN(row.mean, ParseNumber(path, line, kMean, f[kMean], false));
  ASSIGN_OR_RETURN(row.std, ParseNumber(path, line, kStd, f[kStd], true));
  ASSIGN_OR_RETURN(row.sem, ParseNumber(path, line, kSem, f[kSem], true));
  ASSIGN_OR_RETURN(row.length_mean, ParseNumber(path, line, kLengthMean, f[kLengthMean], true));
  ASSIGN_OR_RETURN(row.length_std, ParseNumber(path, line, kLengthStd, f[kLengthStd], true));
  row.source = f[kSource];
  row.source_commit = f[kSourceCommit];
  row.measured_how = f[kMeasuredHow];
  if (f[kVerified] == "yes") {
    row.verified = true;
  } else if (f[kVerified] == "no") {
    row.verified = false;
  } else {
    return FieldError(path, line, kVerified, "'" + f[kVerified] + "' is not yes or no");
  }
  row.notes = f[kNotes];
  return row;
}

std::string HeaderText() {
  std::string header;
  for (size_t c = 0; c < kNumColumns; ++c) header += (c ? "," : "") + std::string(kReferenceTableColumns[c]);
  return header;
}

}  // namespace

const char* ReferenceKindName(ReferenceKind kind) {
  switch (kind) {
    case ReferenceKind::kEnvReturn: return "env_return";
    case ReferenceKind::kPaperResult: return "paper_result";
    case ReferenceKind::kThreshold: return "threshold";
    case ReferenceKind::kSpeed: return "speed";
  }
  return "?";
}

std::optional<ReferenceKind> ParseReferenceKind(const std::string& name) {
  for (ReferenceKind kind : {ReferenceKind::kEnvReturn, ReferenceKind::kPaperResult, ReferenceKind::kThreshold,
                             ReferenceKind::kSpeed})
    if (name == ReferenceKindName(kind)) return kind;
  return std::nullopt;
}

Result<SampleSummary> ReferenceRow::Sample() const {
  if (!mean || !std || !episodes)
    return InvalidArgumentError("reference row '" + id + "' (line " + std::to_string(line) +
                                ") lacks mean, std or episodes");
  return SampleSummary{*mean, *std, *episodes};
}

Result<SampleSummary> ReferenceRow::LengthSample() const {
  if (!length_mean || !length_std || !episodes)
    return InvalidArgumentError("reference row '" + id + "' (line " + std::to_string(line) +
                                ") lacks length_mean, length_std or episodes");
  return SampleSummary{*length_mean, *length_std, *episodes};
}

Result<ReferenceTable> ReferenceTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFoundError(path + ": cannot open the reference table: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return DataLossError(path + ": read error");
  return Parse(text.str(), path);
}

Result<ReferenceTable> ReferenceTable::Parse(const std::string& text, const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<Record> records, SplitCsv(text, path));
  if (records.empty()) return InvalidArgumentError(path + ": empty file, expected the header " + HeaderText());
  const Record& header = records.front();
  if (header.fields.size() != kNumColumns)
    return InvalidArgumentError(Where(path, header.line) + "header has " + std::to_string(header.fields.size()) +
                                " columns, expected " + std::to_string(kNumColumns) + ": " + HeaderText());
  for (size_t c = 0; c < kNumColumns; ++c)
    if (header.fields[c] != kReferenceTableColumns[c])
      return InvalidArgumentError(Where(path, header.line) + "header column " + std::to_string(c + 1) + " is '" +
                                  header.fields[c] + "', expected '" + kReferenceTableColumns[c] +
                                  "' (header: " + HeaderText() + ")");
  ReferenceTable table;
  table.path_ = path;
  for (size_t r = 1; r < records.size(); ++r) {
    const Record& record = records[r];
    if (record.fields.size() != kNumColumns) {
      const size_t got = record.fields.size();
      const std::string detail = got < kNumColumns
                                     ? "column '" + ColumnName(got) + "' is missing"
                                     : "extra field after column '" + ColumnName(kNumColumns - 1) + "'";
      return InvalidArgumentError(Where(path, record.line) + std::to_string(got) + " fields, expected " +
                                  std::to_string(kNumColumns) + ": " + detail +
                                  " (quote a field that holds a comma)");
    }
    ASSIGN_OR_RETURN(ReferenceRow row, ParseRow(path, record));
    const auto [it, inserted] = table.index_.emplace(row.id, table.rows_.size());
    if (!inserted)
      return FieldError(path, record.line, kId,
                        "duplicate id '" + row.id + "' (first on line " +
                            std::to_string(table.rows_[it->second].line) + ")");
    table.rows_.push_back(std::move(row));
  }
  return table;
}

const ReferenceRow* ReferenceTable::Find(const std::string& id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &rows_[it->second];
}

std::vector<const ReferenceRow*> ReferenceTable::Select(std::optional<ReferenceKind> kind,
                                                        std::optional<std::string> config,
                                                        std::optional<std::string> policy,
                                                        std::optional<std::string> metric) const {
  std::vector<const ReferenceRow*> selected;
  for (const ReferenceRow& row : rows_) {
    if (kind && row.kind != *kind) continue;
    if (config && row.config != *config) continue;
    if (policy && row.policy != *policy) continue;
    if (metric && row.metric != *metric) continue;
    selected.push_back(&row);
  }
  return selected;
}

std::string DefaultReferenceTablePath() {
  const char* env = std::getenv("SLATERL_REFERENCE_TABLE");
  if (env != nullptr && env[0] != '\0') return env;
#ifdef SLATERL_SOURCE_DIR
  return std::string(SLATERL_SOURCE_DIR) + "/data/reference/reference.csv";
#else
  return "data/reference/reference.csv";
#endif
}

}  // namespace slaterl
