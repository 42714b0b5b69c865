#include "envs/interest_evolution.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/state_archive.h"
#include "envs/config_check.h"

namespace slaterl {
namespace {

constexpr const char* kEnvName = "interest_evolution";
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMaxCandidates = 1 << 20;
constexpr int64_t kMaxClusters = 1 << 16;
constexpr int64_t kMaxSamplerSeed = 4294967295LL;  // numpy's RandomState seed range [0, 2^32)

Status KeyError(const std::string& key, const std::string& what) {
  return InvalidArgumentError(EnvConfigKeyError(kEnvName, key, what));
}

// numpy.linspace(lo, hi, n)[j] for j < n, computed as numpy does: j·((hi − lo)/(n − 1)) + lo, the
// last point exactly hi; n = 1 gives lo.
double Linspace(double lo, double hi, int n, int j) {
  if (n <= 1) return lo;
  if (j == n - 1) return hi;
  return static_cast<double>(j) * ((hi - lo) / static_cast<double>(n - 1)) + lo;
}

}  // namespace

// ---- InterestEvolutionConfig --------------------------------------------------------------------

Schema InterestEvolutionConfig::GetSchema() {
  const InterestEvolutionConfig d;
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
      .Int("num_clusters", d.num_clusters, 1, kMaxClusters, "clusters",
           "Document clusters = interest dimensions (user_dim = doc_dim). RecSim fixes 20; the "
           "first floor(7N/10) clusters have quality means in [min_utility, 0].")
      .Double("min_utility", d.min_utility, -kInf, kInf, "quality",
              "Quality mean of cluster 0 (trashy means: linspace(min_utility, 0, floor(7N/10))).")
      .Double("max_utility", d.max_utility, -kInf, kInf, "quality",
              "Quality mean of the last cluster (nutritious means: linspace(0, max_utility, "
              "N - floor(7N/10))).")
      .Double("video_length", d.video_length, 0.0, kInf, "minutes",
              "Length of every video; a click watches min(time budget left, video_length).",
              /*min_exclusive=*/true)
      .Double("quality_stddev", d.quality_stddev, 0.0, kInf, "quality",
              "Standard deviation of a document's quality around its cluster mean (RecSim's "
              "`quality_variance`, which the code uses as the std).")
      .Double("time_budget", d.time_budget, 0.0, kInf, "minutes",
              "Session budget of every user; the episode ends once it is <= 0.",
              /*min_exclusive=*/true)
      .Double("no_click_mass", d.no_click_mass, -kInf, kInf, "",
              "Score of the no-click option; its choice weight is no_click_mass - min_normalizer "
              "(must be > 0).")
      .Double("step_penalty", d.step_penalty, 0.0, kInf, "minutes",
              "Budget lost by a step without a click.")
      .Double("min_normalizer", d.min_normalizer, -kInf, -1.0, "",
              "Subtracted from every choice score: slot weight = u[cluster] - min_normalizer. "
              "Must be <= -1 so that weights stay >= 0.")
      .Double("user_quality_factor", d.user_quality_factor, -kInf, kInf, "",
              "Weight of the clicked document's choice score (u[cluster] - min_normalizer, before "
              "the interest update) in the received utility.")
      .Double("document_quality_factor", d.document_quality_factor, -kInf, kInf, "",
              "Weight of the clicked document's quality in the received utility.")
      .Double("user_update_alpha", d.user_update_alpha, -kInf, kInf, "1/utility",
              "Budget gained per watched minute and unit of received utility (RecSim: 0.9/3.4).")
      .Double("alpha_x_intercept", d.alpha_x_intercept, 0.0, kInf, "interest",
              "Interest step size alpha(u) = y - (y/x)|u| reaches 0 at |u| = x.",
              /*min_exclusive=*/true)
      .Double("alpha_y_intercept", d.alpha_y_intercept, -kInf, kInf, "interest",
              "Interest step size alpha(0) = y; a click moves u[cluster] by "
              "+-alpha(u[cluster])*(1 - u[cluster]).");
  return s;
}

Result<InterestEvolutionConfig> InterestEvolutionConfig::FromParams(const Params& params) {
  RETURN_IF_ERROR(CheckEnvConfigParams(kEnvName, GetSchema(), params));
  const InterestEvolutionConfig d;
  InterestEvolutionConfig c;
  c.num_candidates = static_cast<int>(EnvConfigInt(params, "num_candidates", d.num_candidates));
  c.slate_size = static_cast<int>(EnvConfigInt(params, "slate_size", d.slate_size));
  c.resample_documents = EnvConfigBool(params, "resample_documents", d.resample_documents);
  c.seed = EnvConfigInt(params, "seed", d.seed);
  c.num_clusters = static_cast<int>(EnvConfigInt(params, "num_clusters", d.num_clusters));
  c.min_utility = EnvConfigDouble(params, "min_utility", d.min_utility);
  c.max_utility = EnvConfigDouble(params, "max_utility", d.max_utility);
  c.video_length = EnvConfigDouble(params, "video_length", d.video_length);
  c.quality_stddev = EnvConfigDouble(params, "quality_stddev", d.quality_stddev);
  c.time_budget = EnvConfigDouble(params, "time_budget", d.time_budget);
  c.no_click_mass = EnvConfigDouble(params, "no_click_mass", d.no_click_mass);
  c.step_penalty = EnvConfigDouble(params, "step_penalty", d.step_penalty);
  c.min_normalizer = EnvConfigDouble(params, "min_normalizer", d.min_normalizer);
  c.user_quality_factor = EnvConfigDouble(params, "user_quality_factor", d.user_quality_factor);
  c.document_quality_factor =
      EnvConfigDouble(params, "document_quality_factor", d.document_quality_factor);
  c.user_update_alpha = EnvConfigDouble(params, "user_update_alpha", d.user_update_alpha);
  c.alpha_x_intercept = EnvConfigDouble(params, "alpha_x_intercept", d.alpha_x_intercept);
  c.alpha_y_intercept = EnvConfigDouble(params, "alpha_y_intercept", d.alpha_y_intercept);
  RETURN_IF_ERROR(c.Validate());
  return c;
}

Status InterestEvolutionConfig::Validate() const {
  if (num_candidates < 1 || num_candidates > kMaxCandidates)
    return KeyError("num_candidates", std::to_string(num_candidates) + " must be in [1, " +
                                          std::to_string(kMaxCandidates) + "]");
  if (slate_size < 1) return KeyError("slate_size", std::to_string(slate_size) + " must be >= 1");
  if (slate_size > num_candidates)
    return KeyError("slate_size", std::to_string(slate_size) + " must be <= num_candidates (" +
                                      std::to_string(num_candidates) + ")");
  if (seed < 0 || seed > kMaxSamplerSeed)
    return KeyError("seed", std::to_string(seed) + " must be in [0, 2^32 - 1]");
  if (num_clusters < 1 || num_clusters > kMaxClusters)
    return KeyError("num_clusters", std::to_string(num_clusters) + " must be in [1, " +
                                        std::to_string(kMaxClusters) + "]");
  const struct {
    const char* key;
    double value;
  } finite[] = {{"min_utility", min_utility},
                {"max_utility", max_utility},
                {"video_length", video_length},
                {"quality_stddev", quality_stddev},
                {"time_budget", time_budget},
                {"no_click_mass", no_click_mass},
                {"step_penalty", step_penalty},
                {"min_normalizer", min_normalizer},
                {"user_quality_factor", user_quality_factor},
                {"document_quality_factor", document_quality_factor},
                {"user_update_alpha", user_update_alpha},
                {"alpha_x_intercept", alpha_x_intercept},
                {"alpha_y_intercept", alpha_y_intercept}};
  for (const auto& f : finite)
    if (!std::isfinite(f.value))
      return KeyError(f.key, "must be finite, got " + FormatEnvConfigNumber(f.value));
  if (!(video_length > 0.0))
    return KeyError("video_length", FormatEnvConfigNumber(video_length) + " must be > 0 minutes");
  if (quality_stddev < 0.0)
    return KeyError("quality_stddev", FormatEnvConfigNumber(quality_stddev) + " must be >= 0");
  if (!(time_budget > 0.0))
    return KeyError("time_budget", FormatEnvConfigNumber(time_budget) + " must be > 0 minutes");
  if (step_penalty < 0.0)
    return KeyError("step_penalty", FormatEnvConfigNumber(step_penalty) + " must be >= 0");
  if (min_normalizer > -1.0)
    return KeyError("min_normalizer",
                    FormatEnvConfigNumber(min_normalizer) +
                        " must be <= -1 (slot weight u - min_normalizer must be >= 0 for u in "
                        "[-1, 1])");
  if (!(no_click_mass > min_normalizer))
    return KeyError("no_click_mass", FormatEnvConfigNumber(no_click_mass) +
                                         " must be > min_normalizer (" +
                                         FormatEnvConfigNumber(min_normalizer) +
                                         ") so that the no-click weight is positive");
  if (!(alpha_x_intercept > 0.0))
    return KeyError("alpha_x_intercept", FormatEnvConfigNumber(alpha_x_intercept) + " must be > 0");
  return Status::Ok();
}

double IevClusterQualityMean(const InterestEvolutionConfig& config, int cluster) {
  const int n = config.num_clusters;
  const int trashy = n * kIevTrashyClustersPerTen / 10;
  if (cluster < trashy) return Linspace(config.min_utility, 0.0, trashy, cluster);
  return Linspace(0.0, config.max_utility, n - trashy, cluster - trashy);
}

// ---- InterestEvolutionVecEnv ----------------------------------------------------------------------

InterestEvolutionVecEnv::InterestEvolutionVecEnv(const InterestEvolutionConfig& config,
                                                 int num_envs)
    : config_(config), dynamics_(config), num_clusters_(config.num_clusters) {
  SLATERL_CHECK(num_envs >= 1);
  SLATERL_CHECK(config.Validate().ok());
  spec_.name = kEnvName;
  spec_.num_envs = num_envs;
  spec_.num_candidates = config.num_candidates;
  spec_.slate_size = config.slate_size;
  spec_.user_dim = config.num_clusters;
  spec_.doc_dim = config.num_clusters;
  spec_.response_dim = kIevResponseDim;
  spec_.max_steps = 0;  // self-terminating (docs/environments.md decision E5)
  const size_t n = static_cast<size_t>(num_envs);
  cluster_mean_.resize(static_cast<size_t>(num_clusters_));
  for (int c = 0; c < num_clusters_; ++c) cluster_mean_[c] = IevClusterQualityMean(config, c);
  user_rng_.resize(n);
  doc_rng_.resize(n);
  response_rng_.resize(n);
  interests_.assign(n * num_clusters_, 0.0);
  budget_.assign(n, 0.0);
  cluster_.assign(n * config.num_candidates, 0);
  quality_.assign(n * config.num_candidates, 0.0);
  weights_.assign(static_cast<size_t>(config.slate_size), 0.0);
  episode_return_.assign(n, 0.0);
  episode_length_.assign(n, 0);
}

Result<std::unique_ptr<InterestEvolutionVecEnv>> InterestEvolutionVecEnv::Create(
    const InterestEvolutionConfig& config, int num_envs) {
  RETURN_IF_ERROR(config.Validate());
  if (num_envs < 1)
    return InvalidArgumentError(std::string(kEnvName) + ": num_envs must be >= 1, got " +
                                std::to_string(num_envs));
  return std::make_unique<InterestEvolutionVecEnv>(config, num_envs);
}

void InterestEvolutionVecEnv::SampleDocuments(int i) {
  const int num_candidates = spec_.num_candidates;
  const size_t base = static_cast<size_t>(i) * num_candidates;
  int32_t* clusters = cluster_.data() + base;
  double* qualities = quality_.data() + base;
  Rng& rng = doc_rng_[i];
  const uint32_t num_clusters = static_cast<uint32_t>(num_clusters_);
  const double stddev = config_.quality_stddev;
  const double* means = cluster_mean_.data();
  for (int j = 0; j < num_candidates; ++j) {
    const int32_t c = static_cast<int32_t>(rng.UniformInt(num_clusters));  // cluster first
    clusters[j] = c;
    qualities[j] = means[c] + stddev * rng.Normal();                       // then quality
  }
}

void InterestEvolutionVecEnv::SampleUser(int i) {
  double* u = interests_.data() + static_cast<size_t>(i) * num_clusters_;
  Rng& rng = user_rng_[i];
  for (int d = 0; d < num_clusters_; ++d) u[d] = rng.Uniform(-1.0, 1.0);
}

void InterestEvolutionVecEnv::StartEpisode(int i) {
  SampleUser(i);
  budget_[i] = config_.time_budget;
  episode_return_[i] = 0.0;
  episode_length_[i] = 0;
  if (config_.resample_documents) SampleDocuments(i);
}

void InterestEvolutionVecEnv::WriteObservation(int i, ObsBatch* obs) const {
  const int d = num_clusters_;
  const double* u = interests_.data() + static_cast<size_t>(i) * d;
  float* user = obs->user.data() + static_cast<size_t>(i) * d;
  for (int c = 0; c < d; ++c) user[c] = static_cast<float>(u[c]);
  const int num_candidates = spec_.num_candidates;
  const int32_t* clusters = cluster_.data() + static_cast<size_t>(i) * num_candidates;
  float* docs = obs->docs.data() + static_cast<size_t>(i) * num_candidates * d;
  std::fill(docs, docs + static_cast<size_t>(num_candidates) * d, 0.0f);
  for (int j = 0; j < num_candidates; ++j) docs[static_cast<size_t>(j) * d + clusters[j]] = 1.0f;
}

void InterestEvolutionVecEnv::SetUserStateForTesting(int i, const double* interests,
                                                     double time_budget) {
  SLATERL_CHECK(has_reset_);
  SLATERL_CHECK(i >= 0 && i < spec_.num_envs);
  SLATERL_CHECK(time_budget > 0.0);
  double* u = interests_.data() + static_cast<size_t>(i) * num_clusters_;
  for (int d = 0; d < num_clusters_; ++d) {
    SLATERL_CHECK(interests[d] >= -1.0 && interests[d] <= 1.0);
    u[d] = interests[d];
  }
  budget_[i] = time_budget;
}

void InterestEvolutionVecEnv::reset(uint64_t seed, ObsBatch* obs) {
  const int n = spec_.num_envs;
  CheckObsBatchSizes(spec_, *obs);
  const uint64_t sampler_seed = static_cast<uint64_t>(config_.seed);
  for (int i = 0; i < n; ++i) {
    const uint64_t env = static_cast<uint64_t>(i);
    user_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedUserStream, sampler_seed}));
    doc_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedDocStream, sampler_seed}));
    response_rng_[i].Seed(DeriveSeed(seed, {kSeedEnv, env, kSeedResponseStream}));
    // The original's construction: one user (discarded by the first reset) and one candidate set
    // (replaced by the first reset when resampling, kept forever otherwise).
    // docs/environments.md decision E2.
    SampleUser(i);
    SampleDocuments(i);
    StartEpisode(i);
    WriteObservation(i, obs);
  }
  MarkAllFirstStep(obs);
  has_reset_ = true;
}

void InterestEvolutionVecEnv::step(const SlateBatch& slates, StepBatch* out) {
  SLATERL_CHECK(has_reset_);
  const int n = spec_.num_envs;
  const int num_candidates = spec_.num_candidates;
  const int k = spec_.slate_size;
  const int d = num_clusters_;
  const int slot_floats = k * kIevResponseDim;
  CheckStepBatchSizes(spec_, slates, *out);
  const double no_click_weight = dynamics_.NoClickWeight();
  double* weights = weights_.data();

  for (int i = 0; i < n; ++i) {
    const int32_t* slate = slates.items.data() + static_cast<size_t>(i) * k;
    const size_t doc_base = static_cast<size_t>(i) * num_candidates;
    const int32_t* clusters = cluster_.data() + doc_base;
    const double* qualities = quality_.data() + doc_base;
    double* u = interests_.data() + static_cast<size_t>(i) * d;

    // Responses of every shown slot: quality and cluster (docs/environments.md quirk Q3); click and
    // watch time filled below.
    float* responses = out->responses.data() + static_cast<size_t>(i) * slot_floats;
    double total = no_click_weight;
    for (int j = 0; j < k; ++j) {
      const int32_t position = slate[j];
      SLATERL_CHECK(position >= 0 && position < num_candidates);
      const int32_t c = clusters[position];
      const double w = dynamics_.SlotWeight(u[c]);
      weights[j] = w;
      total += w;
      float* r = responses + j * kIevResponseDim;
      r[kIevResponseClick] = 0.0f;
      r[kIevResponseWatchTime] = 0.0f;
      r[kIevResponseLiked] = 0.0f;
      r[kIevResponseQuality] = static_cast<float>(qualities[position]);
      r[kIevResponseClusterId] = static_cast<float>(c);
    }

    // One categorical draw over (slots in slate order, then "none"): the first outcome whose
    // cumulative weight exceeds uniform × total (numpy's cdf search, docs/environments.md §1.4).
    Rng& rng = response_rng_[i];
    const double target = rng.Uniform() * total;
    int chosen = -1;
    double cumulative = 0.0;
    for (int j = 0; j < k; ++j) {
      cumulative += weights[j];
      if (cumulative > target) {
        chosen = j;
        break;
      }
    }

    double reward = 0.0;
    if (chosen >= 0) {
      const int32_t position = slate[chosen];
      const int32_t c = clusters[position];
      const double u_c = u[c];
      const double watch_time = dynamics_.WatchTime(budget_[i]);
      u[c] = dynamics_.UpdatedInterest(u_c, rng.Uniform());  // the flip uniform
      budget_[i] = dynamics_.BudgetAfterClick(budget_[i], watch_time, u_c, qualities[position]);
      reward = watch_time;
      float* r = responses + chosen * kIevResponseDim;
      r[kIevResponseClick] = 1.0f;
      r[kIevResponseWatchTime] = static_cast<float>(watch_time);
    } else {
      budget_[i] = dynamics_.BudgetAfterNoClick(budget_[i]);
    }
    episode_return_[i] += reward;
    episode_length_[i] += 1;
    if (config_.resample_documents) SampleDocuments(i);  // step 7 of RecSim's step, also at the end

    const bool terminated = budget_[i] <= 0.0;
    const bool truncated = !terminated && episode_length_[i] >= kIevTruncationSteps;
    out->rewards[i] = static_cast<float>(reward);
    out->terminated[i] = terminated ? 1 : 0;
    out->truncated[i] = truncated ? 1 : 0;
    out->episode_return[i] = episode_return_[i];
    out->episode_length[i] = episode_length_[i];

    const bool episode_ended = terminated || truncated;
    if (episode_ended) StartEpisode(i);  // auto-reset: new user, fresh candidates
    RecordServedSlate(spec_, i, episode_ended, slate, responses, &out->obs);
    WriteObservation(i, &out->obs);
  }
}

// weights_ is per-step scratch (written for every slot before it is read); cluster_mean_ comes
// from the config.
Status InterestEvolutionVecEnv::VisitState(StateArchive& ar) {
  ar.Field("has_reset", has_reset_);
  ar.Field("user_rng", user_rng_);
  ar.Field("doc_rng", doc_rng_);
  ar.Field("response_rng", response_rng_);
  ar.Field("interests", interests_);
  ar.Field("budget", budget_);
  ar.Field("cluster", cluster_);
  ar.Field("quality", quality_);
  ar.Field("episode_return", episode_return_);
  ar.Field("episode_length", episode_length_);
  return ar.status();
}

}  // namespace slaterl
