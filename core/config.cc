#include "core/config.h"

#include "core/hosts.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/wire.h"

namespace slaterl {

Schema StopSchema() {
  return Schema("stop")
      .Int("timesteps_total", 0, 0, int64_t(1) << 50, "env steps",
           "Stop once the actors have taken this many env steps in total (0 = no limit).")
      .Int("episodes_total", 0, 0, int64_t(1) << 50, "episodes",
           "Stop once this many training episodes have finished (0 = no limit).")
      .Double("time_total_s", 0.0, 0.0, 1e9, "s",
              "Stop after this much wall time (0 = no limit). A run continued with `launch --resume` "
              "counts its time before the resume too (time_total_s continues from its last kept row).")
      .OptionalDouble("episode_reward_mean", -1e18, 1e18, "return",
                      "Stop once the smoothed training return reaches this value (unset = no threshold).");
}

Schema EvaluationSchema() {
  return Schema("evaluation")
      .Int("interval_timesteps", 0, 0, int64_t(1) << 50, "env steps",
           "Evaluate every time timesteps_total crosses a multiple of this (0 = off). Deterministic "
           "in `backend: inproc`.")
      .Double("interval_s", 0.0, 0.0, 1e9, "s",
              "Evaluate at most this often in wall time (local backend; 0 = off).")
      .Int("episodes", 100, 1, 1000000, "episodes", "Episodes per periodic evaluation.")
      .Int("final_episodes", 0, 0, 1000000, "episodes",
           "Episodes of the final evaluation at the end of the run (0 = same as `episodes`).")
      .Int("num_envs", 16, 1, 4096, "envs", "Environments the evaluator steps in lock-step.")
      .Int("seed", -1, -1, int64_t(1) << 50, "",
           "Seed of every evaluation's users (-1 = derived from the run seed).")
      .Bool("select_best", false,
            "Keep the weights of the best periodic evaluation and give the final evaluation to them, "
            "on fresh users (GeMS protocol: validate, keep the best, test on new users).");
}

Schema ClusterSchema() {
  return Schema("cluster")
      .Enum("backend", "local", {"inproc", "local", "hosts", "slurm"},
            "How roles run: `inproc` = one process, deterministic single-threaded scheduler (tests); "
            "`local` = separate OS processes on this host over ipc:// sockets; `hosts` = processes "
            "placed on `hosts` and started through `exec`, over tcp://; `slurm` = submitted with sbatch, "
            "roles started with srun over the allocation's nodes (docs/multi-node.md).")
      .HostList("hosts",
                "backend hosts: where roles run, e.g. [{host: n1, address: 10.0.0.1, shards: 1, learner: "
                "true}, {host: n2, actors: 8}]; per host `actors`, `shards`, `learner` (one host; it also "
                "runs the evaluator; default the first) and `address` (default: the host name). The sums "
                "must equal num_actors and replay_shards.")
      .String("exec", "ssh {host} {command}",
              "backend hosts: how a role process is started on {host}, run by /bin/sh here. {command} is the "
              "role's command line as one shell word, quoted for the shell that runs it there (ssh hands it to "
              "the remote shell); {argv} is the same command line as separate words, for programs that run "
              "their arguments themselves (`ip netns exec {host} {argv}`, `srun ... {argv}`). The command is "
              "this slaterl binary's path, which must exist on every host, and a run directory every host can "
              "read and write, e.g. on a shared file system; `launch --dry-run` prints every line.")
      .String("launcher_address", "",
              "backend hosts: the address the hosts reach the launcher at (control channel); empty = "
              "this machine's host name.")
      .Int("slurm_nodes", 1, 1, 100000, "nodes", "backend slurm: nodes the job asks for (#SBATCH --nodes).")
      .String("slurm_sbatch", "",
              "backend slurm: more sbatch options, one #SBATCH line each, e.g. \"--partition=gpu --time=24:00:00\".")
      .Bool("slurm_wait", false, "backend slurm: `slaterl launch` waits for the job to end (sbatch --wait).")
      .Int("base_port", 47000, 1024, 65000, "",
           "backend hosts: first tcp port; control base, shard k insert/sample base+1+2k / base+2+2k, "
           "learner weights base+1+2K / base+2+2K (K = replay_shards).")
      .Int("num_actors", 2, 1, 1024, "processes", "Rollout actors.")
      .Int("num_envs_per_actor", 8, 1, 4096, "envs", "Environments each actor steps in lock-step.")
      .Int("replay_shards", 1, 1, 64, "processes", "Replay shard processes; actor a writes to shard a mod K.")
      .Enum("learner_device", "auto", {"auto", "cpu", "cuda"},
            "Where the learner trains (auto = CUDA when built with it, else CPU).")
      .Int("learner_threads", 0, 0, 1024, "threads",
           "LibTorch intra-op threads of the learner process. 0 = auto: the cores the learner may run "
           "on (its CPU affinity) less one for every other role process on its host (backend local: "
           "the actors, the shards and the evaluator; hosts: those placed with the learner), at least 1 "
           "(threads beyond the free cores slow LibTorch down). Actors, the evaluator and the shards use "
           "one thread each; `backend: inproc` runs everything on one thread (its runs are a pure "
           "function of config and seed).")
      .Int("fragment_length", 25, 1, 100000, "env steps",
           "Steps per environment in one fragment an actor pushes (T; a fragment holds T×N steps).")
      .Int("broadcast_interval", 1, 1, 1000000, "updates", "Learner publishes weights every this many updates.")
      .Int("requests_in_flight", 2, 1, 64, "requests", "Sample requests the learner keeps pending per shard.")
      .Double("max_rejected_batch_fraction", 0.01, 0.0, 1.0, "",
              "The run fails when the trainer has rejected more than this fraction of the sample batches "
              "it was given (a batch it cannot use, e.g. of another layout: not an update, counted in "
              "learner/rejected_batches, the first one logged with its reason); checked from the 100th "
              "batch on, so one early bad batch does not end a run. 1 = never fail.")
      .Int("heartbeat_interval_ms", 500, 10, 60000, "ms", "Control-channel heartbeat period, both ways.")
      .Int("liveness", 6, 2, 100, "heartbeats",
           "Silent heartbeat intervals after which a peer is declared dead (process exits / is restarted).")
      .Int("max_restarts", 10, 0, 1000000, "restarts",
           "Restarts allowed per role (actors, evaluator; with checkpoints also learner and shards) before the "
           "run fails.")
      .Double("restart_backoff_s", 0.5, 0.0, 600.0, "s",
              "Delay before restarting a dead process; the n-th restart of a role waits n × this (at most 60 s).")
      .Double("shutdown_timeout_s", 10.0, 0.1, 600.0, "s",
              "Grace period for processes to exit after Shutdown before they are killed.")
      .Double("startup_grace_s", 30.0, 1.0, 3600.0, "s",
              "How long a started process may take to say Hello (loading LibTorch, reading the "
              "config) before the launcher kills it as hung; after its Hello, heartbeats decide.")
      .Double("final_evaluation_timeout_s", 120.0, 1.0, 604800.0, "s",
              "Time the final evaluation may take: an evaluator still running shutdown_timeout_s + this "
              "after its Shutdown is killed, and the run has no final evaluation. Raise it for long final "
              "evaluations (many evaluation.final_episodes).")
      .Double("shard_request_timeout_s", 60.0, 1.0, 86400.0, "s",
              "The learner sends new sample requests to a live shard that has answered none of its "
              "pending ones for this long (a request the shard dropped). Long: a shard legitimately "
              "stays silent while it fills up to min_size or while its rate limiter waits for inserts; "
              "a shard that dies is noticed at once by its disconnection instead.");
}

Schema ReportingSchema() {
  return Schema("reporting")
      .Double("interval_s", 2.0, 0.05, 3600.0, "s",
              "Wall-time period of metrics.jsonl rows and the progress line (local backend).")
      .Int("interval_timesteps", 0, 0, int64_t(1) << 50, "env steps",
           "In `backend: inproc`, one metrics row each time timesteps_total crosses a multiple of "
           "this (0 = one row per scheduler round).")
      .Int("smoothing_episodes", 100, 1, 1000000, "episodes",
           "episode_reward_mean averages the last this many training episodes (RLlib's "
           "metrics_num_episodes_for_smoothing).")
      .Enum("progress", "auto", {"auto", "tty", "plain", "off"},
            "Progress line: auto = rewritten in place on a terminal, plain lines otherwise.");
}

Schema SecuritySchema() {
  return Schema("security")
      .Enum("curve", "auto", {"auto", "true", "false"},
            "ZeroMQ CURVE on every socket of the run: the launcher writes the run's key pairs to "
            "RUN_DIR/keys/ (0700/0600) and every server socket accepts only clients holding the run's "
            "client key (a ZAP allow-list). auto = on when any endpoint is tcp://, off for ipc:// "
            "(whose socket directory is already private to the user). `false` with backend hosts or "
            "slurm (tcp://) is refused unless `allow_plaintext` is true.")
      .Bool("allow_plaintext", false,
            "Let a tcp:// run (backend hosts or slurm) go without CURVE (`curve: false`): every port it "
            "binds (launcher control, shard insert/sample, learner weights) is then plaintext and "
            "unauthenticated, open to anyone who reaches it; the launcher logs a WARNING naming each "
            "port at start-up (docs/multi-node.md).");
}

Schema CheckpointSchema() {
  return Schema("checkpoint")
      .Int("interval_updates", 0, 0, int64_t(1) << 50, "updates",
           "Checkpoint of the whole run every this many updates (0 = only the final learner one), each sealed "
           "by a MANIFEST with a CRC-32C per file (core/checkpoint_store.h): the learner writes "
           "RUN_DIR/checkpoints/ckpt-<updates>/ (networks, optimisers, counters) and every replay shard its "
           "tables as RUN_DIR/checkpoints/shard-<k>/ckpt-<updates>/ on the learner's next request; killed "
           "learners and shards restart from them, `launch --resume` continues from the newest checkpoint "
           "all of them hold. backend inproc: one snapshot of everything, resumed bit-identically.")
      .Int("keep_last", 3, 1, 1000000, "checkpoints", "Complete checkpoints kept; older ones are deleted.");
}

bool CurveEnabled(const RunConfig& run, bool any_tcp_endpoint) {
  const std::string curve = run.security.GetString("curve");
  return curve == "true" || (curve == "auto" && any_tcp_endpoint);
}

namespace {

const char* const kTopLevelKeys[] = {"name", "env", "env_config", "algo", "config", "stop",
                                     "evaluation", "cluster", "reporting", "security", "checkpoint",
                                     "seed"};

struct Source {
  std::string file;
  std::map<std::string, std::string> overridden;  // dotted path → "--set path=value"
};

std::string Where(const Source& source, const YAML::Node& node, const std::string& path) {
  auto it = source.overridden.find(path);
  if (it != source.overridden.end()) return it->second;
  if (node.IsDefined()) {
    const YAML::Mark mark = node.Mark();
    if (mark.line >= 0) return source.file + ":" + std::to_string(mark.line + 1);
  }
  return source.file;
}

Status KeyError(const std::string& where, const std::string& path, const std::string& what) {
  return InvalidArgumentError(where + ": key '" + path + "': " + what);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string RangeText(const KeySpec& k) {
  std::ostringstream out;
  const bool has_min = std::isfinite(k.min), has_max = std::isfinite(k.max);
  if (!has_min && !has_max) return "";
  auto number = [&](double v) {
    if (k.type == ValueType::kInt && std::fabs(v) < 1e12) out << static_cast<int64_t>(v);
    else if (k.type == ValueType::kInt) out << "2^" << static_cast<int>(std::log2(v) + 0.5);
    else out << v;
  };
  out << " in " << (k.min_exclusive ? "(" : "[");
  if (has_min) number(k.min); else out << "-inf";
  out << ", ";
  if (has_max) number(k.max); else out << "inf";
  out << "]";
  return out.str();
}

bool ParseInt(const std::string& text, int64_t* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') {
    // Accept integral values written in float notation, e.g. 1e5.
    errno = 0;
    const double d = std::strtod(text.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9e15)
      return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  *out = v;
  return true;
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

Result<ParamValue> ParseValue(const KeySpec& k, const std::string& text, const std::string& where,
                              const std::string& path) {
  ParamValue v;
  v.type = k.type;
  switch (k.type) {
    case ValueType::kInt:
      if (!ParseInt(text, &v.i)) return KeyError(where, path, "expected an integer, got '" + text + "'");
      if (v.i < k.min || v.i > k.max)
        return KeyError(where, path, "expected an integer" + RangeText(k) + ", got " + text);
      break;
    case ValueType::kDouble:
      if (!ParseDouble(text, &v.d)) return KeyError(where, path, "expected a number, got '" + text + "'");
      if (v.d < k.min || v.d > k.max || (k.min_exclusive && v.d == k.min))
        return KeyError(where, path, "expected a number" + RangeText(k) + ", got " + text);
      break;
    case ValueType::kBool:
      if (text == "true" || text == "True" || text == "TRUE") v.b = true;
      else if (text == "false" || text == "False" || text == "FALSE") v.b = false;
      else return KeyError(where, path, "expected true or false, got '" + text + "'");
      break;
    case ValueType::kString:
      v.s = text;
      break;
    case ValueType::kHostList: {
      auto hosts = ParseHostList(text);
      if (!hosts.ok()) return KeyError(where, path, hosts.status().message());
      v.s = HostListText(*hosts);
      break;
    }
    case ValueType::kEnum: {
      bool found = false;
      for (const auto& c : k.choices) found = found || c == text;
      if (!found) return KeyError(where, path, "expected one of {" + Join(k.choices) + "}, got '" + text + "'");
      v.s = text;
      break;
    }
  }
  return v;
}

// Validates one map section against its schema, filling defaults.
Status ValidateSection(const YAML::Node& section, const Schema& schema, const std::string& prefix,
                       const Source& source, Params* out) {
  if (section.IsDefined() && !section.IsNull() && !section.IsMap())
    return KeyError(Where(source, section, prefix), prefix, "expected a mapping of keys");
  std::vector<std::string> valid;
  for (const auto& k : schema.keys()) valid.push_back(k.name);
  if (section.IsMap()) {
    for (const auto& kv : section) {
      const std::string key = kv.first.as<std::string>();
      if (!schema.Find(key))
        return InvalidArgumentError(Where(source, kv.first, prefix + "." + key) + ": unknown key '" +
                                    prefix + "." + key + "'" +
                                    (valid.empty() ? " (this section takes no keys)"
                                                   : " (valid keys: " + Join(valid) + ")"));
    }
  }
  for (const auto& k : schema.keys()) {
    const std::string path = prefix + "." + k.name;
    YAML::Node node = section.IsMap() ? section[k.name] : YAML::Node();
    if (!node.IsDefined() || node.IsNull()) {
      if (k.required) return KeyError(Where(source, section, path), path, "is required");
      if (k.optional) {
        ParamValue unset;
        unset.type = k.type;
        unset.unset = true;
        out->Set(k.name, unset, /*is_explicit=*/false);
        continue;
      }
      auto v = ParseValue(k, k.default_text, "schema default", path);
      if (!v.ok()) return v.status();
      out->Set(k.name, std::move(v).value(), /*is_explicit=*/false);
      continue;
    }
    if (k.type == ValueType::kHostList) {
      auto hosts = HostListFromYaml(node, path);
      if (!hosts.ok()) return InvalidArgumentError(Where(source, node, path) + ": " + hosts.status().message());
      ParamValue v;
      v.type = k.type;
      v.s = HostListText(*hosts);
      out->Set(k.name, v, /*is_explicit=*/true);
      continue;
    }
    if (!node.IsScalar())
      return KeyError(Where(source, node, path), path, std::string("expected a ") + ValueTypeName(k.type) +
                                                           " value, got a " +
                                                           (node.IsMap() ? "mapping" : "list"));
    auto v = ParseValue(k, node.Scalar(), Where(source, node, path), path);
    if (!v.ok()) return v.status();
    out->Set(k.name, std::move(v).value(), /*is_explicit=*/true);
  }
  return Status::Ok();
}

Status ApplyOverride(YAML::Node root, const std::string& spec, Source* source) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    return InvalidArgumentError("--set " + spec + ": expected KEY=VALUE, e.g. --set cluster.num_actors=4");
  const std::string path = spec.substr(0, eq);
  const std::string value = spec.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) {
    if (part.empty()) return InvalidArgumentError("--set " + spec + ": empty key component");
    parts.push_back(part);
  }
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("--set " + spec + ": value is not valid YAML: " + e.msg);
  }
  if (parsed.IsNull()) parsed = YAML::Node(value);
  // Walk with fresh handles (yaml-cpp nodes are references; reassignment would alias).
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap())
      return InvalidArgumentError("--set " + spec + ": '" + parts[i] + "' is not a mapping");
    if (!next.IsDefined() || next.IsNull()) {
      chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[parts[i]];
    }
    chain.push_back(next);
  }
  chain.back()[parts.back()] = parsed;
  source->overridden[path] = "--set " + spec;
  return Status::Ok();
}

void EmitSection(YAML::Emitter& out, const char* key, const Schema& schema, const Params& params) {
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& k : schema.keys()) {
    const ParamValue& v = params.values().at(k.name);
    out << YAML::Key << k.name << YAML::Value;
    if (v.unset) out << YAML::Null;
    else if (v.type == ValueType::kString) out << YAML::DoubleQuoted << v.s;
    else if (v.type == ValueType::kHostList) out << YAML::Load(v.s);
    else out << v.ToString();
  }
  out << YAML::EndMap;
}

Result<RunConfig> LoadFromNode(YAML::Node root, Source source, const std::vector<std::string>& overrides,
                               const SchemaProvider& schemas) {
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) return InvalidArgumentError(source.file + ": the config must be a YAML mapping");
  for (const auto& spec : overrides) RETURN_IF_ERROR(ApplyOverride(root, spec, &source));

  std::set<std::string> top(std::begin(kTopLevelKeys), std::end(kTopLevelKeys));
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!top.count(key))
      return InvalidArgumentError(Where(source, kv.first, key) + ": unknown key '" + key +
                                  "' (valid top-level keys: name, env, env_config, algo, config, stop, "
                                  "evaluation, cluster, reporting, security, checkpoint, seed)");
  }
  RunConfig rc;
  rc.source = source.file;

  Schema top_schema("");
  top_schema.String("name", "", "")
      .Required("env", ValueType::kEnum, "", schemas.env_names)
      .Required("algo", ValueType::kEnum, "", schemas.algo_names)
      .Int("seed", 0, 0, int64_t(1) << 62, "", "");
  // The scalar top-level keys, validated with the same value parser as the sections.
  Params top_params;
  {
    for (const auto& k : top_schema.keys()) {
      YAML::Node node = root[k.name];
      const std::string where = Where(source, node.IsDefined() ? node : root, k.name);
      if (!node.IsDefined() || node.IsNull()) {
        if (k.required) return KeyError(where, k.name, "is required (one of {" + Join(k.choices) + "})");
        auto v = ParseValue(k, k.default_text, "default", k.name);
        if (!v.ok()) return v.status();
        top_params.Set(k.name, std::move(v).value(), false);
        continue;
      }
      if (!node.IsScalar()) return KeyError(where, k.name, "expected a scalar");
      auto v = ParseValue(k, node.Scalar(), where, k.name);
      if (!v.ok()) return v.status();
      top_params.Set(k.name, std::move(v).value(), true);
    }
  }
  rc.env = top_params.GetString("env");
  rc.algo = top_params.GetString("algo");
  rc.seed = static_cast<uint64_t>(top_params.GetInt("seed"));
  rc.name = top_params.GetString("name");
  if (rc.name.empty()) {
    std::string base = source.file;
    const size_t slash = base.find_last_of('/');
    if (slash != std::string::npos) base = base.substr(slash + 1);
    const size_t dot = base.rfind('.');
    if (dot != std::string::npos) base = base.substr(0, dot);
    rc.name = base.empty() || base[0] == '<' ? rc.env + "-" + rc.algo : base;
  }

  auto env_schema = schemas.env_schema(rc.env);
  if (!env_schema.ok()) return env_schema.status();
  auto algo_schema = schemas.algo_schema(rc.algo);
  if (!algo_schema.ok()) return algo_schema.status();
  RETURN_IF_ERROR(ValidateSection(root["env_config"], *env_schema, "env_config", source, &rc.env_config));
  RETURN_IF_ERROR(ValidateSection(root["config"], *algo_schema, "config", source, &rc.config));
  const Schema stop = StopSchema(), evaluation = EvaluationSchema(), cluster = ClusterSchema(),
               reporting = ReportingSchema(), security = SecuritySchema(), checkpoint = CheckpointSchema();
  RETURN_IF_ERROR(ValidateSection(root["stop"], stop, "stop", source, &rc.stop));
  RETURN_IF_ERROR(ValidateSection(root["evaluation"], evaluation, "evaluation", source, &rc.evaluation));
  RETURN_IF_ERROR(ValidateSection(root["cluster"], cluster, "cluster", source, &rc.cluster));
  if (rc.cluster.GetString("backend") == "hosts") {
    const YAML::Node node = root["cluster"].IsMap() ? root["cluster"]["hosts"] : YAML::Node();
    const std::string where = Where(source, node.IsDefined() ? node : root, "cluster.hosts");
    auto hosts = ParseHostList(rc.cluster.GetString("hosts"));
    if (!hosts.ok() || hosts->empty())
      return InvalidArgumentError(where + ": `backend: hosts` needs cluster.hosts, e.g. [{host: n1, shards: 1, "
                                  "learner: true}, {host: n2, actors: 4}]");
    int actors = 0, shards = 0;
    for (const HostSpec& h : *hosts) actors += h.actors, shards += h.shards;
    if (actors != rc.cluster.GetInt("num_actors") || shards != rc.cluster.GetInt("replay_shards"))
      return InvalidArgumentError(where + ": the hosts run " + std::to_string(actors) + " actors and " +
                                  std::to_string(shards) + " shards, but cluster.num_actors is " +
                                  std::to_string(rc.cluster.GetInt("num_actors")) + " and cluster.replay_shards " +
                                  std::to_string(rc.cluster.GetInt("replay_shards")) + " (they must agree)");
    const std::string exec = rc.cluster.GetString("exec");
    if (exec.find("{command}") == std::string::npos && exec.find("{argv}") == std::string::npos)
      return InvalidArgumentError(Where(source, root, "cluster.exec") +
                                  ": cluster.exec must contain {command} (for ssh) or {argv} (for a program that "
                                  "runs its arguments, e.g. ip netns exec, srun)");
  }
  RETURN_IF_ERROR(ValidateSection(root["reporting"], reporting, "reporting", source, &rc.reporting));
  RETURN_IF_ERROR(ValidateSection(root["security"], security, "security", source, &rc.security));
  const std::string backend = rc.cluster.GetString("backend");
  if ((backend == "hosts" || backend == "slurm") && rc.security.GetString("curve") == "false" &&
      !rc.security.GetBool("allow_plaintext")) {
    const YAML::Node node = root["security"].IsMap() ? root["security"]["curve"] : YAML::Node();
    return KeyError(Where(source, node.IsDefined() ? node : root, "security.curve"), "security.curve",
                    "false with cluster.backend " + backend + " serves every tcp:// port in plaintext and "
                    "without authentication (anyone who reaches a port can read or inject fragments, samples "
                    "and weights); drop it (CURVE is on by default over tcp://) or accept that with "
                    "security.allow_plaintext: true");
  }
  RETURN_IF_ERROR(ValidateSection(root["checkpoint"], checkpoint, "checkpoint", source, &rc.checkpoint));

  // Resolved YAML: every key in schema order.
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << rc.name;
  out << YAML::Key << "env" << YAML::Value << rc.env;
  EmitSection(out, "env_config", *env_schema, rc.env_config);
  out << YAML::Key << "algo" << YAML::Value << rc.algo;
  EmitSection(out, "config", *algo_schema, rc.config);
  EmitSection(out, "stop", stop, rc.stop);
  EmitSection(out, "evaluation", evaluation, rc.evaluation);
  EmitSection(out, "cluster", cluster, rc.cluster);
  EmitSection(out, "reporting", reporting, rc.reporting);
  EmitSection(out, "security", security, rc.security);
  EmitSection(out, "checkpoint", checkpoint, rc.checkpoint);
  out << YAML::Key << "seed" << YAML::Value << rc.seed;
  out << YAML::EndMap;
  rc.resolved_yaml = std::string(out.c_str()) + "\n";
  rc.hash = HashHex(rc.resolved_yaml);
  return rc;
}

}  // namespace

Result<RunConfig> LoadRunConfigString(const std::string& yaml, const std::string& source_name,
                                      const std::vector<std::string>& overrides,
                                      const SchemaProvider& schemas) {
  Source source;
  source.file = source_name;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source_name + ":" + std::to_string(e.mark.line + 1) +
                                ": YAML syntax error: " + e.msg);
  }
  try {
    return LoadFromNode(root, source, overrides, schemas);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<RunConfig> LoadRunConfigFile(const std::string& path, const std::vector<std::string>& overrides,
                                    const SchemaProvider& schemas) {
  std::ifstream in(path);
  if (!in) return NotFoundError(path + ": cannot open config file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return LoadRunConfigString(buffer.str(), path, overrides, schemas);
}

namespace {
void SchemaTable(std::ostringstream& out, const Schema& schema, const std::string& prefix) {
  if (schema.keys().empty()) {
    out << "_No keys._\n\n";
    return;
  }
  out << "| key | type | default | range / choices | unit | meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& k : schema.keys()) {
    std::string range;
    if (k.type == ValueType::kEnum) range = Join(k.choices);
    else if (k.type == ValueType::kInt || k.type == ValueType::kDouble) range = RangeText(k).substr(std::min<size_t>(4, RangeText(k).size()));
    out << "| `" << prefix << k.name << "` | " << ValueTypeName(k.type) << " | "
        << (k.required ? "required"
                       : k.optional ? "unset"
                                    : "`" + (k.default_text.empty() ? std::string("\"\"") : k.default_text) + "`")
        << " | " << range << " | " << k.unit << " | " << k.doc << " |\n";
  }
  out << "\n";
}
}  // namespace

std::string ConfigReferenceMarkdown(const SchemaProvider& schemas) {
  std::ostringstream out;
  out << "# Configuration reference\n\n"
      << "Generated by `slaterl docs config` from the validator's schemas (a test checks that this file\n"
      << "is current). Every key below is checked at start-up: unknown keys, wrong types and\n"
      << "out-of-range values stop the run with an error naming the file, line and key. Any key can\n"
      << "be overridden from the command line with `--set section.key=value`.\n\n"
      << "## Top level\n\n"
      << "| key | type | default | meaning |\n|---|---|---|---|\n"
      << "| `name` | string | file name | Run name; the run directory is `runs/<name>-<time>/`. |\n"
      << "| `env` | enum | required | Environment: " << Join(schemas.env_names) << ". |\n"
      << "| `env_config` | mapping | `{}` | Environment parameters (per env, below). |\n"
      << "| `algo` | enum | required | Algorithm: " << Join(schemas.algo_names) << ". |\n"
      << "| `config` | mapping | `{}` | Algorithm hyper-parameters (per algorithm, below). |\n"
      << "| `stop` | mapping | | Stop criteria; the run stops at the first one met. |\n"
      << "| `evaluation` | mapping | | Greedy evaluation schedule. |\n"
      << "| `cluster` | mapping | | Processes and placement. |\n"
      << "| `reporting` | mapping | | Metrics rows and the progress line. |\n"
      << "| `security` | mapping | | Transport security (CURVE). |\n"
      << "| `checkpoint` | mapping | | Periodic checkpoints of the learner and the replay shards. |\n"
      << "| `seed` | int | `0` | Run seed; every process, env and stream derives its seed from it. |\n\n";
  out << "## `stop`\n\n";
  SchemaTable(out, StopSchema(), "stop.");
  out << "## `evaluation`\n\n";
  SchemaTable(out, EvaluationSchema(), "evaluation.");
  out << "## `cluster`\n\n";
  SchemaTable(out, ClusterSchema(), "cluster.");
  out << "## `reporting`\n\n";
  SchemaTable(out, ReportingSchema(), "reporting.");
  out << "## `security`\n\n";
  SchemaTable(out, SecuritySchema(), "security.");
  out << "## `checkpoint`\n\n";
  SchemaTable(out, CheckpointSchema(), "checkpoint.");
  for (const auto& env : schemas.env_names) {
    out << "## `env_config` for `env: " << env << "`\n\n";
    auto s = schemas.env_schema(env);
    if (s.ok()) SchemaTable(out, *s, "env_config.");
  }
  for (const auto& algo : schemas.algo_names) {
    out << "## `config` for `algo: " << algo << "`\n\n";
    auto s = schemas.algo_schema(algo);
    if (s.ok()) SchemaTable(out, *s, "config.");
  }
  return out.str();
}

}  // namespace slaterl
