#include "envs/topics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "core/state_archive.h"
#include "envs/config_check.h"

namespace slaterl {
namespace {

constexpr const char* kEnvName = "topics";
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMaxSeed = int64_t{1} << 62;
constexpr int64_t kMaxItems = 1 << 20;
constexpr int64_t kMaxTopics = 1024;
constexpr int64_t kMaxTopicSize = 1024;
constexpr int64_t kMaxTableFloats = int64_t{1} << 26;  // 256 MB of float32
constexpr int64_t kMaxDequeLength = 1024;
constexpr int64_t kMaxEpisodeSteps = 1000000000;
// Diversity penalties of the paper variants (docs/environments.md §6.1).
constexpr double kDivPenPenalty = 3.0;
constexpr double kNoPenalty = 1.0;
// Values of click_model / diversity_penalty that mean "take it from `variant`".
constexpr const char* kFromVariantClickModel = "auto";
constexpr double kFromVariantPenalty = 0.0;

std::string KeyError(const std::string& key, const std::string& what) {
  return EnvConfigKeyError(kEnvName, key, what);
}

// ‖x[0..n)‖₂ in float32: squares added in order, then sqrtf.
float BlockNorm(const float* x, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += x[i] * x[i];
  return std::sqrt(s);
}

}  // namespace

// ---- names --------------------------------------------------------------------------------------

const char* TopicsVariantName(TopicsVariant variant) {
  switch (variant) {
    case TopicsVariant::kTopDown:
      return "TopDown";
    case TopicsVariant::kMixed:
      return "Mixed";
    case TopicsVariant::kDivPen:
      return "DivPen";
  }
  return "?";
}

const char* TopicsEmbeddingsKindName(TopicsEmbeddingsKind kind) {
  switch (kind) {
    case TopicsEmbeddingsKind::kFocused:
      return "focused";
    case TopicsEmbeddingsKind::kDiffuse:
      return "diffuse";
    case TopicsEmbeddingsKind::kGenerated:
      return "generated";
  }
  return "?";
}

const char* TopicsClickModelName(TopicsClickModel model) {
  switch (model) {
    case TopicsClickModel::kTdPbm:
      return "tdPBM";
    case TopicsClickModel::kMixPbm:
      return "mixPBM";
  }
  return "?";
}

// ---- TopicsConfig -------------------------------------------------------------------------------

TopicsConfig TopicsConfig::Paper(TopicsVariant variant, TopicsEmbeddingsKind embeddings) {
  TopicsConfig c;
  c.variant = variant;
  c.embeddings = embeddings;
  c.click_model =
      variant == TopicsVariant::kTopDown ? TopicsClickModel::kTdPbm : TopicsClickModel::kMixPbm;
  c.diversity_penalty = variant == TopicsVariant::kDivPen ? kDivPenPenalty : kNoPenalty;
  return c;
}

Schema TopicsConfig::GetSchema() {
  const TopicsConfig d;
  Schema s("env_config");
  s.Enum("variant", TopicsVariantName(d.variant), {"TopDown", "Mixed", "DivPen"},
         "GeMS environment (docs/environments.md §6.1): TopDown = tdPBM clicks, diversity_penalty 1; "
         "Mixed = mixPBM, 1; DivPen = mixPBM, 3. Sets click_model and diversity_penalty unless they "
         "are given.")
      .Enum(
          "embeddings", TopicsEmbeddingsKindName(d.embeddings), {"focused", "diffuse", "generated"},
          "Item table: the GeMS `focused` or `diffuse` file (data/gems/item_embeddings_<name>.f32, "
          "CC BY-NC-SA 4.0, see data/gems/LICENSE; needs num_items 1000, num_topics 10, "
          "topic_size 2), or `generated`: slaterl's seeded generator with the same structure (no "
          "licence restriction).")
      .Enum("generated_structure", "focused", {"focused", "diffuse"},
            "embeddings: generated only. The two GeMS files are statistically alike (one generator "
            "explains both); this picks one of two independent draws of slaterl's generator, the "
            "analogue of the file of that name.")
      .Int("embeddings_seed", d.embeddings_seed, 0, kMaxSeed, "",
           "embeddings: generated only. Seed of the item table.")
      .String("data_dir", d.data_dir,
              "Folder holding item_embeddings_<embeddings>.f32. Empty: $SLATERL_DATA_DIR if set, "
              "else <executable dir>/../data/gems, else ./data/gems (the source tree's data/gems "
              "for a build folder directly under it).")
      .Int("sim_seed", d.sim_seed, 0, kMaxSeed, "",
           "GeMS's simulator seed; with the run seed and env index it selects env i's simulator "
           "stream (users, clicks). GeMS default 24321357327.")
      .Int("num_items", d.num_items, 1, kMaxItems, "items", "N, catalogue size (GeMS: 1000).")
      .Int(
          "rec_size", d.rec_size, 1, kMaxTopics, "slots",
          "k, slate size (GeMS: 10; at most num_topics: the reset slate takes one item per topic).")
      .Int("episode_length", d.episode_length, 1, kMaxEpisodeSteps, "env steps",
           "H, steps per episode (the reset interaction is not a step).")
      .Int("num_topics", d.num_topics, 1, kMaxTopics, "topics", "K, topics (GeMS: 10).")
      .Int("topic_size", d.topic_size, 1, kMaxTopicSize, "dims",
           "s, embedding dims per topic (GeMS: 2); the embedding dim is num_topics * topic_size.")
      .Double(
          "env_offset", d.env_offset, -kInf, kInf, "",
          "Relevance = sigmoid(env_slope * (score - env_offset)), score = <E_j, u~> / max_score.")
      .Double("env_slope", d.env_slope, 0.0, kInf, "", "Slope of the relevance sigmoid.")
      .Double("env_omega", d.env_omega, 0.0, 1.0, "",
              "Drift: after each click u <- omega*u + (1-omega)*E_j, renormalised so that the "
              "topic-block norms sum to 1.")
      .Int("boredom_threshold", d.boredom_threshold, 1, kMaxDequeLength, "clicks",
           "A topic clicked at least this many times among the recent clicks becomes bored "
           "(masked out of u~) for 5 steps.")
      .Int("recent_items_maxlen", d.recent_items_maxlen, 1, kMaxDequeLength, "clicks",
           "Capacity of the recent-click memory (both deques).")
      .Int("boredom_moving_window", d.boredom_moving_window, 0, kMaxEpisodeSteps, "env steps",
           "At step t the recent-click memory keeps the clicks of steps t-window..t.")
      .Double("short_term_boost", d.short_term_boost, 0.0, kInf, "",
              "Multiplies the short-term topic's block of u~ (1.0 in every paper env: no effect).")
      .Int("diversity_threshold", d.diversity_threshold, 1, kMaxTopics, "items",
           "A slate with at least this many items of one topic has its attractiveness divided by "
           "diversity_penalty (GeMS code: >= 4; the paper says > 4).")
      .Double("diversity_penalty", kFromVariantPenalty, 0.0, kInf, "",
              "Divides the attractiveness of a non-diverse slate. 0 = from variant (TopDown and "
              "Mixed 1.0, DivPen 3.0).")
      .Double("env_alpha", d.env_alpha, 0.0, 1.0, "",
              "Attractiveness = env_alpha * relevance. GeMS fixes 1.0 for tdPBM/mixPBM whatever "
              "this says; slaterl applies it (the paper value 1.0 makes them agree).")
      .Bool("click_only_once", d.click_only_once,
            "An item already clicked in the episode gets relevance 0 (and oracle score 0).")
      .Enum("click_model", kFromVariantClickModel, {kFromVariantClickModel, "tdPBM", "mixPBM"},
            "Position-based click model: tdPBM e_r = 0.85^r; mixPBM e_r = 0.5*0.85^r + "
            "0.5*0.85^(k-1-r) (r = 0..k-1; the code's form, docs/environments.md quirk Q14). auto = "
            "from variant (TopDown tdPBM, Mixed and DivPen mixPBM).");
  return s;
}

Result<TopicsConfig> TopicsConfig::FromParams(const Params& params) {
  const Schema schema = GetSchema();
  RETURN_IF_ERROR(CheckEnvConfigParams(kEnvName, schema, params));
  // Enum values are checked here too: FromParams also serves Params built without the loader.
  for (const KeySpec& key : schema.keys()) {
    if (key.type != ValueType::kEnum || !params.Has(key.name)) continue;
    const std::string& value = params.GetString(key.name);
    if (std::find(key.choices.begin(), key.choices.end(), value) != key.choices.end()) continue;
    std::string choices;
    for (const std::string& c : key.choices) choices += (choices.empty() ? "" : ", ") + c;
    return InvalidArgumentError(
        KeyError(key.name, "expected one of {" + choices + "}, got '" + value + "'"));
  }
  auto str = [&params](const char* key, const std::string& def) {
    return params.Has(key) ? params.GetString(key) : def;
  };
  const std::string variant = str("variant", "TopDown");
  const TopicsVariant v = variant == "Mixed"    ? TopicsVariant::kMixed
                          : variant == "DivPen" ? TopicsVariant::kDivPen
                                                : TopicsVariant::kTopDown;
  const std::string embeddings = str("embeddings", "focused");
  const TopicsEmbeddingsKind e = embeddings == "diffuse"     ? TopicsEmbeddingsKind::kDiffuse
                                 : embeddings == "generated" ? TopicsEmbeddingsKind::kGenerated
                                                             : TopicsEmbeddingsKind::kFocused;
  TopicsConfig c = Paper(v, e);
  const TopicsConfig d = c;
  c.generated_structure = str("generated_structure", "focused") == "diffuse"
                              ? TopicsGeneratedStructure::kDiffuse
                              : TopicsGeneratedStructure::kFocused;
  c.embeddings_seed = EnvConfigInt(params, "embeddings_seed", d.embeddings_seed);
  c.data_dir = str("data_dir", d.data_dir);
  c.sim_seed = EnvConfigInt(params, "sim_seed", d.sim_seed);
  c.num_items = static_cast<int>(EnvConfigInt(params, "num_items", d.num_items));
  c.rec_size = static_cast<int>(EnvConfigInt(params, "rec_size", d.rec_size));
  c.episode_length = static_cast<int>(EnvConfigInt(params, "episode_length", d.episode_length));
  c.num_topics = static_cast<int>(EnvConfigInt(params, "num_topics", d.num_topics));
  c.topic_size = static_cast<int>(EnvConfigInt(params, "topic_size", d.topic_size));
  c.env_offset = EnvConfigDouble(params, "env_offset", d.env_offset);
  c.env_slope = EnvConfigDouble(params, "env_slope", d.env_slope);
  c.env_omega = EnvConfigDouble(params, "env_omega", d.env_omega);
  c.boredom_threshold =
      static_cast<int>(EnvConfigInt(params, "boredom_threshold", d.boredom_threshold));
  c.recent_items_maxlen =
      static_cast<int>(EnvConfigInt(params, "recent_items_maxlen", d.recent_items_maxlen));
  c.boredom_moving_window =
      static_cast<int>(EnvConfigInt(params, "boredom_moving_window", d.boredom_moving_window));
  c.short_term_boost = EnvConfigDouble(params, "short_term_boost", d.short_term_boost);
  c.diversity_threshold =
      static_cast<int>(EnvConfigInt(params, "diversity_threshold", d.diversity_threshold));
  const double penalty = EnvConfigDouble(params, "diversity_penalty", kFromVariantPenalty);
  if (penalty != kFromVariantPenalty) c.diversity_penalty = penalty;
  c.env_alpha = EnvConfigDouble(params, "env_alpha", d.env_alpha);
  c.click_only_once = EnvConfigBool(params, "click_only_once", d.click_only_once);
  const std::string click_model = str("click_model", kFromVariantClickModel);
  if (click_model == "tdPBM") c.click_model = TopicsClickModel::kTdPbm;
  if (click_model == "mixPBM") c.click_model = TopicsClickModel::kMixPbm;
  RETURN_IF_ERROR(c.Validate());
  return c;
}

Status TopicsConfig::Validate() const {
  auto error = [](const std::string& key, const std::string& what) {
    return InvalidArgumentError(KeyError(key, what));
  };
  const struct {
    const char* key;
    int64_t value, min, max;
  } ints[] = {{"num_items", num_items, 1, kMaxItems},
              {"rec_size", rec_size, 1, kMaxTopics},
              {"episode_length", episode_length, 1, kMaxEpisodeSteps},
              {"num_topics", num_topics, 1, kMaxTopics},
              {"topic_size", topic_size, 1, kMaxTopicSize},
              {"boredom_threshold", boredom_threshold, 1, kMaxDequeLength},
              {"recent_items_maxlen", recent_items_maxlen, 1, kMaxDequeLength},
              {"boredom_moving_window", boredom_moving_window, 0, kMaxEpisodeSteps},
              {"diversity_threshold", diversity_threshold, 1, kMaxTopics},
              {"embeddings_seed", embeddings_seed, 0, kMaxSeed},
              {"sim_seed", sim_seed, 0, kMaxSeed}};
  for (const auto& i : ints)
    if (i.value < i.min || i.value > i.max)
      return error(i.key, std::to_string(i.value) + " must be in [" + std::to_string(i.min) + ", " +
                              std::to_string(i.max) + "]");
  const struct {
    const char* key;
    double value, min, max;
    bool min_exclusive;
  } doubles[] = {{"env_offset", env_offset, -kInf, kInf, false},
                 {"env_slope", env_slope, 0.0, kInf, false},
                 {"env_omega", env_omega, 0.0, 1.0, false},
                 {"short_term_boost", short_term_boost, 0.0, kInf, false},
                 {"diversity_penalty", diversity_penalty, 0.0, kInf, true},
                 {"env_alpha", env_alpha, 0.0, 1.0, false}};
  for (const auto& d : doubles) {
    if (!std::isfinite(d.value))
      return error(d.key, "must be finite, got " + FormatEnvConfigNumber(d.value));
    if ((d.min_exclusive ? d.value <= d.min : d.value < d.min) || d.value > d.max)
      return error(d.key, FormatEnvConfigNumber(d.value) + " must be in " +
                              (d.min_exclusive ? "(" : "[") + FormatEnvConfigNumber(d.min) + ", " +
                              FormatEnvConfigNumber(d.max) + "]");
  }
  if (rec_size > num_topics)
    return error("rec_size", std::to_string(rec_size) + " must be <= num_topics (" +
                                 std::to_string(num_topics) +
                                 "): the reset slate holds the best item of each of the first "
                                 "rec_size topics (docs/environments.md §6.7)");
  if (rec_size > num_items)
    return error("rec_size", std::to_string(rec_size) + " must be <= num_items (" +
                                 std::to_string(num_items) + ")");
  if (static_cast<int64_t>(num_items) * num_topics * topic_size > kMaxTableFloats)
    return error("num_items", "num_items * num_topics * topic_size must be <= " +
                                  std::to_string(kMaxTableFloats));
  if (embeddings != TopicsEmbeddingsKind::kGenerated) {
    const struct {
      const char* key;
      int value, file_value;
    } shape[] = {{"num_items", num_items, kGemsNumItems},
                 {"num_topics", num_topics, kGemsNumTopics},
                 {"topic_size", topic_size, kGemsTopicSize}};
    for (const auto& sh : shape)
      if (sh.value != sh.file_value)
        return error(sh.key, std::to_string(sh.value) + " does not match the GeMS " +
                                 TopicsEmbeddingsKindName(embeddings) + " file (" +
                                 std::to_string(sh.file_value) +
                                 "); use embeddings: generated for other shapes");
  }
  return Status::Ok();
}

Result<std::shared_ptr<const TopicsEmbeddings>> LoadTopicsEmbeddings(const TopicsConfig& config) {
  RETURN_IF_ERROR(config.Validate());
  if (config.embeddings == TopicsEmbeddingsKind::kGenerated)
    return std::make_shared<const TopicsEmbeddings>(TopicsEmbeddings::Generate(
        static_cast<uint64_t>(config.embeddings_seed), config.generated_structure, config.num_items,
        config.num_topics, config.topic_size));
  const std::string file = GemsItemEmbeddingsFileName(TopicsEmbeddingsKindName(config.embeddings));
  ASSIGN_OR_RETURN(std::string path, FindTopicsDataFile(config.data_dir, file));
  ASSIGN_OR_RETURN(
      TopicsEmbeddings table,
      TopicsEmbeddings::LoadFile(path, config.num_items, config.num_topics, config.topic_size));
  return std::make_shared<const TopicsEmbeddings>(std::move(table));
}

// ---- TopicsDynamics -----------------------------------------------------------------------------

TopicsDynamics::TopicsDynamics(const TopicsConfig& config,
                               std::shared_ptr<const TopicsEmbeddings> embeddings)
    : config_(config), embeddings_(std::move(embeddings)) {
  SLATERL_CHECK(config_.Validate().ok());
  SLATERL_CHECK(embeddings_ != nullptr);
  SLATERL_CHECK(embeddings_->num_items() == config_.num_items);
  SLATERL_CHECK(embeddings_->num_topics() == config_.num_topics);
  SLATERL_CHECK(embeddings_->topic_size() == config_.topic_size);
  num_topics_ = config_.num_topics;
  topic_size_ = config_.topic_size;
  dim_ = num_topics_ * topic_size_;
  rec_size_ = config_.rec_size;
  // Every constant in float32, as the original's tensors (docs/environments.md quirk Q11). 1 − ω is
  // taken in double first, as Python does before torch rounds it.
  max_score_ = embeddings_->max_score();
  offset_ = static_cast<float>(config_.env_offset);
  slope_ = static_cast<float>(config_.env_slope);
  omega_ = static_cast<float>(config_.env_omega);
  one_minus_omega_ = static_cast<float>(1.0 - config_.env_omega);
  boost_ = static_cast<float>(config_.short_term_boost);
  alpha_ = static_cast<float>(config_.env_alpha);
  penalty_ = static_cast<float>(config_.diversity_penalty);
  // docs/environments.md §6.3: γ_r = 0.85^r; tdPBM e_r = γ_r; mixPBM e_r = ν·γ_r + (1−ν)·γ_{k−1−r}.
  std::vector<float> gamma(static_cast<size_t>(rec_size_));
  for (int r = 0; r < rec_size_; ++r)
    gamma[static_cast<size_t>(r)] = std::pow(kTopicsExaminationDecay, static_cast<float>(r));
  examination_.resize(static_cast<size_t>(rec_size_));
  for (int r = 0; r < rec_size_; ++r) {
    const float top_down = gamma[static_cast<size_t>(r)];
    const float bottom_up = gamma[static_cast<size_t>(rec_size_ - 1 - r)];
    examination_[static_cast<size_t>(r)] =
        config_.click_model == TopicsClickModel::kTdPbm
            ? top_down
            : kTopicsMixPbmTopDownShare * top_down + (1.0f - kTopicsMixPbmTopDownShare) * bottom_up;
  }
  initial_slate_.resize(static_cast<size_t>(rec_size_));
  for (int k = 0; k < rec_size_; ++k)
    initial_slate_[static_cast<size_t>(k)] = embeddings_->best_item_of_topic(k);
}

void TopicsDynamics::InitState(TopicsUserState* state) const {
  state->user.assign(static_cast<size_t>(dim_), 0.0f);
  state->bored.assign(static_cast<size_t>(num_topics_), 0);
  state->bored_timeout.assign(static_cast<size_t>(num_topics_), kTopicsBoredomTimeoutSteps);
  state->clicked_topics.Init(config_.recent_items_maxlen);
  state->clicked_step.Init(config_.recent_items_maxlen);
  state->short_term_topic = 0;
  state->t = 0;
  state->clicked_items.assign(config_.click_only_once ? static_cast<size_t>(config_.num_items) : 0,
                              0);
  state->topic_counts.assign(static_cast<size_t>(num_topics_), 0);
  state->topic_weights.assign(static_cast<size_t>(num_topics_), 0.0f);
}

void TopicsDynamics::NormaliseByBlockNorms(float* u) const {
  float total = 0.0f;
  for (int k = 0; k < num_topics_; ++k) total += BlockNorm(u + k * topic_size_, topic_size_);
  for (int d = 0; d < dim_; ++d) u[d] /= total;
}

void TopicsDynamics::SampleUser(Rng& rng, TopicsUserState* state) const {
  float* u = state->user.data();
  // 1. Z = |clamp(0.4·N(0,1), −1, 1)|, K × s, row-major.
  for (int d = 0; d < dim_; ++d) {
    const float g = kTopicsNormalScale * static_cast<float>(rng.Normal());
    u[d] = std::fabs(std::clamp(g, -1.0f, 1.0f));
  }
  // 2. v = U[0,1)^K, v ← v³ / Σ v³;  3. Z_k ← v_k·Z_k.
  float* v = state->topic_weights.data();
  float sum = 0.0f;
  for (int k = 0; k < num_topics_; ++k) {
    const float x = rng.UniformFloat();
    v[k] = x * x * x;
    sum += v[k];
  }
  for (int k = 0; k < num_topics_; ++k) {
    const float w = v[k] / sum;
    for (int d = 0; d < topic_size_; ++d) u[k * topic_size_ + d] *= w;
  }
  // 4. u = flatten(Z) / Σ_k ‖Z_k‖.
  NormaliseByBlockNorms(u);
  std::fill(state->bored.begin(), state->bored.end(), uint8_t{0});
  std::fill(state->bored_timeout.begin(), state->bored_timeout.end(), kTopicsBoredomTimeoutSteps);
  state->clicked_topics.Clear();
  state->clicked_step.Clear();
  std::fill(state->clicked_items.begin(), state->clicked_items.end(), uint8_t{0});
  state->short_term_topic = 0;
  state->t = 0;
}

void TopicsDynamics::ClickProbabilities(TopicsUserState* state, const float* u,
                                        const int32_t* slate, float* scores,
                                        float* click_prob) const {
  const TopicsEmbeddings& e = *embeddings_;
  // Diversity rule (docs/environments.md §6.6 step 2, quirk Q7): some topic
  // occurs >= diversity_threshold times.
  int32_t* counts = state->topic_counts.data();
  int32_t most = 0;
  for (int r = 0; r < rec_size_; ++r) most = std::max(most, ++counts[e.topic(slate[r])]);
  for (int r = 0; r < rec_size_; ++r) counts[e.topic(slate[r])] = 0;
  const bool penalised = most >= config_.diversity_threshold;
  const bool zero_clicked = config_.click_only_once;
  for (int r = 0; r < rec_size_; ++r) {
    const int32_t item = slate[r];
    // docs/environments.md §6.5 in the order of decision E7: dot, ÷ max_score, − offset, × slope, sigmoid.
    const float score = e.Score(item, u) / max_score_;
    scores[r] = score;
    float relevance = 1.0f / (1.0f + std::exp(-(score - offset_) * slope_));
    if (zero_clicked && state->clicked_items[static_cast<size_t>(item)]) relevance = 0.0f;
    float attractiveness = alpha_ * relevance;
    if (penalised) attractiveness /= penalty_;
    click_prob[r] = attractiveness * examination_[static_cast<size_t>(r)];
  }
}

void TopicsDynamics::ResetProbabilities(TopicsUserState* state, float* scores,
                                        float* click_prob) const {
  // docs/environments.md §6.7 step 2: the raw u (no boredom mask, no boost).
  ClickProbabilities(state, state->user.data(), initial_slate_.data(), scores, click_prob);
}

bool TopicsDynamics::ApplyResetClicks(TopicsUserState* state, const uint8_t* clicks) const {
  int last = -1;
  for (int r = 0; r < rec_size_; ++r) {
    if (!clicks[r]) continue;
    const int32_t item = initial_slate_[static_cast<size_t>(r)];
    // Not clicked_step (docs/environments.md quirk Q5).
    state->clicked_topics.PushBack(embeddings_->topic(item));
    if (config_.click_only_once) state->clicked_items[static_cast<size_t>(item)] = 1;
    last = r;
  }
  if (last < 0) return false;
  state->short_term_topic = embeddings_->topic(initial_slate_[static_cast<size_t>(last)]);
  return true;
}

void TopicsDynamics::DrawShortTermTopic(Rng& rng, TopicsUserState* state) const {
  state->short_term_topic =
      static_cast<int32_t>(rng.UniformInt(static_cast<uint32_t>(num_topics_)));
}

void TopicsDynamics::AdvanceBoredom(const TopicsRecentDeque& clicked_topics, uint8_t* bored,
                                    int32_t* bored_timeout, int32_t* counts) const {
  // Step 2: decay; a topic whose timer reaches 0 is released and every free timer is reset.
  for (int k = 0; k < num_topics_; ++k) {
    bored_timeout[k] -= bored[k];
    bored[k] = bored[k] && bored_timeout[k] != 0;
    if (!bored[k]) bored_timeout[k] = kTopicsBoredomTimeoutSteps;
  }
  // Step 3: onset from the recent clicks (a newly bored topic keeps its timer of 5).
  const int n = clicked_topics.size();
  if (n == 0) return;
  for (int i = 0; i < n; ++i) ++counts[clicked_topics.at(i)];
  for (int k = 0; k < num_topics_; ++k) {
    if (counts[k] >= config_.boredom_threshold) bored[k] = 1;
    counts[k] = 0;
  }
}

void TopicsDynamics::EffectiveUser(const TopicsUserState& state, const uint8_t* bored,
                                   float* out) const {
  const float* u = state.user.data();
  for (int k = 0; k < num_topics_; ++k) {
    const float* from = u + k * topic_size_;
    float* to = out + k * topic_size_;
    if (bored[k]) {
      for (int d = 0; d < topic_size_; ++d) to[d] = 0.0f;
    } else {
      for (int d = 0; d < topic_size_; ++d) to[d] = from[d];
    }
  }
  float* boosted = out + state.short_term_topic * topic_size_;
  for (int d = 0; d < topic_size_; ++d) boosted[d] *= boost_;
}

void TopicsDynamics::OracleSlate(const TopicsUserState& state, const float* effective_user,
                                 float* scores_scratch, int32_t* top) const {
  const int n = config_.num_items;
  const int k = rec_size_;
  float* s = scores_scratch;
  embeddings_->ScoreAll(effective_user, s);
  if (config_.click_only_once)
    for (int j = 0; j < n; ++j)
      if (state.clicked_items[static_cast<size_t>(j)]) s[j] = 0.0f;
  // Partial selection: `top` stays sorted by descending score; an item enters only when strictly
  // better than the current k-th, and moves up only past strictly worse items, so ties keep the
  // lower item id first.
  // Blocks of kTopicsScoreLanes items none of which beats the k-th best are skipped with one
  // vector comparison (most of them, once `top` is full); this skips nothing the scalar test
  // would have taken.
  typedef float Lanes4 __attribute__((vector_size(16)));
  typedef int32_t Mask4 __attribute__((vector_size(16)));
  static_assert(kTopicsScoreLanes == 16, "OracleSlate tests four 4-lane vectors per block");
  int filled = 0;
  float threshold = -std::numeric_limits<float>::infinity();
  for (int j0 = 0; j0 < n; j0 += kTopicsScoreLanes) {
    if (filled == k) {
      const Lanes4 t = {threshold, threshold, threshold, threshold};
      Lanes4 v0, v1, v2, v3;
      std::memcpy(&v0, s + j0, sizeof(Lanes4));  // s holds padded_items() >= j0 + 16 floats
      std::memcpy(&v1, s + j0 + 4, sizeof(Lanes4));
      std::memcpy(&v2, s + j0 + 8, sizeof(Lanes4));
      std::memcpy(&v3, s + j0 + 12, sizeof(Lanes4));
      const Mask4 above = (v0 > t) | (v1 > t) | (v2 > t) | (v3 > t);
      if (!(above[0] | above[1] | above[2] | above[3])) continue;
    }
    const int end = std::min(n, j0 + kTopicsScoreLanes);
    for (int j = j0; j < end; ++j) {
      const float v = s[j];
      int pos;
      if (filled == k) {
        if (!(v > threshold)) continue;
        pos = k - 1;
      } else {
        pos = filled++;
      }
      while (pos > 0 && v > s[top[pos - 1]]) {
        top[pos] = top[pos - 1];
        --pos;
      }
      top[pos] = j;
      if (filled == k) threshold = s[top[k - 1]];
    }
  }
}

void TopicsDynamics::BeginStep(TopicsUserState* state, const int32_t* requested,
                               const TopicsStepBuffers& out) const {
  state->t += 1;  // step 1
  AdvanceBoredom(state->clicked_topics, state->bored.data(), state->bored_timeout.data(),
                 state->topic_counts.data());                      // steps 2–3
  EffectiveUser(*state, state->bored.data(), out.effective_user);  // step 4
  bool sentinel = false;                                           // step 5
  for (int r = 0; r < rec_size_; ++r) sentinel = sentinel || requested[r] == kOracleSentinel;
  if (sentinel) {
    OracleSlate(*state, out.effective_user, out.oracle_scores, out.served);
    for (int r = 0; r < rec_size_; ++r)
      if (requested[r] != kOracleSentinel) out.served[r] = requested[r];
  } else {
    std::copy(requested, requested + rec_size_, out.served);
  }
  ClickProbabilities(state, out.effective_user, out.served, out.scores, out.click_prob);  // 6–7
}

void TopicsDynamics::SampleClicks(Rng& rng, const float* click_prob, uint8_t* clicks) const {
  for (int r = 0; r < rec_size_; ++r)
    clicks[r] = rng.Uniform() < static_cast<double>(click_prob[r]) ? 1 : 0;
}

void TopicsDynamics::FinishStep(TopicsUserState* state, const int32_t* served,
                                const uint8_t* clicks) const {
  const TopicsEmbeddings& e = *embeddings_;
  const int32_t t = state->t;
  // Step 8: one entry per click in both deques (each drops its own oldest when full).
  int last_click = -1;
  for (int r = 0; r < rec_size_; ++r) {
    if (!clicks[r]) continue;
    state->clicked_topics.PushBack(e.topic(served[r]));
    state->clicked_step.PushBack(t);
    last_click = r;
  }
  // Step 9: window pop, in lock-step (docs/environments.md quirk Q5: with reset clicks the topic
  // deque is longer).
  while (!state->clicked_step.empty() &&
         state->clicked_step.front() < t - config_.boredom_moving_window) {
    state->clicked_step.PopFront();
    SLATERL_CHECK(!state->clicked_topics.empty());  // it never holds fewer entries
    state->clicked_topics.PopFront();
  }
  if (last_click < 0) return;  // steps 10–12 need a click
  // Step 10.
  if (config_.click_only_once)
    for (int r = 0; r < rec_size_; ++r)
      if (clicks[r]) state->clicked_items[static_cast<size_t>(served[r])] = 1;
  // Step 11: influence of every clicked item, in slate order, on the raw u.
  float* u = state->user.data();
  for (int r = 0; r < rec_size_; ++r) {
    if (!clicks[r]) continue;
    const float* item = e.row(served[r]);
    for (int d = 0; d < dim_; ++d) u[d] = omega_ * u[d] + one_minus_omega_ * item[d];
    NormaliseByBlockNorms(u);
  }
  // Step 12 (docs/environments.md quirk Q6): the topic of item id = position of the last click, not
  // of the clicked item.
  if (state->bored[static_cast<size_t>(state->short_term_topic)])
    state->short_term_topic = e.topic(last_click);
}

// ---- TopicsVecEnv -------------------------------------------------------------------------------

TopicsVecEnv::TopicsVecEnv(const TopicsConfig& config,
                           std::shared_ptr<const TopicsEmbeddings> embeddings, int num_envs)
    : dynamics_(config, std::move(embeddings)) {
  SLATERL_CHECK(num_envs >= 1);
  spec_.name = kEnvName;
  spec_.num_envs = num_envs;
  spec_.num_candidates = config.num_items;
  spec_.slate_size = config.rec_size;
  spec_.user_dim = 0;
  spec_.doc_dim = 0;
  spec_.response_dim = kTopicsResponseDim;
  spec_.max_steps = config.episode_length;
  spec_.oracle_sentinel = true;
  num_topics_ = config.num_topics;
  dim_ = dynamics_.dim();
  rec_size_ = config.rec_size;
  const size_t n = static_cast<size_t>(num_envs);
  rng_.resize(n);
  states_.resize(n);
  for (TopicsUserState& s : states_) dynamics_.InitState(&s);
  effective_user_.assign(n * dim_, 0.0f);
  post_step_user_.assign(n * dim_, 0.0f);
  bored_used_.assign(n * num_topics_, 0);
  served_.assign(n * rec_size_, 0);
  scores_.assign(n * rec_size_, 0.0f);
  click_prob_.assign(static_cast<size_t>(rec_size_), 0.0f);
  clicks_.assign(static_cast<size_t>(rec_size_), 0);
  reset_scores_.assign(static_cast<size_t>(rec_size_), 0.0f);
  oracle_scores_.assign(static_cast<size_t>(dynamics_.embeddings().padded_items()), 0.0f);
  preview_bored_.assign(static_cast<size_t>(num_topics_), 0);
  preview_timeout_.assign(static_cast<size_t>(num_topics_), 0);
  preview_counts_.assign(static_cast<size_t>(num_topics_), 0);
  episode_return_.assign(n, 0.0);
  episode_length_.assign(n, 0);
}

Result<std::unique_ptr<TopicsVecEnv>> TopicsVecEnv::Create(const TopicsConfig& config,
                                                           int num_envs) {
  RETURN_IF_ERROR(config.Validate());
  if (num_envs < 1)
    return InvalidArgumentError("topics: num_envs must be >= 1, got " + std::to_string(num_envs));
  ASSIGN_OR_RETURN(std::shared_ptr<const TopicsEmbeddings> embeddings,
                   LoadTopicsEmbeddings(config));
  return std::make_unique<TopicsVecEnv>(config, std::move(embeddings), num_envs);
}

void TopicsVecEnv::StartEpisode(int i, ObsBatch* obs, float* scores) {
  TopicsUserState& s = states_[static_cast<size_t>(i)];
  Rng& rng = rng_[static_cast<size_t>(i)];
  dynamics_.SampleUser(rng, &s);
  dynamics_.ResetProbabilities(&s, scores, click_prob_.data());
  dynamics_.SampleClicks(rng, click_prob_.data(), clicks_.data());
  if (!dynamics_.ApplyResetClicks(&s, clicks_.data())) dynamics_.DrawShortTermTopic(rng, &s);
  episode_return_[static_cast<size_t>(i)] = 0.0;
  episode_length_[static_cast<size_t>(i)] = 0;
  const std::vector<int32_t>& slate = dynamics_.initial_slate();
  std::copy(slate.begin(), slate.end(), obs->last_slate.begin() + Offset(i, rec_size_));
  float* responses = obs->last_responses.data() + Offset(i, rec_size_ * kTopicsResponseDim);
  for (int r = 0; r < rec_size_; ++r) {
    const float click = clicks_[static_cast<size_t>(r)] ? 1.0f : 0.0f;
    responses[r * kTopicsResponseDim] = click;
    responses[r * kTopicsResponseDim + 1] = click;
  }
  obs->first_step[static_cast<size_t>(i)] = 1;
}

void TopicsVecEnv::reset(uint64_t seed, ObsBatch* obs) {
  const int n = spec_.num_envs;
  SLATERL_CHECK(obs->first_step.size() == static_cast<size_t>(n));
  SLATERL_CHECK(obs->last_slate.size() == Offset(n, rec_size_));
  SLATERL_CHECK(obs->last_responses.size() == Offset(n, rec_size_ * kTopicsResponseDim));
  const uint64_t sim_seed = static_cast<uint64_t>(dynamics_.config().sim_seed);
  for (int i = 0; i < n; ++i) {
    rng_[static_cast<size_t>(i)].Seed(
        DeriveSeed(seed, {kSeedEnv, static_cast<uint64_t>(i), kSeedSimulatorStream, sim_seed}));
    StartEpisode(i, obs, scores_.data() + Offset(i, rec_size_));
    const TopicsUserState& s = states_[static_cast<size_t>(i)];
    const std::vector<int32_t>& slate = dynamics_.initial_slate();
    std::copy(slate.begin(), slate.end(), served_.begin() + Offset(i, rec_size_));
    std::fill_n(effective_user_.begin() + Offset(i, dim_), dim_, 0.0f);
    std::copy(s.user.begin(), s.user.end(), post_step_user_.begin() + Offset(i, dim_));
    std::fill_n(bored_used_.begin() + Offset(i, num_topics_), num_topics_, uint8_t{0});
  }
  has_reset_ = true;
}

void TopicsVecEnv::step(const SlateBatch& slates, StepBatch* out) {
  SLATERL_CHECK(has_reset_);
  const int n = spec_.num_envs;
  const int k = rec_size_;
  const int slot_floats = k * kTopicsResponseDim;
  const int32_t num_items = spec_.num_candidates;
  SLATERL_CHECK(slates.items.size() == Offset(n, k));
  SLATERL_CHECK(out->rewards.size() == static_cast<size_t>(n));
  SLATERL_CHECK(out->responses.size() == Offset(n, slot_floats));
  SLATERL_CHECK(out->obs.first_step.size() == static_cast<size_t>(n));
  SLATERL_CHECK(out->obs.last_slate.size() == Offset(n, k));
  SLATERL_CHECK(out->obs.last_responses.size() == Offset(n, slot_floats));

  for (int i = 0; i < n; ++i) {
    const int32_t* requested = slates.items.data() + Offset(i, k);
    for (int r = 0; r < k; ++r)
      SLATERL_CHECK(requested[r] >= kOracleSentinel && requested[r] < num_items);
    TopicsUserState& s = states_[static_cast<size_t>(i)];
    Rng& rng = rng_[static_cast<size_t>(i)];
    int32_t* served = served_.data() + Offset(i, k);
    const TopicsStepBuffers buffers{effective_user_.data() + Offset(i, dim_), served,
                                    scores_.data() + Offset(i, k), click_prob_.data(),
                                    oracle_scores_.data()};
    dynamics_.BeginStep(&s, requested, buffers);
    dynamics_.SampleClicks(rng, click_prob_.data(), clicks_.data());
    dynamics_.FinishStep(&s, served, clicks_.data());
    std::copy(s.bored.begin(), s.bored.end(), bored_used_.begin() + Offset(i, num_topics_));
    std::copy(s.user.begin(), s.user.end(), post_step_user_.begin() + Offset(i, dim_));

    float* responses = out->responses.data() + Offset(i, slot_floats);
    int reward = 0;
    for (int r = 0; r < k; ++r) {
      const float click = clicks_[static_cast<size_t>(r)] ? 1.0f : 0.0f;
      responses[r * kTopicsResponseDim] = click;
      responses[r * kTopicsResponseDim + 1] = click;
      reward += clicks_[static_cast<size_t>(r)];
    }
    out->rewards[static_cast<size_t>(i)] = static_cast<float>(reward);
    episode_return_[static_cast<size_t>(i)] += reward;
    episode_length_[static_cast<size_t>(i)] += 1;
    const bool done = dynamics_.Done(s);
    out->terminated[static_cast<size_t>(i)] = done ? 1 : 0;
    out->truncated[static_cast<size_t>(i)] = 0;  // the horizon is the env's own rule (GeMS done)
    out->episode_return[static_cast<size_t>(i)] = episode_return_[static_cast<size_t>(i)];
    out->episode_length[static_cast<size_t>(i)] = episode_length_[static_cast<size_t>(i)];
    if (done) {
      StartEpisode(i, &out->obs, reset_scores_.data());  // auto-reset: same stream, next user
    } else {
      std::copy(served, served + k, out->obs.last_slate.begin() + Offset(i, k));
      std::copy(responses, responses + slot_floats,
                out->obs.last_responses.begin() + Offset(i, slot_floats));
      out->obs.first_step[static_cast<size_t>(i)] = 0;
    }
  }
}

void TopicsVecEnv::EffectiveUser(int i, bool preview, float* out) const {
  const TopicsUserState& s = states_[static_cast<size_t>(i)];
  if (!preview) {
    dynamics_.EffectiveUser(s, s.bored.data(), out);
    return;
  }
  std::copy(s.bored.begin(), s.bored.end(), preview_bored_.begin());
  std::copy(s.bored_timeout.begin(), s.bored_timeout.end(), preview_timeout_.begin());
  dynamics_.AdvanceBoredom(s.clicked_topics, preview_bored_.data(), preview_timeout_.data(),
                           preview_counts_.data());
  dynamics_.EffectiveUser(s, preview_bored_.data(), out);
}

// ---- snapshots ---------------------------------------------------------------------------------

void TopicsRecentDeque::VisitState(StateArchive& ar, const std::string& name) {
  ar.Field(name + "/buffer", buffer_);
  ar.Field(name + "/head", head_);
  ar.Field(name + "/size", size_);
}

// Skipped scratch: click_prob_, clicks_, reset_scores_, oracle_scores_ and the preview buffers
// (written before every read), TopicsUserState::topic_weights (written before read) and
// topic_counts (zero between uses).
Status TopicsVecEnv::VisitState(StateArchive& ar) {
  ar.Field("has_reset", has_reset_);
  ar.Field("rng", rng_);
  for (size_t i = 0; i < states_.size(); ++i) {
    const StateArchive::Scope scope(ar, "user/" + std::to_string(i));
    TopicsUserState& s = states_[i];
    ar.Field("user", s.user);
    ar.Field("bored", s.bored);
    ar.Field("bored_timeout", s.bored_timeout);
    s.clicked_topics.VisitState(ar, "clicked_topics");
    s.clicked_step.VisitState(ar, "clicked_step");
    ar.Field("short_term_topic", s.short_term_topic);
    ar.Field("t", s.t);
    ar.Field("clicked_items", s.clicked_items);
    // Indices that address memory: a snapshot of another config must not reach them.
    const bool deques_ok = s.clicked_topics.InvariantsHold() && s.clicked_step.InvariantsHold();
    const size_t items = dynamics_.config().click_only_once ? spec_.num_candidates : 0;
    if (ar.status().ok() && (!deques_ok || s.clicked_items.size() != items ||
                             s.short_term_topic < 0 || s.short_term_topic >= num_topics_))
      return DataLossError("state snapshot: topics user " + std::to_string(i) +
                           " is inconsistent with this configuration");
  }
  ar.Field("effective_user", effective_user_);
  ar.Field("post_step_user", post_step_user_);
  ar.Field("bored_used", bored_used_);
  ar.Field("served", served_);
  ar.Field("scores", scores_);
  ar.Field("episode_return", episode_return_);
  ar.Field("episode_length", episode_length_);
  return ar.status();
}

}  // namespace slaterl
