// slaterl — the command line (DESIGN.md "Command line").
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "actors/episode_runner.h"
#include "core/build_info.h"
#include "core/checkpoint_store.h"
#include "core/files.h"
#include "core/control.h"
#include "core/logging.h"
#include "launch/bench_envs.h"
#include "launch/bench_pipeline.h"
#include "launch/data_generate.h"
#include "launch/launcher.h"
#include "launch/parity.h"
#include "launch/pretrain.h"
#include "launch/report.h"
#include "launch/roles.h"
#include "launch/run_config.h"
#include "launch/sweep.h"

namespace slaterl {
namespace {

const char kUsage[] =
    "usage: slaterl COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  launch CONFIG.yaml [--set k=v ...] [--run-dir DIR] [--dry-run]   run one training run\n"
    "  eval CONFIG.yaml --policy P --episodes N [--seed S] [--json]     evaluate a fixed policy\n"
    "  sweep SWEEP.yaml [--run-dir DIR] [--set k=v ...] [--dry-run]     many runs (grid, seeds), report.md\n"
    "  report RUN_OR_SWEEP_DIR                                          rebuild report.md and plots\n"
    "  validate CONFIG.yaml [--set k=v ...]                             check a config, print it resolved\n"
    "  data generate CONFIG.yaml --episodes N --out FILE [--epsilon E]  logged trajectories (topics)\n"
    "  pretrain mf CONFIG.yaml --data FILE --out PATH.f32               MF item embeddings from logged data\n"
    "  bench envs [--json]                                              environment steps/s\n"
    "  parity [--episodes N] [--only TEXT]                              envs vs the Python originals (markdown)\n"
    "  docs config                                                      print the config key reference\n"
    "  version                                                          print versions\n"
    "\n"
    "Run `slaterl COMMAND --help` for the options of a command.\n";

const char kLaunchHelp[] =
    "usage: slaterl launch CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--dry-run]\n"
    "\n"
    "Runs one training run as the config's `cluster.backend` says (inproc | local) and writes\n"
    "DIR/config.yaml, DIR/metrics.jsonl, DIR/logs/, DIR/checkpoints/ and DIR/summary.json\n"
    "(DIR defaults to runs/<name>-<time>). Ctrl-C stops cleanly; a second Ctrl-C kills.\n"
    "  --set key=value   override any config key, e.g. --set cluster.num_actors=4 (repeatable)\n"
    "  --run-dir DIR     write the run into DIR\n"
    "  --dry-run         print the processes and endpoints that would start, start nothing\n"
    "\n"
    "usage: slaterl launch --resume RUN_DIR\n"
    "  continues a run with checkpoints (checkpoint.interval_updates > 0) from its newest valid learner\n"
    "  and shard checkpoints, appending to its metrics.jsonl from the checkpoint's env step on\n";

const char kEvalHelp[] =
    "usage: slaterl eval CONFIG.yaml --policy P --episodes N [--seed S] [--num-envs N] [--set k=v ...] [--json]\n"
    "\n"
    "Runs N episodes of the config's environment with policy P and prints the mean return.\n"
    "  --policy P     random | random_md | greedy | oracle | oracle_eps | choc | kale | first |\n"
    "                 checkpoint:DIR (oracle_eps: topics' epsilon-greedy oracle, epsilon 0.5)\n"
    "                 (checkpoint:DIR loads the config's algorithm from a checkpoint directory)\n"
    "  --episodes N   episodes to run (default 100)\n"
    "  --seed S       seed of the users and the policy (default: the config's seed)\n"
    "  --num-envs N   environments stepped in lock-step (default 16; results do not depend on it\n"
    "                 beyond which users are drawn)\n"
    "  --json         print one JSON object: env, policy, episodes, return_mean, return_std,\n"
    "                 length_mean, steps_per_sec\n";

const char kSweepHelp[] =
    "usage: slaterl sweep SWEEP.yaml [--run-dir DIR] [--set key=value ...] [--dry-run]\n"
    "\n"
    "Runs every run of a sweep file (a run config plus a `sweep:` section: points, grid with seed\n"
    "as an axis, random samples, metric, baseline, max_concurrent, backend; docs/sweeps.md) and\n"
    "writes DIR/report.md, DIR/results.csv, DIR/points.csv and DIR/plots/curves.svg (DIR defaults\n"
    "to runs/sweep-<name>). Starting it again with the same DIR runs only the runs that have not\n"
    "completed; failed runs are recorded and retried on the next start. Exit code 0 when every\n"
    "run is ok, 1 when some failed, 130 when interrupted.\n"
    "  --set key=value   override a key of every run's config, e.g. --set stop.timesteps_total=5000\n"
    "  --run-dir DIR     the sweep directory\n"
    "  --dry-run         print the runs, start nothing\n";

const char kReportHelp[] =
    "usage: slaterl report RUN_OR_SWEEP_DIR\n"
    "\n"
    "Rebuilds the report from the files: for a sweep directory report.md, results.csv, points.csv\n"
    "and plots/curves.svg; for a run directory report.md and curves.svg. Prints report.md.\n";

const char kValidateHelp[] =
    "usage: slaterl validate CONFIG.yaml [--set key=value ...]\n"
    "\n"
    "Checks every key of the config (unknown keys, types, ranges) and prints it with every default\n"
    "filled in. Exit code 0 when valid; otherwise one line FILE:LINE: key 'a.b': problem.\n";

const char kDataHelp[] =
    "usage: slaterl data generate CONFIG.yaml --episodes N --out FILE [--policy oracle] [--epsilon E]\n"
    "                             [--seed S] [--num-envs N] [--set k=v ...]\n"
    "\n"
    "Logs N trajectories of the config's `topics` env played by the epsilon-greedy oracle (ALGOS.md\n"
    "4.4.4): each slot independently gets, with probability E, a random item (the random items of a\n"
    "slate are distinct), else the env's oracle item. FILE (written atomically) holds per trajectory\n"
    "the T served slates and their clicks (format: algos/common/logged_data.h, docs/data.md). The\n"
    "users come from the config's seed (--set seed=S) and env_config.sim_seed.\n"
    "  --episodes N   trajectories to log (required)\n"
    "  --out FILE     the dataset file (required; 100,000 GeMS trajectories take 500 MB)\n"
    "  --policy P     oracle (default; the only logging policy)\n"
    "  --epsilon E    probability of a random item per slot (default 0.5, GeMS; 0 = oracle, 1 = random)\n"
    "  --seed S       the policy's seed (default 2754851, GeMS's logging seed)\n"
    "  --num-envs N   envs stepped in lock-step (default 16; the file depends on it)\n";

const char kPretrainHelp[] =
    "usage: slaterl pretrain mf CONFIG.yaml --data FILE --out PATH.f32 [--preset clean|gems_repro]\n"
    "                           [--seed S] [--dim D] [--max-epochs N] [--lr X] [--threads T] [--set k=v ...]\n"
    "\n"
    "Trains BPR matrix-factorisation item embeddings (ALGOS.md 1.6) on a logged-data file of the\n"
    "config's `topics` env (`slaterl data generate`): users = trajectories, Adam lr 1e-4, batch 256,\n"
    "the first 10% of trajectories validate every 1000 batches, the best item table is kept and\n"
    "training stops after 3 evaluations without improvement. Writes PATH.f32 (num_items x D float32,\n"
    "little-endian, row-major, like data/gems/*.f32) and PATH.json (shape, dataset, preset, seed,\n"
    "validation losses, batches, epochs). Progress on stderr, one line per evaluation.\n"
    "  --data FILE        the logged-data file (required)\n"
    "  --out PATH.f32     the embedding table (required; the sidecar is PATH.json)\n"
    "  --preset P         clean (default: no optimiser step in validation, validation users folded in)\n"
    "                     | gems_repro (as GeMS: validation batches also train, register #19)\n"
    "  --seed S           default 2022 (GeMS)\n"
    "  --dim D            embedding dimension (default 20)\n"
    "  --max-epochs N     stop after N epochs at the latest (default 0 = on patience only)\n"
    "  --lr X             Adam learning rate (default 1e-4)\n"
    "  --threads T        LibTorch threads (default 1)\n"
    "  --fold-in-steps K  clean: Adam steps that fit the validation users before each evaluation (default 100)\n"
    "  --fold-in-lr X     clean: their learning rate (default 0.01)\n";

const char kBenchHelp[] =
    "usage: slaterl bench envs [--json]\n"
    "       slaterl bench pipeline [CONFIG.yaml] [--seconds S] [--against CONFIG2.yaml] [--json]\n"
    "\n"
    "envs: single-core env steps/s with a random policy at batch 1 and 64, per environment.\n"
    "pipeline: actor env steps/s with the whole local pipeline running (CONFIG, default\n"
    "  configs/bench/pipeline_linucb_lts.yaml, for S seconds, default 10) divided by the same actors stepping\n"
    "  alone, and learner updates/s. --against CONFIG2.yaml also runs CONFIG2 as it is (e.g. the same run with\n"
    "  `backend: hosts` over network namespaces, tcp:// + CURVE: bench/netns_pipeline.sh) and reports its actor\n"
    "  env steps/s as a ratio to the ipc:// run.\n"
    "--json prints one JSON object per measurement.\n";

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "slaterl: %s\n", status.message().c_str());
  return 2;
}

struct CommonArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::vector<std::string> rest;  // unparsed
};

// Parses CONFIG and --set; leaves other flags in `rest`.
Result<CommonArgs> ParseCommon(const std::vector<std::string>& args) {
  CommonArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set") {
      if (i + 1 >= args.size()) return InvalidArgumentError("--set needs key=value");
      out.overrides.push_back(args[++i]);
    } else if (args[i].rfind("--set=", 0) == 0) {
      out.overrides.push_back(args[i].substr(6));
    } else if (!args[i].empty() && args[i][0] != '-' && out.config.empty()) {
      out.config = args[i];
    } else {
      out.rest.push_back(args[i]);
    }
  }
  if (out.config.empty()) return InvalidArgumentError("missing CONFIG.yaml (see --help)");
  return out;
}

// Takes "--flag value" from `rest`; returns false when absent.
Result<bool> TakeFlag(std::vector<std::string>* rest, const std::string& flag, std::string* value) {
  for (size_t i = 0; i < rest->size(); ++i) {
    if ((*rest)[i] == flag) {
      if (i + 1 >= rest->size()) return InvalidArgumentError(flag + " needs a value");
      *value = (*rest)[i + 1];
      rest->erase(rest->begin() + i, rest->begin() + i + 2);
      return true;
    }
  }
  return false;
}
bool TakeSwitch(std::vector<std::string>* rest, const std::string& flag) {
  for (size_t i = 0; i < rest->size(); ++i)
    if ((*rest)[i] == flag) {
      rest->erase(rest->begin() + i);
      return true;
    }
  return false;
}
Status NoLeftovers(const std::vector<std::string>& rest) {
  if (rest.empty()) return Status::Ok();
  return InvalidArgumentError("unknown argument '" + rest.front() + "' (see --help)");
}
Result<int64_t> ParsePositive(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0) return InvalidArgumentError(flag + ": expected a non-negative integer, got '" + text + "'");
  return static_cast<int64_t>(v);
}

int CmdLaunch(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kLaunchHelp), 0;
  if (!args.empty() && args[0] == "--resume") {
    // slaterl launch --resume RUN_DIR: the run's own resolved config, continued in place.
    if (args.size() != 2) return Fail(InvalidArgumentError("usage: slaterl launch --resume RUN_DIR"));
    LaunchOptions options;
    options.run_dir = args[1];
    options.resume = true;
    auto run = LoadRun(options.run_dir + "/config.yaml");
    if (!run.ok()) return Fail(run.status());
    auto result = Launch(*run, options);
    if (!result.ok()) return Fail(result.status());
    return result->stop_reason == "interrupted" ? 130 : 0;
  }
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  LaunchOptions options;
  auto run_dir = TakeFlag(&common->rest, "--run-dir", &options.run_dir);
  if (!run_dir.ok()) return Fail(run_dir.status());
  options.dry_run = TakeSwitch(&common->rest, "--dry-run");
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  auto result = Launch(*run, options);
  if (!result.ok()) return Fail(result.status());
  return result->stop_reason == "interrupted" ? 130 : 0;
}

int CmdSweep(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kSweepHelp), 0;
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  SweepOptions options;
  auto run_dir = TakeFlag(&common->rest, "--run-dir", &options.sweep_dir);
  if (!run_dir.ok()) return Fail(run_dir.status());
  const bool dry_run = TakeSwitch(&common->rest, "--dry-run");
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  auto plan = LoadSweep(common->config, common->overrides);
  if (!plan.ok()) return Fail(plan.status());
  if (dry_run) {
    std::printf("%s", DescribeSweep(*plan).c_str());
    if (plan->backend == "slurm") {
      auto script = DescribeSlurmSweep(*plan, options);
      if (!script.ok()) return Fail(script.status());
      std::printf("%s", script->c_str());
    }
    return 0;
  }
  auto result = RunSweep(*plan, options);
  if (!result.ok()) return Fail(result.status());
  if (result->interrupted) return 130;
  return result->failed > 0 ? 1 : 0;
}

int CmdReport(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kReportHelp), 0;
  if (args.size() != 1) return Fail(InvalidArgumentError("report needs one RUN_OR_SWEEP_DIR (see --help)"));
  auto report = WriteReport(args[0]);
  if (!report.ok()) return Fail(report.status());
  std::printf("%s", report->c_str());
  return 0;
}

int CmdValidate(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kValidateHelp), 0;
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  std::printf("# %s: valid (config hash %s)\n%s", common->config.c_str(), run->hash.c_str(),
              run->resolved_yaml.c_str());
  return 0;
}

// Builds the policy `name` for `run`: a baseline, or checkpoint:DIR of the config's algorithm.
Result<std::unique_ptr<Policy>> MakeEvalPolicy(const RunConfig& run, const std::string& name,
                                               const AlgoContext& ctx) {
  const std::string prefix = "checkpoint:";
  if (name.rfind(prefix, 0) != 0) return CreateBaseline(name, ctx);
  const std::string dir = name.substr(prefix.size());
  const AlgoEntry* algo = FindAlgo(run.algo);
  if (!algo || !algo->create_trainer)
    return InvalidArgumentError("--policy checkpoint: needs a config whose algo learns (algo is '" + run.algo + "')");
  ASSIGN_OR_RETURN(auto trainer, algo->create_trainer(run.config, ctx));
  // A checkpoint store (RUN_DIR/checkpoints) or one of its ckpt-* directories: the newest valid
  // checkpoint, verified against its MANIFEST; corrupt ones are skipped with the reason.
  std::string trainer_dir = dir;
  if (PathExists(dir + "/MANIFEST")) {
    ASSIGN_OR_RETURN(CheckpointInfo info, CheckpointStore::Verify(dir));
    trainer_dir = info.path + "/learner";
  } else if (PathExists(dir) && !PathExists(dir + "/learner") && !CheckpointStore::Open(dir, 1)->Steps().empty()) {
    std::vector<std::string> skipped;
    ASSIGN_OR_RETURN(CheckpointInfo info, CheckpointStore::Open(dir, 1)->Latest(&skipped));
    for (const auto& why : skipped) LOG(WARNING) << "skipping a checkpoint: " << why;
    LOG(INFO) << "using " << info.path << " (" << info.step << " updates)";
    trainer_dir = info.path + "/learner";
  }
  RETURN_IF_ERROR(trainer->load(trainer_dir));
  ASSIGN_OR_RETURN(auto policy, algo->create_policy(run.config, ctx));
  Weights weights = trainer->weights();
  weights.version = 1;
  RETURN_IF_ERROR(policy->load(weights));
  policy->set_explore(false);
  return policy;
}

int CmdEval(const std::vector<std::string>& args) {
  if (WantsHelp(args)) return std::printf("%s", kEvalHelp), 0;
  auto common = ParseCommon(args);
  if (!common.ok()) return Fail(common.status());
  std::string policy_name, episodes_text = "100", seed_text, num_envs_text = "16";
  for (auto flag : {std::make_pair("--policy", &policy_name), std::make_pair("--episodes", &episodes_text),
                    std::make_pair("--seed", &seed_text), std::make_pair("--num-envs", &num_envs_text)}) {
    auto taken = TakeFlag(&common->rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  const bool json = TakeSwitch(&common->rest, "--json");
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (policy_name.empty()) return Fail(InvalidArgumentError("--policy is required (see --help)"));
  auto episodes = ParsePositive("--episodes", episodes_text);
  auto num_envs = ParsePositive("--num-envs", num_envs_text);
  if (!episodes.ok()) return Fail(episodes.status());
  if (!num_envs.ok() || *num_envs < 1) return Fail(InvalidArgumentError("--num-envs: expected a positive integer"));
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  uint64_t seed = run->seed;
  if (!seed_text.empty()) {
    auto parsed = ParsePositive("--seed", seed_text);
    if (!parsed.ok()) return Fail(parsed.status());
    seed = static_cast<uint64_t>(*parsed);
  }
  const EnvEntry* env_entry = FindEnv(run->env);
  auto env = env_entry->create(run->env_config, static_cast<int>(*num_envs));
  if (!env.ok()) return Fail(env.status());
  AlgoContext ctx = MakeAlgoContext(*run, (*env)->spec());
  auto policy = MakeEvalPolicy(*run, policy_name, ctx);
  if (!policy.ok()) return Fail(policy.status());
  auto result = RunEpisodes(**env, **policy, *episodes, seed);
  if (!result.ok()) return Fail(result.status());
  if (json) {
    std::printf("%s\n", EvalResultJson(run->env, policy_name, *result).c_str());
  } else {
    std::printf("%s / %s: return %.4f ± %.4f (std %.4f, %lld episodes), length %.2f, %.0f steps/s\n",
                run->env.c_str(), policy_name.c_str(), result->return_mean,
                result->episodes > 1 ? result->return_std / std::sqrt(double(result->episodes)) : 0.0,
                result->return_std, static_cast<long long>(result->episodes), result->length_mean,
                result->steps_per_sec);
  }
  return 0;
}

Result<double> ParseDouble(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v))
    return InvalidArgumentError(flag + ": expected a number, got '" + text + "'");
  return v;
}

int CmdData(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) return std::printf("%s", kDataHelp), args.empty() ? 2 : 0;
  if (args[0] != "generate")
    return Fail(InvalidArgumentError("data '" + args[0] + "': expected generate (see --help)"));
  auto common = ParseCommon(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!common.ok()) return Fail(common.status());
  DataGenerateOptions options;
  std::string episodes_text, epsilon_text, seed_text, num_envs_text;
  for (auto flag : {std::make_pair("--policy", &options.policy), std::make_pair("--episodes", &episodes_text),
                    std::make_pair("--epsilon", &epsilon_text), std::make_pair("--seed", &seed_text),
                    std::make_pair("--num-envs", &num_envs_text), std::make_pair("--out", &options.out)}) {
    auto taken = TakeFlag(&common->rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (episodes_text.empty()) return Fail(InvalidArgumentError("--episodes is required (see --help)"));
  if (options.out.empty()) return Fail(InvalidArgumentError("--out is required (see --help)"));
  auto episodes = ParsePositive("--episodes", episodes_text);
  if (!episodes.ok() || *episodes < 1) return Fail(InvalidArgumentError("--episodes: expected a positive integer"));
  options.episodes = *episodes;
  if (!epsilon_text.empty()) {
    auto epsilon = ParseDouble("--epsilon", epsilon_text);
    if (!epsilon.ok()) return Fail(epsilon.status());
    options.epsilon = *epsilon;
  }
  if (!seed_text.empty()) {
    auto seed = ParsePositive("--seed", seed_text);
    if (!seed.ok()) return Fail(seed.status());
    options.policy_seed = static_cast<uint64_t>(*seed);
  }
  if (!num_envs_text.empty()) {
    auto num_envs = ParsePositive("--num-envs", num_envs_text);
    if (!num_envs.ok() || *num_envs < 1) return Fail(InvalidArgumentError("--num-envs: expected a positive integer"));
    options.num_envs = static_cast<int>(*num_envs);
  }
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  auto result = GenerateLoggedData(*run, options);
  if (!result.ok()) return Fail(result.status());
  std::fprintf(stderr,
               "data generate: wrote %s: %lld trajectories x %d steps x %d slots, %.1f MB, %.1f "
               "clicks/trajectory, %.3f of slots random, %.2f s, %.0f trajectories/s\n",
               options.out.c_str(), static_cast<long long>(result->trajectories),
               result->steps_per_trajectory, result->slate_size,
               static_cast<double>(result->file_bytes) / 1e6, result->clicks_per_trajectory,
               result->random_slot_fraction, result->seconds, result->trajectories_per_sec);
  return 0;
}

int CmdPretrain(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) return std::printf("%s", kPretrainHelp), args.empty() ? 2 : 0;
  if (args[0] != "mf")
    return Fail(InvalidArgumentError("pretrain '" + args[0] + "': expected mf (vae is not implemented yet)"));
  auto common = ParseCommon(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!common.ok()) return Fail(common.status());
  PretrainMfOptions options;
  std::string preset_text, seed_text, dim_text, max_epochs_text, lr_text, threads_text, fold_in_steps_text,
      fold_in_lr_text;
  for (auto flag : {std::make_pair("--data", &options.data), std::make_pair("--out", &options.out),
                    std::make_pair("--preset", &preset_text), std::make_pair("--seed", &seed_text),
                    std::make_pair("--dim", &dim_text), std::make_pair("--max-epochs", &max_epochs_text),
                    std::make_pair("--lr", &lr_text), std::make_pair("--threads", &threads_text),
                    std::make_pair("--fold-in-steps", &fold_in_steps_text),
                    std::make_pair("--fold-in-lr", &fold_in_lr_text)}) {
    auto taken = TakeFlag(&common->rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  Status leftovers = NoLeftovers(common->rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (options.data.empty()) return Fail(InvalidArgumentError("--data is required (see --help)"));
  if (options.out.empty()) return Fail(InvalidArgumentError("--out is required (see --help)"));
  if (!preset_text.empty()) {
    auto preset = ParseMfPreset(preset_text);
    if (!preset.ok()) return Fail(preset.status().WithContext("--preset"));
    options.mf.preset = *preset;
  }
  for (auto flag : {std::make_pair("--seed", &seed_text), std::make_pair("--dim", &dim_text),
                    std::make_pair("--max-epochs", &max_epochs_text), std::make_pair("--threads", &threads_text),
                    std::make_pair("--fold-in-steps", &fold_in_steps_text)}) {
    if (flag.second->empty()) continue;
    auto parsed = ParsePositive(flag.first, *flag.second);
    if (!parsed.ok()) return Fail(parsed.status());
    const std::string name = flag.first;
    if (name == "--seed") options.mf.seed = static_cast<uint64_t>(*parsed);
    if (name == "--dim") options.mf.dim = static_cast<int>(*parsed);
    if (name == "--max-epochs") options.mf.max_epochs = *parsed;
    if (name == "--threads") options.mf.num_threads = static_cast<int>(*parsed);
    if (name == "--fold-in-steps") options.mf.fold_in_steps = static_cast<int>(*parsed);
  }
  for (auto flag : {std::make_pair("--lr", &lr_text), std::make_pair("--fold-in-lr", &fold_in_lr_text)}) {
    if (flag.second->empty()) continue;
    auto parsed = ParseDouble(flag.first, *flag.second);
    if (!parsed.ok()) return Fail(parsed.status());
    (std::string(flag.first) == "--lr" ? options.mf.lr : options.mf.fold_in_lr) = *parsed;
  }
  auto run = LoadRun(common->config, common->overrides);
  if (!run.ok()) return Fail(run.status());
  auto result = PretrainMf(*run, options);
  if (!result.ok()) return Fail(result.status());
  const MfResult& mf = result->mf;
  std::fprintf(stderr,
               "pretrain mf: wrote %s and %s: %d x %d, validation loss %.5f (initial %.5f) at batch "
               "%lld; %lld batches, %.2f epochs, stopped on %s, %.1f s\n",
               options.out.c_str(), result->sidecar_path.c_str(), mf.num_items, mf.dim,
               mf.best_validation_loss, mf.initial_validation_loss,
               static_cast<long long>(mf.best_batches), static_cast<long long>(mf.batches), mf.epochs,
               mf.stop_reason.c_str(), mf.seconds);
  return 0;
}

int CmdBench(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) return std::printf("%s", kBenchHelp), args.empty() ? 2 : 0;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const bool json = TakeSwitch(&rest, "--json");
  if (args[0] == "envs") {
    Status leftovers = NoLeftovers(rest);
    if (!leftovers.ok()) return Fail(leftovers);
    Status status = RunEnvBench(std::cout, json);
    return status.ok() ? 0 : Fail(status);
  }
  if (args[0] == "pipeline") {
    PipelineBenchOptions options;
    std::string seconds;
    auto taken = TakeFlag(&rest, "--seconds", &seconds);
    if (!taken.ok()) return Fail(taken.status());
    taken = TakeFlag(&rest, "--against", &options.against);
    if (!taken.ok()) return Fail(taken.status());
    if (!seconds.empty()) options.seconds = std::atof(seconds.c_str());
    if (!rest.empty() && rest.front()[0] != '-') {
      options.config = rest.front();
      rest.erase(rest.begin());
    }
    Status leftovers = NoLeftovers(rest);
    if (!leftovers.ok()) return Fail(leftovers);
    if (options.seconds < 2) return Fail(InvalidArgumentError("--seconds: at least 2"));
    Status status = RunPipelineBench(std::cout, json, options);
    return status.ok() ? 0 : Fail(status);
  }
  return Fail(InvalidArgumentError("bench '" + args[0] + "': expected envs or pipeline"));
}

int CmdParity(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::printf("usage: slaterl parity [--episodes N] [--only TEXT] [--configs DIR] > docs/parity.md\n\n"
                "Runs every reference row of RESULTS.md with the preset configs and baseline policies, and\n"
                "prints a markdown table (reference vs ours, Welch p, Holm-Bonferroni at alpha 0.01).\n"
                "Exit code 1 when any row is rejected.\n");
    return 0;
  }
  std::vector<std::string> rest = args;
  ParityOptions options;
  std::string episodes;
  for (auto flag : {std::make_pair("--episodes", &episodes), std::make_pair("--only", &options.only),
                    std::make_pair("--configs", &options.configs_dir)}) {
    auto taken = TakeFlag(&rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  Status leftovers = NoLeftovers(rest);
  if (!leftovers.ok()) return Fail(leftovers);
  if (!episodes.empty()) {
    auto parsed = ParsePositive("--episodes", episodes);
    if (!parsed.ok() || *parsed < 2) return Fail(InvalidArgumentError("--episodes: at least 2"));
    options.episodes = *parsed;
  }
  Status status = RunParity(std::cout, options);
  if (!status.ok()) {
    std::fprintf(stderr, "slaterl: %s\n", status.message().c_str());
    return status.code() == StatusCode::kFailedPrecondition ? 1 : 2;
  }
  return 0;
}

int CmdDocs(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "config") {
    std::fprintf(stderr, "usage: slaterl docs config > docs/config.md\n");
    return 2;
  }
  std::printf("%s", ConfigReferenceMarkdown(RegistrySchemas()).c_str());
  return 0;
}

// Internal: one role process of the local backend (started by the launcher).
int CmdRole(const std::vector<std::string>& args) {
  DieWithParent();
  RoleOptions options;
  if (args.empty()) return Fail(InvalidArgumentError("_role needs a role"));
  options.role = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::string id = "0", incarnation = "0", max_env_steps = "0", version_floor = "0", checkpoint_step = "0";
  options.resume = TakeSwitch(&rest, "--resume");
  for (auto flag : {std::make_pair("--run-dir", &options.run_dir), std::make_pair("--socket-dir", &options.socket_dir),
                    std::make_pair("--launcher-address", &options.launcher_address),
                    std::make_pair("--id", &id), std::make_pair("--incarnation", &incarnation),
                    std::make_pair("--max-env-steps", &max_env_steps),
                    std::make_pair("--weights-version-floor", &version_floor),
                    std::make_pair("--checkpoint-step", &checkpoint_step)}) {
    auto taken = TakeFlag(&rest, flag.first, flag.second);
    if (!taken.ok()) return Fail(taken.status());
  }
  options.id = std::atoi(id.c_str());
  options.incarnation = std::atoi(incarnation.c_str());
  options.max_env_steps = std::atoll(max_env_steps.c_str());
  options.weights_version_floor = std::atoll(version_floor.c_str());
  options.checkpoint_step = std::atoll(checkpoint_step.c_str());
  Status status = RunRole(options);
  if (!status.ok()) {
    LOG(ERROR) << status.ToString();
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace slaterl

int main(int argc, char** argv) {
  using namespace slaterl;
  if (argc < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "launch") return CmdLaunch(args);
  if (command == "eval") return CmdEval(args);
  if (command == "sweep") return CmdSweep(args);
  if (command == "report") return CmdReport(args);
  if (command == "validate") return CmdValidate(args);
  if (command == "bench") return CmdBench(args);
  if (command == "data") return CmdData(args);
  if (command == "pretrain") return CmdPretrain(args);
  if (command == "docs") return CmdDocs(args);
  if (command == "parity") return CmdParity(args);
  if (command == "_role") return CmdRole(args);
  if (command == "version" || command == "--version") {
    std::printf("%s\n", BuildInfoJson().c_str());
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  std::fprintf(stderr, "slaterl: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
