#include "core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace slaterl {

ProgressLine::ProgressLine(const std::string& mode) {
  enabled_ = mode != "off";
  in_place_ = mode == "tty" || (mode == "auto" && ::isatty(STDERR_FILENO));
}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(const std::string& text) {
  if (!enabled_) return;
  if (in_place_) {
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
    dirty_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::Finish() {
  if (in_place_ && dirty_) std::fprintf(stderr, "\n");
  dirty_ = false;
}

namespace {
std::string Grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}
}  // namespace

std::string ProgressLine::Format(int64_t timesteps, int64_t timesteps_target, double steps_per_sec,
                                 double reward_mean, double eval_mean, double eta_s) {
  char buf[256];
  std::string text = "steps " + Grouped(timesteps);
  if (timesteps_target > 0) {
    std::snprintf(buf, sizeof(buf), "/%s (%d%%)", Grouped(timesteps_target).c_str(),
                  static_cast<int>(100.0 * timesteps / timesteps_target));
    text += buf;
  }
  std::snprintf(buf, sizeof(buf), " | %.1fk steps/s", steps_per_sec / 1000.0);
  text += buf;
  if (!std::isnan(reward_mean)) {
    std::snprintf(buf, sizeof(buf), " | reward %.1f", reward_mean);
    text += buf;
  }
  if (!std::isnan(eval_mean)) {
    std::snprintf(buf, sizeof(buf), " | eval %.1f", eval_mean);
    text += buf;
  }
  if (eta_s >= 0 && std::isfinite(eta_s)) {
    const int64_t s = static_cast<int64_t>(eta_s);
    std::snprintf(buf, sizeof(buf), " | ETA %lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>((s / 60) % 60), static_cast<long long>(s % 60));
    text += buf;
  }
  return text;
}

std::string ProgressLine::FormatSweep(int64_t runs_done, int64_t runs_total, int64_t runs_failed,
                                      int64_t runs_running, int64_t timesteps, int64_t timesteps_target,
                                      double steps_per_sec, double reward_mean, double eta_s) {
  std::string text = "runs " + std::to_string(runs_done) + "/" + std::to_string(runs_total);
  std::string detail;
  if (runs_failed > 0) detail = std::to_string(runs_failed) + " failed";
  if (runs_running > 0) detail += (detail.empty() ? "" : ", ") + std::to_string(runs_running) + " running";
  if (!detail.empty()) text += " (" + detail + ")";
  return text + " | " + Format(timesteps, timesteps_target, steps_per_sec, reward_mean, std::nan(""), eta_s);
}

}  // namespace slaterl
