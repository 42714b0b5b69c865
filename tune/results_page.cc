#include "tune/results_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "algos/run_config.h"
#include "core/files.h"
#include "core/reference_table.h"
#include "core/stats.h"
#include "tune/report.h"
#include "tune/sweep.h"

namespace slaterl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Fmt(const char* format, double v) {
  if (!std::isfinite(v)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Basename(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A link from docs/ to a repository path (absolute paths stay as they are).
std::string Link(const ResultsPageOptions& options, const std::string& repo_path) {
  if (!repo_path.empty() && repo_path[0] == '/') return repo_path;
  std::string up;
  for (char c : options.page_dir + "/")
    if (c == '/') up += "../";
  return up + repo_path;
}

// "env {k: v, ...}" of a run config with every env_config key resolved: what a reference row
// must match. With `explicit_only`, the keys the config sets (for display).
std::string EnvKey(const RunConfig& run, bool explicit_only = false) {
  std::string key;
  for (const auto& kv : run.env_config.values())
    if (!explicit_only || run.env_config.IsExplicit(kv.first))
      key += (key.empty() ? "" : ", ") + kv.first + ": " + kv.second.ToString();
  return run.env + " {" + key + "}";
}

// A config file of the repository (a run config or a sweep file: its first run's config).
Result<RunConfig> LoadAnyConfig(const std::string& path) {
  Result<RunConfig> run = LoadRun(path);
  if (run.ok()) return run;
  Result<SweepPlan> sweep = LoadSweep(path);
  if (!sweep.ok() || sweep->runs.empty()) return run.status();
  return LoadRunConfigString(sweep->runs.front().resolved_yaml, path, {}, RegistrySchemas());
}

struct Column {
  std::vector<double> values;  // one per seed, seeds ascending
  double mean = kNaN, ci95 = kNaN;
};

Column Summarise(std::vector<std::pair<int64_t, double>> by_seed) {
  std::sort(by_seed.begin(), by_seed.end());
  Column c;
  for (const auto& sv : by_seed)
    if (std::isfinite(sv.second)) c.values.push_back(sv.second);
  if (c.values.empty()) return c;
  c.mean = Mean(c.values);
  if (c.values.size() >= 2) {
    auto half = MeanConfidenceHalfWidth(SampleStd(c.values), static_cast<int64_t>(c.values.size()), 0.95);
    if (half.ok()) c.ci95 = *half;
  }
  return c;
}

std::string MeanCi(const Column& c) {
  if (c.values.empty()) return "–";
  if (!std::isfinite(c.ci95)) return "**" + Fmt("%.1f", c.mean) + "**";
  return "**" + Fmt("%.1f", c.mean) + " ± " + Fmt("%.1f", c.ci95) + "**";
}

std::string PerSeed(const Column& c) {
  std::string out;
  for (double v : c.values) out += (out.empty() ? "" : ", ") + Fmt("%.1f", v);
  return out.empty() ? "–" : out;
}

std::string Range(double lo, double hi, const char* format) {
  if (!std::isfinite(lo)) return "–";
  if (std::fabs(hi - lo) < 0.5) return Fmt(format, lo);
  return Fmt(format, lo) + "–" + Fmt(format, hi);
}

std::string ReferenceValue(const ReferenceRow& row) {
  if (!row.mean) return row.notes.empty() ? "–" : row.notes;
  std::string value = (row.kind == ReferenceKind::kThreshold ? "≥ " : "") + Fmt("%.2f", *row.mean);
  if (row.sem) value += " ± " + Fmt("%.2f", *row.sem) + " (sem)";
  if (row.episodes && row.kind == ReferenceKind::kEnvReturn) value += ", " + std::to_string(*row.episodes) + " episodes";
  return value;
}

Status WriteSection(std::ostringstream& md, const ResultsPageOptions& options, const std::string& dir,
                    const ReferenceTable& table, const std::string& root,
                    std::map<std::string, std::string>* env_key_of_config) {
  ASSIGN_OR_RETURN(SweepRecords sweep, ReadSweep(dir));
  // The training return: the last report's episode_reward_mean of each run.
  std::map<std::string, RunRecord> train;
  for (const auto& r : sweep.runs) ReadRunRecord(dir + "/runs/" + r.id, "episode_reward_mean", "max", &train[r.id]);
  const std::vector<PointStats> stats =
      AggregatePoints(sweep.runs, sweep.points, sweep.baseline, sweep.mode, sweep.alpha);

  const std::string name = Basename(dir);
  md << "## " << sweep.name << "\n\n";
  md << "Sweep file [`" << sweep.source << "`](" << Link(options, sweep.source) << "); its runs: ["
     << "`" << dir << "`](" << Link(options, dir) << "/) (per run `config.yaml`, `metrics.jsonl`, "
     << "`summary.json`). Reproduce: `bench/results.sh " << sweep.source << "`.\n";
  // The environment every run of the sweep shares.
  std::string env_key;
  for (const auto& r : sweep.runs) {
    Result<RunConfig> run = LoadRunConfigFile(dir + "/runs/" + r.id + "/config.yaml", {}, RegistrySchemas());
    if (!run.ok()) continue;
    env_key = EnvKey(*run);
    // Shown as the sweep file writes it (its base config); the runs' own configs hold every key.
    Result<RunConfig> base = LoadRunConfigFile(dir + "/base.yaml", {}, RegistrySchemas());
    md << "Environment: `" << EnvKey(base.ok() ? *base : *run, /*explicit_only=*/base.ok()) << "`"
       << (base.ok() ? " (other keys at their defaults)" : "") << ". ";
    break;
  }
  md << "Metric: `" << sweep.metric << "`, the final evaluation of each run (its best validated weights "
     << "where the config selects them); mean ± 95 % Student-t interval over seeds; Welch's two-sided test "
     << "against `" << sweep.baseline << "` at α = " << sweep.alpha << ".\n\n";

  md << "| point | algorithm | seeds | env steps / run | " << sweep.metric << " | per seed | training return (last report) "
     << "| Δ vs " << sweep.baseline << " (Welch p) | wall time / run (s) |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  const PointStats* base = nullptr;
  for (const auto& s : stats)
    if (s.is_baseline) base = &s;
  std::vector<const PointStats*> ranked;
  for (const auto& s : stats) ranked.push_back(&s);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const PointStats* a, const PointStats* b) { return a->rank < b->rank; });
  for (const PointStats* s : ranked) {
    std::vector<std::pair<int64_t, double>> finals, trains;
    double steps_lo = kNaN, steps_hi = kNaN, wall_lo = kNaN, wall_hi = kNaN;
    std::string algo;
    bool learns = false;
    int failed = 0;
    for (const auto& r : sweep.runs) {
      if (r.point != s->point) continue;
      if (r.status != "ok") {
        ++failed;
        continue;
      }
      algo = r.algo;
      learns = learns || r.stop_reason != "baseline";
      finals.emplace_back(r.seed, r.final_value);
      if (r.stop_reason != "baseline") {
        trains.emplace_back(r.seed, train[r.id].final_value);
        const double steps = static_cast<double>(r.timesteps_total);
        steps_lo = std::isfinite(steps_lo) ? std::min(steps_lo, steps) : steps;
        steps_hi = std::isfinite(steps_hi) ? std::max(steps_hi, steps) : steps;
        wall_lo = std::isfinite(wall_lo) ? std::min(wall_lo, r.wall_time_s) : r.wall_time_s;
        wall_hi = std::isfinite(wall_hi) ? std::max(wall_hi, r.wall_time_s) : r.wall_time_s;
      }
    }
    const Column final_column = Summarise(finals), train_column = Summarise(trains);
    std::string versus = "(baseline)";
    if (!s->is_baseline)
      versus = s->has_test && base ? Fmt("%+.1f", s->mean - base->mean) + " (p " + Fmt("%.2g", s->p_value) + ")" : "–";
    md << "| " << s->point << " | `" << algo << "` | " << final_column.values.size()
       << (failed ? " (+" + std::to_string(failed) + " failed)" : "") << " | "
       << (learns ? Range(steps_lo, steps_hi, "%.0f") : "— (evaluation only)") << " | " << MeanCi(final_column) << " | "
       << PerSeed(final_column) << " | " << (learns ? Fmt("%.1f", train_column.mean) : "—") << " | " << versus
       << " | " << (learns ? Range(wall_lo, wall_hi, "%.0f") : "—") << " |\n";
  }

  // Reference rows on the same environment configuration.
  std::vector<const ReferenceRow*> references;
  for (const ReferenceRow& row : table.rows()) {
    // Returns only (not speeds, not other quantities such as reset clicks).
    if (row.config.empty() || row.metric != "return" || env_key.empty()) continue;
    auto cached = env_key_of_config->find(row.config);
    if (cached == env_key_of_config->end()) {
      Result<RunConfig> run = LoadAnyConfig(root + "/" + row.config);
      cached = env_key_of_config->emplace(row.config, run.ok() ? EnvKey(*run) : std::string()).first;
    }
    if (cached->second == env_key) references.push_back(&row);
  }
  if (!references.empty()) {
    md << "\nReference rows on the same environment ([data/reference/reference.csv]("
       << Link(options, "data/reference/reference.csv") << ")):\n\n"
       << "| reference row | kind | value | source | verified |\n|---|---|---|---|---|\n";
    for (const ReferenceRow* row : references)
      md << "| `" << row->id << "` | " << ReferenceKindName(row->kind) << " | " << ReferenceValue(*row) << " | "
         << row->source << " | " << (row->verified ? "yes" : "no") << " |\n";
  }

  // Learning curves of the learning points.
  bool any_curve = false;
  for (const auto& point : sweep.points) {
    std::vector<std::vector<std::pair<double, double>>> curves;
    for (const auto& r : sweep.runs)
      if (r.point == point && r.status == "ok" && r.stop_reason != "baseline" && !r.curve.empty())
        curves.push_back(r.curve);
    if (curves.empty()) continue;
    const CurveBand band = AggregateCurves(curves, options.curve_points);
    if (!any_curve) md << "\nLearning curves (`" << sweep.metric << "` of the periodic evaluations, mean ± 95 % "
                       << "interval over seeds, each seed interpolated onto common env-step values):\n";
    any_curve = true;
    md << "\n| " << point << ": env steps | " << sweep.metric << " | seeds |\n|---:|---:|---:|\n";
    for (size_t i = 0; i < band.x.size(); ++i)
      md << "| " << Fmt("%.0f", band.x[i]) << " | " << Fmt("%.1f", band.mean[i])
         << (band.hi[i] > band.mean[i] ? " ± " + Fmt("%.1f", band.hi[i] - band.mean[i]) : "") << " | "
         << band.n[i] << " |\n";
  }
  if (PathExists(dir + "/plots/curves.svg"))
    md << "\n![" << sweep.name << " learning curves](" << Link(options, dir) << "/plots/curves.svg)\n";
  md << "\n";
  return Status::Ok();
}

}  // namespace

Result<std::string> ResultsPageMarkdown(const ResultsPageOptions& options) {
  const std::string table_path =
      options.reference_table.empty() ? DefaultReferenceTablePath() : options.reference_table;
  ASSIGN_OR_RETURN(ReferenceTable table, ReferenceTable::Load(table_path));
  const std::string root = options.root.empty() ? Dirname(Dirname(Dirname(table_path))) : options.root;
  std::ostringstream md;
  md << "# Results\n\n"
     << "Generated by `slaterl report --markdown";
  for (const auto& dir : options.sweep_dirs) md << " " << dir;
  md << "` (`make results-docs`); do not edit by hand. Each section is one sweep: a committed sweep file "
     << "in `configs/results/` and its run directories in `data/results/` (each run's resolved config, "
     << "metrics and summary). `bench/results.sh SWEEP_FILE` reruns a sweep, copies its run directories "
     << "into `data/results/` and regenerates this page. Reference numbers of the original implementations, "
     << "papers and public thresholds come from the committed table "
     << "[data/reference/reference.csv](" << Link(options, "data/reference/reference.csv") << "). "
     << "Runs were measured on a 2-core machine shared with other work, so wall times are indicative.\n\n";
  for (const auto& dir : options.sweep_dirs)
    md << "- [" << Basename(dir) << "](#" << Basename(dir) << ")\n";
  md << "\n";
  std::map<std::string, std::string> env_key_of_config;
  for (const auto& dir : options.sweep_dirs) {
    md << "<a id=\"" << Basename(dir) << "\"></a>\n\n";
    RETURN_IF_ERROR(WriteSection(md, options, dir, table, root, &env_key_of_config));
  }
  return md.str();
}

}  // namespace slaterl
