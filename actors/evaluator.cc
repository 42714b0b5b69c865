#include "actors/evaluator.h"

#include <cmath>

#include "core/rng.h"
#include "core/state_archive.h"
#include "core/wire.h"

namespace slaterl {

Result<std::unique_ptr<EvaluatorCore>> EvaluatorCore::Create(const RunConfig& run, const EnvEntry& env,
                                                             const AlgoEntry& algo) {
  const int num_envs = static_cast<int>(run.evaluation.GetInt("num_envs"));
  ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> vec_env, env.create(run.env_config, num_envs));
  AlgoContext ctx = MakeAlgoContext(run, vec_env->spec());
  ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, algo.create_policy(run.config, ctx));
  policy->set_explore(false);
  const int64_t configured = run.evaluation.GetInt("seed");
  const uint64_t seed = configured >= 0 ? static_cast<uint64_t>(configured)
                                        : DeriveSeed(run.seed, {kSeedEvaluator});
  return std::unique_ptr<EvaluatorCore>(new EvaluatorCore(std::move(vec_env), std::move(policy), seed));
}

Status EvaluatorCore::ApplyWeights(const Weights& weights) {
  if (weights.version <= weights_version_) return Status::Ok();
  RETURN_IF_ERROR(policy_->load(weights));
  weights_version_ = weights.version;
  weights_timesteps_ = weights.timesteps_total;
  current_ = weights;
  return Status::Ok();
}

void EvaluatorCore::RecordValidation(const EvalResult& result) {
  if (best_.version == 0 || result.return_mean > best_mean_) {
    best_ = current_;
    best_mean_ = result.return_mean;
  }
}

Result<EvalResult> EvaluatorCore::EvaluateFinal(int64_t episodes, bool select_best) {
  if (!select_best || best_.version == 0) return Evaluate(episodes);
  RETURN_IF_ERROR(policy_->load(best_));
  weights_version_ = best_.version;
  weights_timesteps_ = best_.timesteps_total;
  return EvaluateTestUsers(episodes);
}

Result<EvalResult> EvaluatorCore::EvaluateTestUsers(int64_t episodes) {
  return RunEpisodes(*env_, *policy_, episodes, DeriveSeed(seed_, {kSeedEval}));  // fresh users
}

Result<EvalResult> EvaluatorCore::Evaluate(int64_t episodes) {
  return RunEpisodes(*env_, *policy_, episodes, seed_);
}

Status EvaluatorCore::VisitState(StateArchive& archive) {
  std::string best = archive.loading() ? std::string() : EncodePayload(best_);
  archive.Field("best_weights", best);
  archive.Field("best_mean", best_mean_);
  if (!archive.loading() || !archive.status().ok()) return archive.status();
  return DecodePayload(best.data(), best.size(), &best_);
}

Stats EvaluatorCore::MakeStats(const EvalResult& result, bool final) const {
  Stats stats;
  stats.role = "evaluator";
  stats.scalars["eval/episode_reward_mean"] = result.return_mean;
  stats.scalars["eval/episode_reward_std"] = result.return_std;
  stats.scalars["eval/episode_reward_sem"] =
      result.episodes > 1 ? result.return_std / std::sqrt(static_cast<double>(result.episodes)) : 0.0;
  stats.scalars["eval/episode_len_mean"] = result.length_mean;
  stats.scalars["eval/episodes"] = static_cast<double>(result.episodes);
  stats.scalars["eval/weights_version"] = static_cast<double>(weights_version_);
  stats.scalars["eval/timesteps_total"] = static_cast<double>(weights_timesteps_);
  stats.scalars["eval/final"] = final ? 1.0 : 0.0;
  return stats;
}

}  // namespace slaterl
