// launch/run_dir.h — the run directory (docs/runtime.md, "Run directory") and what the launcher writes
// into it: config.yaml (resolved), metrics.jsonl, logs/<role>-<id>.log, checkpoints/,
// summary.json, and a TensorBoard event file (events.out.tfevents.*) with every metrics row's
// numbers as scalars at step = timesteps_total (CleanRL tags for the headline metrics:
// charts/episodic_return, charts/episodic_length, charts/SPS, losses/* for learner losses; every
// other number under its metrics.jsonl name). metrics.jsonl is appended one whole line per write
// (flushed), and summary.json is written atomically, so a crash never leaves a torn file; the
// event file is flushed at least every 10 s and when the directory closes. Not thread-safe.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "core/tensorboard.h"

namespace slaterl {

class RunDirectory {
 public:
  // Creates `explicit_dir` or runs/<name>-<YYYYmmdd-HHMMSS>[-N] and writes config.yaml.
  static Result<RunDirectory> Create(const RunConfig& run, const std::string& explicit_dir);
  // Reopens the run directory `path` to continue it (`launch --resume`): metrics.jsonl keeps its
  // rows up to and including timesteps_total == `keep_through_timesteps` and, when
  // `keep_through_iteration` >= 0, training_iteration <= it (rewritten atomically; later rows
  // belonged to the part of the run being redone) and is appended to from there. The event files
  // are cut the same way (core/tensorboard.h CutEventFiles: the kept rows' records stay, earlier
  // final_eval records go) and a new event file continues them. `*last_iteration` and
  // `*last_time_total_s` get the last kept row's training_iteration and time_total_s (0 without
  // kept rows), from which the resumed run continues them.
  static Result<RunDirectory> Reopen(const std::string& path, int64_t keep_through_timesteps,
                                     int64_t keep_through_iteration, int64_t* last_iteration,
                                     double* last_time_total_s);
  RunDirectory(RunDirectory&& other) noexcept;
  RunDirectory& operator=(RunDirectory&&) = delete;
  ~RunDirectory();

  const std::string& path() const { return path_; }
  std::string LogPath(const std::string& role, int id) const;
  // Appends the row (a flat JSON object) to metrics.jsonl and its numbers to the event file.
  Status AppendMetricsRow(const std::string& json_row);
  Status WriteSummary(const std::string& json);
  // Writes the final evaluation's numbers to the event file as final_eval/<name> at `step`.
  Status AddFinalEvaluation(int64_t step, const std::map<std::string, double>& final_eval);

 private:
  explicit RunDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::FILE* metrics_ = nullptr;
  EventFileWriter events_;
};

// The TensorBoard tag of a metrics.jsonl key ("" = not written: the step and counters of rows).
std::string TensorBoardTag(const std::string& key);

}  // namespace slaterl
