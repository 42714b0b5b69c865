// launch/progress.h — the one-line progress report of launch (and later sweep).
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
  // Ends an in-place line so later output starts on a fresh line.
  void Finish();

  // "steps 12,345/100,000 (12%) | 45.2k steps/s | reward 1050.2 | eval 1100.1 | ETA 0:01:12"
  static std::string Format(int64_t timesteps, int64_t timesteps_target, double steps_per_sec,
                            double reward_mean, double eval_mean, double eta_s);

 private:
  bool enabled_ = true;
  bool in_place_ = false;
  bool dirty_ = false;
};

}  // namespace slaterl
