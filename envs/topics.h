// envs/topics.h — GeMS's TopicRec simulator, `topics` in the registry.
//
// Dynamics: docs/environments.md §6 (GeMS naver/gems RecSim/simulators.py, commit 277a85f);
// layouts, quirks and decisions: docs/environments.md §8, §9 (Q5–Q11, Q14), §10 (E1, E3, E7, E8,
// E9). A catalogue of num_items items with fixed embeddings E (TopicsEmbeddings: the GeMS
// focused/diffuse files or slaterl's generator) of num_topics blocks of topic_size dims (10 × 2); a
// hidden user vector u whose block norms sum to 1; relevance σ(slope·(E_j·ũ / max_score − offset));
// a position-based click model (tdPBM / mixPBM in the code's form, docs/environments.md quirk Q14)
// whose attractiveness is divided by diversity_penalty when ≥ diversity_threshold items of the
// slate share a topic (docs/environments.md quirk Q7); boredom (a topic clicked ≥
// boredom_threshold times among the recent clicks is masked out of ũ for 5 steps); drift of u
// towards every clicked item. reset() draws a user and runs one interaction on a
// fixed initial slate (not counted, docs/environments.md §6.7, quirk Q10); every episode then lasts
// exactly episode_length steps; reward = number of clicks. All arithmetic is float32 in the order
// of docs/environments.md §6.5/decision E7 (quirk Q11).
//
// Observation (docs/environments.md §8.2): user_dim = doc_dim = 0; ObsBatch.last_slate = the slate
// served last (item ids, after oracle substitution; after a reset the reset slate) and
// last_responses = its clicks as [click, click] per slot (the reset clicks after a reset, not
// zeros); first_step = 1 after a reset. A slate entry −1 means "the env's short-term oracle fills
// this slot" (EnvSpec::oracle_sentinel, docs/environments.md §6.8 step 5, decision E3): all −1 is
// the short-term oracle.
//
// Random streams (docs/environments.md §6.9, §8.4, decisions E1/E7): env i owns ONE simulator Rng
// seeded at reset(seed) with DeriveSeed(seed, {kSeedEnv, i, kSeedSimulatorStream,
// env_config.sim_seed}); episodes run back to back on it (auto-resets do not re-seed). Per episode:
// the user's num_topics × topic_size normals, then num_topics uniforms (docs/environments.md §6.4);
// rec_size click uniforms on the reset slate, plus one integer in [0, num_topics) only when nothing
// was clicked there (docs/environments.md §6.7 step 4); then rec_size click uniforms per step,
// whatever the slate. So every policy meets the same users and reset outcomes for a given seed
// (common random numbers, as in the reference measurements of data/reference/reference.csv). The
// streams are ours, not torch's: `topics` is statistically, not bit-, equivalent to the original
// (docs/environments.md decision E7). env_config.sim_seed plays the part of GeMS's simulator seed:
// it selects the users together with the run seed. (GeMS re-seeds with it before testing; the
// slaterl equivalent is `eval --seed`, docs/environments.md decision E9.)
//
// The per-step dynamics live in TopicsDynamics, split around the click draw (BeginStep → clicks →
// FinishStep) so that tests replay the reference traces with the recorded clicks forced through
// the very functions step() runs (tests/data/topicrec_focused_topdown_*.jsonl,
// tests/envs/topics_trace_test.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/rng.h"
#include "core/status.h"
#include "envs/topics_embeddings.h"
#include "envs/vec_env.h"

namespace slaterl {

// Boredom timer of a newly bored topic, in steps (GeMS hard-codes 5; docs/environments.md §6.4, §6.8 step 2).
constexpr int32_t kTopicsBoredomTimeoutSteps = 5;
// Examination decay of the position-based click models: e_r = 0.85^r (docs/environments.md §6.3).
constexpr float kTopicsExaminationDecay = 0.85f;
// Share of top-down users in mixPBM, ν (docs/environments.md §6.3): e_r = ν·0.85^r + (1−ν)·0.85^(k−1−r).
constexpr float kTopicsMixPbmTopDownShare = 0.5f;
// Per-slot response of `topics` (docs/environments.md §8.2): [click, item_reward = click].
constexpr int kTopicsResponseDim = 2;
// GeMS's default simulator seed (docs/environments.md §6.1); env_config.sim_seed defaults to it.
constexpr int64_t kGemsDefaultSimSeed = 24321357327;

enum class TopicsVariant { kTopDown, kMixed, kDivPen };
enum class TopicsClickModel { kTdPbm, kMixPbm };
enum class TopicsEmbeddingsKind { kFocused, kDiffuse, kGenerated };

// Validated `env_config` of `topics`. Keys: variant, embeddings, generated_structure,
// embeddings_seed, data_dir, sim_seed, and every docs/environments.md §6.1 parameter under its GeMS name
// (docs/environments.md decision E8). Defaults are the paper's values (never the simulators.py
// command-line defaults).
struct TopicsConfig {
  TopicsVariant variant = TopicsVariant::kTopDown;
  TopicsEmbeddingsKind embeddings = TopicsEmbeddingsKind::kFocused;
  TopicsGeneratedStructure generated_structure = TopicsGeneratedStructure::kFocused;
  int64_t embeddings_seed = 0;  // generator seed (embeddings: generated)
  std::string data_dir;         // folder of the GeMS files; "" = look up (topics_embeddings.h)
  int64_t sim_seed = kGemsDefaultSimSeed;
  int num_items = kGemsNumItems;    // N, the catalogue
  int rec_size = 10;                // k, slate size (<= num_topics: the reset slate)
  int episode_length = 100;         // H, steps per episode
  int num_topics = kGemsNumTopics;  // K
  int topic_size = kGemsTopicSize;  // s (embedding dim = K·s)
  double env_offset = 0.28;
  double env_slope = 100.0;
  double env_omega = 0.9;          // ω, drift: u ← ω·u + (1−ω)·E_j per click
  int boredom_threshold = 5;       // clicks of one topic in the window that bore the user
  int recent_items_maxlen = 10;    // capacity of both recent-click deques
  int boredom_moving_window = 5;   // the window holds the clicks of steps t−window…t
  double short_term_boost = 1.0;   // multiplies the short-term topic's block of ũ
  // ≥ this many items of one topic trigger the penalty (docs/environments.md quirk Q7).
  int diversity_threshold = 4;
  double diversity_penalty = 1.0;  // from variant unless given (TopDown/Mixed 1, DivPen 3)
  double env_alpha = 1.0;          // attractiveness = env_alpha · relevance
  bool click_only_once = false;    // already clicked items get relevance 0 (and oracle score 0)
  TopicsClickModel click_model = TopicsClickModel::kTdPbm;  // from variant unless given

  // The paper configuration of one of the six environments (docs/environments.md §6.1 table).
  static TopicsConfig Paper(TopicsVariant variant, TopicsEmbeddingsKind embeddings);
  // The env_config keys with defaults, ranges, units and documentation.
  static Schema GetSchema();
  // Reads `params` (absent keys take their defaults) and validates. `variant` decides click_model
  // and diversity_penalty unless they are given: their schema defaults are `auto` and 0 (= "from
  // variant"), so a resolved config (every default written out) loads back to the same values.
  // Errors name the key.
  static Result<TopicsConfig> FromParams(const Params& params);
  // Range and cross-key checks (rec_size <= num_topics, file shape, ...). Errors name the key.
  Status Validate() const;
};

const char* TopicsVariantName(TopicsVariant variant);
const char* TopicsEmbeddingsKindName(TopicsEmbeddingsKind kind);
const char* TopicsClickModelName(TopicsClickModel model);

// The item table `config` asks for: the GeMS file (looked up from config.data_dir, see
// topics_embeddings.h) or the generator. Errors name the file.
Result<std::shared_ptr<const TopicsEmbeddings>> LoadTopicsEmbeddings(const TopicsConfig& config);

// Fixed-capacity FIFO of int32 with the semantics of Python's deque(maxlen=capacity): PushBack on
// a full deque drops the oldest entry. Storage is sized once (Init); nothing else allocates.
class TopicsRecentDeque {
 public:
  void Init(int capacity) {
    buffer_.assign(static_cast<size_t>(capacity), 0);
    Clear();
  }
  void Clear() { head_ = size_ = 0; }
  int size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int capacity() const { return static_cast<int>(buffer_.size()); }
  // i-th oldest entry, 0 <= i < size().
  int32_t at(int i) const { return buffer_[Wrap(head_ + i)]; }
  int32_t front() const { return buffer_[static_cast<size_t>(head_)]; }
  void PushBack(int32_t value) {
    if (size_ == capacity()) {
      buffer_[static_cast<size_t>(head_)] = value;  // overwrite the oldest
      head_ = static_cast<int>(Wrap(head_ + 1));
    } else {
      buffer_[Wrap(head_ + size_)] = value;
      ++size_;
    }
  }
  void PopFront() {
    head_ = static_cast<int>(Wrap(head_ + 1));
    --size_;
  }
  // Snapshot fields "<name>/buffer", "<name>/head", "<name>/size" (TopicsVecEnv::VisitState).
  void VisitState(StateArchive& archive, const std::string& name);
  // 0 <= head < capacity and 0 <= size <= capacity (a loaded snapshot's are checked).
  bool InvariantsHold() const {
    return capacity() > 0 && head_ >= 0 && head_ < capacity() && size_ >= 0 && size_ <= capacity();
  }

 private:
  size_t Wrap(int i) const { return static_cast<size_t>(i % capacity()); }
  std::vector<int32_t> buffer_;
  int head_ = 0;
  int size_ = 0;
};

// The hidden state of one user (one env), docs/environments.md §6.4. Sized once by
// TopicsDynamics::InitState.
struct TopicsUserState {
  std::vector<float> user;             // K·s, the raw user vector u (block norms sum to 1)
  std::vector<uint8_t> bored;          // K
  std::vector<int32_t> bored_timeout;  // K
  // Topics of recent clicks (reset clicks included) and the step of each recent click (reset
  // clicks excluded): docs/environments.md quirk Q5.
  TopicsRecentDeque clicked_topics;
  TopicsRecentDeque clicked_step;
  int32_t short_term_topic = 0;
  int32_t t = 0;                       // steps taken in this episode
  std::vector<uint8_t> clicked_items;  // num_items flags, `all_clicked_items` (click_only_once)
  std::vector<int32_t> topic_counts;   // K scratch (zero between uses)
  std::vector<float> topic_weights;    // K scratch
};

// What BeginStep computes for one step of one env (caller-owned buffers).
struct TopicsStepBuffers {
  float* effective_user;  // K·s: ũ (docs/environments.md §6.8 step 4)
  int32_t* served;        // k: the slate after oracle substitution
  float* scores;          // k: E_j·ũ / max_score (info.scores)
  float* click_prob;      // k: attractiveness × examination, the Bernoulli parameters
  float* oracle_scores;   // padded_items() scratch, used when a slot is −1
};

// The deterministic parts of TopicRec for one env, shared by TopicsVecEnv and by tests that
// replay the reference traces with forced clicks. Immutable; thread-safe to call on distinct
// states. No method allocates except InitState.
class TopicsDynamics {
 public:
  // `config` must be valid and match `embeddings` (num_items, num_topics, topic_size).
  TopicsDynamics(const TopicsConfig& config, std::shared_ptr<const TopicsEmbeddings> embeddings);

  const TopicsEmbeddings& embeddings() const { return *embeddings_; }
  const TopicsConfig& config() const { return config_; }
  int dim() const { return dim_; }
  // Examination probability e_r of rank r (k values; docs/environments.md §6.3, in the code's
  // form: quirk Q14).
  const std::vector<float>& examination() const { return examination_; }
  // The reset slate: the best item of topics 0…k−1 (docs/environments.md §6.7 step 1).
  const std::vector<int32_t>& initial_slate() const { return initial_slate_; }

  // Sizes every array of `state` for this configuration (the only allocation).
  void InitState(TopicsUserState* state) const;
  // docs/environments.md §6.4: a fresh user (K·s normals, then K uniforms from `rng`) and cleared
  // bookkeeping.
  void SampleUser(Rng& rng, TopicsUserState* state) const;
  // docs/environments.md §6.7 steps 1–2: the reset slate's scores (raw u) and click probabilities.
  void ResetProbabilities(TopicsUserState* state, float* scores, float* click_prob) const;
  // docs/environments.md §6.7 steps 3–4 with the reset clicks given: topics into clicked_topics
  // (not clicked_step, quirk Q5), all_clicked_items; short-term topic = topic of the last clicked
  // item. Returns false when nothing was clicked: the caller then draws the short-term topic
  // (DrawShortTermTopic).
  bool ApplyResetClicks(TopicsUserState* state, const uint8_t* clicks) const;
  void DrawShortTermTopic(Rng& rng, TopicsUserState* state) const;

  // docs/environments.md §6.8 steps 1–7 without the draw: t += 1, boredom decay and onset, ũ,
  // oracle substitution of −1 entries of `requested`, scores, click probabilities.
  void BeginStep(TopicsUserState* state, const int32_t* requested,
                 const TopicsStepBuffers& out) const;
  // docs/environments.md §6.6 step 3: one uniform per rank from `rng`, click_r = U < click_prob[r].
  void SampleClicks(Rng& rng, const float* click_prob, uint8_t* clicks) const;
  // docs/environments.md §6.8 steps 8–12 with the clicks given: deques and window pop,
  // all_clicked_items, influence on u (renormalised by the sum of block norms), short-term topic
  // switch (docs/environments.md quirk Q6).
  void FinishStep(TopicsUserState* state, const int32_t* served, const uint8_t* clicks) const;
  bool Done(const TopicsUserState& state) const { return state.t >= config_.episode_length; }

  // docs/environments.md §6.8 steps 2–3 on the given flags and timers: decay, then onset from
  // `clicked_topics`. `counts` is K zeros on entry and on return. BeginStep runs it on the state's
  // own arrays; a preview (TopicsVecEnv::EffectiveUser) on copies.
  void AdvanceBoredom(const TopicsRecentDeque& clicked_topics, uint8_t* bored,
                      int32_t* bored_timeout, int32_t* counts) const;
  // ũ from u, `bored` and the short-term topic (step 4).
  void EffectiveUser(const TopicsUserState& state, const uint8_t* bored, float* out) const;
  // The k items of highest E_j·ũ, descending, ties to the lower id; already clicked items score 0
  // with click_only_once (step 5). `scores_scratch` holds embeddings().padded_items() floats and
  // returns the scores of every item.
  void OracleSlate(const TopicsUserState& state, const float* effective_user, float* scores_scratch,
                   int32_t* top) const;

 private:
  // Scores and click probabilities of `slate` for the user vector `u`
  // (docs/environments.md §6.5, §6.6 steps 1–2; with click_only_once, already clicked items get
  // relevance 0). Uses state.topic_counts.
  void ClickProbabilities(TopicsUserState* state, const float* u, const int32_t* slate,
                          float* scores, float* click_prob) const;
  // u ← u / Σ_k ‖u_k‖ (the GeMS normalisation).
  void NormaliseByBlockNorms(float* u) const;

  TopicsConfig config_;
  std::shared_ptr<const TopicsEmbeddings> embeddings_;
  int num_topics_, topic_size_, dim_, rec_size_;
  float max_score_, offset_, slope_, omega_, one_minus_omega_, boost_, alpha_, penalty_;
  std::vector<float> examination_;
  std::vector<int32_t> initial_slate_;
};

// N lock-step TopicRec environments.
//
// Ownership: owns the per-env states and Rngs (sized at construction) and shares the immutable item
// table; reads the caller's SlateBatch and writes the caller's ObsBatch / StepBatch, which must be
// Allocate()d for spec(). reset() and step() never allocate. step() requires a prior reset() and
// slate entries in [0, num_items) or −1 (CHECK; callers validate with ValidateSlates). Every
// episode lasts exactly episode_length steps and ends as terminated (the env's own rule, as GeMS's
// done flag), never truncated; episode_return / episode_length hold the finished episode's totals
// where terminated, the running totals elsewhere (reset clicks are never counted,
// docs/environments.md quirk Q10). Not thread-safe.
class TopicsVecEnv : public VecEnv {
 public:
  // `config` must be valid and match `embeddings`; use Create() for a checked construction.
  TopicsVecEnv(const TopicsConfig& config, std::shared_ptr<const TopicsEmbeddings> embeddings,
               int num_envs);
  // Loads or generates the embeddings the config asks for (errors name the file).
  static Result<std::unique_ptr<TopicsVecEnv>> Create(const TopicsConfig& config, int num_envs);

  const EnvSpec& spec() const override { return spec_; }
  const TopicsConfig& config() const { return dynamics_.config(); }
  const TopicsDynamics& dynamics() const { return dynamics_; }
  void reset(uint64_t seed, ObsBatch* obs) override;
  void step(const SlateBatch& slates, StepBatch* out) override;
  // Implemented: RNG streams, user states, latest-step views, episode accumulators (VecEnv
  // contract).
  Status VisitState(StateArchive& archive) override;

  // ---- privileged accessors (docs/environments.md §8.3; privileged methods and the oracle only) ----
  // Item table E, item topics, max_score, the reset slate: dynamics().embeddings(),
  // dynamics().initial_slate(); examination vector e_r: dynamics().examination(); offset, slope,
  // diversity rule, click model: config().
  const TopicsEmbeddings& embeddings() const { return dynamics_.embeddings(); }
  const std::vector<float>& examination() const { return dynamics_.examination(); }
  float max_score() const { return dynamics_.embeddings().max_score(); }
  // ũ of env i: with `preview`, the vector the next step will use (the pending boredom decay and
  // onset applied, docs/environments.md §6.8 steps 2–4); without, masked with the boredom flags as
  // last updated (the view GeMS's SlateQ reads, docs/algorithms.md register entry 23, but with the
  // correct [s·b, s·b+s) blocks). Writes dim floats. No allocation.
  void EffectiveUser(int i, bool preview, float* out) const;
  // The raw user vector u after env i's latest step, before any auto-reset (info.user_state;
  // after reset(): the new user). dim floats.
  int privileged_user_dim() const override { return dim_; }
  const float* post_step_user(int i) const override { return post_step_user_.data() + Offset(i, dim_); }
  // Boredom flags used in env i's latest step (= the flags after it; all 0 after reset()). K bytes.
  const uint8_t* bored(int i) const { return bored_used_.data() + Offset(i, num_topics_); }
  // ũ used in env i's latest step (zeros after reset()). dim floats.
  const float* step_effective_user(int i) const { return effective_user_.data() + Offset(i, dim_); }
  // Served slate (after oracle substitution) and its scores E_j·ũ / max_score in env i's latest
  // step (info.slate, info.scores; the reset slate and raw-u scores after a reset).
  const int32_t* served_slate(int i) const override { return served_.data() + Offset(i, rec_size_); }
  const float* step_scores(int i) const { return scores_.data() + Offset(i, rec_size_); }
  // The full current state of env i (tests, diagnostics).
  const TopicsUserState& state(int i) const { return states_[static_cast<size_t>(i)]; }

 private:
  static size_t Offset(int i, int width) { return static_cast<size_t>(i) * width; }
  // New user and the reset interaction of env i; writes its observation into `obs` and the reset
  // slate's scores into `scores` (k floats).
  void StartEpisode(int i, ObsBatch* obs, float* scores);

  TopicsDynamics dynamics_;
  EnvSpec spec_;
  int num_topics_, dim_, rec_size_;
  bool has_reset_ = false;
  std::vector<Rng> rng_;                 // N simulator streams
  std::vector<TopicsUserState> states_;  // N
  std::vector<float> effective_user_;    // N × dim, ũ of the latest step
  std::vector<float> post_step_user_;    // N × dim
  std::vector<uint8_t> bored_used_;      // N × K
  std::vector<int32_t> served_;          // N × k
  std::vector<float> scores_;            // N × k
  std::vector<float> click_prob_;        // k scratch
  std::vector<uint8_t> clicks_;          // k scratch
  std::vector<float> reset_scores_;      // k scratch (auto-reset)
  std::vector<float> oracle_scores_;     // padded_items scratch
  // Scratch of the const EffectiveUser(preview = true).
  mutable std::vector<uint8_t> preview_bored_;
  mutable std::vector<int32_t> preview_timeout_, preview_counts_;
  std::vector<double> episode_return_;   // N, running sum of step rewards
  std::vector<int32_t> episode_length_;  // N
};

}  // namespace slaterl
