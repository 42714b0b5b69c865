#include "envs/lts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "core/state_archive.h"

namespace slaterl {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMaxCandidates = 1 << 20;
constexpr int64_t kMaxTimeBudgetSteps = 1000000000;

std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string KeyError(const std::string& key, const std::string& what) {
  return "lts env_config." + key + ": " + what;
}

// Checks one explicitly given value against its KeySpec: type and declared range.
Status CheckValue(const KeySpec& spec, const ParamValue& value) {
  const bool numeric_ok =
      (spec.type == ValueType::kInt && value.type == ValueType::kInt) ||
      (spec.type == ValueType::kDouble &&
       (value.type == ValueType::kDouble || value.type == ValueType::kInt));
  if (spec.type == ValueType::kInt || spec.type == ValueType::kDouble) {
    if (!numeric_ok)
      return InvalidArgumentError(KeyError(spec.name, std::string("expected ") +
                                                          ValueTypeName(spec.type) + ", got " +
                                                          ValueTypeName(value.type)));
    const double v = value.type == ValueType::kInt ? static_cast<double>(value.i) : value.d;
    if (!std::isfinite(v))
      return InvalidArgumentError(KeyError(spec.name, "must be finite, got " + FormatNumber(v)));
    const bool below = spec.min_exclusive ? v <= spec.min : v < spec.min;
    if (below || v > spec.max)
      return InvalidArgumentError(KeyError(
          spec.name, FormatNumber(v) + " is out of range " + (spec.min_exclusive ? "(" : "[") +
                         FormatNumber(spec.min) + ", " + FormatNumber(spec.max) + "]"));
    return Status::Ok();
  }
  if (value.type != spec.type)
    return InvalidArgumentError(KeyError(spec.name, std::string("expected ") +
                                                        ValueTypeName(spec.type) + ", got " +
                                                        ValueTypeName(value.type)));
  return Status::Ok();
}

int IntOr(const Params& p, const char* key, int def) {
  return p.Has(key) ? static_cast<int>(p.GetInt(key)) : def;
}
double DoubleOr(const Params& p, const char* key, double def) {
  return p.Has(key) ? p.GetDouble(key) : def;
}
bool BoolOr(const Params& p, const char* key, bool def) {
  return p.Has(key) ? p.GetBool(key) : def;
}

}  // namespace

// ---- LtsConfig ---------------------------------------------------------------------------------

Schema LtsConfig::GetSchema() {
  const LtsConfig d;
  Schema s("env_config");
  s.Int("num_candidates", d.num_candidates, 1, kMaxCandidates, "documents",
        "Candidate documents offered per step (C); the slate picks positions among them.")
      .Int("slate_size", d.slate_size, 1, kMaxCandidates, "slots",
           "Slots per slate (k <= num_candidates). RecSim's default is 3, RLlib's wrapper uses 2; "
           "only slot 0 is ever consumed.")
      .Bool("resample_documents", d.resample_documents,
            "Draw a fresh candidate set after every step and at every reset; false keeps the "
            "construction-time set forever.")
      .Double("memory_discount", d.memory_discount, 0.0, 1.0, "",
              "mu: NPE_{t+1} = mu*NPE_t - 2(c-0.5) + noise; must be < 1.")
      .Double("sensitivity", d.sensitivity, 0.0, kInf, "1/NPE",
              "kappa: satisfaction = sigmoid(kappa*NPE). StrongLTS uses 0.06 (RLlib tutorial "
              "copies: 0.058).")
      .Double("innovation_stddev", d.innovation_stddev, 0.0, kInf, "NPE",
              "Standard deviation of the NPE innovation noise.")
      .Double("choc_mean", d.choc_mean, -kInf, kInf, "log engagement",
              "Log-engagement mean of pure clickbait (c = 1), scaled by satisfaction.")
      .Double("choc_stddev", d.choc_stddev, 0.0, kInf, "log engagement",
              "Log-engagement standard deviation of pure clickbait (c = 1).")
      .Double("kale_mean", d.kale_mean, -kInf, kInf, "log engagement",
              "Log-engagement mean of pure kale (c = 0), scaled by satisfaction.")
      .Double("kale_stddev", d.kale_stddev, 0.0, kInf, "log engagement",
              "Log-engagement standard deviation of pure kale (c = 0).")
      .Int("time_budget", d.time_budget, 1, kMaxTimeBudgetSteps, "env steps",
           "User time budget; each step costs 1, so every episode lasts exactly this many steps.")
      .Bool("observe_satisfaction", d.observe_satisfaction,
            "slaterl extension (as the RLlib tutorial wrapper): the user observation is [SAT] "
            "(user_dim 1) instead of empty.");
  return s;
}

Result<LtsConfig> LtsConfig::FromParams(const Params& params) {
  const Schema schema = GetSchema();
  for (const auto& [key, value] : params.values()) {
    const KeySpec* spec = schema.Find(key);
    if (spec == nullptr) {
      std::string names;
      for (const KeySpec& k : schema.keys()) names += (names.empty() ? "" : ", ") + k.name;
      return InvalidArgumentError("lts env_config: unknown key '" + key + "' (valid keys: " +
                                  names + ")");
    }
    RETURN_IF_ERROR(CheckValue(*spec, value));
  }
  const LtsConfig d;
  LtsConfig c;
  c.num_candidates = IntOr(params, "num_candidates", d.num_candidates);
  c.slate_size = IntOr(params, "slate_size", d.slate_size);
  c.resample_documents = BoolOr(params, "resample_documents", d.resample_documents);
  c.memory_discount = DoubleOr(params, "memory_discount", d.memory_discount);
  c.sensitivity = DoubleOr(params, "sensitivity", d.sensitivity);
  c.innovation_stddev = DoubleOr(params, "innovation_stddev", d.innovation_stddev);
  c.choc_mean = DoubleOr(params, "choc_mean", d.choc_mean);
  c.choc_stddev = DoubleOr(params, "choc_stddev", d.choc_stddev);
  c.kale_mean = DoubleOr(params, "kale_mean", d.kale_mean);
  c.kale_stddev = DoubleOr(params, "kale_stddev", d.kale_stddev);
  c.time_budget = IntOr(params, "time_budget", d.time_budget);
  c.observe_satisfaction = BoolOr(params, "observe_satisfaction", d.observe_satisfaction);
  RETURN_IF_ERROR(c.Validate());
  return c;
}

Status LtsConfig::Validate() const {
  if (num_candidates < 1 || num_candidates > kMaxCandidates)
    return InvalidArgumentError(KeyError("num_candidates", std::to_string(num_candidates) +
                                                               " must be in [1, " +
                                                               std::to_string(kMaxCandidates) + "]"));
  if (slate_size < 1)
    return InvalidArgumentError(KeyError("slate_size", std::to_string(slate_size) + " must be >= 1"));
  if (slate_size > num_candidates)
    return InvalidArgumentError(KeyError(
        "slate_size", std::to_string(slate_size) + " must be <= num_candidates (" +
                          std::to_string(num_candidates) + ")"));
  if (!(memory_discount >= 0.0 && memory_discount < 1.0))
    return InvalidArgumentError(
        KeyError("memory_discount", FormatNumber(memory_discount) + " must be in [0, 1)"));
  const struct {
    const char* key;
    double value;
    bool non_negative;
  } doubles[] = {{"sensitivity", sensitivity, true},     {"innovation_stddev", innovation_stddev, true},
                 {"choc_mean", choc_mean, false},        {"choc_stddev", choc_stddev, true},
                 {"kale_mean", kale_mean, false},        {"kale_stddev", kale_stddev, true}};
  for (const auto& d : doubles) {
    if (!std::isfinite(d.value))
      return InvalidArgumentError(KeyError(d.key, "must be finite, got " + FormatNumber(d.value)));
    if (d.non_negative && d.value < 0.0)
      return InvalidArgumentError(KeyError(d.key, FormatNumber(d.value) + " must be >= 0"));
  }
  if (time_budget < 1)
    return InvalidArgumentError(
        KeyError("time_budget", std::to_string(time_budget) + " must be >= 1 env step"));
  return Status::Ok();
}

// ---- LtsVecEnv ---------------------------------------------------------------------------------

LtsVecEnv::LtsVecEnv(const LtsConfig& config, int num_envs)
    : config_(config), dynamics_(config) {
  SLATERL_CHECK(num_envs >= 1);
  SLATERL_CHECK(config.Validate().ok());
  spec_.name = "lts";
  spec_.num_envs = num_envs;
  spec_.num_candidates = config.num_candidates;
  spec_.slate_size = config.slate_size;
  spec_.user_dim = config.observe_satisfaction ? 1 : 0;
  spec_.doc_dim = 1;
  spec_.response_dim = 2;
  spec_.max_steps = config.time_budget;
  const size_t n = static_cast<size_t>(num_envs);
  user_rng_.resize(n);
  doc_rng_.resize(n);
  response_rng_.resize(n);
  clickbait_.assign(n * config.num_candidates, 0.0);
  npe_.assign(n, 0.0);
  sat_.assign(n, 0.0);
  budget_.assign(n, 0);
  episode_return_.assign(n, 0.0);
  episode_length_.assign(n, 0);
}

Result<std::unique_ptr<LtsVecEnv>> LtsVecEnv::Create(const LtsConfig& config, int num_envs) {
  RETURN_IF_ERROR(config.Validate());
  if (num_envs < 1)
    return InvalidArgumentError("lts: num_envs must be >= 1, got " + std::to_string(num_envs));
  return std::make_unique<LtsVecEnv>(config, num_envs);
}

void LtsVecEnv::SampleDocuments(int i) {
  const int num_candidates = spec_.num_candidates;
  double* docs = clickbait_.data() + static_cast<size_t>(i) * num_candidates;
  Rng& rng = doc_rng_[i];
  for (int j = 0; j < num_candidates; ++j) docs[j] = rng.Uniform();
}

void LtsVecEnv::StartEpisode(int i) {
  npe_[i] = dynamics_.InitialNpe(user_rng_[i].Uniform());
  sat_[i] = dynamics_.Satisfaction(npe_[i]);
  budget_[i] = config_.time_budget;
  episode_return_[i] = 0.0;
  episode_length_[i] = 0;
  if (config_.resample_documents) SampleDocuments(i);
}

void LtsVecEnv::WriteObservation(int i, ObsBatch* obs) const {
  if (spec_.user_dim == 1) obs->user[i] = static_cast<float>(sat_[i]);
  const int num_candidates = spec_.num_candidates;
  const double* from = clickbait_.data() + static_cast<size_t>(i) * num_candidates;
  float* to = obs->docs.data() + static_cast<size_t>(i) * num_candidates;
  for (int j = 0; j < num_candidates; ++j) to[j] = static_cast<float>(from[j]);
}

void LtsVecEnv::reset(uint64_t seed, ObsBatch* obs) {
  const int n = spec_.num_envs;
  CheckObsBatchSizes(spec_, *obs);
  for (int i = 0; i < n; ++i) {
    const uint64_t env = static_cast<uint64_t>(i);
    user_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedUserStream}));
    doc_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedDocStream}));
    response_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedResponseStream}));
    // The original's construction: one user (discarded by the first reset) and one candidate set
    // (replaced by the first reset when resampling, kept forever otherwise).
    // docs/environments.md decision E2.
    user_rng_[i].Uniform();
    SampleDocuments(i);
    StartEpisode(i);
    WriteObservation(i, obs);
  }
  MarkAllFirstStep(obs);
  has_reset_ = true;
}

void LtsVecEnv::step(const SlateBatch& slates, StepBatch* out) {
  SLATERL_CHECK(has_reset_);
  const int n = spec_.num_envs;
  const int num_candidates = spec_.num_candidates;
  const int k = spec_.slate_size;
  const int slot_floats = k * spec_.response_dim;
  CheckStepBatchSizes(spec_, slates, *out);

  for (int i = 0; i < n; ++i) {
    const int32_t* slate = slates.items.data() + static_cast<size_t>(i) * k;
    const int32_t consumed = slate[0];  // only slot 0 is ever clicked (docs/environments.md quirk Q1)
    SLATERL_CHECK(consumed >= 0 && consumed < num_candidates);
    const double c = clickbait_[static_cast<size_t>(i) * num_candidates + consumed];

    // Response stream: the engagement normal, then the innovation normal (one polar pair).
    Rng& rng = response_rng_[i];
    const double engagement = dynamics_.Engagement(c, sat_[i], rng.Normal());
    const double innovation = dynamics_.innovation_stddev * rng.Normal();
    npe_[i] = dynamics_.NextNpe(npe_[i], c, innovation);
    sat_[i] = dynamics_.Satisfaction(npe_[i]);
    budget_[i] -= 1;
    episode_return_[i] += engagement;
    episode_length_[i] += 1;
    if (config_.resample_documents) SampleDocuments(i);  // step 7 of RecSim's step, also at the end

    out->rewards[i] = static_cast<float>(engagement);  // unclipped (docs/environments.md quirk Q2)
    float* responses = out->responses.data() + static_cast<size_t>(i) * slot_floats;
    std::fill(responses, responses + slot_floats, 0.0f);
    responses[0] = 1.0f;
    responses[1] = static_cast<float>(std::min(engagement, kLtsMaxObservedEngagement));

    const bool done = budget_[i] <= 0;
    out->terminated[i] = done ? 1 : 0;
    out->truncated[i] = 0;  // max_steps == time_budget: the env's own rule always ends first
    out->episode_return[i] = episode_return_[i];
    out->episode_length[i] = episode_length_[i];

    const bool episode_ended = done;
    if (episode_ended) StartEpisode(i);  // auto-reset: new user, fresh candidates
    RecordServedSlate(spec_, i, episode_ended, slate, responses, &out->obs);
    WriteObservation(i, &out->obs);
  }
}

Status LtsVecEnv::VisitState(StateArchive& ar) {
  ar.Field("has_reset", has_reset_);
  ar.Field("user_rng", user_rng_);
  ar.Field("doc_rng", doc_rng_);
  ar.Field("response_rng", response_rng_);
  ar.Field("clickbait", clickbait_);
  ar.Field("npe", npe_);
  ar.Field("sat", sat_);
  ar.Field("budget", budget_);
  ar.Field("episode_return", episode_return_);
  ar.Field("episode_length", episode_length_);
  return ar.status();
}

}  // namespace slaterl
