// algos/common/gru_belief.h — the GeMS GRU belief encoder (docs/algorithms.md §1.5) and whole-trajectory
// batches as tensors (docs/algorithms.md §1.2, §1.4), for the learners of the GeMS-family algorithms (sac,
// reinforce, slateq gems). Includes LibTorch: include it only from those algorithms' .cc files.
//
// GruBelief owns an item table E ∈ R^{N×d} (trainable) and a one-layer GRU of input k·(d+1) and
// hidden d_s. Per observation o_t = (A_{t−1}, c_t): x_t = concat over slots p of
// [E[A_{t−1,p}] ; c_{t,p}] (slot-major), s_t = GRU hidden after x_0…x_t from a zero state. The
// acting side runs the same maths without LibTorch (GruBeliefInference in nn_inference.h users);
// parameter names are "<prefix>.table" and "<prefix>.gru.{weight,bias}_{ih,hh}_l0".
// Not thread-safe (LibTorch modules).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "algos/common/torch_util.h"
#include "algos/registry.h"
#include "core/messages.h"
#include "core/status.h"
#include "envs/trajectory.h"

namespace slaterl {

struct GruBeliefImpl : torch::nn::Module {
  // `initial_table` (N × d) is copied (GeMS: every module starts from the same random table).
  GruBeliefImpl(const torch::Tensor& initial_table, int slate_size, int hidden_size);
  // slates [B, S, k] int64 item ids, clicks [B, S, k] float → beliefs [B, S, hidden].
  torch::Tensor forward(const torch::Tensor& slates, const torch::Tensor& clicks);
  torch::Tensor table;
  torch::nn::GRU gru{nullptr};
  int slate_size, item_dim, hidden_size;
};
TORCH_MODULE(GruBelief);

// A batch of B whole trajectories (envs/trajectory.h) as tensors on `device`.
struct TrajectoryTensors {
  int64_t batch = 0, steps = 0;
  torch::Tensor slates;         // [B, T+1, k] int64: o_t's slate (row 0 = reset slate)
  torch::Tensor clicks;         // [B, T+1, k] float
  torch::Tensor actions;        // [B, T, D] float (D = 0: undefined)
  torch::Tensor rewards;        // [B, T] float
  torch::Tensor next_user;      // [B, T, U] float (U = 0: undefined)
  torch::Tensor done;           // [B, T] float: 1 at t = T − 1
  std::vector<int64_t> episode_index;  // B: training progress n when each episode started
};
// Checks sizes (InvalidArgument when the batch does not hold `layout` items) and converts.
Result<TrajectoryTensors> ToTrajectoryTensors(const SampleBatch& batch, const TrajectoryLayout& layout,
                                              const torch::Device& device);

// Appends the parameters of `module` as "<prefix>.<name>" tensors (CPU float) to `weights`.
void AppendModuleWeights(torch::nn::Module& module, const std::string& prefix, Weights* weights);

// Discounted return-to-go G_t = Σ_{t'≥t} γ^{t'−t} r_{t'} within each row of rewards [B, T].
torch::Tensor ReturnsToGo(const torch::Tensor& rewards, double gamma);

// Index of the first clicked slot of each row of clicks [..., k] and whether any slot was
// clicked: (first [...] int64, 0 where none; any [...] float 0/1).
std::pair<torch::Tensor, torch::Tensor> FirstClick(const torch::Tensor& clicks);

// Checkpoint file of a GeMS-family learner: one module holding every network, its optimisers by
// name, named scalars (counters, α) and the CPU generator state (the update's noise), written
// to `path`.tmp then renamed (atomic). Load
// restores them in place; DataLoss naming `path` when the file is not a checkpoint of this shape.
using NamedOptimizers = std::vector<std::pair<std::string, torch::optim::Optimizer*>>;
Status SaveTorchCheckpoint(const std::string& path, torch::nn::Module& nets, const NamedOptimizers& optimizers,
                           const std::map<std::string, double>& scalars);
Status LoadTorchCheckpoint(const std::string& path, const torch::Device& device, torch::nn::Module& nets,
                           const NamedOptimizers& optimizers, std::map<std::string, double>* scalars);
// The common case of the above: one optimiser ("optimizer") and the update count (REINFORCE,
// SlateQ gems).
Status SaveOneOptimizerCheckpoint(const std::string& path, torch::nn::Module& nets, torch::optim::Optimizer& optimizer,
                                  int64_t num_updates);
Status LoadOneOptimizerCheckpoint(const std::string& path, const torch::Device& device, torch::nn::Module& nets,
                                  torch::optim::Optimizer& optimizer, int64_t* num_updates);

// Builds a GeMS-family trainer from its settings: checks the learner device, seeds LibTorch from
// the run (initial weights and update noise are a function of the run seed) and turns LibTorch
// exceptions into a clear error naming `what`.
template <typename TrainerT, typename SettingsT>
Result<std::unique_ptr<Trainer>> MakeTorchTrainer(const std::string& what, const Params& config,
                                                   const AlgoContext& ctx, Result<SettingsT> settings) {
  if (!settings.ok()) return settings.status();
  RETURN_IF_ERROR(CheckLearnerDevice(ctx.learner_device));
  try {
    torch::manual_seed(ctx.seed);
    return std::unique_ptr<Trainer>(new TrainerT(config, ctx, std::move(settings).value()));
  } catch (const c10::Error& e) {
    return InternalError(what + " trainer: " + e.what_without_backtrace());
  }
}

}  // namespace slaterl
