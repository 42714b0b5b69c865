// core/progress.h — the one-line progress report of launch and sweep.
//
// On a terminal the line is rewritten in place ("\r" + clear to end of line); otherwise (CI, a
// pipe, a file) each update is a plain line. Writes to stderr. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace slaterl {

class ProgressLine {
 public:
  // mode: auto | tty | plain | off (reporting.progress).
  explicit ProgressLine(const std::string& mode);
  ~ProgressLine();
  void Update(const std::string& text);
  bool in_place() const { return in_place_; }
  // Ends an in-place line so later output starts on a fresh line.
  void Finish();

  // "steps 12,345/100,000 (12%) | 45.2k steps/s | reward 1050.2 | eval 1100.1 | ETA 0:01:12"
  static std::string Format(int64_t timesteps, int64_t timesteps_target, double steps_per_sec,
                            double reward_mean, double eval_mean, double eta_s);
  // The sweep's line: "runs 3/10 (1 failed, 2 running) | steps 90,000/300,000 (30%) |
  // 5.2k steps/s | reward 160.3 | ETA 0:01:12" (reward: mean over running runs; NaN = none).
  static std::string FormatSweep(int64_t runs_done, int64_t runs_total, int64_t runs_failed, int64_t runs_running,
                                 int64_t timesteps, int64_t timesteps_target, double steps_per_sec,
                                 double reward_mean, double eta_s);

 private:
  bool enabled_ = true;
  bool in_place_ = false;
  bool dirty_ = false;
};

}  // namespace slaterl
