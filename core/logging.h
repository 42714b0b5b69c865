// core/logging.h — line-oriented logging to stderr (each process's stderr is its log file).
//
// `LOG(INFO) << "text";` writes one line "2026-11-30T12:00:00.123Z I actor-3] text". Each line is
// written with a single write() so lines of concurrent threads never interleave. The process tag
// is set once at start-up with SetLogTag(). Thread-safe.
#pragma once

#include <sstream>
#include <string>

namespace slaterl {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogTag(const std::string& tag);
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  ~LogLine();
  template <typename T>
  LogLine& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

// Turns `LogLine(...) << ...` into void for the LOG macro's conditional expression.
struct LogVoidify {
  void operator&(const LogLine&) {}
};

}  // namespace slaterl

#define SLATERL_LOG_DEBUG ::slaterl::LogLevel::kDebug
#define SLATERL_LOG_INFO ::slaterl::LogLevel::kInfo
#define SLATERL_LOG_WARNING ::slaterl::LogLevel::kWarning
#define SLATERL_LOG_ERROR ::slaterl::LogLevel::kError
// An expression (not an if/else), so `if (x) LOG(INFO) << ...;` nests safely.
#define LOG(level)                                                 \
  (SLATERL_LOG_##level < ::slaterl::MinLogLevel())                 \
      ? (void)0                                                    \
      : ::slaterl::LogVoidify() & ::slaterl::LogLine(SLATERL_LOG_##level)
