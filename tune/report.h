// tune/report.h — reading run directories back and turning many runs into statistics, tables
// and plots (`slaterl sweep` writes them at the end, `slaterl report DIR` rebuilds them).
//
// Everything here is a pure function of the files: metrics.jsonl rows, summary.json, and, for a
// sweep, DIR/sweep_plan.yaml (which run belongs to which grid point and seed; written by
// tune/sweep.cc). JSON is read with yaml-cpp (JSON is YAML), so no second parser lives here.
//
// Statistics (per grid point, over its seeds, of each run's *final* metric value): mean, sample
// std, 95 % Student-t confidence half-width, mean of each run's best value, and, against the
// baseline point, Welch's t-test (t, Welch–Satterthwaite df, two-sided p, significant when
// p < alpha). Points are ranked by their seed mean (mode max: higher is better). A run's final
// value is summary.json's final_eval[metric] when present (final evaluation), else the metric in
// the last metrics.jsonl row that has it; its best value is the best over rows and the final one.
// Learning curves: x = timesteps_total (for an eval/* metric, eval/timesteps_total when the row has
// it: the env step of the weights evaluated, one point per evaluation); each seed's curve is
// linearly interpolated onto a common x grid inside its own range; the mean and 95 % CI band use
// the seeds present at each x.
// Functions return Status/Result; nothing throws. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace slaterl {

// One run of a sweep, as read back from its directory.
struct RunRecord {
  std::string id;      // directory name under DIR/runs
  std::string point;   // grid-point label (everything but the seed)
  int64_t seed = 0;
  std::string status;  // ok | failed | missing
  std::string error;   // for failed runs
  double final_value = 0.0, best_value = 0.0;  // NaN when the run has no value of the metric
  int64_t timesteps_total = 0;
  int64_t timesteps_target = 0;  // the plan's stop.timesteps_total (0: a baseline run)
  int64_t episodes_total = 0;
  std::string stop_reason;       // summary.json: "baseline" for a run that trains nothing
  std::string algo;
  double wall_time_s = 0.0;
  // metric value per metrics.jsonl row: (timesteps_total, value)
  std::vector<std::pair<double, double>> curve;
};

// Reads DIR/summary.json and DIR/metrics.jsonl into `record` (status missing when there is no
// summary, failed when its status is not ok).
void ReadRunRecord(const std::string& run_dir, const std::string& metric, const std::string& mode,
                   RunRecord* record);

struct PointStats {
  std::string point;
  int64_t n = 0;         // runs with a value (status ok)
  int64_t failed = 0;    // runs failed or missing
  double mean = 0.0, std = 0.0, ci95 = 0.0;  // ci95: half-width; NaN when n < 2
  double best_mean = 0.0;                     // mean over seeds of each run's best value
  bool is_baseline = false;
  bool has_test = false;                      // Welch test against the baseline was possible
  double welch_t = 0.0, welch_df = 0.0, p_value = 1.0;
  bool significant = false;
  int rank = 0;  // 1 = best by seed mean
};

// Aggregates `runs` per point (in first-seen order of `points`), ranks them and tests each
// against `baseline` (empty = no tests).
std::vector<PointStats> AggregatePoints(const std::vector<RunRecord>& runs, const std::vector<std::string>& points,
                                        const std::string& baseline, const std::string& mode, double alpha);

struct CurveBand {
  std::vector<double> x, mean, lo, hi;  // lo/hi = mean ∓ 95 % CI half-width (= mean when n < 2)
  std::vector<int> n;                   // seeds whose curve covers x
};
// Averages per-seed curves (x ascending) on `num_points` x values from the smallest to the largest
// x over all curves.
CurveBand AggregateCurves(const std::vector<std::vector<std::pair<double, double>>>& curves, int num_points);

// A sweep directory read back: its plan (DIR/sweep_plan.yaml) and every run's record for the
// sweep's metric.
struct SweepRecords {
  std::string name, source, metric, mode, baseline;  // source: the sweep file it was planned from
  double alpha = 0.05;
  std::vector<std::string> points;
  std::vector<RunRecord> runs;
};
Result<SweepRecords> ReadSweep(const std::string& sweep_dir);

// Rebuilds every report of a sweep directory: results.csv (one row per run), points.csv (one row
// per grid point, full precision), plots/curves.svg, report.md. Returns the report.md text.
Result<std::string> WriteSweepReport(const std::string& sweep_dir);
// A single run's report: DIR/curves.svg and DIR/report.md.
Result<std::string> WriteRunReport(const std::string& run_dir);
// Dispatches on what DIR holds (sweep_plan.yaml: a sweep; metrics.jsonl: a run).
Result<std::string> WriteReport(const std::string& dir);

}  // namespace slaterl
