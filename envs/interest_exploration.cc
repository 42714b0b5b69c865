#include "envs/interest_exploration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/state_archive.h"
#include "envs/config_check.h"

namespace slaterl {
namespace {

constexpr const char* kEnvName = "interest_exploration";
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMaxCandidates = 1 << 20;
constexpr int64_t kMaxHorizonSteps = 1000000000;
constexpr int64_t kMaxSamplerSeed = 4294967295LL;  // numpy's RandomState seed range [0, 2^32)

Status KeyError(const std::string& key, const std::string& what) {
  return InvalidArgumentError(EnvConfigKeyError(kEnvName, key, what));
}

// numpy's categorical draw (docs/environments.md §1.4): cdf = cumsum(p) / sum(p); the first index
// with cdf > u.
template <int N>
int32_t Categorical(const double (&p)[N], double u) {
  double total = 0.0;
  for (double x : p) total += x;
  double cumulative = 0.0;
  for (int j = 0; j < N - 1; ++j) {
    cumulative += p[j];
    if (cumulative / total > u) return j;
  }
  return N - 1;
}

}  // namespace

// ---- InterestExplorationConfig --------------------------------------------------------------------

Schema InterestExplorationConfig::GetSchema() {
  const InterestExplorationConfig d;
  Schema s("env_config");
  s.Int("num_candidates", d.num_candidates, 1, kMaxCandidates, "documents",
        "Candidate documents offered per step (C); the slate picks positions among them.")
      .Int("slate_size", d.slate_size, 1, kMaxCandidates, "slots",
           "Slots per slate (k <= num_candidates). Duplicate positions are served twice.")
      .Bool("resample_documents", d.resample_documents,
            "Draw a fresh candidate set after every step and at every reset; false keeps the "
            "construction-time set forever.")
      .Int("seed", d.seed, 0, kMaxSamplerSeed, "",
           "Seed of the user and document samplers (RecSim env_config.seed). Mixed with the run "
           "seed and the env index, so every env still gets its own users; the response noise "
           "depends on the run seed only.")
      .Int("horizon", d.horizon, 1, kMaxHorizonSteps, "env steps",
           "Steps per episode. The original never terminates; the end of an episode is reported "
           "as truncated.")
      .Double("no_click_mass", d.no_click_mass, 0.0, kInf, "logit",
              "Logit of the no-click option in the multinomial logit choice (RecSim default 5; "
              "slot logits are affinity[topic] + quality).");
  return s;
}

Result<InterestExplorationConfig> InterestExplorationConfig::FromParams(const Params& params) {
  RETURN_IF_ERROR(CheckEnvConfigParams(kEnvName, GetSchema(), params));
  const InterestExplorationConfig d;
  InterestExplorationConfig c;
  c.num_candidates = static_cast<int>(EnvConfigInt(params, "num_candidates", d.num_candidates));
  c.slate_size = static_cast<int>(EnvConfigInt(params, "slate_size", d.slate_size));
  c.resample_documents = EnvConfigBool(params, "resample_documents", d.resample_documents);
  c.seed = EnvConfigInt(params, "seed", d.seed);
  c.horizon = static_cast<int>(EnvConfigInt(params, "horizon", d.horizon));
  c.no_click_mass = EnvConfigDouble(params, "no_click_mass", d.no_click_mass);
  RETURN_IF_ERROR(c.Validate());
  return c;
}

Status InterestExplorationConfig::Validate() const {
  if (num_candidates < 1 || num_candidates > kMaxCandidates)
    return KeyError("num_candidates", std::to_string(num_candidates) + " must be in [1, " +
                                          std::to_string(kMaxCandidates) + "]");
  if (slate_size < 1) return KeyError("slate_size", std::to_string(slate_size) + " must be >= 1");
  if (slate_size > num_candidates)
    return KeyError("slate_size", std::to_string(slate_size) + " must be <= num_candidates (" +
                                      std::to_string(num_candidates) + ")");
  if (seed < 0 || seed > kMaxSamplerSeed)
    return KeyError("seed", std::to_string(seed) + " must be in [0, 2^32 - 1]");
  if (horizon < 1)
    return KeyError("horizon", std::to_string(horizon) + " must be >= 1 env step");
  if (!std::isfinite(no_click_mass))
    return KeyError("no_click_mass", "must be finite, got " + FormatEnvConfigNumber(no_click_mass));
  if (no_click_mass < 0.0)
    return KeyError("no_click_mass", FormatEnvConfigNumber(no_click_mass) + " must be >= 0");
  return Status::Ok();
}

// ---- InterestExplorationVecEnv ----------------------------------------------------------------------

InterestExplorationVecEnv::InterestExplorationVecEnv(const InterestExplorationConfig& config,
                                                     int num_envs)
    : config_(config) {
  SLATERL_CHECK(num_envs >= 1);
  SLATERL_CHECK(config.Validate().ok());
  spec_.name = kEnvName;
  spec_.num_envs = num_envs;
  spec_.num_candidates = config.num_candidates;
  spec_.slate_size = config.slate_size;
  spec_.user_dim = 0;
  spec_.doc_dim = kIexDocDim;
  spec_.response_dim = kIexResponseDim;
  spec_.max_steps = config.horizon;
  const size_t n = static_cast<size_t>(num_envs);
  user_rng_.resize(n);
  doc_rng_.resize(n);
  response_rng_.resize(n);
  user_type_.assign(n, 0);
  affinity_.assign(n * kIexNumTopics, 0.0);
  topic_.assign(n * config.num_candidates, 0);
  quality_.assign(n * config.num_candidates, 0.0);
  weights_.assign(static_cast<size_t>(config.slate_size), 0.0);
  episode_return_.assign(n, 0.0);
  episode_length_.assign(n, 0);
}

Result<std::unique_ptr<InterestExplorationVecEnv>> InterestExplorationVecEnv::Create(
    const InterestExplorationConfig& config, int num_envs) {
  RETURN_IF_ERROR(config.Validate());
  if (num_envs < 1)
    return InvalidArgumentError(std::string(kEnvName) + ": num_envs must be >= 1, got " +
                                std::to_string(num_envs));
  return std::make_unique<InterestExplorationVecEnv>(config, num_envs);
}

void InterestExplorationVecEnv::SampleDocuments(int i) {
  const int num_candidates = spec_.num_candidates;
  const size_t base = static_cast<size_t>(i) * num_candidates;
  int32_t* topics = topic_.data() + base;
  double* qualities = quality_.data() + base;
  Rng& rng = doc_rng_[i];
  for (int j = 0; j < num_candidates; ++j) {
    const int32_t t = Categorical(kIexTopicDistribution, rng.Uniform());  // topic first
    topics[j] = t;
    qualities[j] = std::exp(rng.Normal(kIexTopicQualityMean[t], kIexTopicQualityStddev[t]));
  }
}

void InterestExplorationVecEnv::SampleUser(int i) {
  Rng& rng = user_rng_[i];
  const int32_t type = Categorical(kIexUserTypeDistribution, rng.Uniform());
  user_type_[i] = type;
  double* a = affinity_.data() + static_cast<size_t>(i) * kIexNumTopics;
  for (int t = 0; t < kIexNumTopics; ++t)
    a[t] = std::exp(rng.Normal(kIexAffinityMean[type][t], kIexAffinityStddev[type][t]));
}

void InterestExplorationVecEnv::StartEpisode(int i) {
  SampleUser(i);
  episode_return_[i] = 0.0;
  episode_length_[i] = 0;
  if (config_.resample_documents) SampleDocuments(i);
}

void InterestExplorationVecEnv::WriteObservation(int i, ObsBatch* obs) const {
  const int num_candidates = spec_.num_candidates;
  const size_t base = static_cast<size_t>(i) * num_candidates;
  float* docs = obs->docs.data() + base * kIexDocDim;
  for (int j = 0; j < num_candidates; ++j) {
    docs[j * kIexDocDim + kIexDocQuality] = static_cast<float>(quality_[base + j]);
    docs[j * kIexDocDim + kIexDocClusterId] = static_cast<float>(topic_[base + j]);
  }
}

void InterestExplorationVecEnv::reset(uint64_t seed, ObsBatch* obs) {
  const int n = spec_.num_envs;
  CheckObsBatchSizes(spec_, *obs);
  const uint64_t sampler_seed = static_cast<uint64_t>(config_.seed);
  for (int i = 0; i < n; ++i) {
    const uint64_t env = static_cast<uint64_t>(i);
    user_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedUserStream, sampler_seed}));
    doc_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedDocStream, sampler_seed}));
    response_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedResponseStream}));
    // The original's construction-time user and candidate set (docs/environments.md decision E2).
    SampleUser(i);
    SampleDocuments(i);
    StartEpisode(i);
    WriteObservation(i, obs);
  }
  MarkAllFirstStep(obs);
  has_reset_ = true;
}

void InterestExplorationVecEnv::step(const SlateBatch& slates, StepBatch* out) {
  SLATERL_CHECK(has_reset_);
  const int n = spec_.num_envs;
  const int num_candidates = spec_.num_candidates;
  const int k = spec_.slate_size;
  const int slot_floats = k * kIexResponseDim;
  CheckStepBatchSizes(spec_, slates, *out);
  const double no_click_logit = config_.no_click_mass;
  double* weights = weights_.data();

  for (int i = 0; i < n; ++i) {
    const int32_t* slate = slates.items.data() + static_cast<size_t>(i) * k;
    const size_t doc_base = static_cast<size_t>(i) * num_candidates;
    const int32_t* topics = topic_.data() + doc_base;
    const double* qualities = quality_.data() + doc_base;
    const double* a = affinity_.data() + static_cast<size_t>(i) * kIexNumTopics;

    // Multinomial logit: softmax over (slot logits a[topic] + quality in slate order, then the
    // no-click logit), shifted by the largest logit; one categorical draw.
    double max_logit = no_click_logit;
    for (int j = 0; j < k; ++j) {
      const int32_t position = slate[j];
      SLATERL_CHECK(position >= 0 && position < num_candidates);
      const double logit = a[topics[position]] + qualities[position];
      weights[j] = logit;
      max_logit = std::max(max_logit, logit);
    }
    double total = std::exp(no_click_logit - max_logit);
    for (int j = 0; j < k; ++j) {
      weights[j] = std::exp(weights[j] - max_logit);
      total += weights[j];
    }
    const double target = response_rng_[i].Uniform() * total;
    int chosen = -1;
    double cumulative = 0.0;
    for (int j = 0; j < k; ++j) {
      cumulative += weights[j];
      if (cumulative > target) {
        chosen = j;
        break;
      }
    }

    float* responses = out->responses.data() + static_cast<size_t>(i) * slot_floats;
    std::fill(responses, responses + slot_floats, 0.0f);
    const double reward = chosen >= 0 ? 1.0 : 0.0;
    if (chosen >= 0) {
      responses[chosen * kIexResponseDim] = 1.0f;      // click
      responses[chosen * kIexResponseDim + 1] = 1.0f;  // item_reward = click
    }
    episode_return_[i] += reward;
    episode_length_[i] += 1;
    if (config_.resample_documents) SampleDocuments(i);

    // Never terminal (docs/environments.md quirk Q12).
    const bool truncated = episode_length_[i] >= config_.horizon;
    out->rewards[i] = static_cast<float>(reward);
    out->terminated[i] = 0;
    out->truncated[i] = truncated ? 1 : 0;
    out->episode_return[i] = episode_return_[i];
    out->episode_length[i] = episode_length_[i];

    const bool episode_ended = truncated;
    if (episode_ended) StartEpisode(i);  // auto-reset: new user, fresh candidates
    RecordServedSlate(spec_, i, episode_ended, slate, responses, &out->obs);
    WriteObservation(i, &out->obs);
  }
}

// weights_ is per-step scratch (written for every slot before it is read).
Status InterestExplorationVecEnv::VisitState(StateArchive& ar) {
  ar.Field("has_reset", has_reset_);
  ar.Field("user_rng", user_rng_);
  ar.Field("doc_rng", doc_rng_);
  ar.Field("response_rng", response_rng_);
  ar.Field("user_type", user_type_);
  ar.Field("affinity", affinity_);
  ar.Field("topic", topic_);
  ar.Field("quality", quality_);
  ar.Field("episode_return", episode_return_);
  ar.Field("episode_length", episode_length_);
  return ar.status();
}

}  // namespace slaterl
