// launch/run_dir.h — the run directory (DESIGN.md "Run directory") and what the launcher writes
// into it: config.yaml (resolved), metrics.jsonl, logs/<role>-<id>.log, checkpoints/,
// summary.json. metrics.jsonl is appended one whole line per write (flushed), and summary.json is
// written atomically, so a crash never leaves a torn file. Not thread-safe.
#pragma once

#include <cstdio>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace slaterl {

class RunDirectory {
 public:
  // Creates `explicit_dir` or runs/<name>-<YYYYmmdd-HHMMSS>[-N] and writes config.yaml.
  static Result<RunDirectory> Create(const RunConfig& run, const std::string& explicit_dir);
  RunDirectory(RunDirectory&& other) noexcept;
  RunDirectory& operator=(RunDirectory&&) = delete;
  ~RunDirectory();

  const std::string& path() const { return path_; }
  std::string LogPath(const std::string& role, int id) const;
  Status AppendMetricsRow(const std::string& json_row);
  Status WriteSummary(const std::string& json);

 private:
  explicit RunDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::FILE* metrics_ = nullptr;
};

}  // namespace slaterl
