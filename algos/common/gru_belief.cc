#include <ATen/CPUGeneratorImpl.h>
#include "algos/common/gru_belief.h"

#include <cstdio>

#include "algos/common/torch_nets.h"
#include "core/files.h"

namespace slaterl {

GruBeliefImpl::GruBeliefImpl(const torch::Tensor& initial_table, int slate_size_k, int hidden)
    : slate_size(slate_size_k), item_dim(static_cast<int>(initial_table.size(1))), hidden_size(hidden) {
  table = register_parameter("table", initial_table.detach().clone());
  gru = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(slate_size * (item_dim + 1), hidden)
                                                  .num_layers(1)
                                                  .batch_first(true)));
}

torch::Tensor GruBeliefImpl::forward(const torch::Tensor& slates, const torch::Tensor& clicks) {
  const int64_t b = slates.size(0), s = slates.size(1);
  torch::Tensor emb = table.index_select(0, slates.reshape({-1})).view({b, s, slate_size, item_dim});
  torch::Tensor x = torch::cat({emb, clicks.unsqueeze(-1)}, -1).view({b, s, slate_size * (item_dim + 1)});
  return std::get<0>(gru->forward(x));
}

Result<TrajectoryTensors> ToTrajectoryTensors(const SampleBatch& batch, const TrajectoryLayout& L,
                                              const torch::Device& device) {
  if (batch.item_size != L.size)
    return InvalidArgumentError("trajectory batch items have " + std::to_string(batch.item_size) +
                                " floats, the layout " + std::to_string(L.size));
  if (batch.num_items < 1 || batch.data.size() != static_cast<size_t>(batch.num_items) * L.size)
    return InvalidArgumentError("trajectory batch of " + std::to_string(batch.num_items) +
                                " items holds " + std::to_string(batch.data.size()) + " floats");
  TrajectoryTensors out;
  const int64_t B = batch.num_items, T = L.steps, k = L.slate_size;
  out.batch = B;
  out.steps = T;
  torch::Tensor items =
      torch::from_blob(const_cast<float*>(batch.data.data()), {B, L.size}, torch::kFloat32);
  auto cut = [&](int offset, int64_t count) { return items.slice(1, offset, offset + count); };
  out.slates = cut(L.slates, (T + 1) * k).reshape({B, T + 1, k}).to(torch::kInt64).to(device);
  out.clicks = cut(L.clicks, (T + 1) * k).reshape({B, T + 1, k}).to(device);
  if (L.action_dim > 0) out.actions = cut(L.actions, T * L.action_dim).reshape({B, T, L.action_dim}).to(device);
  out.rewards = cut(L.rewards, T).to(device);
  if (L.user_dim > 0) out.next_user = cut(L.next_user, T * L.user_dim).reshape({B, T, L.user_dim}).to(device);
  out.done = torch::zeros({B, T}, torch::kFloat32);
  out.done.select(1, T - 1).fill_(1.0f);
  out.done = out.done.to(device);
  for (int64_t i = 0; i < B; ++i)
    out.episode_index.push_back(static_cast<int64_t>(batch.data[static_cast<size_t>(i) * L.size + L.episode_index]));
  // Item ids must index the tables.
  const float* data = batch.data.data();
  for (int64_t i = 0; i < B; ++i)
    for (int64_t j = 0; j < (T + 1) * k; ++j) {
      const float id = data[static_cast<size_t>(i) * L.size + L.slates + j];
      if (!(id >= 0.0f)) return InvalidArgumentError("trajectory batch: negative or NaN item id");
    }
  return out;
}

void AppendModuleWeights(torch::nn::Module& module, const std::string& prefix, Weights* weights) {
  torch::NoGradGuard no_grad;
  for (const auto& p : module.named_parameters()) {
    WeightTensor t;
    t.name = prefix + "." + p.key();
    torch::Tensor cpu = p.value().detach().to(torch::kCPU).contiguous();
    t.shape = cpu.sizes().vec();
    t.data.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
    weights->tensors.push_back(std::move(t));
  }
}

torch::Tensor ReturnsToGo(const torch::Tensor& rewards, double gamma) {
  torch::Tensor out = torch::zeros_like(rewards);
  torch::Tensor running = torch::zeros({rewards.size(0)}, rewards.options());
  for (int64_t t = rewards.size(1) - 1; t >= 0; --t) {
    running = rewards.select(1, t) + gamma * running;
    out.select(1, t).copy_(running);
  }
  return out;
}

std::pair<torch::Tensor, torch::Tensor> FirstClick(const torch::Tensor& clicks) {
  torch::Tensor clicked = clicks > 0.5;
  torch::Tensor any = clicked.any(-1).to(torch::kFloat32);
  // argmax of the first maximum: positions weighted so that the earliest click wins.
  const int64_t k = clicks.size(-1);
  torch::Tensor weights = torch::arange(k, 0, -1, clicks.options().dtype(torch::kFloat32));
  torch::Tensor first = (clicked.to(torch::kFloat32) * weights).argmax(-1);
  return {first, any};
}

Status SaveTorchCheckpoint(const std::string& path, torch::nn::Module& nets, const NamedOptimizers& optimizers,
                           const std::map<std::string, double>& scalars) {
  const std::string dir = path.substr(0, path.find_last_of('/'));
  if (dir != path) RETURN_IF_ERROR(MakeDirectories(dir));
  try {
    torch::serialize::OutputArchive archive, nets_archive;
    nets.save(nets_archive);
    archive.write("nets", nets_archive);
    for (const auto& [name, optimizer] : optimizers) {
      torch::serialize::OutputArchive optimizer_archive;
      optimizer->save(optimizer_archive);
      archive.write(name, optimizer_archive);
    }
    for (const auto& [name, value] : scalars) archive.write("scalar." + name, torch::tensor(value, torch::kFloat64));
    {  // the CPU generator: SAC's reparameterised noise continues bit-identically after a resume
      at::Generator generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      archive.write("torch_rng.cpu", generator.get_state());
    }
    archive.save_to(path + ".tmp");
    if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0) return UnavailableError(path + ": rename failed");
  } catch (const c10::Error& e) {
    return UnavailableError(path + ": " + e.what_without_backtrace());
  }
  return Status::Ok();
}

Status LoadTorchCheckpoint(const std::string& path, const torch::Device& device, torch::nn::Module& nets,
                           const NamedOptimizers& optimizers, std::map<std::string, double>* scalars) {
  try {
    torch::serialize::InputArchive archive, nets_archive;
    archive.load_from(path, device);
    archive.read("nets", nets_archive);
    // Module::load would take the checkpoint's shapes as they come: another architecture is refused.
    RETURN_IF_ERROR(CheckArchiveShapes(nets_archive, nets).WithContext(path));
    nets.load(nets_archive);
    for (const auto& [name, optimizer] : optimizers) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read(name, optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    for (auto& [name, value] : *scalars) {
      torch::Tensor t;
      archive.read("scalar." + name, t);
      value = t.item<double>();
    }
    torch::Tensor rng_state;
    if (archive.try_read("torch_rng.cpu", rng_state)) {  // absent in older checkpoints
      at::Generator generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(rng_state.to(torch::kCPU));
    }
  } catch (const c10::Error& e) {
    return DataLossError(path + ": not a loadable checkpoint of this algorithm and config: " +
                         e.what_without_backtrace());
  }
  return Status::Ok();
}

Status SaveOneOptimizerCheckpoint(const std::string& path, torch::nn::Module& nets, torch::optim::Optimizer& optimizer,
                                  int64_t num_updates) {
  return SaveTorchCheckpoint(path, nets, {{"optimizer", &optimizer}}, {{"num_updates", static_cast<double>(num_updates)}});
}

Status LoadOneOptimizerCheckpoint(const std::string& path, const torch::Device& device, torch::nn::Module& nets,
                                  torch::optim::Optimizer& optimizer, int64_t* num_updates) {
  std::map<std::string, double> scalars = {{"num_updates", 0.0}};
  RETURN_IF_ERROR(LoadTorchCheckpoint(path, device, nets, {{"optimizer", &optimizer}}, &scalars));
  *num_updates = static_cast<int64_t>(scalars["num_updates"]);
  return Status::Ok();
}

}  // namespace slaterl
