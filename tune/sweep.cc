#include "tune/sweep.h"

#include "launch/slurm_backend.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/child_process.h"
#include "core/files.h"
#include "core/json.h"
#include "core/logging.h"
#include "launch/launcher.h"
#include "core/progress.h"
#include "tune/report.h"
#include "algos/run_config.h"

namespace slaterl {
namespace {

// ---- loading ------------------------------------------------------------------------------------

std::string Where(const std::string& file, const YAML::Node& node) {
  if (node.IsDefined() && node.Mark().line >= 0) return file + ":" + std::to_string(node.Mark().line + 1);
  return file;
}
Status KeyError(const std::string& where, const std::string& key, const std::string& what) {
  return InvalidArgumentError(where + ": key '" + key + "': " + what);
}

// YAML text of a value, for a `--set`-style override (flow style for mappings and lists).
std::string ValueText(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

std::string ShortKey(const std::string& key, const std::vector<std::string>& all_keys) {
  const std::string last = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  int same = 0;
  for (const auto& k : all_keys)
    if (k.substr(k.rfind('.') == std::string::npos ? 0 : k.rfind('.') + 1) == last) ++same;
  return same > 1 ? key : last;
}

std::string Sanitize(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '=' || c == '-' || c == '_') ? c : '_';
  return out;
}

// One override with the place in the sweep file it came from.
struct Override {
  std::string spec;   // key=value
  std::string where;  // FILE:LINE (sweep.grid.config.lr)
};

// A combination of overrides with its label piece.
struct Combo {
  std::string label;
  std::vector<Override> overrides;
};

std::vector<Combo> Cross(const std::vector<Combo>& a, const std::vector<Combo>& b) {
  std::vector<Combo> out;
  for (const auto& x : a)
    for (const auto& y : b) {
      Combo c;
      c.label = x.label.empty() ? y.label : y.label.empty() ? x.label : x.label + " " + y.label;
      c.overrides = x.overrides;
      c.overrides.insert(c.overrides.end(), y.overrides.begin(), y.overrides.end());
      out.push_back(std::move(c));
    }
  return out;
}

std::string FormatSample(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// The sweep file's text with the `sweep:` block blanked (line numbers kept), for the run loader.
Result<std::string> BaseText(const std::string& text, const YAML::Node& root, const std::string& file) {
  if (root.Style() == YAML::EmitterStyle::Flow)
    return InvalidArgumentError(file + ": write the sweep file as a block mapping (one top-level key per line)");
  int sweep_line = -1, next_line = 1 << 30;
  for (const auto& kv : root) {
    const int line = kv.first.Mark().line;
    if (kv.first.as<std::string>() == "sweep") sweep_line = line;
  }
  if (sweep_line < 0) return InvalidArgumentError(file + ": a sweep file needs a `sweep:` section");
  for (const auto& kv : root) {
    const int line = kv.first.Mark().line;
    if (line > sweep_line) next_line = std::min(next_line, line);
  }
  std::stringstream in(text);
  std::string out;
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) out += (n >= sweep_line && n < next_line ? "" : line) + "\n";
  return out;
}

const std::set<std::string> kSweepKeys = {"points", "baseline", "grid", "samples", "sample", "sample_seed",
                                          "metric", "mode", "alpha", "max_concurrent", "backend"};

}  // namespace

Result<SweepPlan> LoadSweep(const std::string& path, const std::vector<std::string>& cli_overrides) {
  SweepPlan plan;
  plan.source = path;
  ASSIGN_OR_RETURN(plan.source_text, ReadFile(path));
  YAML::Node root;
  try {
    root = YAML::Load(plan.source_text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!root.IsMap()) return InvalidArgumentError(path + ": a sweep file must be a YAML mapping");
  Result<std::string> base_or = InvalidArgumentError(path + ": unreadable top-level keys");
  try {
    base_or = BaseText(plan.source_text, root, path);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  ASSIGN_OR_RETURN(const std::string base_text, std::move(base_or));
  YAML::Node sweep = root["sweep"];
  if (!sweep.IsMap()) return KeyError(Where(path, sweep), "sweep", "expected a mapping");
  // `--set sweep.KEY=VALUE` changes the sweep section; every other --set changes each run's config.
  std::vector<std::string> run_overrides;
  for (const auto& spec : cli_overrides) {
    const size_t eq = spec.find('=');
    if (spec.rfind("sweep.", 0) != 0 || eq == std::string::npos) {
      run_overrides.push_back(spec);
      continue;
    }
    const std::string key = spec.substr(6, eq - 6);
    if (!kSweepKeys.count(key)) return InvalidArgumentError("--set " + spec + ": unknown key 'sweep." + key + "'");
    try {
      sweep[key] = YAML::Load(spec.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      return InvalidArgumentError("--set " + spec + ": value is not valid YAML: " + e.msg);
    }
  }

  std::vector<Combo> points{Combo{}}, grid{Combo{}}, samples{Combo{}};
  std::vector<int64_t> seeds;
  YAML::Node seed_node;
  try {
    for (const auto& kv : sweep) {
      const std::string key = kv.first.as<std::string>();
      if (!kSweepKeys.count(key))
        return InvalidArgumentError(Where(path, kv.first) + ": unknown key 'sweep." + key +
                                    "' (valid keys: points, baseline, grid, samples, sample, sample_seed, "
                                    "metric, mode, alpha, max_concurrent, backend)");
    }
    auto scalar = [&](const char* key, const std::string& def) -> Result<std::string> {
      const YAML::Node n = sweep[key];
      if (!n.IsDefined() || n.IsNull()) return def;
      if (!n.IsScalar()) return KeyError(Where(path, n), std::string("sweep.") + key, "expected a scalar");
      return n.Scalar();
    };
    auto integer = [&](const char* key, int64_t def, int64_t min, int64_t max) -> Result<int64_t> {
      ASSIGN_OR_RETURN(std::string text, scalar(key, std::to_string(def)));
      char* end = nullptr;
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end || v < min || v > max)
        return KeyError(Where(path, sweep[key]), std::string("sweep.") + key,
                        "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got '" + text + "'");
      return static_cast<int64_t>(v);
    };
    ASSIGN_OR_RETURN(plan.metric, scalar("metric", plan.metric));
    ASSIGN_OR_RETURN(plan.mode, scalar("mode", plan.mode));
    if (plan.mode != "max" && plan.mode != "min")
      return KeyError(Where(path, sweep["mode"]), "sweep.mode", "expected one of {max, min}, got '" + plan.mode + "'");
    ASSIGN_OR_RETURN(plan.backend, scalar("backend", plan.backend));
    if (plan.backend != "local" && plan.backend != "inproc" && plan.backend != "slurm")
      return KeyError(Where(path, sweep["backend"]), "sweep.backend",
                      "expected one of {local, inproc, slurm}, got '" + plan.backend + "'");
    ASSIGN_OR_RETURN(std::string alpha_text, scalar("alpha", "0.05"));
    char* end = nullptr;
    plan.alpha = std::strtod(alpha_text.c_str(), &end);
    if (alpha_text.empty() || *end || !(plan.alpha > 0 && plan.alpha < 1))
      return KeyError(Where(path, sweep["alpha"]), "sweep.alpha", "expected a number in (0, 1), got '" + alpha_text + "'");
    ASSIGN_OR_RETURN(plan.max_concurrent, integer("max_concurrent", 1, 1, 1024));
    ASSIGN_OR_RETURN(const int64_t num_samples, integer("samples", 0, 0, 100000));
    ASSIGN_OR_RETURN(const int64_t sample_seed, integer("sample_seed", 0, 0, int64_t(1) << 62));
    ASSIGN_OR_RETURN(plan.baseline, scalar("baseline", ""));

    // Named points.
    const YAML::Node points_node = sweep["points"];
    if (points_node.IsDefined() && !points_node.IsNull()) {
      if (!points_node.IsMap() || points_node.size() == 0)
        return KeyError(Where(path, points_node), "sweep.points", "expected a mapping of point name → overrides");
      points.clear();
      for (const auto& p : points_node) {
        Combo c;
        c.label = p.first.as<std::string>();
        if (!p.second.IsNull() && !p.second.IsMap())
          return KeyError(Where(path, p.second), "sweep.points." + c.label, "expected a mapping of overrides");
        if (p.second.IsMap())
          for (const auto& kv : p.second) {
            const std::string key = kv.first.as<std::string>();
            if (key == "seed") return KeyError(Where(path, kv.first), "sweep.points." + c.label + ".seed", "seeds belong in sweep.grid.seed");
            c.overrides.push_back({key + "=" + ValueText(kv.second),
                                   Where(path, kv.first) + " (sweep.points." + c.label + "." + key + ")"});
          }
        points.push_back(std::move(c));
      }
    }
    if (!plan.baseline.empty()) {
      bool found = false;
      for (const auto& p : points) found = found || p.label == plan.baseline;
      if (!found) return KeyError(Where(path, sweep["baseline"]), "sweep.baseline", "'" + plan.baseline + "' is not one of sweep.points");
    }

    // Grid axes.
    const YAML::Node grid_node = sweep["grid"];
    if (grid_node.IsDefined() && !grid_node.IsNull()) {
      if (!grid_node.IsMap()) return KeyError(Where(path, grid_node), "sweep.grid", "expected a mapping of key → list of values");
      std::vector<std::string> keys;
      for (const auto& kv : grid_node) keys.push_back(kv.first.as<std::string>());
      for (const auto& kv : grid_node) {
        const std::string key = kv.first.as<std::string>();
        if (!kv.second.IsSequence() || kv.second.size() == 0)
          return KeyError(Where(path, kv.second), "sweep.grid." + key, "expected a non-empty list of values");
        if (key == "seed") {
          seed_node = kv.second;
          for (const auto& v : kv.second) {
            int64_t s = -1;
            try { s = v.as<int64_t>(); } catch (const YAML::Exception&) {}
            if (s < 0) return KeyError(Where(path, v), "sweep.grid.seed", "expected non-negative integers");
            seeds.push_back(s);
          }
          continue;
        }
        std::vector<Combo> axis;
        for (const auto& v : kv.second)
          axis.push_back(Combo{ShortKey(key, keys) + "=" + ValueText(v),
                               {{key + "=" + ValueText(v), Where(path, v) + " (sweep.grid." + key + ")"}}});
        grid = Cross(grid, axis);
      }
    }

    // Random samples.
    const YAML::Node sample_node = sweep["sample"];
    if (num_samples > 0) {
      if (!sample_node.IsMap() || sample_node.size() == 0)
        return KeyError(Where(path, sweep["samples"]), "sweep.samples", "needs sweep.sample: {key: {uniform|loguniform|choice: [...]}}");
      std::vector<std::string> keys;
      for (const auto& kv : sample_node) keys.push_back(kv.first.as<std::string>());
      std::mt19937_64 rng(sample_seed);
      samples.clear();
      for (int64_t i = 0; i < num_samples; ++i) {
        Combo c;
        for (const auto& kv : sample_node) {
          const std::string key = kv.first.as<std::string>();
          const YAML::Node dist = kv.second;
          const std::string where = Where(path, kv.first) + " (sweep.sample." + key + ")";
          if (!dist.IsMap() || dist.size() != 1)
            return KeyError(Where(path, dist), "sweep.sample." + key, "expected {uniform: [lo, hi]}, {loguniform: [lo, hi]} or {choice: [...]}");
          const std::string kind = dist.begin()->first.as<std::string>();
          const YAML::Node args = dist.begin()->second;
          std::string value;
          if (kind == "choice") {
            if (!args.IsSequence() || args.size() == 0) return KeyError(Where(path, args), "sweep.sample." + key, "choice needs a non-empty list");
            value = ValueText(args[std::uniform_int_distribution<size_t>(0, args.size() - 1)(rng)]);
          } else if (kind == "uniform" || kind == "loguniform") {
            double lo = 0, hi = 0;
            try {
              if (!args.IsSequence() || args.size() != 2) throw YAML::Exception(args.Mark(), "");
              lo = args[0].as<double>(), hi = args[1].as<double>();
            } catch (const YAML::Exception&) {
              return KeyError(Where(path, args), "sweep.sample." + key, kind + " needs [lo, hi]");
            }
            if (!(hi >= lo) || (kind == "loguniform" && !(lo > 0)))
              return KeyError(Where(path, args), "sweep.sample." + key, "needs lo <= hi" + std::string(kind == "loguniform" ? " and lo > 0" : ""));
            const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
            value = FormatSample(kind == "uniform" ? lo + u * (hi - lo) : std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))));
          } else {
            return KeyError(Where(path, dist), "sweep.sample." + key, "unknown distribution '" + kind + "'");
          }
          c.label += (c.label.empty() ? "" : " ") + ShortKey(key, keys) + "=" + value;
          c.overrides.push_back({key + "=" + value, where});
        }
        samples.push_back(std::move(c));
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }

  // Expand and validate every run.
  std::vector<Override> cli;
  for (const auto& spec : run_overrides) cli.push_back({spec, "--set " + spec});
  const std::vector<Combo> groups = Cross(Cross(points, grid), samples);
  std::set<std::string> ids;
  for (const auto& group : groups) {
    const std::string label = group.label.empty() ? "base" : group.label;
    plan.points.push_back(label);
    std::vector<int64_t> run_seeds = seeds;
    if (run_seeds.empty()) run_seeds.push_back(-1);  // the config's own seed
    for (int64_t seed : run_seeds) {
      std::vector<Override> all = cli;
      all.insert(all.end(), group.overrides.begin(), group.overrides.end());
      if (seed >= 0) all.push_back({"seed=" + std::to_string(seed), Where(path, seed_node) + " (sweep.grid.seed)"});
      all.push_back({"reporting.progress=off", "sweep (children print no progress line)"});
      auto load = [&](const std::vector<Override>& with) -> Result<RunConfig> {
        std::vector<std::string> specs;
        for (const auto& o : with) specs.push_back(o.spec);
        auto run = LoadRunConfigString(base_text, path, specs, RegistrySchemas());
        if (run.ok()) return run;
        std::string message = run.status().message();
        for (const auto& o : with) {
          const std::string needle = "--set " + o.spec;
          const size_t at = message.find(needle);
          if (at != std::string::npos && o.where != needle) message.replace(at, needle.size(), o.where);
        }
        return Status(run.status().code(), message + " [sweep point '" + label + "']");
      };
      ASSIGN_OR_RETURN(RunConfig first, load(all));
      const std::string id = Sanitize(label) + "-seed" + std::to_string(first.seed);
      // Each run is named after the sweep and itself (its run directory and TensorBoard run).
      const YAML::Node name_node = root["name"];
      const std::string sweep_name = name_node.IsDefined() && name_node.IsScalar() ? name_node.Scalar() : first.name;
      all.push_back({"name=" + sweep_name + "-" + id, "sweep (run name)"});
      ASSIGN_OR_RETURN(RunConfig run, load(all));
      plan.name = sweep_name;
      SweepRunSpec spec;
      spec.point = label;
      spec.seed = static_cast<int64_t>(run.seed);
      spec.id = id;
      for (const auto& o : all) spec.overrides.push_back(o.spec);
      if (ids.count(spec.id)) return InvalidArgumentError(path + ": two runs of the sweep are both '" + spec.id + "' (repeated grid values?)");
      ids.insert(spec.id);
      spec.resolved_yaml = run.resolved_yaml;
      const AlgoEntry* algo = FindAlgo(run.algo);
      spec.learns = algo && algo->create_trainer;
      spec.timesteps_target = spec.learns ? run.stop.GetInt("timesteps_total") : 0;
      plan.runs.push_back(std::move(spec));
    }
  }
  plan.base_text = base_text;
  return plan;
}

std::string DescribeSweep(const SweepPlan& plan) {
  std::ostringstream out;
  out << "sweep " << plan.name << ": " << plan.runs.size() << " runs, " << plan.points.size()
      << " grid points, backend " << plan.backend << ", max_concurrent " << plan.max_concurrent << ", metric "
      << plan.metric << " (" << plan.mode << ")" << (plan.baseline.empty() ? "" : ", baseline " + plan.baseline) << "\n";
  for (const auto& r : plan.runs)
    out << "  " << r.id << "  [" << r.point << ", seed " << r.seed << (r.learns ? "" : ", baseline run (evaluation only)")
        << (r.timesteps_target ? ", " + std::to_string(r.timesteps_target) + " env steps" : "") << "]\n";
  return out.str();
}

// ---- running --------------------------------------------------------------------------------------

namespace {

std::atomic<int> g_sweep_interrupts{0};
void OnSweepInterrupt(int) { g_sweep_interrupts.fetch_add(1); }

std::string PlanYaml(const SweepPlan& plan) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << plan.name
      << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << plan.source
      << YAML::Key << "metric" << YAML::Value << YAML::DoubleQuoted << plan.metric
      << YAML::Key << "mode" << YAML::Value << plan.mode
      << YAML::Key << "alpha" << YAML::Value << plan.alpha
      << YAML::Key << "baseline" << YAML::Value << YAML::DoubleQuoted << plan.baseline
      << YAML::Key << "points" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : plan.points) out << YAML::DoubleQuoted << p;
  out << YAML::EndSeq << YAML::Key << "runs" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : plan.runs)
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << YAML::DoubleQuoted << r.id
        << YAML::Key << "point" << YAML::Value << YAML::DoubleQuoted << r.point << YAML::Key << "seed"
        << YAML::Value << r.seed << YAML::Key << "timesteps_target" << YAML::Value << r.timesteps_target
        << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

// Complete = summary.json status ok, not interrupted, and the run's config is the planned one.
bool RunComplete(const std::string& run_dir, const SweepRunSpec& spec) {
  auto summary = ReadFile(run_dir + "/summary.json");
  auto config = ReadFile(run_dir + "/config.yaml");
  if (!summary.ok() || !config.ok() || *config != spec.resolved_yaml) return false;
  try {
    const YAML::Node s = YAML::Load(*summary);
    return s["status"].as<std::string>("") == "ok" && s["stop_reason"].as<std::string>("") != "interrupted";
  } catch (const YAML::Exception&) {
    return false;
  }
}

std::string Tail(const std::string& text, size_t max_chars) {
  std::string t = text.size() > max_chars ? text.substr(text.size() - max_chars) : text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

// Records a run that ended without a summary.json of its own (crash, config error, killed).
void RecordFailure(const std::string& run_dir, const SweepRunSpec& spec, const std::string& reason) {
  if (PathExists(run_dir + "/summary.json")) return;
  (void)MakeDirectories(run_dir);
  JsonObject summary;
  summary.Add("name", spec.id).Add("status", "error").Add("stop_reason", "error").Add("error", reason);
  (void)WriteFileAtomic(run_dir + "/summary.json", summary.str() + "\n");
}

// Last timesteps_total and episode_reward_mean of a running run (from its metrics.jsonl).
void Peek(const std::string& run_dir, int64_t* steps, double* reward) {
  auto text = ReadFile(run_dir + "/metrics.jsonl");
  if (!text.ok() || text->empty()) return;
  size_t end = text->find_last_not_of('\n');
  if (end == std::string::npos) return;
  const size_t begin = text->rfind('\n', end);
  const std::string line = text->substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
  double v = 0;
  if (JsonGetNumber(line, "timesteps_total", &v)) *steps = static_cast<int64_t>(v);
  if (JsonGetNumber(line, "episode_reward_mean", &v)) *reward = v;
}

struct Child {
  pid_t pid = 0;
  size_t run = 0;
  int signals_sent = 0;  // 1: SIGINT (clean stop), 2: SIGKILL
};

Result<pid_t> StartChild(const std::string& executable, const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {executable};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildOptions options;
  options.log_path = log;
  return StartChildProcess(std::move(argv), options);
}

}  // namespace

Status WriteSlurmSweepFiles(const SweepPlan& plan, const SweepOptions& options, const std::string& dir,
                            const std::vector<size_t>& todo, std::string* script_out) {
  std::vector<std::string> configs, run_dirs;
  const std::string abs_dir = std::filesystem::absolute(dir).lexically_normal().string();
  for (size_t index : todo) {
    const SweepRunSpec& r = plan.runs[index];
    configs.push_back(abs_dir + "/slurm/configs/" + r.id + ".yaml");
    run_dirs.push_back(abs_dir + "/runs/" + r.id);
    if (!script_out) RETURN_IF_ERROR(WriteFileAtomic(configs.back(), r.resolved_yaml));
  }
  std::error_code ec;
  const std::string executable =
      std::filesystem::canonical(options.executable.empty() ? "/proc/self/exe" : options.executable, ec).string();
  const std::string script = SlurmSweepScript(plan.name, executable, configs, run_dirs,
                                              static_cast<int>(plan.max_concurrent), 1, "", abs_dir + "/slurm");
  if (script_out) {
    *script_out = script;
    return Status::Ok();
  }
  return WriteFileAtomic(dir + "/slurm/sweep.sbatch", script);
}

Result<std::string> DescribeSlurmSweep(const SweepPlan& plan, const SweepOptions& options) {
  const std::string dir = options.sweep_dir.empty() ? "runs/sweep-" + Sanitize(plan.name) : options.sweep_dir;
  std::vector<size_t> all(plan.runs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::string script;
  RETURN_IF_ERROR(WriteSlurmSweepFiles(plan, options, dir, all, &script));
  return "# " + dir + "/slurm/sweep.sbatch (each run's resolved config in " + dir + "/slurm/configs/)\n" + script;
}

Result<SweepResult> RunSweep(const SweepPlan& plan, const SweepOptions& options) {
  SweepResult result;
  result.sweep_dir = options.sweep_dir.empty() ? "runs/sweep-" + Sanitize(plan.name) : options.sweep_dir;
  const std::string dir = result.sweep_dir;
  result.total = static_cast<int64_t>(plan.runs.size());
  for (const char* sub : {"/runs", "/logs"}) RETURN_IF_ERROR(MakeDirectories(dir + sub));
  RETURN_IF_ERROR(WriteFileAtomic(dir + "/sweep.yaml", plan.source_text));
  RETURN_IF_ERROR(WriteFileAtomic(dir + "/base.yaml", plan.base_text));
  RETURN_IF_ERROR(WriteFileAtomic(dir + "/sweep_plan.yaml", PlanYaml(plan)));

  // Which runs are still to do.
  std::vector<size_t> todo;
  int64_t steps_target = 0, steps_done_before = 0;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const SweepRunSpec& r = plan.runs[i];
    steps_target += r.timesteps_target;
    const std::string run_dir = dir + "/runs/" + r.id;
    if (RunComplete(run_dir, r)) {
      ++result.skipped;
      steps_done_before += r.timesteps_target;
      continue;
    }
    std::error_code ec;
    std::filesystem::remove_all(run_dir, ec);  // an interrupted or failed attempt
    if (ec) return UnavailableError(run_dir + ": cannot remove the incomplete run: " + ec.message());
    todo.push_back(i);
  }
  LOG(INFO) << "sweep " << plan.name << " in " << dir << ": " << plan.runs.size() << " runs, " << result.skipped
            << " already complete, " << todo.size() << " to run (backend " << plan.backend << ", max_concurrent "
            << plan.max_concurrent << ")";

  g_sweep_interrupts = 0;
  struct sigaction action {}, old_int {}, old_term {};
  action.sa_handler = OnSweepInterrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &old_int);
  ::sigaction(SIGTERM, &action, &old_term);
  ::signal(SIGPIPE, SIG_IGN);

  ProgressLine progress(options.progress);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  int64_t steps_finished = 0;  // by runs that ended in this start
  std::vector<Child> running;
  double last_progress_s = -1.0;
  auto report_progress = [&](bool force) {
    const double now = elapsed_s();
    // Rewritten in place every second on a terminal; a plain line every 10 s otherwise.
    if (!force && now - last_progress_s < (progress.in_place() ? 1.0 : 10.0)) return;
    last_progress_s = now;
    int64_t steps_now = steps_finished;
    double reward_sum = 0;
    int rewards = 0;
    for (const Child& c : running) {
      int64_t s = 0;
      double rw = std::nan("");
      Peek(dir + "/runs/" + plan.runs[c.run].id, &s, &rw);
      // A run stopped by another criterion (e.g. stop.episodes_total) has no step target: its
      // steps count as they come, and the ETA covers the runs with a target.
      const int64_t target = plan.runs[c.run].timesteps_target;
      steps_now += target > 0 ? std::min<int64_t>(s, target) : s;
      if (std::isfinite(rw)) reward_sum += rw, ++rewards;
    }
    const double rate = now > 0 ? steps_now / now : 0.0;
    const int64_t remaining = std::max<int64_t>(0, steps_target - steps_done_before - steps_now);
    progress.Update(ProgressLine::FormatSweep(result.skipped + result.ok + result.failed, result.total, result.failed,
                                              static_cast<int64_t>(running.size()), steps_done_before + steps_now,
                                              steps_target, rate, rewards ? reward_sum / rewards : std::nan(""),
                                              rate > 0 && steps_target > 0 ? remaining / rate : -1.0));
  };
  auto finish = [&](size_t index, const std::string& failure) {
    const SweepRunSpec& r = plan.runs[index];
    const std::string run_dir = dir + "/runs/" + r.id;
    if (!failure.empty()) RecordFailure(run_dir, r, failure);
    if (RunComplete(run_dir, r)) {
      ++result.ok;
    } else {
      ++result.failed;
      std::string why = failure;
      if (why.empty()) {
        auto summary = ReadFile(run_dir + "/summary.json");
        why = summary.ok() ? Tail(*summary, 300) : "no summary.json";
      }
      progress.Finish();  // keep the in-place line below the log lines
      LOG(WARNING) << "sweep run " << r.id << " failed: " << why << " (log: " << dir << "/logs/" << r.id << ".log)";
    }
    int64_t steps = r.timesteps_target;
    if (steps == 0) {  // no step target: what the run did
      double reward = 0;
      Peek(run_dir, &steps, &reward);
    }
    steps_finished += steps;
  };

  if (plan.backend == "slurm" && !todo.empty()) {
    // One array job, one task per run still to do (at most max_concurrent at once); wait for it.
    RETURN_IF_ERROR(MakeDirectories(dir + "/slurm/configs"));
    RETURN_IF_ERROR(WriteSlurmSweepFiles(plan, options, dir, todo, nullptr));
    LOG(INFO) << "submitting " << dir << "/slurm/sweep.sbatch (" << todo.size() << " array tasks) and waiting for it";
    Result<std::string> job = Sbatch(dir + "/slurm/sweep.sbatch", /*wait=*/true);
    if (!job.ok()) LOG(WARNING) << job.status().ToString();
    for (size_t index : todo) finish(index, job.ok() ? "" : job.status().ToString());
    todo.clear();
  }

  size_t next = 0;
  while ((next < todo.size() || !running.empty())) {
    const bool stopping = g_sweep_interrupts.load() > 0;
    // Start runs up to max_concurrent.
    while (!stopping && next < todo.size() &&
           (plan.backend == "inproc" || static_cast<int64_t>(running.size()) < plan.max_concurrent)) {
      const size_t index = todo[next++];
      const SweepRunSpec& r = plan.runs[index];
      const std::string run_dir = dir + "/runs/" + r.id, config = dir + "/base.yaml";
      if (plan.backend == "inproc") {
        auto run = LoadRun(config, r.overrides);
        Result<LaunchResult> outcome = run.ok() ? Launch(*run, LaunchOptions{run_dir, options.executable, false})
                                                : Result<LaunchResult>(run.status());
        finish(index, outcome.ok() ? "" : outcome.status().ToString());
        report_progress(true);
        if (InterruptCount() > 0) g_sweep_interrupts.fetch_add(1);
        // Launch installed its own handlers; put ours back.
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
        break;
      }
      std::vector<std::string> args{"launch", config, "--run-dir", run_dir};
      for (const auto& o : r.overrides) args.insert(args.end(), {"--set", o});
      auto pid = StartChild(options.executable.empty() ? "/proc/self/exe" : options.executable, args,
                            dir + "/logs/" + r.id + ".log");
      if (!pid.ok()) {
        finish(index, pid.status().ToString());
        continue;
      }
      progress.Finish();
      LOG(INFO) << "sweep run " << r.id << " started (pid " << *pid << ")";
      running.push_back({*pid, index, 0});
    }
    if (stopping && plan.backend == "inproc") break;
    if (stopping) {  // first Ctrl-C: each run stops cleanly; second: kill
      const int level = std::min(2, g_sweep_interrupts.load());
      for (Child& c : running)
        if (c.signals_sent < level) ::kill(c.pid, level > 1 ? SIGKILL : SIGINT), c.signals_sent = level;
    }
    // Reap finished children.
    for (size_t k = 0; k < running.size();) {
      int status = 0;
      const pid_t got = ::waitpid(running[k].pid, &status, WNOHANG);
      if (got == running[k].pid) {
        std::string failure;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          auto log = ReadFile(dir + "/logs/" + plan.runs[running[k].run].id + ".log");
          failure = (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                       : "killed by signal " + std::to_string(WTERMSIG(status))) +
                    (log.ok() ? ": " + Tail(*log, 300) : "");
        }
        if (!stopping || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) finish(running[k].run, failure);
        running.erase(running.begin() + k);
      } else {
        ++k;
      }
    }
    report_progress(false);
    if (next >= todo.size() && running.empty()) break;
    if (stopping && running.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // supervision period
  }
  report_progress(true);
  progress.Finish();
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  result.interrupted = g_sweep_interrupts.load() > 0;

  auto report = WriteSweepReport(dir);
  if (!report.ok()) return report.status().WithContext("sweep report");
  LOG(INFO) << "sweep " << plan.name << (result.interrupted ? " interrupted" : " finished") << ": " << result.ok
            << " runs ok, " << result.failed << " failed, " << result.skipped << " complete before; report in " << dir
            << "/report.md";
  return result;
}

}  // namespace slaterl
