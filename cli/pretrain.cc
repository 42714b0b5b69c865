// cli/pretrain.cc — `slaterl pretrain mf`: item embeddings from logged data.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "algos/mf/mf_pretrain.h"
#include "algos/run_config.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace slaterl {
namespace cli {
namespace {

const char kPretrainHelp[] =
    "usage: slaterl pretrain mf CONFIG.yaml --data FILE --out PATH.f32 [--preset clean|gems_repro]\n"
    "                           [--seed S] [--dim D] [--max-epochs N] [--lr X] [--threads T] [--set k=v ...]\n"
    "\n"
    "Trains BPR matrix-factorisation item embeddings (docs/algorithms.md §1.6) on a logged-data file\n"
    "of the config's `topics` env (`slaterl data generate`): users = trajectories, Adam lr 1e-4, batch\n"
    "256, the first 10% of trajectories validate every 1000 batches, the best item table is kept and\n"
    "training stops after 3 evaluations without improvement. Writes PATH.f32 (num_items x D float32,\n"
    "little-endian, row-major, like data/gems/*.f32) and PATH.json (shape, dataset, preset, seed,\n"
    "validation losses, batches, epochs). Progress on stderr, one line per evaluation.\n"
    "  --data FILE        the logged-data file (required)\n"
    "  --out PATH.f32     the embedding table (required; the sidecar is PATH.json)\n"
    "  --preset P         clean (default: no optimiser step in validation, validation users folded in)\n"
    "                     | gems_repro (as GeMS: validation batches also train;\n"
    "                       docs/algorithms.md register entry 19)\n"
    "  --seed S           default 2022 (GeMS)\n"
    "  --dim D            embedding dimension (default 20)\n"
    "  --max-epochs N     stop after N epochs at the latest (default 0 = on patience only)\n"
    "  --lr X             Adam learning rate (default 1e-4)\n"
    "  --threads T        LibTorch threads (default 1)\n"
    "  --fold-in-steps K  clean: Adam steps that fit the validation users before each evaluation (default 100)\n"
    "  --fold-in-lr X     clean: their learning rate (default 0.01)\n";


}  // namespace

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

}  // namespace cli
}  // namespace slaterl
