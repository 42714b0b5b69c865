#include "launch/run_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/json.h"
#include "core/state_archive.h"

namespace slaterl {

void RunMetrics::OnStats(const Stats& stats) {
  auto scalar = [&](const char* key) {
    auto it = stats.scalars.find(key);
    return it == stats.scalars.end() ? 0.0 : it->second;
  };
  if (stats.role == "actor") {
    timesteps_total_ += static_cast<int64_t>(scalar("env_steps"));
    episodes_total_ += static_cast<int64_t>(scalar("episodes"));
    ActorInfo& info = actors_[stats.id];
    info.env_steps += static_cast<int64_t>(scalar("env_steps"));
    info.max_policy_version = std::max(info.max_policy_version, static_cast<int64_t>(scalar("policy_version")));
    info.incarnation = std::max(info.incarnation, static_cast<int64_t>(scalar("incarnation")));
    auto returns = stats.lists.find("episode_return");
    auto lengths = stats.lists.find("episode_length");
    if (returns != stats.lists.end()) {
      for (double r : returns->second) recent_returns_.push_back(r);
      while (static_cast<int64_t>(recent_returns_.size()) > smoothing_episodes_) recent_returns_.pop_front();
    }
    if (lengths != stats.lists.end()) {
      for (double l : lengths->second) recent_lengths_.push_back(l);
      while (static_cast<int64_t>(recent_lengths_.size()) > smoothing_episodes_) recent_lengths_.pop_front();
    }
  } else if (stats.role == "shard") {
    shards_[stats.id] = stats.scalars;
  } else if (stats.role == "learner") {
    for (const auto& kv : stats.scalars) learner_[kv.first] = kv.second;
  } else if (stats.role == "evaluator") {
    if (scalar("eval/final") > 0) {
      final_eval_ = stats.scalars;
      has_final_eval_ = true;
    } else {
      eval_ = stats.scalars;
    }
  }
}

double RunMetrics::episode_reward_mean() const {
  if (recent_returns_.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  for (double r : recent_returns_) sum += r;
  return sum / static_cast<double>(recent_returns_.size());
}

int64_t RunMetrics::restarts(const std::string& role) const {
  auto it = restarts_.find(role);
  return it == restarts_.end() ? 0 : it->second;
}

std::string RunMetrics::NextRow(double time_total_s) {
  ++training_iteration_;
  JsonObject row;
  row.Add("training_iteration", training_iteration_)
      .Add("timesteps_total", timesteps_total_)
      .Add("episodes_total", episodes_total_)
      .Add("timesteps_this_iter", timesteps_total_ - timesteps_at_last_row_)
      .Add("episodes_this_iter", episodes_total_ - episodes_at_last_row_)
      .Add("episode_reward_mean", episode_reward_mean());
  if (!recent_returns_.empty()) {
    row.Add("episode_reward_min", *std::min_element(recent_returns_.begin(), recent_returns_.end()));
    row.Add("episode_reward_max", *std::max_element(recent_returns_.begin(), recent_returns_.end()));
  }
  if (!recent_lengths_.empty()) {
    double sum = 0.0;
    for (double l : recent_lengths_) sum += l;
    row.Add("episode_len_mean", sum / static_cast<double>(recent_lengths_.size()));
  }
  for (const auto& kv : eval_)
    if (kv.first != "eval/final") row.Add(kv.first, kv.second);
  for (const auto& kv : learner_) row.Add(kv.first, kv.second);
  // replay/*: sums over shards of every counter they report.
  std::map<std::string, double> replay;
  for (const auto& shard : shards_)
    for (const auto& kv : shard.second) replay[kv.first] += kv.second;
  for (const auto& kv : replay)
    row.Add(kv.first.rfind("replay/", 0) == 0 ? kv.first : "replay/" + kv.first, kv.second);
  row.Add("launcher/actor_restarts", restarts("actor"));
  const double dt = time_total_s - time_at_last_row_;
  row.Add("time_this_iter_s", dt);
  row.Add("time_total_s", time_total_s);
  row.Add("timesteps_per_sec", dt > 0 ? (timesteps_total_ - timesteps_at_last_row_) / dt : 0.0);
  timesteps_at_last_row_ = timesteps_total_;
  episodes_at_last_row_ = episodes_total_;
  time_at_last_row_ = time_total_s;
  return row.str();
}

std::string RunMetrics::StopReason(const Params& stop, double time_total_s) const {
  const int64_t timesteps = stop.GetInt("timesteps_total");
  if (timesteps > 0 && timesteps_total_ >= timesteps) return "timesteps_total";
  const int64_t episodes = stop.GetInt("episodes_total");
  if (episodes > 0 && episodes_total_ >= episodes) return "episodes_total";
  const double seconds = stop.GetDouble("time_total_s");
  if (seconds > 0 && time_total_s >= seconds) return "time_total_s";
  if (stop.IsSet("episode_reward_mean")) {
    const double mean = episode_reward_mean();
    if (!std::isnan(mean) && mean >= stop.GetDouble("episode_reward_mean")) return "episode_reward_mean";
  }
  return "";
}

Status RunMetrics::VisitState(StateArchive& archive) {
  archive.Field("timesteps_total", timesteps_total_);
  archive.Field("episodes_total", episodes_total_);
  archive.Field("timesteps_at_last_row", timesteps_at_last_row_);
  archive.Field("episodes_at_last_row", episodes_at_last_row_);
  archive.Field("time_at_last_row", time_at_last_row_);
  archive.Field("training_iteration", training_iteration_);
  std::vector<double> returns(recent_returns_.begin(), recent_returns_.end());
  std::vector<double> lengths(recent_lengths_.begin(), recent_lengths_.end());
  archive.Field("recent_returns", returns);
  archive.Field("recent_lengths", lengths);
  std::vector<int32_t> actor_ids, shard_ids;
  std::vector<int64_t> max_policy_version, env_steps, incarnation;
  for (const auto& kv : actors_) {
    actor_ids.push_back(kv.first);
    max_policy_version.push_back(kv.second.max_policy_version);
    env_steps.push_back(kv.second.env_steps);
    incarnation.push_back(kv.second.incarnation);
  }
  archive.Field("actor_ids", actor_ids);
  archive.Field("actor_max_policy_version", max_policy_version);
  archive.Field("actor_env_steps", env_steps);
  archive.Field("actor_incarnation", incarnation);
  for (const auto& kv : shards_) shard_ids.push_back(kv.first);
  archive.Field("shard_ids", shard_ids);
  for (int32_t id : shard_ids) archive.Field("shard/" + std::to_string(id), shards_[id]);
  archive.Field("learner", learner_);
  archive.Field("eval", eval_);
  archive.Field("final_eval", final_eval_);
  archive.Field("has_final_eval", has_final_eval_);
  std::map<std::string, double> restarts(restarts_.begin(), restarts_.end());
  archive.Field("restarts", restarts);
  if (!archive.loading() || !archive.status().ok()) return archive.status();
  if (max_policy_version.size() != actor_ids.size() || env_steps.size() != actor_ids.size() ||
      incarnation.size() != actor_ids.size())
    return DataLossError("state snapshot: run metrics actor fields of different lengths");
  recent_returns_.assign(returns.begin(), returns.end());
  recent_lengths_.assign(lengths.begin(), lengths.end());
  actors_.clear();
  for (size_t i = 0; i < actor_ids.size(); ++i) actors_[actor_ids[i]] = {max_policy_version[i], env_steps[i], incarnation[i]};
  restarts_.clear();
  for (const auto& kv : restarts) restarts_[kv.first] = static_cast<int64_t>(kv.second);
  return Status::Ok();
}

}  // namespace slaterl
