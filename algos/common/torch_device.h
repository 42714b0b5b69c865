// algos/common/torch_device.h — the learner's torch::Device from cluster.learner_device.
// Include only from .cc files that already include LibTorch. Shared plumbing: do not fork.
#pragma once

#include <torch/torch.h>

#include <string>

namespace slaterl {

// auto → CUDA when this build has it and a device is visible, else CPU.
inline torch::Device LearnerDevice(const std::string& learner_device) {
#ifdef SLATERL_WITH_CUDA
  if ((learner_device == "auto" || learner_device == "cuda") && torch::cuda::is_available())
    return torch::Device(torch::kCUDA);
#endif
  (void)learner_device;
  return torch::Device(torch::kCPU);
}

}  // namespace slaterl
