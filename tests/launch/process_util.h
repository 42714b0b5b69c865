// Test helpers: run the slaterl binary, read run directories. Every wait is bounded.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace slaterl {
namespace testing_util {

inline std::string Binary() { return SLATERL_BINARY; }
inline std::string SourceDir() { return SLATERL_SOURCE_DIR; }

inline std::string MakeTempDir(const std::string& tag) {
  std::string pattern = "/tmp/slaterl-test-" + tag + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  return ::mkdtemp(buf.data());
}

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command to completion, capturing its output.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// Starts `args` in the background with stdout+stderr to `log_path`; returns its pid.
inline pid_t StartProcess(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    FILE* log = std::fopen(log_path.c_str(), "w");
    if (log) {
      ::dup2(fileno(log), STDOUT_FILENO);
      ::dup2(fileno(log), STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  return pid;
}

// Waits up to `timeout` for `pid` to exit; returns its exit code, or -1 on timeout.
inline int WaitForExit(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

// Polls `predicate` every 20 ms for up to `timeout`.
template <typename Predicate>
bool WaitUntil(Predicate predicate, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

// True while `pid` exists and is not a zombie (a dead child not yet reaped counts as gone).
inline bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// Finds "started ROLE (pid N" in a launcher log; 0 if absent.
inline pid_t FindPid(const std::string& log, const std::string& role_id, bool last = false) {
  const std::string needle = " " + role_id + " (pid ";
  size_t pos = last ? log.rfind(needle) : log.find(needle);
  if (pos == std::string::npos) return 0;
  return static_cast<pid_t>(std::atol(log.c_str() + pos + needle.size()));
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The pid of the role process `role` with id `id` of the run in `run_dir` (local backend), or -1.
// (The pattern's [_] keeps the shell running pgrep from matching itself.)
inline pid_t FindRolePid(const std::string& run_dir, const std::string& role, int id) {
  const CommandResult r = RunCommand("pgrep -f -- '[_]role " + role + " --run-dir " + run_dir + " .*--id " +
                                     std::to_string(id) + " '");
  return r.exit_code == 0 ? static_cast<pid_t>(std::atol(r.output.c_str())) : -1;
}
// True while any role process of the run in `run_dir` runs.
inline bool AnyRoleRunning(const std::string& run_dir) {
  return RunCommand("pgrep -f -- '[_]role .*--run-dir " + run_dir + " '").exit_code == 0;
}

}  // namespace testing_util
}  // namespace slaterl
