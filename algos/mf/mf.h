// algos/mf/mf.h — BPR matrix factorisation item embeddings from logged trajectories (docs/algorithms.md §1.6;
// GeMS GeMS/modules/item_embeddings.py, MatrixFactorization/models.py, train_MF.py). The model is
// LibTorch, inside mf.cc only; this header is torch-free.
//
// Users are the trajectories of a LoggedDataset (datasets/logged_data.h); the positives are
// every (trajectory, clicked item) pair, duplicates kept; each positive gets one negative item j
// drawn uniformly from the N items. With user table P and item table Q (both d = 20 wide,
// Xavier-uniform with gain 1, i.e. U(±sqrt(6 / (rows + d)))), s_ui = ⟨P_u, Q_i⟩ and the loss of a
// batch is mean −log(σ(s_ui − s_uj) + 1e-7). Adam (lr 1e-4, β (0.9, 0.999), ε 1e-8, no weight
// decay), batches of 256 positives shuffled every epoch (the last batch of an epoch may be
// smaller). The first ⌊0.1·n⌋ trajectories are validation users and are never trained on as
// training users. A validation loss is computed every 1000 training batches; the item table is
// snapshotted whenever it improves on the best so far, and training stops after 3 evaluations in a
// row that do not improve it (or after max_epochs). The result is the best snapshot of Q.
//
// Presets (docs/algorithms.md §0.2):
//   gems_repro — as the GeMS code runs: validation is the training forward, so every validation
//     batch also steps the optimiser (docs/algorithms.md register entry 19); the validation
//     positives are reshuffled and get fresh negatives at each evaluation; evaluations happen at
//     within-epoch batch indices 0, 1000, 2000, … (the index restarts every epoch, so an epoch's
//     first evaluation may follow the previous one after fewer than 1000 batches). GeMS also
//     re-indexes the training and the validation trajectories from 0 each, so validation
//     trajectory v is scored with — and, through entry 19, trains — the user row of training
//     trajectory v (the user table has n rows, of which the last ⌊0.1·n⌋ are never used). gems_repro keeps this, as it shapes the published tables;
//     docs/algorithms.md §1.6's "validation users are never trained otherwise" describes the intent.
//   clean — no optimiser step during validation. Validation users have their own rows, folded in
//     before each evaluation: with Q frozen, their rows start at 0 and take fold_in_steps full-batch
//     Adam steps (lr fold_in_lr) on the BPR loss of their clicks in the first half of each
//     trajectory (steps < T/2), with negatives from a stream re-seeded identically at every
//     evaluation; the validation loss is the BPR loss of their clicks in the second half (steps
//     ≥ T/2) against negatives drawn once. Evaluations every eval_interval_batches training batches
//     counted across epochs, the first before any training. Without the fold-in, a validation row
//     would stay at its random initialisation and the loss would not measure Q at all.
//
// Random streams: everything derives from `seed` (GeMS: 2022) with DeriveSeed, one stream each for
// the two initialisations, the shuffles, the training negatives and the validation negatives;
// a run is a pure function of (dataset, options) on one machine (LibTorch CPU kernels with a fixed
// thread count). Not thread-safe; sets LibTorch's intra-op thread count when num_threads > 0.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/logged_data.h"
#include "core/status.h"

namespace slaterl {

enum class MfPreset { kClean, kGemsRepro };
const char* MfPresetName(MfPreset preset);  // "clean" | "gems_repro"
Result<MfPreset> ParseMfPreset(const std::string& name);

// GeMS's train_MF.py seed (docs/algorithms.md §1.6).
constexpr uint64_t kGemsMfSeed = 2022;

// One validation evaluation.
struct MfEvaluation {
  int64_t batches = 0;         // training batches before it
  double epochs = 0.0;         // batches / batches per epoch
  double train_loss = 0.0;     // mean training-batch loss since the previous evaluation (NaN: none)
  double validation_loss = 0.0;
  bool improved = false;       // a new best: Q was snapshotted
  int non_improving = 0;       // evaluations in a row without improvement, this one included
  double seconds = 0.0;        // since the start of training
};

struct MfOptions {
  MfPreset preset = MfPreset::kClean;
  int dim = 20;                        // d
  double lr = 1e-4;                    // Adam learning rate
  int batch_size = 256;                // positives per batch
  double validation_fraction = 0.1;    // the first ⌊n·f⌋ trajectories validate
  int64_t eval_interval_batches = 1000;
  int patience = 3;                    // non-improving evaluations that stop training
  int64_t max_epochs = 0;              // 0 = no limit: stop on patience only
  uint64_t seed = kGemsMfSeed;
  int num_threads = 1;                 // LibTorch intra-op threads; 0 = leave as it is
  int fold_in_steps = 100;             // clean: Adam steps of the validation fold-in
  double fold_in_lr = 0.01;            // clean: its learning rate (docs/data.md: its effect)
  // Called after every evaluation (progress output); may be empty.
  std::function<void(const MfEvaluation&)> on_evaluation;
};

struct MfResult {
  int32_t num_items = 0;
  int dim = 0;
  std::vector<float> item_embeddings;  // num_items × dim, row-major: the best snapshot of Q
  std::vector<float> final_item_embeddings;  // Q when training stopped (diagnostics)
  double initial_validation_loss = 0.0;  // the first evaluation's
  double best_validation_loss = 0.0;
  int64_t best_batches = 0;              // training batches when the best snapshot was taken
  int64_t batches = 0;                   // training batches run
  double epochs = 0.0;
  int64_t evaluations = 0;
  int64_t train_trajectories = 0, validation_trajectories = 0;
  int64_t train_positives = 0, validation_positives = 0;
  std::string stop_reason;               // "patience" | "max_epochs"
  double seconds = 0.0;
  std::vector<MfEvaluation> history;
};

// Trains MF on `data`. InvalidArgument for bad options (named) or a dataset without any training
// or validation positive; Internal for a LibTorch error or a non-finite loss.
Result<MfResult> TrainMf(const LoggedDataset& data, const MfOptions& options);

}  // namespace slaterl
