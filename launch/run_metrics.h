// launch/run_metrics.h — the run's metrics, aggregated from every role's Stats messages.
//
// The launcher (local backend) and the in-process scheduler feed every Stats message here; it
// keeps the RLlib/Tune metric names of docs/runtime.md "Run directory" (timesteps_total,
// episodes_total, episode_reward_mean over the last `smoothing_episodes` training episodes,
// eval/*, learner/*, replay/*, time_total_s) and turns them into metrics.jsonl rows, stop
// decisions and the summary. Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "core/messages.h"
#include "core/params.h"
#include "core/status.h"

namespace slaterl {

class StateArchive;

class RunMetrics {
 public:
  explicit RunMetrics(int64_t smoothing_episodes) : smoothing_episodes_(smoothing_episodes) {}

  void OnStats(const Stats& stats);
  void CountRestart(const std::string& role) { ++restarts_[role]; }
  // A resumed run (`launch --resume`) continues its counters from the checkpoint, and its
  // time_total_s from the last metrics row it kept (time_at_last_row(): the caller adds it to the
  // time it measures itself).
  void ResumeFrom(int64_t timesteps_total, int64_t episodes_total, int64_t training_iteration,
                  double time_total_s) {
    timesteps_total_ = timesteps_at_last_row_ = timesteps_total;
    episodes_total_ = episodes_at_last_row_ = episodes_total;
    training_iteration_ = training_iteration;
    time_at_last_row_ = time_total_s;
  }

  int64_t timesteps_total() const { return timesteps_total_; }
  int64_t episodes_total() const { return episodes_total_; }
  // NaN until a training episode has finished.
  double episode_reward_mean() const;
  bool has_eval() const { return eval_.count("eval/episode_reward_mean") > 0; }
  bool has_final_eval() const { return has_final_eval_; }
  const std::map<std::string, double>& last_eval() const { return eval_; }
  const std::map<std::string, double>& final_eval() const { return final_eval_; }
  int64_t training_iteration() const { return training_iteration_; }
  // time_total_s of the last row written (or kept by a resume).
  double time_at_last_row() const { return time_at_last_row_; }

  // Per actor id: the highest weights version it reported, env steps, incarnations seen.
  struct ActorInfo {
    int64_t max_policy_version = 0;
    int64_t env_steps = 0;
    int64_t incarnation = 0;
  };
  const std::map<int, ActorInfo>& actors() const { return actors_; }
  const std::map<int, std::map<std::string, double>>& shards() const { return shards_; }
  const std::map<std::string, double>& learner() const { return learner_; }
  int64_t restarts(const std::string& role) const;

  // Whole-run snapshots (backend inproc; core/state_archive.h): every counter, the
  // smoothing windows, the latest per-role figures and the restart counts.
  Status VisitState(StateArchive& archive);

  // One metrics.jsonl row (a JSON object, no newline); advances training_iteration.
  std::string NextRow(double time_total_s);
  // Which criterion of `stop` is met, or "" (none).
  std::string StopReason(const Params& stop, double time_total_s) const;

 private:
  int64_t smoothing_episodes_;
  int64_t timesteps_total_ = 0, episodes_total_ = 0;
  int64_t timesteps_at_last_row_ = 0, episodes_at_last_row_ = 0;
  double time_at_last_row_ = 0.0;
  int64_t training_iteration_ = 0;
  std::deque<double> recent_returns_, recent_lengths_;
  std::map<int, ActorInfo> actors_;
  std::map<int, std::map<std::string, double>> shards_;
  std::map<std::string, double> learner_, eval_, final_eval_;
  bool has_final_eval_ = false;
  std::map<std::string, int64_t> restarts_;
};

}  // namespace slaterl
