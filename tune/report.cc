#include "tune/report.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "core/files.h"
#include "core/stats.h"
#include "tune/svg_plot.h"

namespace slaterl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool ScalarNumber(const YAML::Node& node, double* out) {
  if (!node.IsDefined() || !node.IsScalar()) return false;
  if (node.Tag() == "!" ) return false;  // a quoted string
  try {
    *out = node.as<double>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

std::string Fmt(const char* format, double v) {
  if (!std::isfinite(v)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Full(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

bool Better(double a, double b, const std::string& mode) { return mode == "min" ? a < b : a > b; }

// Reads metrics.jsonl into per-row number lists (rows that fail to parse are skipped: a run killed
// mid-write leaves at most one torn last line).
std::vector<std::vector<std::pair<std::string, double>>> ReadMetricsRows(const std::string& path) {
  std::vector<std::vector<std::pair<std::string, double>>> rows;
  auto text = ReadFile(path);
  if (!text.ok()) return rows;
  std::stringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto row = ParseJsonNumbers(line);
    if (row.ok()) rows.push_back(std::move(row).value());
  }
  return rows;
}

double Lookup(const std::vector<std::pair<std::string, double>>& row, const std::string& key) {
  for (const auto& kv : row)
    if (kv.first == key) return kv.second;
  return kNaN;
}

}  // namespace

void ReadRunRecord(const std::string& run_dir, const std::string& metric, const std::string& mode,
                   RunRecord* record) {
  record->final_value = record->best_value = kNaN;
  record->curve.clear();
  const auto rows = ReadMetricsRows(run_dir + "/metrics.jsonl");
  // An evaluation metric is placed at the env step of the weights it evaluated
  // (eval/timesteps_total), not at the step of the row that carries it: rows repeat the latest
  // evaluation until the next one. One point per step.
  const bool is_eval = metric.rfind("eval/", 0) == 0;
  for (const auto& row : rows) {
    double step = Lookup(row, "timesteps_total");
    if (is_eval && std::isfinite(Lookup(row, "eval/timesteps_total"))) step = Lookup(row, "eval/timesteps_total");
    const double v = Lookup(row, metric);
    if (!std::isfinite(step) || !std::isfinite(v)) continue;
    if (!record->curve.empty() && record->curve.back().first >= step) {
      if (record->curve.back().first == step) record->curve.back().second = v;
      continue;
    }
    record->curve.emplace_back(step, v);
  }
  auto summary_text = ReadFile(run_dir + "/summary.json");
  if (!summary_text.ok()) {
    record->status = "missing";
    record->error = "no summary.json (not run, or interrupted)";
    return;
  }
  YAML::Node summary;
  try {
    summary = YAML::Load(*summary_text);
  } catch (const YAML::Exception& e) {
    record->status = "failed";
    record->error = "summary.json: " + e.msg;
    return;
  }
  const std::string status = summary["status"].IsDefined() ? summary["status"].as<std::string>("") : "";
  double v = 0;
  if (ScalarNumber(summary["timesteps_total"], &v)) record->timesteps_total = static_cast<int64_t>(v);
  if (ScalarNumber(summary["wall_time_s"], &v)) record->wall_time_s = v;
  if (ScalarNumber(summary["episodes_total"], &v)) record->episodes_total = static_cast<int64_t>(v);
  record->stop_reason = summary["stop_reason"].IsDefined() ? summary["stop_reason"].as<std::string>("") : "";
  record->algo = summary["algo"].IsDefined() ? summary["algo"].as<std::string>("") : "";
  if (status != "ok") {
    record->status = "failed";
    record->error = summary["error"].IsDefined() ? summary["error"].as<std::string>("") : "status " + status;
    return;
  }
  record->status = "ok";
  double final_value = kNaN;
  const YAML::Node final_eval = summary["final_eval"];
  if (final_eval.IsMap() && ScalarNumber(final_eval[metric], &v)) final_value = v;
  else if (!record->curve.empty()) final_value = record->curve.back().second;
  else if (ScalarNumber(summary[metric], &v)) final_value = v;
  record->final_value = final_value;
  double best = final_value;
  for (const auto& p : record->curve)
    if (!std::isfinite(best) || Better(p.second, best, mode)) best = p.second;
  record->best_value = best;
}

std::vector<PointStats> AggregatePoints(const std::vector<RunRecord>& runs, const std::vector<std::string>& points,
                                        const std::string& baseline, const std::string& mode, double alpha) {
  std::vector<PointStats> out;
  std::map<std::string, std::vector<double>> finals;
  for (const auto& point : points) {
    PointStats s;
    s.point = point;
    s.is_baseline = point == baseline;
    std::vector<double> best;
    for (const auto& r : runs) {
      if (r.point != point) continue;
      if (r.status == "ok" && std::isfinite(r.final_value)) {
        finals[point].push_back(r.final_value);
        best.push_back(r.best_value);
      } else {
        ++s.failed;
      }
    }
    const auto& f = finals[point];
    s.n = static_cast<int64_t>(f.size());
    s.mean = s.n ? Mean(f) : kNaN;
    s.std = s.n >= 2 ? SampleStd(f) : kNaN;
    auto half = MeanConfidenceHalfWidth(s.std, s.n, 0.95);
    s.ci95 = half.ok() ? *half : kNaN;
    s.best_mean = best.empty() ? kNaN : Mean(best);
    out.push_back(s);
  }
  // Welch against the baseline.
  if (!baseline.empty() && finals.count(baseline)) {
    const SampleSummary b = Summarize(finals[baseline]);
    for (auto& s : out) {
      if (s.is_baseline) continue;
      auto test = WelchTTest(Summarize(finals[s.point]), b);
      if (!test.ok()) continue;
      s.has_test = true;
      s.welch_t = test->t;
      s.welch_df = test->df;
      s.p_value = test->p_two_sided;
      s.significant = s.p_value < alpha;
    }
  }
  // Rank by seed mean (points without a value last).
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double ma = out[a].mean, mb = out[b].mean;
    if (std::isfinite(ma) != std::isfinite(mb)) return std::isfinite(ma);
    return std::isfinite(ma) && Better(ma, mb, mode);
  });
  for (size_t r = 0; r < order.size(); ++r) out[order[r]].rank = static_cast<int>(r + 1);
  return out;
}

CurveBand AggregateCurves(const std::vector<std::vector<std::pair<double, double>>>& curves, int num_points) {
  CurveBand band;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0;
  for (const auto& c : curves)
    if (!c.empty()) x0 = std::min(x0, c.front().first), x1 = std::max(x1, c.back().first);
  if (!std::isfinite(x0) || num_points < 1) return band;
  const int n = x1 > x0 ? std::max(2, num_points) : 1;
  for (int i = 0; i < n; ++i) {
    const double x = n == 1 ? x0 : x0 + (x1 - x0) * i / (n - 1);
    std::vector<double> ys;
    for (const auto& c : curves) {
      if (c.empty() || x < c.front().first - 1e-9 || x > c.back().first + 1e-9) continue;
      auto it = std::lower_bound(c.begin(), c.end(), x, [](const std::pair<double, double>& p, double v) { return p.first < v; });
      if (it == c.end()) it = c.end() - 1;
      if (it == c.begin() || it->first <= x) {
        ys.push_back(it->second);
        continue;
      }
      const auto prev = it - 1;
      const double w = (x - prev->first) / (it->first - prev->first);
      ys.push_back(prev->second + w * (it->second - prev->second));
    }
    if (ys.empty()) continue;
    const double m = Mean(ys);
    auto half = MeanConfidenceHalfWidth(SampleStd(ys), static_cast<int64_t>(ys.size()), 0.95);
    const double h = half.ok() ? *half : 0.0;
    band.x.push_back(x);
    band.mean.push_back(m);
    band.lo.push_back(m - h);
    band.hi.push_back(m + h);
    band.n.push_back(static_cast<int>(ys.size()));
  }
  return band;
}

Result<SweepRecords> ReadSweep(const std::string& sweep_dir) {
  YAML::Node plan;
  try {
    plan = YAML::LoadFile(sweep_dir + "/sweep_plan.yaml");
  } catch (const YAML::Exception& e) {
    return NotFoundError(sweep_dir + "/sweep_plan.yaml: " + e.msg);
  }
  SweepRecords sweep;
  try {
    sweep.name = plan["name"].as<std::string>("sweep");
    sweep.source = plan["source"].as<std::string>("");
    sweep.metric = plan["metric"].as<std::string>("eval/episode_reward_mean");
    sweep.mode = plan["mode"].as<std::string>("max");
    sweep.baseline = plan["baseline"].as<std::string>("");
    sweep.alpha = plan["alpha"].as<double>(0.05);
    for (const auto& p : plan["points"]) sweep.points.push_back(p.as<std::string>());
    for (const auto& r : plan["runs"]) {
      RunRecord record;
      record.id = r["id"].as<std::string>();
      record.point = r["point"].as<std::string>();
      record.seed = r["seed"].as<int64_t>(0);
      record.timesteps_target = r["timesteps_target"].as<int64_t>(0);
      sweep.runs.push_back(record);
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(sweep_dir + "/sweep_plan.yaml: " + e.msg);
  }
  for (auto& r : sweep.runs) ReadRunRecord(sweep_dir + "/runs/" + r.id, sweep.metric, sweep.mode, &r);
  return sweep;
}

Result<std::string> WriteSweepReport(const std::string& sweep_dir) {
  ASSIGN_OR_RETURN(SweepRecords sweep, ReadSweep(sweep_dir));
  const std::string &name = sweep.name, &metric = sweep.metric, &mode = sweep.mode, &baseline = sweep.baseline;
  const double alpha = sweep.alpha;
  const std::vector<std::string>& points = sweep.points;
  const std::vector<RunRecord>& runs = sweep.runs;
  const std::vector<PointStats> stats = AggregatePoints(runs, points, baseline, mode, alpha);

  // results.csv: one row per run.
  std::string csv = "run_id,point,seed,status,final,best,timesteps_total,wall_time_s,run_dir\n";
  for (const auto& r : runs)
    csv += CsvField(r.id) + "," + CsvField(r.point) + "," + std::to_string(r.seed) + "," + r.status + "," +
           Full(r.final_value) + "," + Full(r.best_value) + "," + std::to_string(r.timesteps_total) + "," +
           Full(r.wall_time_s) + "," + CsvField("runs/" + r.id) + "\n";
  RETURN_IF_ERROR(WriteFileAtomic(sweep_dir + "/results.csv", csv));
  // points.csv: one row per grid point, full precision.
  std::string pcsv = "rank,point,n,failed,mean,std,ci95,best_mean,is_baseline,welch_t,welch_df,p_value,significant\n";
  for (const auto& s : stats)
    pcsv += std::to_string(s.rank) + "," + CsvField(s.point) + "," + std::to_string(s.n) + "," +
            std::to_string(s.failed) + "," + Full(s.mean) + "," + Full(s.std) + "," + Full(s.ci95) + "," +
            Full(s.best_mean) + "," + (s.is_baseline ? "1" : "0") + "," + (s.has_test ? Full(s.welch_t) : "") +
            "," + (s.has_test ? Full(s.welch_df) : "") + "," + (s.has_test ? Full(s.p_value) : "") + "," +
            (s.has_test ? (s.significant ? "1" : "0") : "") + "\n";
  RETURN_IF_ERROR(WriteFileAtomic(sweep_dir + "/points.csv", pcsv));

  // Curves: one band per point.
  std::vector<PlotSeries> series;
  for (const auto& point : points) {
    std::vector<std::vector<std::pair<double, double>>> curves;
    for (const auto& r : runs)
      if (r.point == point && r.status == "ok") curves.push_back(r.curve);
    const CurveBand band = AggregateCurves(curves, 60);
    PlotSeries s;
    s.label = point + " (n=" + std::to_string(curves.size()) + ")";
    s.x = band.x, s.y = band.mean, s.lo = band.lo, s.hi = band.hi;
    series.push_back(std::move(s));
  }
  PlotOptions plot;
  plot.title = name + ": " + metric + " (mean, 95% CI over seeds)";
  plot.x_label = "timesteps_total";
  plot.y_label = metric;
  RETURN_IF_ERROR(MakeDirectories(sweep_dir + "/plots"));
  RETURN_IF_ERROR(WriteFileAtomic(sweep_dir + "/plots/curves.svg", LinePlotSvg(series, plot)));

  // report.md
  int ok = 0, failed = 0, missing = 0;
  for (const auto& r : runs) (r.status == "ok" ? ok : r.status == "failed" ? failed : missing)++;
  std::ostringstream md;
  md << "# Sweep `" << name << "`\n\n"
     << "Metric: `" << metric << "` — each run's final value (its final evaluation when it has one), "
     << (mode == "min" ? "lower" : "higher") << " is better. Per point: mean and sample std over seeds, "
     << "95% Student-t confidence half-width, mean of each run's best value";
  if (!baseline.empty()) md << ", and Welch's t-test against `" << baseline << "` (two-sided, α = " << alpha << ")";
  md << ". Points are ranked by their seed mean.\n\n"
     << "Runs: " << ok << " ok, " << failed << " failed, " << missing << " missing, of " << runs.size() << ".\n\n"
     << "| rank | point | seeds | mean | std | 95% CI ± | best (mean) |";
  if (!baseline.empty()) md << " Δ vs " << baseline << " | Welch t | df | p | significant |";
  md << "\n|---|---|---|---|---|---|---|";
  if (!baseline.empty()) md << "---|---|---|---|---|";
  md << "\n";
  std::vector<const PointStats*> ranked;
  for (const auto& s : stats) ranked.push_back(&s);
  std::sort(ranked.begin(), ranked.end(), [](const PointStats* a, const PointStats* b) { return a->rank < b->rank; });
  const PointStats* base = nullptr;
  for (const auto& s : stats)
    if (s.is_baseline) base = &s;
  for (const PointStats* s : ranked) {
    md << "| " << s->rank << " | " << s->point << (s->is_baseline ? " (baseline)" : "") << " | " << s->n
       << (s->failed ? " (+" + std::to_string(s->failed) + " failed)" : "") << " | " << Fmt("%.4f", s->mean) << " | "
       << Fmt("%.4f", s->std) << " | " << Fmt("%.4f", s->ci95) << " | " << Fmt("%.4f", s->best_mean) << " |";
    if (!baseline.empty()) {
      if (s->has_test && base)
        md << " " << Fmt("%+.4f", s->mean - base->mean) << " | " << Fmt("%.4f", s->welch_t) << " | "
           << Fmt("%.4f", s->welch_df) << " | " << Fmt("%.4g", s->p_value) << " | "
           << (s->significant ? "yes" : "no") << " |";
      else
        md << " | | | | |";
    }
    md << "\n";
  }
  md << "\n![learning curves](plots/curves.svg)\n\n"
     << "Learning curves: `" << metric << "` against `timesteps_total`, mean over seeds with a 95% CI band "
     << "(each seed interpolated onto a common grid). Per-run numbers: [results.csv](results.csv); "
     << "per-point numbers at full precision: [points.csv](points.csv).\n";
  bool header = false;
  for (const auto& r : runs) {
    if (r.status == "ok") continue;
    if (!header) md << "\n## Runs without a result\n\n| run | status | error |\n|---|---|---|\n", header = true;
    std::string error = r.error;
    std::replace(error.begin(), error.end(), '\n', ' ');
    std::replace(error.begin(), error.end(), '|', '/');
    md << "| " << r.id << " | " << r.status << " | " << error.substr(0, 200) << " |\n";
  }
  RETURN_IF_ERROR(WriteFileAtomic(sweep_dir + "/report.md", md.str()));
  return md.str();
}

Result<std::string> WriteRunReport(const std::string& run_dir) {
  const auto rows = ReadMetricsRows(run_dir + "/metrics.jsonl");
  if (rows.empty()) return NotFoundError(run_dir + "/metrics.jsonl: no rows");
  std::vector<PlotSeries> series;
  for (const char* key : {"episode_reward_mean", "eval/episode_reward_mean"}) {
    PlotSeries s;
    s.label = key;
    for (const auto& row : rows) {
      const double x = Lookup(row, "timesteps_total"), y = Lookup(row, key);
      if (std::isfinite(x) && std::isfinite(y)) s.x.push_back(x), s.y.push_back(y);
    }
    if (!s.x.empty()) series.push_back(std::move(s));
  }
  PlotOptions plot;
  plot.title = "return";
  plot.x_label = "timesteps_total";
  plot.y_label = "episode return";
  RETURN_IF_ERROR(WriteFileAtomic(run_dir + "/curves.svg", LinePlotSvg(series, plot)));
  RunRecord record;
  ReadRunRecord(run_dir, "eval/episode_reward_mean", "max", &record);
  const auto& last = rows.back();
  std::ostringstream md;
  md << "# Run `" << run_dir << "`\n\n"
     << "Status: " << record.status << (record.error.empty() ? "" : " (" + record.error + ")") << ".\n\n"
     << "| metric | value |\n|---|---|\n";
  for (const char* key : {"timesteps_total", "episodes_total", "episode_reward_mean", "eval/episode_reward_mean",
                          "timesteps_per_sec", "time_total_s"})
    md << "| " << key << " (last row) | " << Fmt("%.4f", Lookup(last, key)) << " |\n";
  md << "| final evaluation | " << Fmt("%.4f", record.final_value) << " |\n"
     << "| best evaluation | " << Fmt("%.4f", record.best_value) << " |\n\n"
     << "![learning curves](curves.svg)\n";
  RETURN_IF_ERROR(WriteFileAtomic(run_dir + "/report.md", md.str()));
  return md.str();
}

Result<std::string> WriteReport(const std::string& dir) {
  if (PathExists(dir + "/sweep_plan.yaml")) return WriteSweepReport(dir);
  if (PathExists(dir + "/metrics.jsonl")) return WriteRunReport(dir);
  return NotFoundError(dir + ": neither a sweep directory (sweep_plan.yaml) nor a run directory (metrics.jsonl)");
}

}  // namespace slaterl
