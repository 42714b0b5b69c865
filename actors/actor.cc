#include "actors/actor.h"

#include <algorithm>
#include <utility>

#include "core/rng.h"
#include "core/state_archive.h"

namespace slaterl {

Result<std::unique_ptr<ActorCore>> ActorCore::Create(const RunConfig& run, const EnvEntry& env,
                                                     const AlgoEntry& algo, int actor_id,
                                                     int incarnation) {
  const int num_envs = static_cast<int>(run.cluster.GetInt("num_envs_per_actor"));
  ASSIGN_OR_RETURN(std::unique_ptr<VecEnv> vec_env, env.create(run.env_config, num_envs));
  AlgoContext ctx = MakeAlgoContext(run, vec_env->spec());
  ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, algo.create_policy(run.config, ctx));
  policy->set_explore(true);
  policy->attach_env(*vec_env);
  const ReplaySpec replay_spec = algo.replay_spec(run.config, ctx);
  if (replay_spec.trajectory_steps > 0) {
    const EnvSpec& spec = vec_env->spec();
    if (spec.max_steps != replay_spec.trajectory_steps)
      return InvalidArgumentError("algorithm '" + algo.name + "' replays whole episodes of " +
                                  std::to_string(replay_spec.trajectory_steps) + " steps, but env '" +
                                  spec.name + "' episodes last " + std::to_string(spec.max_steps) +
                                  " steps (fixed-length episodes are required)");
    if (replay_spec.trajectory_action_dim > 0 && replay_spec.trajectory_action_dim != policy->action_dim())
      return InternalError("algorithm '" + algo.name + "': replay action dim " +
                           std::to_string(replay_spec.trajectory_action_dim) + " != policy action dim " +
                           std::to_string(policy->action_dim()));
    if (replay_spec.trajectory_user_dim > 0 && replay_spec.trajectory_user_dim != vec_env->privileged_user_dim())
      return InvalidArgumentError("algorithm '" + algo.name + "' needs the privileged user vector (" +
                                  std::to_string(replay_spec.trajectory_user_dim) + " floats) that env '" +
                                  spec.name + "' does not provide");
  }
  const uint64_t id = static_cast<uint64_t>(actor_id), inc = static_cast<uint64_t>(incarnation);
  const uint64_t env_seed = DeriveSeed(run.seed, {kSeedActor, id, inc, kSeedEnv});
  const uint64_t policy_seed = DeriveSeed(run.seed, {kSeedActor, id, inc, kSeedPolicy});
  return std::unique_ptr<ActorCore>(
      new ActorCore(actor_id, incarnation, static_cast<int>(run.cluster.GetInt("fragment_length")),
                    static_cast<int>(run.cluster.GetInt("num_actors")), replay_spec, std::move(vec_env),
                    std::move(policy), env_seed, policy_seed));
}

ActorCore::ActorCore(int actor_id, int incarnation, int fragment_length, int num_actors,
                     const ReplaySpec& replay_spec, std::unique_ptr<VecEnv> env,
                     std::unique_ptr<Policy> policy, uint64_t env_seed, uint64_t policy_seed)
    : actor_id_(actor_id),
      incarnation_(incarnation),
      fragment_length_(fragment_length),
      env_(std::move(env)),
      policy_(std::move(policy)),
      layout_(env_->spec()),
      num_actors_(num_actors),
      rng_(policy_seed) {
  const EnvSpec& spec = env_->spec();
  obs_.Allocate(spec);
  slates_.Allocate(spec);
  step_.Allocate(spec);
  if (replay_spec.trajectory_steps > 0) {
    trajectory_ = TrajectoryLayout(replay_spec.trajectory_steps, spec.slate_size,
                                   replay_spec.trajectory_action_dim, replay_spec.trajectory_user_dim);
    partial_.assign(static_cast<size_t>(spec.num_envs) * trajectory_.size, 0.0f);
    episode_step_.assign(static_cast<size_t>(spec.num_envs), 0);
    recording_.assign(static_cast<size_t>(spec.num_envs), 0);
  }
  if (policy_->action_dim() > 0)
    slates_.actions.assign(static_cast<size_t>(spec.num_envs) * policy_->action_dim(), 0.0f);
  env_->reset(env_seed, &obs_);
}

int64_t ActorCore::Progress() const {
  return std::max(weights_episodes_total_, own_episodes_total_ * num_actors_);
}

Fragment ActorCore::CollectFragment() {
  return trajectory_.size > 0 ? CollectTrajectories() : CollectTransitions();
}

Fragment ActorCore::CollectTrajectories() {
  const EnvSpec& spec = env_->spec();
  const int n_envs = spec.num_envs, k = spec.slate_size, r_dim = spec.response_dim;
  const TrajectoryLayout& L = trajectory_;
  Fragment fragment;
  fragment.actor_id = actor_id_;
  fragment.incarnation = incarnation_;
  fragment.sequence = next_sequence_++;
  fragment.policy_version = policy_version_;
  fragment.item_size = L.size;
  int64_t steps = 0;
  // Every env finishes an episode within T steps (checked at creation: max_steps == T).
  while (fragment.num_items == 0 && steps <= static_cast<int64_t>(L.steps) + 1) {
    for (int n = 0; n < n_envs; ++n) {
      if (recording_[n] && !obs_.first_step[n]) continue;
      float* item = partial_.data() + static_cast<size_t>(n) * L.size;
      std::fill(item, item + L.size, 0.0f);
      float* slate = L.slate_row(item, 0);
      float* click = L.click_row(item, 0);
      for (int p = 0; p < k; ++p) {
        slate[p] = static_cast<float>(obs_.last_slate[static_cast<size_t>(n) * k + p]);
        click[p] = obs_.last_responses[(static_cast<size_t>(n) * k + p) * r_dim];
      }
      item[L.episode_index] = static_cast<float>(Progress());
      item[L.policy_version] = static_cast<float>(policy_version_);
      episode_step_[n] = 0;
      recording_[n] = obs_.first_step[n];  // record only from an episode's first observation
    }
    policy_->set_progress(Progress());
    policy_->act(obs_, rng_, &slates_);
    env_->step(slates_, &step_);
    ++steps;
    for (int n = 0; n < n_envs; ++n) {
      const bool done = step_.terminated[n] || step_.truncated[n];
      if (done) {
        ++episodes_;
        ++own_episodes_total_;
        episode_returns_.push_back(step_.episode_return[n]);
        episode_lengths_.push_back(step_.episode_length[n]);
      }
      if (!recording_[n]) continue;
      float* item = partial_.data() + static_cast<size_t>(n) * L.size;
      const int t = episode_step_[n];
      if (t >= L.steps) {  // longer than T: not a valid trajectory
        recording_[n] = 0;
        ++trajectories_dropped_;
        continue;
      }
      if (L.action_dim > 0) {
        const float* a = slates_.actions.data() + static_cast<size_t>(n) * L.action_dim;
        std::copy(a, a + L.action_dim, L.action_row(item, t));
      }
      item[L.rewards + t] = step_.rewards[n];
      const int32_t* served = env_->served_slate(n);
      if (served == nullptr) served = slates_.items.data() + static_cast<size_t>(n) * k;
      float* slate = L.slate_row(item, t + 1);
      float* click = L.click_row(item, t + 1);
      for (int p = 0; p < k; ++p) {
        slate[p] = static_cast<float>(served[p]);
        click[p] = step_.responses[(static_cast<size_t>(n) * k + p) * r_dim];
      }
      if (L.user_dim > 0) std::copy(env_->post_step_user(n), env_->post_step_user(n) + L.user_dim, L.user_row(item, t));
      episode_step_[n] = t + 1;
      if (done) {
        recording_[n] = 0;
        if (t + 1 == L.steps) {
          fragment.data.insert(fragment.data.end(), item, item + L.size);
          ++fragment.num_items;
        } else {
          ++trajectories_dropped_;
        }
      }
    }
    std::swap(obs_, step_.obs);
  }
  fragment.env_steps = steps * n_envs;
  fragment.episodes = fragment.num_items;
  env_steps_ += fragment.env_steps;
  env_steps_total_ += fragment.env_steps;
  ++fragments_;
  return fragment;
}

Fragment ActorCore::CollectTransitions() {
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
    policy_->set_progress(Progress());
    policy_->act(obs_, rng_, &slates_);
    env_->step(slates_, &step_);
    for (int n = 0; n < n_envs; ++n, item += layout_.size) {
      layout_.Write(n, obs_, slates_, step_, item);
      if (step_.terminated[n] || step_.truncated[n]) {
        ++episodes_;
        ++own_episodes_total_;
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
  weights_episodes_total_ = std::max(weights_episodes_total_, weights.episodes_total);
  return Status::Ok();
}

Status ActorCore::VisitState(StateArchive& archive) {
  {
    StateArchive::Scope scope(archive, "env");
    RETURN_IF_ERROR(env_->VisitState(archive));
  }
  {
    StateArchive::Scope scope(archive, "policy");
    RETURN_IF_ERROR(policy_->VisitState(archive));
  }
  archive.Field("rng", rng_);
  for (ObsBatch* batch : {&obs_, &step_.obs}) {
    StateArchive::Scope scope(archive, batch == &obs_ ? "obs" : "next_obs");
    archive.Field("user", batch->user);
    archive.Field("docs", batch->docs);
    archive.Field("last_slate", batch->last_slate);
    archive.Field("last_responses", batch->last_responses);
    archive.Field("first_step", batch->first_step);
  }
  archive.Field("slates", slates_.items);
  archive.Field("actions", slates_.actions);
  archive.Field("partial", partial_);
  archive.Field("episode_step", episode_step_);
  archive.Field("recording", recording_);
  archive.Field("weights_episodes_total", weights_episodes_total_);
  archive.Field("own_episodes_total", own_episodes_total_);
  archive.Field("trajectories_dropped", trajectories_dropped_);
  archive.Field("next_sequence", next_sequence_);
  archive.Field("policy_version", policy_version_);
  archive.Field("env_steps_total", env_steps_total_);
  archive.Field("env_steps", env_steps_);
  archive.Field("episodes", episodes_);
  archive.Field("fragments", fragments_);
  archive.Field("episode_returns", episode_returns_);
  archive.Field("episode_lengths", episode_lengths_);
  return archive.status();
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
  if (trajectory_.size > 0) stats.scalars["trajectories_dropped"] = static_cast<double>(trajectories_dropped_);
  stats.lists["episode_return"] = std::move(episode_returns_);
  stats.lists["episode_length"] = std::move(episode_lengths_);
  episode_returns_.clear();
  episode_lengths_.clear();
  env_steps_ = episodes_ = fragments_ = 0;
  return stats;
}

}  // namespace slaterl
