#include "actors/actor.h"

#include <utility>

#include "core/rng.h"

namespace slaterl {

Result<std::unique_ptr<ActorCore>> ActorCore::Create(const RunConfig& run, const EnvEntry& env,
                                                     const AlgoEntry& algo, int actor_id,
                                                     int incarnation) {
  const int num_envs = static_cast<int>(run.cluster.GetInt("num_envs_per_actor"));
  ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> vec_env, env.create(run.env_config, num_envs));
  AlgoContext ctx = MakeAlgoContext(run, vec_env->spec());
  ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, algo.create_policy(run.config, ctx));
  policy->set_explore(true);
  const uint64_t id = static_cast<uint64_t>(actor_id), inc = static_cast<uint64_t>(incarnation);
  const uint64_t env_seed = DeriveSeed(run.seed, {kSeedActor, id, inc, kSeedEnv});
  const uint64_t policy_seed = DeriveSeed(run.seed, {kSeedActor, id, inc, kSeedPolicy});
  return std::unique_ptr<ActorCore>(
      new ActorCore(actor_id, incarnation, static_cast<int>(run.cluster.GetInt("fragment_length")),
                    std::move(vec_env), std::move(policy), env_seed, policy_seed));
}

ActorCore::ActorCore(int actor_id, int incarnation, int fragment_length, std::unique_ptr<VecEnv> env,
                     std::unique_ptr<Policy> policy, uint64_t env_seed, uint64_t policy_seed)
    : actor_id_(actor_id),
      incarnation_(incarnation),
      fragment_length_(fragment_length),
      env_(std::move(env)),
      policy_(std::move(policy)),
      layout_(env_->spec()),
      rng_(policy_seed) {
  const EnvSpec& spec = env_->spec();
  obs_.Allocate(spec);
  slates_.Allocate(spec);
  step_.Allocate(spec);
  env_->reset(env_seed, &obs_);
}

Fragment ActorCore::CollectFragment() {
  const EnvSpec& spec = env_->spec();
  const int n_envs = spec.num_envs;
  Fragment fragment;
  fragment.actor_id = actor_id_;
  fragment.incarnation = incarnation_;
  fragment.sequence = next_sequence_++;
  fragment.policy_version = policy_version_;
  fragment.item_size = layout_.size;
  fragment.num_items = fragment_length_ * n_envs;
  fragment.data.resize(static_cast<size_t>(fragment.num_items) * layout_.size);
  float* item = fragment.data.data();
  for (int t = 0; t < fragment_length_; ++t) {
    policy_->act(obs_, rng_, &slates_);
    env_->step(slates_, &step_);
    for (int n = 0; n < n_envs; ++n, item += layout_.size) {
      layout_.Write(n, obs_, slates_, step_, item);
      if (step_.terminated[n] || step_.truncated[n]) {
        ++episodes_;
        ++fragment.episodes;
        episode_returns_.push_back(step_.episode_return[n]);
        episode_lengths_.push_back(step_.episode_length[n]);
      }
    }
    std::swap(obs_, step_.obs);
  }
  fragment.env_steps = static_cast<int64_t>(fragment_length_) * n_envs;
  env_steps_ += fragment.env_steps;
  env_steps_total_ += fragment.env_steps;
  ++fragments_;
  return fragment;
}

Status ActorCore::ApplyWeights(const Weights& weights) {
  if (weights.version <= policy_version_) return Status::Ok();
  RETURN_IF_ERROR(policy_->load(weights));
  policy_version_ = weights.version;
  return Status::Ok();
}

Stats ActorCore::TakeStats() {
  Stats stats;
  stats.role = "actor";
  stats.id = actor_id_;
  stats.scalars["env_steps"] = static_cast<double>(env_steps_);
  stats.scalars["episodes"] = static_cast<double>(episodes_);
  stats.scalars["fragments"] = static_cast<double>(fragments_);
  stats.scalars["policy_version"] = static_cast<double>(policy_version_);
  stats.scalars["incarnation"] = incarnation_;
  stats.lists["episode_return"] = std::move(episode_returns_);
  stats.lists["episode_length"] = std::move(episode_lengths_);
  episode_returns_.clear();
  episode_lengths_.clear();
  env_steps_ = episodes_ = fragments_ = 0;
  return stats;
}

}  // namespace slaterl
