#include "algos/mf/mf_pretrain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "datasets/logged_data.h"
#include "core/build_info.h"
#include "core/crc32c.h"
#include "core/files.h"
#include "core/json.h"
#include "envs/topics.h"

namespace slaterl {
namespace {

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

std::string ParentDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "";
  return path.substr(0, slash);
}

// The dataset must come from the config's env: same catalogue, slate size and episode length.
Status CheckDatasetMatchesConfig(const RunConfig& run, const LoggedDataHeader& h,
                                 const std::string& data_path) {
  if (run.env != "topics")
    return InvalidArgumentError("pretrain mf: " + run.source + " has env '" + run.env +
                                "'; MF item embeddings are defined for env 'topics' only");
  ASSIGN_OR_RETURN(TopicsConfig config, TopicsConfig::FromParams(run.env_config));
  auto mismatch = [&](const char* what, int64_t data_value, int64_t config_value) {
    return InvalidArgumentError("pretrain mf: " + data_path + " has " + what + " " +
                                std::to_string(data_value) + " but " + run.source + " has " +
                                std::to_string(config_value));
  };
  if (h.num_items != config.num_items) return mismatch("num_items", h.num_items, config.num_items);
  if (h.slate_size != config.rec_size) return mismatch("slate_size (rec_size)", h.slate_size, config.rec_size);
  if (h.steps_per_trajectory != config.episode_length)
    return mismatch("steps_per_trajectory (episode_length)", h.steps_per_trajectory,
                    config.episode_length);
  return Status::Ok();
}

std::string SidecarJson(const RunConfig& run, const PretrainMfOptions& options,
                        const LoggedDataset& data, const MfResult& r, uint32_t table_crc) {
  double max_norm = 0.0, sum_norm = 0.0;
  for (int32_t i = 0; i < r.num_items; ++i) {
    double sq = 0.0;
    for (int d = 0; d < r.dim; ++d) {
      const double x = r.item_embeddings[static_cast<size_t>(i) * r.dim + d];
      sq += x * x;
    }
    max_norm = std::max(max_norm, std::sqrt(sq));
    sum_norm += std::sqrt(sq);
  }
  std::vector<double> losses, at_batches;
  for (const MfEvaluation& ev : r.history) {
    losses.push_back(ev.validation_loss);
    at_batches.push_back(static_cast<double>(ev.batches));
  }
  const MfOptions& o = options.mf;
  JsonObject j;
  j.Add("source", "slaterl pretrain mf (BPR matrix factorisation, docs/algorithms.md §1.6)")
      .AddRaw("shape", "[" + std::to_string(r.num_items) + ", " + std::to_string(r.dim) + "]")
      .Add("dtype", "float32 little-endian, row-major")
      .Add("f32_crc32c", Hex32(table_crc))
      .Add("dataset", options.data)
      .Add("dataset_trajectories", data.num_trajectories())
      .AddRaw("dataset_provenance", data.header.provenance_json)
      .Add("config", run.source)
      .Add("config_hash", run.hash)
      .Add("preset", MfPresetName(o.preset))
      .Add("seed", static_cast<int64_t>(o.seed))
      .Add("dim", o.dim)
      .Add("lr", o.lr)
      .Add("batch_size", o.batch_size)
      .Add("validation_fraction", o.validation_fraction)
      .Add("eval_interval_batches", o.eval_interval_batches)
      .Add("patience", o.patience)
      .Add("max_epochs", o.max_epochs);
  if (o.preset == MfPreset::kClean)
    j.Add("fold_in_steps", o.fold_in_steps).Add("fold_in_lr", o.fold_in_lr);
  j.Add("train_trajectories", r.train_trajectories)
      .Add("validation_trajectories", r.validation_trajectories)
      .Add("train_positives", r.train_positives)
      .Add("validation_positives", r.validation_positives)
      .Add("initial_validation_loss", r.initial_validation_loss)
      .Add("final_validation_loss", r.best_validation_loss)
      .Add("best_at_batch", r.best_batches)
      .Add("batches", r.batches)
      .Add("epochs", r.epochs)
      .Add("evaluations", r.evaluations)
      .Add("stop_reason", r.stop_reason)
      .Add("seconds", r.seconds)
      .Add("validation_losses", losses)
      .Add("validation_at_batches", at_batches)
      .Add("max_row_norm", max_norm)
      .Add("mean_row_norm", r.num_items > 0 ? sum_norm / r.num_items : 0.0)
      .AddRaw("build", BuildInfoJson());
  return j.str();
}

}  // namespace

std::string MfSidecarPath(const std::string& out) {
  const std::string ext = ".f32";
  if (out.size() > ext.size() && out.compare(out.size() - ext.size(), ext.size(), ext) == 0)
    return out.substr(0, out.size() - ext.size()) + ".json";
  return out + ".json";
}

Result<PretrainMfResult> PretrainMf(const RunConfig& run, const PretrainMfOptions& options) {
  if (options.data.empty()) return InvalidArgumentError("pretrain mf: --data FILE is required");
  if (options.out.empty()) return InvalidArgumentError("pretrain mf: --out PATH.f32 is required");
  ASSIGN_OR_RETURN(LoggedDataHeader header, ReadLoggedDataHeader(options.data));
  RETURN_IF_ERROR(CheckDatasetMatchesConfig(run, header, options.data));
  ASSIGN_OR_RETURN(LoggedDataset data, ReadLoggedDataset(options.data));

  MfOptions mf = options.mf;
  if (!options.quiet) {
    std::fprintf(stderr, "pretrain mf: %s, %lld trajectories, preset %s, seed %llu, dim %d\n",
                 options.data.c_str(), static_cast<long long>(data.num_trajectories()),
                 MfPresetName(mf.preset), static_cast<unsigned long long>(mf.seed), mf.dim);
    mf.on_evaluation = [](const MfEvaluation& ev) {
      std::fprintf(stderr,
                   "pretrain mf: batch %lld (epoch %.2f) | train loss %.5f | validation loss %.5f%s | "
                   "%.1f s\n",
                   static_cast<long long>(ev.batches), ev.epochs, ev.train_loss, ev.validation_loss,
                   ev.improved ? " (best)" : "", ev.seconds);
    };
  }
  ASSIGN_OR_RETURN(MfResult trained, TrainMf(data, mf));

  const std::string dir = ParentDirectory(options.out);
  if (!dir.empty()) RETURN_IF_ERROR(MakeDirectories(dir));
  std::string bytes(trained.item_embeddings.size() * sizeof(float), '\0');
  std::memcpy(&bytes[0], trained.item_embeddings.data(), bytes.size());
  RETURN_IF_ERROR(WriteFileAtomic(options.out, bytes));
  PretrainMfResult result;
  result.sidecar_path = MfSidecarPath(options.out);
  result.sidecar_json = SidecarJson(run, options, data, trained, Crc32c(bytes.data(), bytes.size()));
  RETURN_IF_ERROR(WriteFileAtomic(result.sidecar_path, result.sidecar_json + "\n"));
  result.mf = std::move(trained);
  return result;
}

}  // namespace slaterl
