#include "algos/common/torch_util.h"

#include <malloc.h>
#include <torch/torch.h>

namespace slaterl {

void ConfigureTorchForRole(int num_threads) {
  torch::set_num_threads(num_threads);
  static bool inter_op_set = false;  // may be set only once per process
  if (!inter_op_set) {
    torch::set_num_interop_threads(1);
    inter_op_set = true;
  }
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

Status CheckLearnerDevice(const std::string& learner_device) {
  if (learner_device == "cuda") {
#ifdef SLATERL_WITH_CUDA
    if (!torch::cuda::is_available())
      return FailedPreconditionError("cluster.learner_device: cuda, but no CUDA device is visible");
    return Status::Ok();
#else
    return FailedPreconditionError(
        "cluster.learner_device: cuda, but this slaterl was built against a CPU-only LibTorch "
        "(rebuild with a CUDA LibTorch on CMAKE_PREFIX_PATH, or use auto/cpu)");
#endif
  }
  return Status::Ok();
}

}  // namespace slaterl
