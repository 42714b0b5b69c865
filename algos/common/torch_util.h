// algos/common/torch_util.h — process-wide LibTorch settings, callable from torch-free code.
// Shared plumbing: do not fork per algorithm.
#pragma once

#include <string>

#include "core/status.h"

namespace slaterl {

// Sets LibTorch's intra- and inter-op thread pools (actors use 1: on 2 cores more threads were
// 3× slower) and glibc's malloc thresholds so large tensor buffers are reused instead of being
// returned to the kernel after every update (docs/performance.md).
void ConfigureTorchForRole(int num_threads);
// Validates `learner_device` (auto | cpu | cuda) against this build; names the key on error.
Status CheckLearnerDevice(const std::string& learner_device);

}  // namespace slaterl
