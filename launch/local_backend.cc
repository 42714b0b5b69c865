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
// PR_SET_PDEATHSIG and also exit when the launcher goes silent, so none outlives a killed launcher.
// A new process that has not said Hello within cluster.startup_grace_s is killed as hung.
//
// Shutdown (docs/runtime.md, "Shutdown and the final weights"): actors first (their last stats
// arrive); then, for a final evaluation, the learner is told "final_weights" (it makes its final
// weights version, checkpoints and reports learner/final_weights_version, then stays up answering
// weights requests), the evaluator "final_evaluation" with that version (it asks the learner for
// it, evaluates and exits; if the learner dies first it is told so and evaluates the newest
// version it holds), and only then the learner "stop"; the shards last. An
// interrupted run skips the hand-off: actors, learner, evaluator, shards, each "stop". Anything
// still alive shutdown_timeout_s after its Shutdown is killed (the evaluator of a final evaluation:
// shutdown_timeout_s + final_evaluation_timeout_s).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
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

#include "core/child_process.h"
#include "core/control.h"
#include "core/curve.h"
#include "core/endpoints.h"
#include "core/logging.h"
#include "core/transport.h"
#include "launch/exec_command.h"
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
  Shutdown shutdown;  // the last Shutdown sent (a new reason or version is sent again)
  bool kill_sent = false;
};

// The file behind `path` (/proc/self/exe means another program on the far side of an exec
// template).
std::string RealPath(const std::string& path) {
  char buf[4096];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string ThisHost() {
  char name[256] = {0};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

// cluster.launcher_address, or this machine's host name.
std::string LauncherAddress(const RunConfig& run) {
  const std::string address = run.cluster.GetString("launcher_address");
  return address.empty() ? ThisHost() : address;
}

// The host (index into cluster.hosts) that runs a role.
int HostOf(const Placement& placement, const std::string& role, int id) {
  return role == "actor"   ? placement.actor_host.at(static_cast<size_t>(id))
         : role == "shard" ? placement.shard_host.at(static_cast<size_t>(id))
                           : placement.learner_host;
}

// "ADDRESS:PORT" of a tcp://ADDRESS:PORT endpoint.
std::string HostPort(const std::string& endpoint) {
  return endpoint.rfind("tcp://", 0) == 0 ? endpoint.substr(6) : endpoint;
}

// backend hosts: every port the run binds (each on tcp://*:PORT of its host), with what binds it.
struct BoundPort {
  std::string what;      // e.g. "shard-0 insert PULL"
  std::string host;      // where it runs
  std::string endpoint;  // tcp://ADDRESS:PORT
};
std::vector<BoundPort> BoundPorts(const RunEndpoints& e, const std::vector<HostSpec>& hosts, const Placement& placement) {
  std::vector<BoundPort> ports = {{"launcher control ROUTER", ThisHost(), e.control}};
  for (size_t k = 0; k < e.shard_insert.size(); ++k) {
    const std::string& host = hosts.at(static_cast<size_t>(placement.shard_host.at(k))).host;
    ports.push_back({"shard-" + std::to_string(k) + " insert PULL", host, e.shard_insert[k]});
    ports.push_back({"shard-" + std::to_string(k) + " sample ROUTER", host, e.shard_sample[k]});
  }
  const std::string& learner = hosts.at(static_cast<size_t>(placement.learner_host)).host;
  ports.push_back({"learner-0 weights PUB", learner, e.weights_pub});
  ports.push_back({"learner-0 weights request ROUTER", learner, e.weights_request});
  return ports;
}

// security.allow_plaintext: the warning naming every port that is open without CURVE.
std::string PlaintextWarning(const std::vector<BoundPort>& ports) {
  std::string text =
      "security.curve: false, security.allow_plaintext: true: every port of this run is plaintext and "
      "unauthenticated, anyone who reaches one can read and inject the run's messages:";
  for (size_t i = 0; i < ports.size(); ++i)
    text += (i == 0 ? " " : "; ") + ports[i].what + " " + HostPort(ports[i].endpoint) + " on " + ports[i].host;
  return text;
}

// The `slaterl _role` command line of one start of a role (before the exec template, backend hosts).
struct RoleStart {
  std::string role;
  int id = 0;
  int incarnation = 0;
  bool restart = false;
  int64_t weights_version_floor = 0;  // a restarted learner: above every version an actor holds
  int64_t actor_steps_taken = 0;      // an actor: env steps its earlier incarnations took
};
std::vector<std::string> RoleArgs(const RunConfig& run, const LaunchOptions& options, const std::string& executable,
                                  const std::string& run_dir, bool hosts_backend, const std::string& where,
                                  int64_t resumed_timesteps, const RoleStart& start) {
  std::vector<std::string> args = {executable, "_role", start.role, "--run-dir", run_dir,
                                   hosts_backend ? "--launcher-address" : "--socket-dir", where,
                                   "--id", std::to_string(start.id), "--incarnation", std::to_string(start.incarnation)};
  if (options.resume && !start.restart && (start.role == "learner" || start.role == "shard")) {
    args.push_back("--resume");
    if (options.resume_checkpoint_step > 0) {
      args.push_back("--checkpoint-step");
      args.push_back(std::to_string(options.resume_checkpoint_step));
    }
  }
  if (start.role == "learner" && start.restart) {
    args.push_back("--weights-version-floor");
    args.push_back(std::to_string(start.weights_version_floor));
  }
  if (start.role == "actor" && run.stop.GetInt("timesteps_total") > 0) {
    // Each actor takes an equal share of stop.timesteps_total (a restarted actor the rest of
    // its share), so the run stops within one fragment per actor of the target.
    const int64_t actors = run.cluster.GetInt("num_actors");
    // A resumed run: the remaining steps after the checkpoint.
    const int64_t remaining = std::max<int64_t>(1, run.stop.GetInt("timesteps_total") - resumed_timesteps);
    const int64_t share = (remaining + actors - 1) / actors;
    args.push_back("--max-env-steps");
    args.push_back(std::to_string(std::max<int64_t>(1, share - start.actor_steps_taken)));
  }
  return args;
}

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
        startup_grace_(Seconds(run.cluster.GetDouble("startup_grace_s"))),
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
      launcher_address_ = LauncherAddress(run_);
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
    } else if (hosts_backend_) {
      // Config validation lets this through only with security.allow_plaintext: true.
      LOG(WARNING) << PlaintextWarning(BoundPorts(endpoints_, hosts_, placement_));
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
    RETURN_IF_ERROR(StopRole("actor", Shutdown{"stop"}));
    if (stop_reason != "interrupted") {
      ASSIGN_OR_RETURN(const int64_t final_version, HandOffFinalWeights());
      RETURN_IF_ERROR(StopRole("evaluator", Shutdown{"final_evaluation", final_version}));
      RETURN_IF_ERROR(StopRole("learner", Shutdown{"stop"}));
    } else {
      RETURN_IF_ERROR(StopRole("learner", Shutdown{"stop"}));
      RETURN_IF_ERROR(StopRole("evaluator", Shutdown{"stop"}));
    }
    RETURN_IF_ERROR(StopRole("shard", Shutdown{"stop"}));
    RETURN_IF_ERROR(WriteRow());
    LOG(INFO) << "control channel: " << control_drops_ << " malformed or foreign messages dropped";
    return stop_reason;
  }

 private:
  // time_total_s: a resumed run's continues from its last kept metrics row (one history; the
  // stop.time_total_s budget counts the time before the resume too).
  static Clock::duration Seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
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
    RoleStart start;
    start.role = role;
    start.id = id;
    start.incarnation = child.incarnation;
    start.restart = restart;
    // Above every weights version an actor or the evaluator holds (they ignore older ones).
    int64_t floor = 0;
    for (const auto& kv : metrics_.actors()) floor = std::max(floor, kv.second.max_policy_version);
    start.weights_version_floor = floor + 1;
    auto done = metrics_.actors().find(id);
    if (role == "actor" && done != metrics_.actors().end()) start.actor_steps_taken = done->second.env_steps;
    std::vector<std::string> args =
        RoleArgs(run_, options_, hosts_backend_ ? RealPath(options_.executable) : options_.executable, dir_.path(),
                 hosts_backend_, hosts_backend_ ? launcher_address_ : socket_dir_, resumed_timesteps_, start);
    std::string host;
    if (hosts_backend_) {
      // `/bin/sh -c LINE`: cluster.exec with {host}, {argv} and {command} (launch/exec_command.h).
      host = hosts_[static_cast<size_t>(HostOf(placement_, role, id))].host;
      args = {"/bin/sh", "-c", ExecCommandLine(run_.cluster.GetString("exec"), host, args)};
    }
    // The child dies with the launcher, ignores the terminal's Ctrl-C (the launcher coordinates)
    // and appends to its log in the run directory.
    ChildOptions spawn;
    spawn.log_path = log_path;
    spawn.append_log = true;
    spawn.ignore_sigint = true;
    ASSIGN_OR_RETURN(const pid_t pid, StartChildProcess(std::move(args), spawn));
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
      const auto limit = child.identity.empty() ? std::max<Clock::duration>(silence_limit, startup_grace_)
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

  bool Running(const std::string& role, int id) const {
    auto it = children_.find(Key(role, id));
    return it != children_.end() && it->second.running;
  }

  // Tells the learner to stop training and hold its final weights ready ("final_weights"), and
  // waits for its report of the final version: the version the evaluator's final evaluation must
  // take. The learner keeps running (answering weights requests) until StopRole("learner").
  // Returns 0 when the learner exited, did not report within shutdown_timeout_s (it is killed) or
  // the user interrupted twice: the evaluator then evaluates the newest version it holds.
  Result<int64_t> HandOffFinalWeights() {
    const std::string key = "learner/final_weights_version";
    const auto deadline = Clock::now() + Seconds(run_.cluster.GetDouble("shutdown_timeout_s"));
    Child& learner = children_.at(Key("learner", 0));
    while (true) {
      auto reported = metrics_.learner().find(key);
      if (reported != metrics_.learner().end() && reported->second > 0) {
        LOG(INFO) << "the learner holds its final weights, version " << static_cast<int64_t>(reported->second);
        return static_cast<int64_t>(reported->second);
      }
      if (!learner.running) {
        LOG(WARNING) << "learner-0 exited before handing over its final weights; the final evaluation takes the "
                        "newest version the evaluator holds";
        return int64_t{0};
      }
      if (learner.identity.empty() || InterruptCount() > 1 || Clock::now() > deadline) {
        LOG(WARNING) << "learner-0 did not report its final weights in time; killing it (the final evaluation "
                        "takes the newest version the evaluator holds)";
        ::kill(learner.pid, SIGKILL);
        learner.kill_sent = true;
        learner.shutdown_sent = true;  // expected to exit now: no restart
        return int64_t{0};
      }
      if (!learner.shutdown_sent) {
        learner.shutdown = Shutdown{"final_weights"};
        learner.shutdown_sent = SendMessage(*control_, learner.shutdown, learner.identity).ok();
      }
      RETURN_IF_ERROR(Service(std::chrono::milliseconds(20)));
      RETURN_IF_ERROR(Supervise(/*restart=*/false));
    }
  }

  // Sends `shutdown` to every process of `role` and waits for them to exit (killing stragglers
  // after shutdown_timeout_s, plus final_evaluation_timeout_s for a final evaluation). While the
  // evaluator takes the final weights, a learner that dies makes the evaluator's Shutdown
  // final_weights_version 0 (sent again): it then evaluates the newest version it holds.
  Status StopRole(const std::string& role, Shutdown shutdown) {
    auto deadline = Clock::now() + Seconds(run_.cluster.GetDouble("shutdown_timeout_s"));
    if (shutdown.reason == "final_evaluation") deadline += Seconds(run_.cluster.GetDouble("final_evaluation_timeout_s"));
    while (true) {
      if (shutdown.reason == "final_evaluation" && shutdown.final_weights_version > 0 && !Running("learner", 0)) {
        LOG(WARNING) << "learner-0 exited while holding its final weights; the evaluator takes the newest version "
                        "it holds";
        shutdown.final_weights_version = 0;
      }
      bool any_running = false;
      for (auto& kv : children_) {
        Child& child = kv.second;
        if (child.role != role || !child.running) continue;
        any_running = true;
        const bool changed = child.shutdown.reason != shutdown.reason ||
                             child.shutdown.final_weights_version != shutdown.final_weights_version;
        if ((!child.shutdown_sent || changed) && !child.identity.empty()) {
          child.shutdown_sent = SendMessage(*control_, shutdown, child.identity).ok();
          if (child.shutdown_sent) child.shutdown = shutdown;
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
  Clock::duration startup_grace_;  // cluster.startup_grace_s
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

namespace {

// backend hosts: where each role runs, the host:port of every socket, and the exact line each
// role is started with.
std::string DescribeHostsLaunch(const RunConfig& run, const LaunchOptions& options) {
  const int num_actors = static_cast<int>(run.cluster.GetInt("num_actors"));
  const std::string run_dir = options.run_dir.empty() ? "runs/" + run.name + "-<time>" : options.run_dir;
  std::ostringstream out;
  auto hosts = ParseHostList(run.cluster.GetString("hosts"));
  if (!hosts.ok()) return "backend: hosts\n" + hosts.status().ToString() + "\n";
  const Placement placement = PlaceRoles(*hosts);
  const std::string launcher_address = LauncherAddress(run);
  const RunEndpoints e = RunEndpoints::ForHosts(launcher_address, *hosts, static_cast<int>(run.cluster.GetInt("base_port")));
  const std::vector<BoundPort> ports = BoundPorts(e, *hosts, placement);
  auto on = [&](const std::string& role, int id) { return (*hosts)[static_cast<size_t>(HostOf(placement, role, id))].host; };
  out << "backend: hosts\n";
  out << "run directory: " << run_dir << "\n";
  if (CurveEnabled(run, /*any_tcp_endpoint=*/true))
    out << "security: CURVE on every socket (keys in " << run_dir << "/keys)\n";
  else
    out << "WARNING: " << PlaintextWarning(ports) << "\n";
  out << "ports (each bound as tcp://*:PORT on its host; ADDRESS:PORT is where the others connect):\n";
  for (const auto& p : ports) out << "  " << p.what << " " << HostPort(p.endpoint) << " on " << p.host << "\n";
  out << "roles:\n";
  for (size_t k = 0; k < e.shard_insert.size(); ++k)
    out << "  shard-" << k << " on " << on("shard", static_cast<int>(k)) << ": PULL " << HostPort(e.shard_insert[k])
        << ", ROUTER " << HostPort(e.shard_sample[k]) << "\n";
  out << "  learner-0 on " << on("learner", 0) << ": PUB " << HostPort(e.weights_pub) << ", ROUTER "
      << HostPort(e.weights_request) << ", DEALER → every shard\n";
  out << "  evaluator-0 on " << on("evaluator", 0) << ": SUB " << HostPort(e.weights_pub) << "\n";
  const int num_shards = static_cast<int>(e.shard_insert.size());
  for (int a = 0; a < num_actors; ++a)
    out << "  actor-" << a << " on " << on("actor", a) << ": PUSH → shard-" << a % num_shards << " "
        << HostPort(e.shard_insert[static_cast<size_t>(a % num_shards)]) << ", SUB " << HostPort(e.weights_pub) << "\n";
  out << "commands (each run here as /bin/sh -c LINE; cluster.exec: " << run.cluster.GetString("exec") << "):\n";
  const std::string executable = RealPath(options.executable.empty() ? "/proc/self/exe" : options.executable);
  auto command = [&](const std::string& role, int id) {
    RoleStart start;
    start.role = role;
    start.id = id;
    const auto args = RoleArgs(run, options, executable, run_dir, /*hosts_backend=*/true, launcher_address, 0, start);
    out << "  " << role << "-" << id << ": " << ExecCommandLine(run.cluster.GetString("exec"), on(role, id), args) << "\n";
  };
  for (int k = 0; k < num_shards; ++k) command("shard", k);
  command("learner", 0);
  command("evaluator", 0);
  for (int a = 0; a < num_actors; ++a) command("actor", a);
  return out.str();
}

}  // namespace

std::string DescribeLocalLaunch(const RunConfig& run, const LaunchOptions& options) {
  if (run.cluster.GetString("backend") == "hosts") return DescribeHostsLaunch(run, options);
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
