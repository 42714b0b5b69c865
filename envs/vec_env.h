// envs/vec_env.h — the batched environment API every slaterl environment implements.
//
// A VecEnv owns N independent environments of one kind that step in lock-step. All state lives in
// flat arrays sized at construction; reset() and step() never allocate (tests check this with a
// counting operator new). Environment i of a batch is seeded from (seed, i) by DeriveSeed, and each
// env keeps the random-stream structure of its Python original (docs/environments.md §8.4). step()
// auto-resets the environments that finished: their entry in `out->obs` is then the first
// observation of the next episode (first_step = 1), while rewards, responses and the done flags
// describe the step that finished the old one. Not thread-safe: one VecEnv per thread.
//
// Layouts (row-major, float unless said; docs/environments.md §1.2, §8.2, and there decisions E3,
// the -1 sentinel, and E4, zero responses after a reset):
//   ObsBatch.user         N × user_dim                (empty when user_dim == 0)
//   ObsBatch.docs         N × num_candidates × doc_dim (candidate features in sampling order)
//   ObsBatch.last_slate   N × slate_size int32        (the slate that produced last_responses;
//                                                      the reset slate for `topics`, -1 else at reset)
//   ObsBatch.last_responses N × slate_size × response_dim (all zero after a reset;
//                                                      `topics`: the reset slate's clicks)
//   ObsBatch.first_step   N uint8                      (1 right after a reset)
//   SlateBatch.items      N × slate_size int32 positions in the candidate list, or
//                         -1 = "the environment's oracle fills this slot" where the spec has
//                         oracle_sentinel (`topics` only); other envs reject -1
//   StepBatch.responses   N × slate_size × response_dim, per slot [click, item_reward, ...]
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/status.h"

namespace slaterl {

class StateArchive;

// SlateBatch entry meaning "the environment's oracle fills this slot"
// (docs/environments.md decision E3); valid only where EnvSpec::oracle_sentinel is true.
constexpr int32_t kOracleSentinel = -1;

struct EnvSpec {
  std::string name;
  int num_envs = 1;
  int num_candidates = 0;
  int slate_size = 0;
  int user_dim = 0;
  int doc_dim = 0;
  int response_dim = 2;  // [click, item_reward, ...]
  int max_steps = 0;     // 0 = self-terminating (no fixed horizon)
  // True when a slate entry may be -1: the env serves its own (privileged) oracle's item there
  // (docs/environments.md §6.8 step 5, decision E3; only `topics`).
  bool oracle_sentinel = false;
};

struct ObsBatch {
  std::vector<float> user;
  std::vector<float> docs;
  std::vector<int32_t> last_slate;
  std::vector<float> last_responses;
  std::vector<uint8_t> first_step;
  // Sizes every array for `spec` (call once; never in the step loop).
  ObsBatch() = default;
  explicit ObsBatch(const EnvSpec& spec) { Allocate(spec); }
  void Allocate(const EnvSpec& spec);
};

struct SlateBatch {
  std::vector<int32_t> items;
  // Optional raw action behind each slate (N × Policy::action_dim() floats, e.g. SAC's
  // proto-action before the ranker, docs/algorithms.md §4.1). Sized by the caller that wants it (actors
  // recording trajectories); empty otherwise, and policies then skip writing it.
  std::vector<float> actions;
  SlateBatch() = default;
  explicit SlateBatch(const EnvSpec& spec) { Allocate(spec); }
  void Allocate(const EnvSpec& spec) { items.assign(static_cast<size_t>(spec.num_envs) * spec.slate_size, 0); }
};

struct StepBatch {
  ObsBatch obs;                     // next observation (auto-reset where done)
  std::vector<float> rewards;       // N
  std::vector<float> responses;     // N × slate_size × response_dim
  std::vector<uint8_t> terminated;  // N: the episode ended by the env's own rule
  std::vector<uint8_t> truncated;   // N: the episode was cut by a step limit
  std::vector<double> episode_return;  // N: valid where terminated|truncated
  std::vector<int32_t> episode_length; // N: valid where terminated|truncated
  StepBatch() = default;
  explicit StepBatch(const EnvSpec& spec) { Allocate(spec); }
  void Allocate(const EnvSpec& spec);
};

class VecEnv {
 public:
  virtual ~VecEnv() = default;
  virtual const EnvSpec& spec() const = 0;
  // Seeds env i from DeriveSeed(seed, {kSeedEnv, i}) and starts a fresh episode in every env.
  virtual void reset(uint64_t seed, ObsBatch* obs) = 0;
  // Serves `slates` (validated by the caller, see ValidateSlates) and auto-resets finished envs.
  virtual void step(const SlateBatch& slates, StepBatch* out) = 0;
  // The slate env i served in its latest step when it may differ from the requested one (the
  // oracle sentinel, `topics`): k item ids, valid until the next step. nullptr = as requested.
  virtual const int32_t* served_slate(int i) const { (void)i; return nullptr; }
  // Privileged (docs/environments.md §8.3): the raw user vector after env i's latest step, before any
  // auto-reset (`topics`: info.user_state); privileged_user_dim() floats. nullptr where the env
  // has none.
  virtual int privileged_user_dim() const { return 0; }
  virtual const float* post_step_user(int i) const { (void)i; return nullptr; }
  // Whole-run snapshots (core/state_archive.h): visits every member that influences
  // later steps (users, documents, budgets, RNG streams, episode accumulators; not constants
  // derived from the config), so an env of the same config restored from a snapshot taken between
  // two step() calls continues bit-identically. Scratch buffers rewritten before every read may be
  // skipped. The default: Unimplemented, naming the env.
  virtual Status VisitState(StateArchive& archive);
};

// Shared bookkeeping of the candidate envs (lts, interest_evolution, interest_exploration);
// do-not-fork plumbing, so every env fills ObsBatch the same way.
//
// CHECKs that `obs` is sized for `spec` (a caller bug otherwise: batches come from Allocate).
void CheckObsBatchSizes(const EnvSpec& spec, const ObsBatch& obs);
// CHECKs that `slates` and `out` are sized for `spec`.
void CheckStepBatchSizes(const EnvSpec& spec, const SlateBatch& slates, const StepBatch& out);
// After a reset: no previous slate (-1), zero responses (docs/environments.md decision E4), first_step = 1.
void MarkAllFirstStep(ObsBatch* obs);
// After env i stepped: its next observation reports the slate just served and its responses, or,
// when the episode ended (the env auto-reset), no slate, zero responses and first_step = 1.
void RecordServedSlate(const EnvSpec& spec, int i, bool episode_ended, const int32_t* slate,
                       const float* responses, ObsBatch* obs);

// Checks that every slate entry is a valid candidate position, or -1 where spec.oracle_sentinel
// (what step() assumes). InvalidArgument naming the first bad entry otherwise.
Status ValidateSlates(const EnvSpec& spec, const SlateBatch& slates);

}  // namespace slaterl
