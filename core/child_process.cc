#include "core/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace slaterl {

Result<pid_t> StartChildProcess(std::vector<std::string> args, const ChildOptions& options) {
  if (args.empty()) return InvalidArgumentError("StartChildProcess: no program");
  std::vector<char*> argv;  // built before fork: the child may not allocate
  for (auto& a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  const int log_flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.append_log ? O_APPEND : O_TRUNC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return UnavailableError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) std::_Exit(126);  // the parent died before prctl
    if (options.ignore_sigint) ::signal(SIGINT, SIG_IGN);
    if (!options.log_path.empty()) {
      const int fd = ::open(options.log_path.c_str(), log_flags, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
    }
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  return pid;
}

}  // namespace slaterl
