// algos/mf/mf_pretrain.h — `slaterl pretrain mf`: MF item embeddings (docs/algorithms.md §1.6, algos/mf/mf.h)
// from a logged-data file (`slaterl data generate`), written as a raw float32 table with a JSON
// sidecar.
//
// Output: `out` holds num_items × dim float32, little-endian, row-major, no header (row i = item
// id i), the format of data/gems/*.f32, so TopicsEmbeddings::LoadFile(out, 1000, 10, 2) reads a
// d = 20 table of the GeMS catalogue. The sidecar is `out` with `.f32` replaced by `.json` (or
// `out` + ".json"): shape, dtype, the dataset and its provenance, the config, preset, seed and
// hyper-parameters, the validation history and final (best) validation loss, batches, epochs,
// time, row norms and the table's CRC-32C. Both files are written atomically (the sidecar last).
// The config must be a `topics` config whose catalogue, slate size and episode length match the
// dataset (InvalidArgument naming both otherwise). Progress (one line per evaluation) goes to
// stderr unless `quiet`. Not thread-safe (LibTorch thread settings are process-wide).
#pragma once

#include <string>

#include "algos/mf/mf.h"
#include "core/config.h"
#include "core/status.h"

namespace slaterl {

struct PretrainMfOptions {
  std::string data;  // logged-data file
  std::string out;   // the .f32 table
  MfOptions mf;
  bool quiet = false;
};

struct PretrainMfResult {
  MfResult mf;
  std::string sidecar_path;
  std::string sidecar_json;
};

// The sidecar path of table `out`.
std::string MfSidecarPath(const std::string& out);

Result<PretrainMfResult> PretrainMf(const RunConfig& run, const PretrainMfOptions& options);

}  // namespace slaterl
