#include "launch/run_dir.h"

#include "core/json.h"

#include <ctime>

#include "core/files.h"
#include "tune/report.h"

namespace slaterl {
namespace {
// Every row reaches the event file at once (rows come seconds apart): a killed launcher then
// loses no TensorBoard row that metrics.jsonl has, and a resume finds both histories whole.
constexpr double kEventFlushIntervalS = 0.0;
}  // namespace

Result<RunDirectory> RunDirectory::Create(const RunConfig& run, const std::string& explicit_dir) {
  std::string path = explicit_dir;
  if (path.empty()) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm_local;
    localtime_r(&now, &tm_local);
    std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm_local);
    path = "runs/" + run.name + "-" + stamp;
    for (int n = 2; PathExists(path); ++n) path = "runs/" + run.name + "-" + stamp + "-" + std::to_string(n);
  } else if (PathExists(path + "/metrics.jsonl")) {
    return FailedPreconditionError(path + " already holds a run (metrics.jsonl exists); choose another --run-dir");
  }
  RETURN_IF_ERROR(MakeDirectories(path + "/logs"));
  RETURN_IF_ERROR(MakeDirectories(path + "/checkpoints"));
  RETURN_IF_ERROR(WriteFileAtomic(path + "/config.yaml", run.resolved_yaml));
  RunDirectory dir(path);
  dir.metrics_ = std::fopen((path + "/metrics.jsonl").c_str(), "a");
  if (!dir.metrics_) return UnavailableError(path + "/metrics.jsonl: cannot open for writing");
  RETURN_IF_ERROR(dir.events_.Open(path, kEventFlushIntervalS));
  return dir;
}

Result<RunDirectory> RunDirectory::Reopen(const std::string& path, int64_t keep_through_timesteps,
                                          int64_t keep_through_iteration, int64_t* last_iteration,
                                          double* last_time_total_s) {
  if (!PathExists(path + "/config.yaml")) return NotFoundError(path + ": no config.yaml (not a run directory)");
  std::string kept;
  std::map<int64_t, int64_t> rows_at_step;  // kept metrics rows per timesteps_total
  *last_iteration = 0;
  *last_time_total_s = 0.0;
  Result<std::string> rows = ReadFile(path + "/metrics.jsonl");
  if (rows.ok()) {
    size_t pos = 0;
    while (pos < rows->size()) {
      size_t end = rows->find('\n', pos);
      if (end == std::string::npos) end = rows->size();
      const std::string row = rows->substr(pos, end - pos);
      pos = end + 1;
      double steps = 0, iteration = 0;
      if (!JsonGetNumber(row, "timesteps_total", &steps) || steps > static_cast<double>(keep_through_timesteps)) continue;
      const bool has_iteration = JsonGetNumber(row, "training_iteration", &iteration);
      if (keep_through_iteration >= 0 && (!has_iteration || iteration > static_cast<double>(keep_through_iteration))) continue;
      if (has_iteration) *last_iteration = static_cast<int64_t>(iteration);
      double time_total_s = 0;
      if (JsonGetNumber(row, "time_total_s", &time_total_s)) *last_time_total_s = time_total_s;
      kept += row + "\n";
      ++rows_at_step[static_cast<int64_t>(steps)];
    }
  }
  RETURN_IF_ERROR(WriteFileAtomic(path + "/metrics.jsonl", kept));
  // TensorBoard: one record per kept row (AppendMetricsRow), matched per step in order.
  auto dropped = CutEventFiles(path, [&rows_at_step](const EventRecord& record) {
    for (const auto& tag : record.tags)
      if (tag.rfind("final_eval/", 0) == 0) return false;
    auto it = rows_at_step.find(record.step);
    if (it == rows_at_step.end() || it->second == 0) return false;
    --it->second;
    return true;
  });
  if (!dropped.ok()) return dropped.status().WithContext(path + ": cutting the TensorBoard event files");
  RETURN_IF_ERROR(MakeDirectories(path + "/logs"));
  RunDirectory dir(path);
  dir.metrics_ = std::fopen((path + "/metrics.jsonl").c_str(), "a");
  if (!dir.metrics_) return UnavailableError(path + "/metrics.jsonl: cannot open for writing");
  RETURN_IF_ERROR(dir.events_.Open(path, kEventFlushIntervalS));
  return dir;
}

RunDirectory::RunDirectory(RunDirectory&& other) noexcept
    : path_(std::move(other.path_)), metrics_(other.metrics_), events_(std::move(other.events_)) {
  other.metrics_ = nullptr;
}

RunDirectory::~RunDirectory() {
  if (metrics_) std::fclose(metrics_);
}

std::string RunDirectory::LogPath(const std::string& role, int id) const {
  return path_ + "/logs/" + role + "-" + std::to_string(id) + ".log";
}

Status RunDirectory::AppendMetricsRow(const std::string& json_row) {
  const std::string line = json_row + "\n";
  if (std::fwrite(line.data(), 1, line.size(), metrics_) != line.size() || std::fflush(metrics_) != 0)
    return UnavailableError(path_ + "/metrics.jsonl: write failed");
  auto numbers = ParseJsonNumbers(json_row);
  if (!numbers.ok()) return numbers.status().WithContext(path_ + "/metrics.jsonl");
  int64_t step = 0;
  std::vector<std::pair<std::string, float>> scalars;
  for (const auto& kv : *numbers) {
    if (kv.first == "timesteps_total") step = static_cast<int64_t>(kv.second);
    const std::string tag = TensorBoardTag(kv.first);
    if (!tag.empty()) scalars.emplace_back(tag, static_cast<float>(kv.second));
  }
  return events_.AddScalars(step, scalars);
}

std::string TensorBoardTag(const std::string& key) {
  if (key == "training_iteration" || key == "timesteps_total") return "";
  if (key == "episode_reward_mean") return "charts/episodic_return";
  if (key == "episode_len_mean") return "charts/episodic_length";
  if (key == "timesteps_per_sec") return "charts/SPS";
  const std::string learner = "learner/";
  if (key.rfind(learner, 0) == 0 && key.find("loss") != std::string::npos)
    return "losses/" + key.substr(learner.size());
  return key;
}

Status RunDirectory::AddFinalEvaluation(int64_t step, const std::map<std::string, double>& final_eval) {
  std::vector<std::pair<std::string, float>> scalars;
  for (const auto& kv : final_eval) {
    if (kv.first == "eval/final") continue;
    const std::string name = kv.first.rfind("eval/", 0) == 0 ? kv.first.substr(5) : kv.first;
    scalars.emplace_back("final_eval/" + name, static_cast<float>(kv.second));
  }
  return events_.AddScalars(step, scalars);
}

Status RunDirectory::WriteSummary(const std::string& json) {
  return WriteFileAtomic(path_ + "/summary.json", json + "\n");
}

}  // namespace slaterl
