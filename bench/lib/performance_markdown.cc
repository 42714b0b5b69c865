#include "bench/lib/performance_markdown.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace slaterl {

const char kNoValue[] = "—";

namespace {

// 68940 → "68,940".
std::string WithSeparators(double whole) {
  const long long n = std::llround(std::fabs(whole));
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return whole < 0 ? "-" + out : out;
}

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// The value's unit band: 2 = millions, 1 = thousands shown as "k", 0 = plain.
int Band(double v) {
  if (v >= 999500.0) return 2;
  if (v >= 99950.0) return 1;
  return 0;
}

// The number of a band-2 or band-1 value without its unit ("9.26", "342").
std::string Mantissa(double v, int band) {
  if (band == 2) {
    const double m = v / 1e6;
    if (m >= 99.95) return Printf("%.0f", m);
    if (m >= 9.995) return Printf("%.1f", m);
    return Printf("%.2f", m);
  }
  return Printf("%.0f", v / 1e3);
}

std::string Code(const std::string& s) { return "`" + s + "`"; }

// The committed table by its repository path, whatever directory the build found it in.
std::string TablePath(const ReferenceTable& table) {
  const std::string committed = "data/reference/reference.csv";
  const std::string& path = table.path();
  if (path == committed ||
      (path.size() > committed.size() && path.compare(path.size() - committed.size() - 1, std::string::npos,
                                                      "/" + committed) == 0))
    return committed;
  return path;
}

}  // namespace

std::string FormatRate(double value) {
  if (!std::isfinite(value)) return kNoValue;
  const int band = Band(value);
  if (band == 2) return Mantissa(value, 2) + " M";
  if (band == 1) return Mantissa(value, 1) + " k";
  if (value >= 99.5) return WithSeparators(value);
  if (value >= 9.995) return Printf("%.1f", value);
  return Printf("%.2f", value);
}

std::string FormatRateRange(const std::vector<double>& values) {
  if (values.empty()) return kNoValue;
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  const double lo = *lo_it, hi = *hi_it;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return kNoValue;
  if (FormatRate(lo) == FormatRate(hi)) return FormatRate(lo);
  const int band = Band(hi);  // both ends in the larger end's unit
  if (band > 0) return Mantissa(lo, band) + "–" + Mantissa(hi, band) + (band == 2 ? " M" : " k");
  return FormatRate(lo) + "–" + FormatRate(hi);
}

std::string FormatFactor(double factor) {
  if (!std::isfinite(factor) || !(factor > 0)) return kNoValue;
  if (factor >= 99.5) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(factor)) - 1.0);
    return "≈" + WithSeparators(std::round(factor / magnitude) * magnitude) + "×";
  }
  if (factor >= 9.95) return Printf("%.0f×", factor);
  if (factor >= 0.995) return Printf("%.1f×", factor);
  return Printf("%.2f×", factor);
}

double Median(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

const ReferenceRow* FastestSpeedRow(const ReferenceTable& table, const std::string& config,
                                    const std::string& policy, const std::string& metric) {
  const ReferenceRow* best = nullptr;
  for (const ReferenceRow* row : table.Select(ReferenceKind::kSpeed, config, policy, metric))
    if (row->mean && (best == nullptr || *row->mean > *best->mean)) best = row;
  return best;
}

std::string FormatReferenceCell(const ReferenceRow* row) {
  if (row == nullptr || !row->mean) return kNoValue;
  return FormatRate(*row->mean) + " (" + Code(row->id) + ")";
}

std::string FormatRatioCell(double ours, const ReferenceRow* row) {
  if (row == nullptr || !row->mean || !(*row->mean > 0)) return kNoValue;
  return FormatFactor(ours / *row->mean);
}

// ---- envs --------------------------------------------------------------------------------------

std::string EnvMarkdownHeader() {
  return "| env (config) | policy | batch 1 (steps/s) | batch 64 (steps/s) | Python original, fastest host "
         "(steps/s, row) | speed-up (median batch 1 ÷ Python) |\n"
         "|---|---|---|---|---|---|\n";
}

std::string EnvMarkdownRow(const EnvBenchResult& result, const ReferenceTable& table) {
  const ReferenceRow* reference =
      result.config.empty() ? nullptr : FastestSpeedRow(table, result.config, result.policy, "steps_per_s");
  std::string env = Code(result.env) + " " + (result.config.empty() ? std::string("defaults") : Code(result.config));
  if (result.num_candidates > 0 && result.slate_size > 0)
    env += " (" + std::to_string(result.num_candidates) + " candidates, slate " + std::to_string(result.slate_size) + ")";
  return "| " + env + " | " + result.policy + " | " + FormatRateRange(result.batch1) + " | " +
         FormatRateRange(result.batch64) + " | " + FormatReferenceCell(reference) + " | " +
         FormatRatioCell(Median(result.batch1), reference) + " |\n";
}

std::string EnvMarkdownTable(const std::vector<EnvBenchResult>& results, const ReferenceTable& table) {
  std::string out = EnvMarkdownHeader();
  size_t repeats = 0;
  for (const EnvBenchResult& r : results) {
    out += EnvMarkdownRow(r, table);
    repeats = std::max(repeats, r.batch1.size());
  }
  out += "\nRanges over " + std::to_string(repeats) + (repeats == 1 ? " measurement" : " measurements") +
         " per cell (one core each). Python figures: the fastest of the hosts that " + Code(TablePath(table)) +
         " has `speed` rows for, for the same config and policy; " + kNoValue + " = no Python row.\n";
  return out;
}

// ---- learner -------------------------------------------------------------------------------------

std::string LearnerMarkdownTable(const std::vector<LearnerBenchResult>& results, const ReferenceTable& table) {
  std::string out =
      "| what | slaterl (updates/s) | PyTorch (updates/s, row) | ratio (slaterl ÷ PyTorch) |\n|---|---|---|---|\n";
  for (const LearnerBenchResult& r : results) {
    const ReferenceRow* reference = r.reference_id.empty() ? nullptr : table.Find(r.reference_id);
    out += "| " + r.what + " | " + FormatRate(r.updates_per_sec) + " | " + FormatReferenceCell(reference) + " | " +
           FormatRatioCell(r.updates_per_sec, reference) + " |\n";
  }
  return out;
}

// ---- GeMS ----------------------------------------------------------------------------------------

double SerialRate(double a, double b) {
  if (!(a > 0) || !(b > 0)) return 0.0;
  return 1.0 / (1.0 / a + 1.0 / b);
}

std::string GemsMarkdownTables(const std::vector<GemsBenchResult>& results, const ReferenceTable& table,
                               const std::string& sim_config, int steps_per_trajectory) {
  const ReferenceRow* sim = FastestSpeedRow(table, sim_config, "random", "steps_per_s");
  std::string out =
      "| algorithm | batch (trajectories) | slaterl update, 1 thread (updates/s) | PyTorch (updates/s, row) | "
      "ratio (slaterl ÷ PyTorch) |\n|---|---|---|---|---|\n";
  for (const GemsBenchResult& r : results) {
    const ReferenceRow* reference = r.reference_id.empty() ? nullptr : table.Find(r.reference_id);
    out += "| " + Code(r.algo) + " | " + std::to_string(r.batch_trajectories) + " | " + FormatRate(r.updates_per_sec) +
           " | " + FormatReferenceCell(reference) + " | " + FormatRatioCell(r.updates_per_sec, reference) + " |\n";
  }
  int many_envs = 0;
  for (const GemsBenchResult& r : results) many_envs = std::max(many_envs, r.many_envs);
  out += "\n| algorithm | acting, 1 env (trajectories/s) | acting, " + std::to_string(many_envs) +
         " envs (trajectories/s) | one trajectory + one update, serial: slaterl (/s) | the same in Python (/s) | "
         "speed-up |\n|---|---|---|---|---|---|\n";
  std::set<std::string> used;
  for (const GemsBenchResult& r : results) {
    const ReferenceRow* reference = r.reference_id.empty() ? nullptr : table.Find(r.reference_id);
    const double ours = SerialRate(r.acting_1env, r.updates_per_sec);
    std::string python = kNoValue, speedup = kNoValue;
    if (reference != nullptr && reference->mean && sim != nullptr && sim->mean && *sim->mean > 0 &&
        steps_per_trajectory > 0) {
      const double python_rate = SerialRate(*sim->mean / steps_per_trajectory, *reference->mean);
      python = FormatRate(python_rate);
      speedup = FormatFactor(ours / python_rate);
      used.insert(reference->id);
    }
    out += "| " + Code(r.algo) + " | " + FormatRate(r.acting_1env) + " | " + FormatRate(r.acting_many_envs) + " | " +
           FormatRate(ours) + " | " + python + " | " + speedup + " |\n";
  }
  out += "\nslaterl serial = 1 ÷ (1 ÷ acting with 1 env + 1 ÷ update). Python serial = 1 ÷ (" +
         std::to_string(steps_per_trajectory) + " steps ÷ the simulator's steps/s + 1 ÷ the PyTorch update rate); "
         "the simulator's figure is ";
  if (sim != nullptr && sim->mean) {
    out += FormatReferenceCell(sim) + ", the fastest host's for " + Code(sim_config) + " in " + Code(TablePath(table));
  } else {
    out += std::string("missing from ") + Code(TablePath(table)) + " for " + Code(sim_config);
  }
  out += "; " + std::string(kNoValue) + " = no PyTorch row for the algorithm.\n";
  return out;
}

// ---- pipeline --------------------------------------------------------------------------------------

std::string PipelineMarkdownTable(const std::vector<PipelineBenchResult>& results) {
  std::string out =
      "| config | algo on env | actors × envs | pipeline (env steps/s) | actors alone (env steps/s) | ratio | "
      "learner (updates/s) | learner (updates × batch_size per s) |\n|---|---|---|---|---|---|---|---|\n";
  for (const PipelineBenchResult& r : results) {
    const double ratio = r.alone_env_steps_per_sec > 0 ? r.pipeline_env_steps_per_sec / r.alone_env_steps_per_sec
                                                       : std::nan("");
    out += "| " + Code(r.config) + " | " + r.algo + " on " + r.env + " | " + std::to_string(r.num_actors) + " × " +
           std::to_string(r.num_envs_per_actor) + " | " + FormatRate(r.pipeline_env_steps_per_sec) + " | " +
           FormatRate(r.alone_env_steps_per_sec) + " | " + (std::isfinite(ratio) ? Printf("%.2f", ratio) : kNoValue) +
           " | " + FormatRate(r.learner_updates_per_sec) + " | " +
           (r.batch_size > 0 ? FormatRate(r.learner_updates_per_sec * static_cast<double>(r.batch_size)) +
                                   " (batch_size " + std::to_string(r.batch_size) + ")"
                             : std::string(kNoValue)) +
           " |\n";
  }
  return out;
}

}  // namespace slaterl
