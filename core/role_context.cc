#include "core/role_context.h"

#include <sched.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "core/hosts.h"

namespace slaterl {

SocketOptions RoleContext::Server(SocketOptions base) const {
  if (curve) base.curve_secret_key = keys.server.secret_key;
  return base;
}

SocketOptions RoleContext::Client(SocketOptions base) const {
  if (curve) {
    base.curve_server_key = keys.server.public_key;
    base.curve_public_key = keys.client.public_key;
    base.curve_secret_key = keys.client.secret_key;
  }
  return base;
}

Result<std::unique_ptr<ZapAuthenticator>> RoleContext::StartZap(zmq::context_t& zmq_context) const {
  if (!curve) return std::unique_ptr<ZapAuthenticator>();
  return ZapAuthenticator::Start(zmq_context, keys.allowed_clients);
}

Result<RoleContext> MakeRoleContext(const RoleOptions& options, RunConfig run) {
  RoleContext ctx;
  ctx.run = std::move(run);
  ASSIGN_OR_RETURN(ctx.endpoints, RunEndpointsFor(ctx.run, options.socket_dir, options.launcher_address));
  ctx.heartbeat_interval = std::chrono::milliseconds(ctx.run.cluster.GetInt("heartbeat_interval_ms"));
  ctx.liveness = static_cast<int>(ctx.run.cluster.GetInt("liveness"));
  ctx.stats_interval = std::chrono::milliseconds(static_cast<int64_t>(
      std::max(50.0, std::min(1000.0, 500.0 * ctx.run.reporting.GetDouble("interval_s")))));
  ctx.curve = CurveEnabled(ctx.run, /*any_tcp_endpoint=*/ctx.run.cluster.GetString("backend") == "hosts");
  if (ctx.curve) {
    ASSIGN_OR_RETURN(ctx.keys, LoadRunKeys(options.run_dir + "/keys"));
  }
  return ctx;
}

Hello MakeHello(const RoleOptions& options, const RoleContext& ctx) {
  Hello hello;
  hello.role = options.role;
  hello.id = options.id;
  hello.incarnation = options.incarnation;
  hello.config_hash = ctx.run.hash;
  return hello;
}

Result<std::unique_ptr<ControlClient>> ConnectControl(zmq::context_t& zmq_context, const RoleOptions& options,
                                                      const RoleContext& ctx) {
  auto control = std::make_unique<ControlClient>(zmq_context, ctx.endpoints.control, MakeHello(options, ctx),
                                                 ctx.heartbeat_interval, ctx.liveness, ctx.Client());
  RETURN_IF_ERROR(control->Connect());
  return control;
}

int LearnerThreadsFor(const RunConfig& run, int available_cores) {
  const int64_t configured = run.cluster.GetInt("learner_threads");
  if (configured > 0) return static_cast<int>(configured);
  int64_t beside = run.cluster.GetInt("num_actors") + run.cluster.GetInt("replay_shards") + 1;  // + evaluator
  if (run.cluster.GetString("backend") == "hosts") {
    Result<std::vector<HostSpec>> hosts = ParseHostList(run.cluster.GetString("hosts"));
    if (hosts.ok() && !hosts->empty()) {
      const Placement placement = PlaceRoles(*hosts);
      beside = 1;  // the evaluator runs with the learner
      for (int h : placement.actor_host) beside += h == placement.learner_host;
      for (int h : placement.shard_host) beside += h == placement.learner_host;
    }
  }
  return static_cast<int>(std::max<int64_t>(1, available_cores - beside));
}

int AvailableCores() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (::sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) > 0) return CPU_COUNT(&cpus);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Result<RunEndpoints> RunEndpointsFor(const RunConfig& run, const std::string& socket_dir,
                                     const std::string& launcher_address) {
  if (run.cluster.GetString("backend") != "hosts")
    return RunEndpoints::ForIpcDirectory(socket_dir, static_cast<int>(run.cluster.GetInt("replay_shards")));
  ASSIGN_OR_RETURN(std::vector<HostSpec> hosts, ParseHostList(run.cluster.GetString("hosts")));
  if (launcher_address.empty()) return InvalidArgumentError("backend hosts: no launcher address");
  return RunEndpoints::ForHosts(launcher_address, hosts, static_cast<int>(run.cluster.GetInt("base_port")));
}

}  // namespace slaterl
