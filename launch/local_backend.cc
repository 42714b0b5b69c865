// backend: local — every role is a separate OS process on this host, supervised by the launcher.
// backend: hosts — the same supervisor, with each role started on its host (cluster.hosts)
// through the cluster.exec template (default `ssh {host} {command}`) and tcp:// endpoints
// (core/endpoints.h ForHosts), CURVE on by default (security.curve: auto). The launcher supervises
// the local end of each exec (ssh, `ip netns exec`, ...); a role notices a dead launcher through
// the control channel's heartbeats and exits, wherever it runs.
//
// Start order: shards, learner, evaluator, actors (ZeroMQ connects before or after binds alike).
// The launcher binds the control ROUTER; every process says Hello, then heartbeats flow both ways.
// Supervision: a dead or silent actor (or evaluator) is restarted with the next incarnation, up
// to cluster.max_restarts; with checkpoint.interval_updates on, so are the learner (it resumes
// from the newest valid checkpoint, publishing versions above every version the actors hold) and
// every shard (it reloads its tables from its newest checkpoint, written on the learner's request);
// without checkpoints a dead learner or shard ends the run with an error. Children get
// PR_SET_PDEATHSIG and also exit when the launcher goes silent, so none outlives a killed launcher. Shutdown: actors first (their last stats arrive), then the
// learner (it publishes final weights and checkpoints), then the evaluator (final evaluation),
// then the shards; anything still alive after shutdown_timeout_s is killed.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <vector>
#include <zmq.hpp>

#include "core/control.h"
#include "core/curve.h"
#include "core/endpoints.h"
#include "core/logging.h"
#include "core/transport.h"
#include "launch/launcher.h"
#include "core/progress.h"
#include "core/role_context.h"
#include "launch/run_dir.h"
#include "learner/learner.h"

namespace slaterl {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  std::string role;
  int id = 0;
  int incarnation = 0;
  pid_t pid = -1;
  std::string identity;  // control-channel routing id, once Hello arrived
  Clock::time_point last_heard;
  bool running = false;
  bool shutdown_sent = false;
  bool kill_sent = false;
};

// The file behind `path` (/proc/self/exe means another program on the far side of an exec
// template).
std::string RealPath(const std::string& path) {
  char buf[4096];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

// A word for /bin/sh: single-quoted, with embedded single quotes closed and escaped.
std::string ShellQuote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// How long a new process may take to say Hello.
constexpr std::chrono::seconds kStartupGrace{30};

std::string Key(const std::string& role, int id) { return role + "-" + std::to_string(id); }

// Creates a private directory for the run's ipc:// sockets (0700; short path, ipc paths are
// limited to ~107 bytes).
Result<std::string> MakeSocketDirectory() {
  char pattern[] = "/tmp/slaterl-XXXXXX";
  if (!::mkdtemp(pattern)) return UnavailableError(std::string("mkdtemp: ") + std::strerror(errno));
  ::chmod(pattern, 0700);
  return std::string(pattern);
}

class LocalSupervisor {
 public:
  LocalSupervisor(const RunConfig& run, const LaunchOptions& options, RunDirectory& dir, RunMetrics& metrics)
      : run_(run), options_(options), dir_(dir), metrics_(metrics),
        heartbeat_interval_(run.cluster.GetInt("heartbeat_interval_ms")),
        liveness_(static_cast<int>(run.cluster.GetInt("liveness"))),
        progress_(run.reporting.GetString("progress")) {}

  ~LocalSupervisor() {
    for (auto& kv : children_)
      if (kv.second.running) ::kill(kv.second.pid, SIGKILL);
    for (auto& kv : children_)
      if (kv.second.running) ::waitpid(kv.second.pid, nullptr, 0);
    if (!socket_dir_.empty()) {
      control_.reset();
      // The directory holds only the ipc:// socket files of this run.
      if (DIR* dir = ::opendir(socket_dir_.c_str())) {
        while (dirent* entry = ::readdir(dir)) {
          const std::string name = entry->d_name;
          if (name != "." && name != "..") ::unlink((socket_dir_ + "/" + name).c_str());
        }
        ::closedir(dir);
      }
      ::rmdir(socket_dir_.c_str());
    }
  }

  Result<std::string> Run() {
    resumed_timesteps_ = metrics_.timesteps_total();
    resumed_time_s_ = metrics_.time_at_last_row();
    const int num_shards = static_cast<int>(run_.cluster.GetInt("replay_shards"));
    const int num_actors = static_cast<int>(run_.cluster.GetInt("num_actors"));
    if (hosts_backend_) {
      ASSIGN_OR_RETURN(hosts_, ParseHostList(run_.cluster.GetString("hosts")));
      placement_ = PlaceRoles(hosts_);
      launcher_address_ = run_.cluster.GetString("launcher_address");
      if (launcher_address_.empty()) {
        char name[256] = {0};
        ::gethostname(name, sizeof(name) - 1);
        launcher_address_ = name;
      }
    } else {
      ASSIGN_OR_RETURN(socket_dir_, MakeSocketDirectory());
    }
    ASSIGN_OR_RETURN(endpoints_, RunEndpointsFor(run_, socket_dir_, launcher_address_));
    SocketOptions control_options;
    if (CurveEnabled(run_, /*any_tcp_endpoint=*/hosts_backend_)) {
      // The run's keys (RUN_DIR/keys, 0700/0600); every role loads them (core/role_context.cc).
      Status written = WriteRunKeys(dir_.path() + "/keys");
      if (!written.ok() && written.code() != StatusCode::kFailedPrecondition) return written;
      ASSIGN_OR_RETURN(RunKeys keys, LoadRunKeys(dir_.path() + "/keys"));
      ASSIGN_OR_RETURN(zap_, ZapAuthenticator::Start(context_, keys.allowed_clients));
      control_options.curve_secret_key = keys.server.secret_key;
      LOG(INFO) << "security: CURVE on every socket (keys in " << dir_.path() << "/keys)";
    }
    control_options.receive_hwm = 100000;
    control_options.send_hwm = 100000;
    ASSIGN_OR_RETURN(control_, OpenSocket(context_, zmq::socket_type::router, endpoints_.control,
                                          /*bind=*/true, control_options));
    for (int k = 0; k < num_shards; ++k) RETURN_IF_ERROR(Spawn("shard", k));
    RETURN_IF_ERROR(Spawn("learner", 0));
    RETURN_IF_ERROR(Spawn("evaluator", 0));
    for (int a = 0; a < num_actors; ++a) RETURN_IF_ERROR(Spawn("actor", a));
    start_ = last_row_ = last_heartbeat_ = Clock::now();

    std::string stop_reason;
    while (stop_reason.empty()) {
      RETURN_IF_ERROR(Service(heartbeat_interval_ / 4));
      RETURN_IF_ERROR(CheckLearnerRejections());
      RETURN_IF_ERROR(Supervise(/*restart=*/true));
      stop_reason = metrics_.StopReason(run_.stop, ElapsedS());
      if (InterruptCount() > 0) stop_reason = "interrupted";
      if (ElapsedS() - RowTime() >= run_.reporting.GetDouble("interval_s") || !stop_reason.empty())
        RETURN_IF_ERROR(WriteRow());
    }
    progress_.Finish();
    LOG(INFO) << "stopping (" << stop_reason << ")";
    const bool final_eval = stop_reason != "interrupted";
    RETURN_IF_ERROR(StopRole("actor", "stop"));
    RETURN_IF_ERROR(StopRole("learner", "stop"));
    RETURN_IF_ERROR(StopRole("evaluator", final_eval ? "final_evaluation" : "stop"));
    RETURN_IF_ERROR(StopRole("shard", "stop"));
    RETURN_IF_ERROR(WriteRow());
    LOG(INFO) << "control channel: " << control_drops_ << " malformed or foreign messages dropped";
    return stop_reason;
  }

 private:
  // time_total_s: a resumed run's continues from its last kept metrics row (one history; the
  // stop.time_total_s budget counts the time before the resume too).
  double ElapsedS() const { return resumed_time_s_ + std::chrono::duration<double>(Clock::now() - start_).count(); }
  double RowTime() const { return resumed_time_s_ + std::chrono::duration<double>(last_row_ - start_).count(); }

  // A learner whose trainer rejects too many batches sends its counters and exits: the run ends
  // with the learner's reason instead of restarting a learner that cannot learn.
  Status CheckLearnerRejections() const {
    const auto& learner = metrics_.learner();
    auto counter = [&](const char* key) {
      auto it = learner.find(key);
      return it == learner.end() ? int64_t{0} : static_cast<int64_t>(it->second);
    };
    return CheckRejectedBatchFraction(counter("learner/rejected_batches"), counter("learner/num_updates"),
                                      run_.cluster.GetDouble("max_rejected_batch_fraction"))
        .WithContext("learner-0 (see " + dir_.LogPath("learner", 0) + ")");
  }

  Status Spawn(const std::string& role, int id) {
    Child& child = children_[Key(role, id)];
    const bool restart = child.pid > 0;
    child.role = role;
    child.id = id;
    if (restart) ++child.incarnation;
    child.identity.clear();
    child.shutdown_sent = false;
    child.kill_sent = false;
    const std::string log_path = dir_.LogPath(role, id);
    std::vector<std::string> args = {hosts_backend_ ? RealPath(options_.executable) : options_.executable, "_role", role, "--run-dir", dir_.path(),
                                     hosts_backend_ ? "--launcher-address" : "--socket-dir",
                                     hosts_backend_ ? launcher_address_ : socket_dir_, "--id", std::to_string(id),
                                     "--incarnation", std::to_string(child.incarnation)};
    if (options_.resume && !restart && (role == "learner" || role == "shard")) {
      args.push_back("--resume");
      if (options_.resume_checkpoint_step > 0) {
        args.push_back("--checkpoint-step");
        args.push_back(std::to_string(options_.resume_checkpoint_step));
      }
    }
    if (role == "learner" && restart) {
      // Above every weights version an actor or the evaluator holds (they ignore older ones).
      int64_t floor = 0;
      for (const auto& kv : metrics_.actors()) floor = std::max(floor, kv.second.max_policy_version);
      args.push_back("--weights-version-floor");
      args.push_back(std::to_string(floor + 1));
    }
    if (role == "actor" && run_.stop.GetInt("timesteps_total") > 0) {
      // Each actor takes an equal share of stop.timesteps_total (a restarted actor the rest of
      // its share), so the run stops within one fragment per actor of the target.
      const int64_t actors = run_.cluster.GetInt("num_actors");
      // A resumed run: the remaining steps after the checkpoint.
      const int64_t remaining = std::max<int64_t>(1, run_.stop.GetInt("timesteps_total") - resumed_timesteps_);
      const int64_t share = (remaining + actors - 1) / actors;
      auto done = metrics_.actors().find(id);
      const int64_t taken = done == metrics_.actors().end() ? 0 : done->second.env_steps;
      args.push_back("--max-env-steps");
      args.push_back(std::to_string(std::max<int64_t>(1, share - taken)));
    }
    std::string host;
    if (hosts_backend_) {
      // `sh -c "<exec template>"` with {host} and {command} (the role's command line, quoted).
      const int h = role == "actor" ? placement_.actor_host.at(static_cast<size_t>(id))
                    : role == "shard" ? placement_.shard_host.at(static_cast<size_t>(id))
                                      : placement_.learner_host;
      host = hosts_[static_cast<size_t>(h)].host;
      std::string command;
      for (const auto& a : args) command += (command.empty() ? "" : " ") + ShellQuote(a);
      std::string line = run_.cluster.GetString("exec");
      for (auto [key, value] : {std::make_pair(std::string("{host}"), host), std::make_pair(std::string("{command}"), command)})
        for (size_t at = line.find(key); at != std::string::npos; at = line.find(key, at + value.size()))
          line.replace(at, key.size(), value);
      args = {"/bin/sh", "-c", line};
    }
    const std::string program = args[0];
    std::vector<char*> argv;  // built before fork: the child may not allocate (threads)
    for (auto& a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return UnavailableError(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      // Child: die with the launcher, ignore the terminal's Ctrl-C (the launcher coordinates),
      // log to the run directory.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) std::_Exit(126);  // the launcher died before prctl
      ::signal(SIGINT, SIG_IGN);
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      ::execv(program.c_str(), argv.data());
      std::_Exit(127);
    }
    child.pid = pid;
    child.running = true;
    child.last_heard = Clock::now();
    LOG(INFO) << (restart ? "restarted " : "started ") << Key(role, id) << (host.empty() ? "" : " on " + host)
              << " (pid " << pid << ", incarnation " << child.incarnation << ")";
    return Status::Ok();
  }

  // Receives control messages for up to `wait` and sends due heartbeats.
  Status Service(std::chrono::milliseconds wait) {
    zmq::pollitem_t item{control_->handle(), 0, ZMQ_POLLIN, 0};
    (void)PollSockets(&item, 1, wait);
    RawMessage raw;
    while (true) {
      auto got = ReceiveMessage(*control_, /*is_router=*/true, &raw);
      if (!got.ok()) return got.status();
      if (!*got) break;
      auto header = raw.Header();
      if (!header.ok()) {
        ++control_drops_;
        continue;
      }
      Child* child = nullptr;
      for (auto& kv : children_)
        if (kv.second.identity == raw.identity) child = &kv.second;
      if (header->type == MessageType::kHello) {
        Hello hello;
        if (!raw.Decode(&hello).ok()) {
          ++control_drops_;
          continue;
        }
        auto it = children_.find(Key(hello.role, hello.id));
        // A stale incarnation's Hello. (On other hosts the pid is not ours: the incarnation decides.)
        if (it == children_.end() || hello.incarnation != it->second.incarnation ||
            (!hosts_backend_ && hello.pid != it->second.pid)) {
          ++control_drops_;
          continue;
        }
        if (hello.config_hash != run_.hash) {
          LOG(ERROR) << Key(hello.role, hello.id) << " runs another config (hash " << hello.config_hash << ")";
          continue;
        }
        it->second.identity = raw.identity;
        child = &it->second;
      }
      if (!child) {  // not from a process of this run
        ++control_drops_;
        continue;
      }
      child->last_heard = Clock::now();
      if (header->type == MessageType::kStats) {
        Stats stats;
        if (!raw.Decode(&stats).ok()) ++control_drops_;
        else {
          stats.id = child->id;  // trust the channel, not the payload
          stats.role = child->role;
          metrics_.OnStats(stats);
        }
      }
    }
    if (Clock::now() - last_heartbeat_ >= heartbeat_interval_) {
      Heartbeat heartbeat;
      heartbeat.sequence = ++heartbeat_sequence_;
      for (auto& kv : children_)
        if (kv.second.running && !kv.second.identity.empty())
          (void)SendMessage(*control_, heartbeat, kv.second.identity);
      last_heartbeat_ = Clock::now();
    }
    return Status::Ok();
  }

  // Reaps exited children and kills silent ones; restarts actors and the evaluator (and, with
  // checkpoints, the learner and shards) once their backoff has passed.
  Status Supervise(bool restart) {
    for (auto it = restart_due_.begin(); it != restart_due_.end();) {
      if (!restart) {
        it = restart_due_.erase(it);
        continue;
      }
      if (Clock::now() < it->second) {
        ++it;
        continue;
      }
      const Child& child = children_.at(it->first);
      const std::string role = child.role;
      const int id = child.id;
      it = restart_due_.erase(it);
      RETURN_IF_ERROR(Spawn(role, id));
    }
    const auto silence_limit = heartbeat_interval_ * liveness_;
    for (auto& kv : children_) {
      Child& child = kv.second;
      // After Shutdown a process may be busy finishing (final evaluation, checkpoint); StopRole's
      // deadline bounds that instead.
      if (!child.running || child.kill_sent || child.shutdown_sent) continue;
      // Before its Hello a process is still starting (loading LibTorch, reading the config).
      const auto limit = child.identity.empty() ? std::max<Clock::duration>(silence_limit, kStartupGrace)
                                                : Clock::duration(silence_limit);
      if (Clock::now() - child.last_heard > limit) {
        LOG(WARNING) << kv.first << (child.identity.empty() ? " did not say Hello in time" : " went silent")
                     << "; killing it";
        ::kill(child.pid, SIGKILL);
        child.kill_sent = true;
      }
    }
    while (true) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      for (auto& kv : children_) {
        Child& child = kv.second;
        if (child.pid != pid || !child.running) continue;
        child.running = false;
        const std::string how = WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                                                  : "killed by signal " + std::to_string(WTERMSIG(status));
        if (child.shutdown_sent && WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
        LOG(WARNING) << kv.first << " (pid " << pid << ") " << how << "; its log: " << dir_.LogPath(child.role, child.id);
        if (!restart || child.shutdown_sent) continue;
        // With checkpoints on, a learner or shard restarts from its newest valid checkpoint.
        const bool from_checkpoint = (child.role == "learner" || child.role == "shard") &&
                                     run_.checkpoint.GetInt("interval_updates") > 0;
        if (child.role == "actor" || child.role == "evaluator" || from_checkpoint) {
          if (metrics_.restarts(child.role) >= run_.cluster.GetInt("max_restarts"))
            return UnavailableError(kv.first + " died and cluster.max_restarts (" +
                                    std::to_string(run_.cluster.GetInt("max_restarts")) + ") is used up");
          metrics_.CountRestart(child.role);
          // cluster.restart_backoff_s: the n-th restart of a role waits backoff × n (capped at 60 s),
          // so a process that dies at once does not spin.
          const double backoff_s = std::min(60.0, run_.cluster.GetDouble("restart_backoff_s") *
                                                      static_cast<double>(metrics_.restarts(child.role)));
          restart_due_[kv.first] = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(backoff_s));
        } else {
          return UnavailableError(kv.first + " " + how + " (see " + dir_.LogPath(child.role, child.id) + ")");
        }
      }
    }
    return Status::Ok();
  }

  // Sends Shutdown to every process of `role` and waits for them to exit (killing stragglers).
  Status StopRole(const std::string& role, const std::string& reason) {
    Shutdown shutdown;
    shutdown.reason = reason;
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(run_.cluster.GetDouble("shutdown_timeout_s")));
    if (reason == "final_evaluation") deadline += std::chrono::seconds(120);  // the evaluation itself
    while (true) {
      bool any_running = false;
      for (auto& kv : children_) {
        Child& child = kv.second;
        if (child.role != role || !child.running) continue;
        any_running = true;
        if (!child.shutdown_sent && !child.identity.empty()) {
          child.shutdown_sent = SendMessage(*control_, shutdown, child.identity).ok();
        } else if (child.identity.empty()) {
          child.shutdown_sent = true;  // never said Hello: nothing to wait for
          ::kill(child.pid, SIGKILL);
        }
        if (InterruptCount() > 1 || Clock::now() > deadline) {
          LOG(WARNING) << kv.first << " did not exit in time; killing it";
          ::kill(child.pid, SIGKILL);
        }
      }
      if (!any_running) return Status::Ok();
      RETURN_IF_ERROR(Service(std::chrono::milliseconds(20)));
      RETURN_IF_ERROR(Supervise(/*restart=*/false));
    }
  }

  Status WriteRow() {
    const double now_s = ElapsedS();
    RETURN_IF_ERROR(dir_.AppendMetricsRow(metrics_.NextRow(now_s)));
    const double dt = now_s - RowTime();
    const int64_t steps = metrics_.timesteps_total();
    const double rate = dt > 0 ? (steps - steps_at_last_row_) / dt : 0.0;
    steps_at_last_row_ = steps;
    last_row_ = Clock::now();
    const int64_t target = run_.stop.GetInt("timesteps_total");
    const auto& eval = metrics_.last_eval();
    progress_.Update(ProgressLine::Format(
        steps, target, rate, metrics_.episode_reward_mean(),
        eval.count("eval/episode_reward_mean") ? eval.at("eval/episode_reward_mean") : NAN,
        target > 0 && rate > 0 ? (target - steps) / rate : -1));
    return Status::Ok();
  }

  const RunConfig& run_;
  const LaunchOptions& options_;
  RunDirectory& dir_;
  RunMetrics& metrics_;
  std::chrono::milliseconds heartbeat_interval_;
  int liveness_;
  ProgressLine progress_;
  zmq::context_t context_{1};
  std::unique_ptr<ZapAuthenticator> zap_;  // declared after the context: stops before it closes
  std::unique_ptr<zmq::socket_t> control_;
  std::string socket_dir_;
  const bool hosts_backend_ = run_.cluster.GetString("backend") == "hosts";
  std::vector<HostSpec> hosts_;
  Placement placement_;
  std::string launcher_address_;
  RunEndpoints endpoints_;
  std::map<std::string, Child> children_;
  Clock::time_point start_, last_row_, last_heartbeat_;
  int64_t steps_at_last_row_ = 0;
  uint64_t heartbeat_sequence_ = 0;
  int64_t control_drops_ = 0;
  int64_t resumed_timesteps_ = 0;  // env steps done before this launch (launch --resume)
  double resumed_time_s_ = 0.0;    // time_total_s of the last metrics row kept by launch --resume
  std::map<std::string, Clock::time_point> restart_due_;  // dead processes waiting for their backoff  // control messages that were malformed or not from this run's processes
};

}  // namespace

Result<std::string> RunLocal(const RunConfig& run, const LaunchOptions& options, RunDirectory& dir,
                             RunMetrics& metrics) {
  LocalSupervisor supervisor(run, options, dir, metrics);
  return supervisor.Run();
}

std::string DescribeLocalLaunch(const RunConfig& run, const LaunchOptions& options) {
  const int num_shards = static_cast<int>(run.cluster.GetInt("replay_shards"));
  const int num_actors = static_cast<int>(run.cluster.GetInt("num_actors"));
  RunEndpoints e = RunEndpoints::ForIpcDirectory("<socket-dir>", num_shards);
  std::ostringstream out;
  out << "backend: " << run.cluster.GetString("backend") << "\n";
  out << "run directory: " << (options.run_dir.empty() ? "runs/" + run.name + "-<time>" : options.run_dir) << "\n";
  out << "control: launcher ROUTER bind " << e.control << "\n";
  for (int k = 0; k < num_shards; ++k)
    out << "process shard-" << k << ": PULL bind " << e.shard_insert[k] << ", ROUTER bind " << e.shard_sample[k] << "\n";
  out << "process learner-0: PUB bind " << e.weights_pub << ", ROUTER bind " << e.weights_request
      << ", DEALER → every shard\n";
  out << "process evaluator-0: SUB " << e.weights_pub << "\n";
  for (int a = 0; a < num_actors; ++a)
    out << "process actor-" << a << ": PUSH → shard-" << a % num_shards << ", SUB " << e.weights_pub << "\n";
  out << "command: " << options.executable << " _role ROLE --run-dir DIR --socket-dir DIR --id I --incarnation N\n";
  return out.str();
}

}  // namespace slaterl
