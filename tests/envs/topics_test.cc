// Tests of envs/topics (docs/environments.md §6): spec and layouts, the reset interaction and its quirks
// (docs/environments.md quirks Q5, Q6), boredom timing, the effective user vector, the oracle
// sentinel, the click model and the diversity penalty (docs/environments.md quirks Q7, Q14), drift,
// click_only_once, random streams and determinism, zero allocation per step, privileged accessors,
// config validation and the registry. The exact dynamics against the Python original are in
// topics_trace_test.cc, the return distributions in topics_parity_test.cc, the item tables in
// topics_embeddings_test.cc.
//
// Expected values are written from the spec's formulas, not from the environment's helpers.
#include "envs/topics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "algos/registry.h"
#include "core/rng.h"
#include "envs/registry.h"
#include "tests/envs/allocation_counter.h"
#include "tests/envs/env_test_util.h"

namespace slaterl {
namespace {

using testing_envs::MakePolicy;

using testing_envs::AllocationRun;
using testing_envs::CountAllocationsWhilePlaying;
using testing_envs::BoolValue;
using testing_envs::Buffers;
using testing_envs::DoubleValue;
using testing_envs::IntValue;
using testing_envs::MakeParams;

constexpr int kItems = 1000;
constexpr int kSlate = 10;
constexpr int kTopics = 10;
constexpr int kDim = 20;
constexpr int kHorizon = 100;

std::string DataDir() { return std::string(SLATERL_SOURCE_DIR) + "/data/gems"; }

ParamValue TextValue(const std::string& s, ValueType type = ValueType::kEnum) {
  ParamValue p;
  p.type = type;
  p.s = s;
  return p;
}

TopicsConfig Config(TopicsVariant variant = TopicsVariant::kTopDown,
                    TopicsEmbeddingsKind embeddings = TopicsEmbeddingsKind::kFocused) {
  TopicsConfig c = TopicsConfig::Paper(variant, embeddings);
  c.data_dir = DataDir();
  return c;
}

std::unique_ptr<TopicsVecEnv> MakeEnv(const TopicsConfig& config, int num_envs) {
  return testing_envs::Unwrap(TopicsVecEnv::Create(config, num_envs));
}


// σ(slope·(E_j·u / max_score − offset)) in float, straight from docs/environments.md §6.5.
float Relevance(const TopicsEmbeddings& e, int32_t item, const float* u) {
  float dot = 0.0f;
  for (int d = 0; d < e.dim(); ++d) dot += e.row(item)[d] * u[d];
  const float score = dot / e.max_score();
  return 1.0f / (1.0f + std::exp(-(score - 0.28f) * 100.0f));
}

// The k items of highest E_j·u, descending, ties to the lower id (brute force).
std::vector<int32_t> TopItems(const TopicsEmbeddings& e, const float* u, int k) {
  std::vector<int32_t> order(static_cast<size_t>(e.num_items()));
  std::iota(order.begin(), order.end(), 0);
  std::vector<float> s(order.size());
  for (int32_t j : order) s[static_cast<size_t>(j)] = e.Score(j, u);
  std::stable_sort(order.begin(), order.end(), [&s](int32_t a, int32_t b) { return s[a] > s[b]; });
  return std::vector<int32_t>(order.begin(), order.begin() + k);
}

std::vector<int32_t> Contents(const TopicsRecentDeque& d) {
  std::vector<int32_t> out;
  for (int i = 0; i < d.size(); ++i) out.push_back(d.at(i));
  return out;
}

double BlockNormSum(const float* u) {
  double s = 0.0;
  for (int k = 0; k < kTopics; ++k) s += std::hypot(u[2 * k], u[2 * k + 1]);
  return s;
}

// A dynamics object with its scratch buffers, for driving one user state by hand.
struct Driver {
  TopicsDynamics dynamics;
  std::vector<float> effective_user, scores, click_prob, oracle_scores;
  std::vector<int32_t> served;
  explicit Driver(const TopicsConfig& config, std::shared_ptr<const TopicsEmbeddings> e)
      : dynamics(config, std::move(e)),
        effective_user(kDim),
        scores(static_cast<size_t>(config.rec_size)),
        click_prob(static_cast<size_t>(config.rec_size)),
        oracle_scores(static_cast<size_t>(dynamics.embeddings().padded_items())),
        served(static_cast<size_t>(config.rec_size)) {}
  TopicsStepBuffers buffers() {
    return {effective_user.data(), served.data(), scores.data(), click_prob.data(),
            oracle_scores.data()};
  }
  // One step with forced clicks.
  void Step(TopicsUserState* s, const std::vector<int32_t>& slate,
            const std::vector<uint8_t>& clicks) {
    dynamics.BeginStep(s, slate.data(), buffers());
    dynamics.FinishStep(s, served.data(), clicks.data());
  }
};

std::shared_ptr<const TopicsEmbeddings> Focused() {
  TopicsConfig c = Config();
  auto e = LoadTopicsEmbeddings(c);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

// A state with a fixed user u (block norms sum to 1, every topic alike).
TopicsUserState MakeState(const TopicsDynamics& dynamics) {
  TopicsUserState s;
  dynamics.InitState(&s);
  for (int d = 0; d < kDim; ++d) s.user[static_cast<size_t>(d)] = 0.1f / std::sqrt(2.0f);
  return s;
}

// Ten items of topic `topic`, then of other topics, in item-id order.
std::vector<int32_t> ItemsOfTopic(const TopicsEmbeddings& e, int topic, int count) {
  std::vector<int32_t> items;
  for (int32_t j = 0; j < e.num_items() && static_cast<int>(items.size()) < count; ++j)
    if (e.topic(j) == topic) items.push_back(j);
  return items;
}

// ---- spec and life cycle ------------------------------------------------------------------------

TEST(TopicsTest, SpecFollowsConfig) {
  auto env = MakeEnv(Config(), /*num_envs=*/3);
  const EnvSpec& spec = env->spec();
  EXPECT_EQ(spec.name, "topics");
  EXPECT_EQ(spec.num_envs, 3);
  EXPECT_EQ(spec.num_candidates, kItems);
  EXPECT_EQ(spec.slate_size, kSlate);
  EXPECT_EQ(spec.user_dim, 0);
  EXPECT_EQ(spec.doc_dim, 0);
  EXPECT_EQ(spec.response_dim, 2);
  EXPECT_EQ(spec.max_steps, kHorizon);
  EXPECT_TRUE(spec.oracle_sentinel);
}

TEST(TopicsTest, EpisodesLastExactlyEpisodeLengthStepsAndCountOnlyStepClicks) {
  TopicsConfig config = Config();
  config.episode_length = 7;
  auto env = MakeEnv(config, /*num_envs=*/4);
  Buffers b(env->spec());
  auto policy = MakePolicy("oracle", env->spec());
  Rng rng(1);
  env->reset(5, &b.obs);
  std::vector<double> sums(4, 0.0);
  int finished = 0;
  for (int t = 1; t <= 5 * 7; ++t) {
    policy->act(t == 1 ? b.obs : b.out.obs, rng, &b.slates);
    env->step(b.slates, &b.out);
    for (int i = 0; i < 4; ++i) {
      const bool done = t % 7 == 0;
      sums[static_cast<size_t>(i)] += b.out.rewards[static_cast<size_t>(i)];
      float clicks = 0.0f;
      for (int r = 0; r < kSlate; ++r) {
        const float* slot = b.out.responses.data() + (static_cast<size_t>(i) * kSlate + r) * 2;
        EXPECT_TRUE(slot[0] == 0.0f || slot[0] == 1.0f);
        EXPECT_EQ(slot[0], slot[1]);  // [click, item_reward = click]
        clicks += slot[0];
      }
      EXPECT_EQ(b.out.rewards[static_cast<size_t>(i)], clicks);
      EXPECT_EQ(b.out.terminated[static_cast<size_t>(i)], done ? 1 : 0) << "t " << t;
      EXPECT_EQ(b.out.truncated[static_cast<size_t>(i)], 0);
      EXPECT_EQ(b.out.obs.first_step[static_cast<size_t>(i)], done ? 1 : 0);
      EXPECT_EQ(b.out.episode_length[static_cast<size_t>(i)], (t - 1) % 7 + 1);
      if (done) {
        // The return excludes the reset clicks (docs/environments.md quirk Q10): exactly the sum of
        // the step rewards.
        EXPECT_EQ(b.out.episode_return[static_cast<size_t>(i)], sums[static_cast<size_t>(i)]);
        sums[static_cast<size_t>(i)] = 0.0;
        EXPECT_EQ(env->state(i).t, 0);  // auto-reset
        ++finished;
      } else {
        EXPECT_EQ(env->state(i).t, t % 7);
      }
    }
  }
  EXPECT_EQ(finished, 20);
}

TEST(TopicsTest, ObservationIsThePreviousSlateAndItsClicks) {
  TopicsConfig config = Config();
  config.episode_length = 3;
  auto env = MakeEnv(config, /*num_envs=*/2);
  Buffers b(env->spec());
  env->reset(11, &b.obs);
  const std::vector<int32_t>& initial = env->dynamics().initial_slate();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(b.obs.first_step[static_cast<size_t>(i)], 1);
    EXPECT_EQ(std::vector<int32_t>(b.obs.last_slate.begin() + i * kSlate,
                                   b.obs.last_slate.begin() + (i + 1) * kSlate),
              initial);
    // The reset clicks are observed; their topics are the state's clicked_topics
    // (docs/environments.md quirk Q5).
    std::vector<int32_t> clicked_topics;
    for (int r = 0; r < kSlate; ++r) {
      const float* slot = b.obs.last_responses.data() + (static_cast<size_t>(i) * kSlate + r) * 2;
      EXPECT_EQ(slot[0], slot[1]);
      if (slot[0] == 1.0f) clicked_topics.push_back(env->embeddings().topic(initial[r]));
    }
    EXPECT_EQ(Contents(env->state(i).clicked_topics), clicked_topics);
    EXPECT_TRUE(env->state(i).clicked_step.empty());
  }
  // Env 0 gets explicit items, env 1 the oracle: the observation is the served slate.
  for (int r = 0; r < kSlate; ++r) {
    b.slates.items[static_cast<size_t>(r)] = 100 + 3 * r;
    b.slates.items[static_cast<size_t>(kSlate + r)] = kOracleSentinel;
  }
  env->step(b.slates, &b.out);
  EXPECT_EQ(
      std::vector<int32_t>(b.out.obs.last_slate.begin(), b.out.obs.last_slate.begin() + kSlate),
      std::vector<int32_t>(b.slates.items.begin(), b.slates.items.begin() + kSlate));
  const std::vector<int32_t> served(b.out.obs.last_slate.begin() + kSlate,
                                    b.out.obs.last_slate.end());
  EXPECT_EQ(served, std::vector<int32_t>(env->served_slate(1), env->served_slate(1) + kSlate));
  for (int32_t item : served) EXPECT_GE(item, 0);
  EXPECT_EQ(b.out.obs.last_responses, b.out.responses);
  EXPECT_EQ(b.out.obs.first_step, std::vector<uint8_t>({0, 0}));
  env->step(b.slates, &b.out);
  env->step(b.slates, &b.out);  // ends the episode: the observation is the next reset's
  EXPECT_EQ(b.out.obs.first_step, std::vector<uint8_t>({1, 1}));
  EXPECT_EQ(
      std::vector<int32_t>(b.out.obs.last_slate.begin(), b.out.obs.last_slate.begin() + kSlate),
      initial);
}

// ---- reset interaction (docs/environments.md §6.7) ----------------------------------------------

TEST(TopicsTest, InitialSlateIsTheBestItemOfEachTopic) {
  auto e = Focused();
  const TopicsDynamics dynamics(Config(), e);
  for (int k = 0; k < kTopics; ++k) {
    float best = -1.0f;
    int32_t best_item = -1;
    for (int32_t j = 0; j < kItems; ++j) {
      const float norm = std::hypot(e->row(j)[2 * k], e->row(j)[2 * k + 1]);
      if (norm > best) best = norm, best_item = j;
    }
    EXPECT_EQ(dynamics.initial_slate()[static_cast<size_t>(k)], best_item) << "topic " << k;
    EXPECT_EQ(e->topic(best_item), k);
  }
  // The trace's reset slate (tests/data/topicrec_focused_topdown_random.jsonl).
  EXPECT_EQ(dynamics.initial_slate(),
            std::vector<int32_t>({78, 575, 163, 145, 599, 6, 200, 279, 850, 225}));
}

TEST(TopicsTest, ResetClicksUseTheRawUserAndSetTheShortTermTopic) {
  auto e = Focused();
  TopicsConfig config = Config();
  config.short_term_boost = 3.0;  // the reset ignores it (docs/environments.md §6.7 step 2)
  const TopicsDynamics dynamics(config, e);
  TopicsUserState s = MakeState(dynamics);
  s.bored[2] = 1;  // ... and the boredom mask
  std::vector<float> scores(kSlate), probs(kSlate);
  dynamics.ResetProbabilities(&s, scores.data(), probs.data());
  const std::vector<float> exam = {1.0f,       0.85f,       0.7225f,     0.614125f,   0.52200625f,
                                   0.4437053f, 0.37714952f, 0.32057709f, 0.27249053f, 0.23161695f};
  for (int r = 0; r < kSlate; ++r) {
    const int32_t item = dynamics.initial_slate()[static_cast<size_t>(r)];
    EXPECT_NEAR(probs[r], Relevance(*e, item, s.user.data()) * exam[r], 1e-6) << r;
  }
  // Clicks on slots 3 and 7: both topics enter clicked_topics, none clicked_step
  // (docs/environments.md quirk Q5); the short-term topic is the last clicked item's.
  std::vector<uint8_t> clicks(kSlate, 0);
  clicks[3] = clicks[7] = 1;
  EXPECT_TRUE(dynamics.ApplyResetClicks(&s, clicks.data()));
  EXPECT_EQ(Contents(s.clicked_topics), std::vector<int32_t>({3, 7}));
  EXPECT_TRUE(s.clicked_step.empty());
  EXPECT_EQ(s.short_term_topic, 7);
  // No click: false, and the caller's extra draw decides (one integer in [0, K)).
  TopicsUserState quiet = MakeState(dynamics);
  std::vector<uint8_t> none(kSlate, 0);
  EXPECT_FALSE(dynamics.ApplyResetClicks(&quiet, none.data()));
  Rng a(5), b(5);
  dynamics.DrawShortTermTopic(a, &quiet);
  EXPECT_EQ(quiet.short_term_topic, static_cast<int32_t>(b.UniformInt(kTopics)));
  EXPECT_EQ(a.NextU64(), b.NextU64());  // exactly one draw
}

TEST(TopicsTest, ResetClicksMisalignTheRecentClickDeques) {
  // docs/environments.md quirk Q5: the reset topics sit in clicked_topics without step entries, so
  // the window pop removes the oldest *topic* entries (the reset ones first) in lock-step with the
  // step entries.
  auto e = Focused();
  Driver driver(Config(), e);
  const TopicsDynamics& dynamics = driver.dynamics;
  TopicsUserState s = MakeState(dynamics);
  std::vector<uint8_t> reset_clicks(kSlate, 0);
  reset_clicks[0] = reset_clicks[1] = 1;  // topics 0 and 1
  ASSERT_TRUE(dynamics.ApplyResetClicks(&s, reset_clicks.data()));
  const std::vector<int32_t> slate = ItemsOfTopic(*e, 5, kSlate);
  std::vector<uint8_t> one_click(kSlate, 0);
  one_click[0] = 1;
  const std::vector<uint8_t> no_click(kSlate, 0);
  driver.Step(&s, slate, one_click);  // t = 1: a topic-5 click
  EXPECT_EQ(Contents(s.clicked_topics), std::vector<int32_t>({0, 1, 5}));
  EXPECT_EQ(Contents(s.clicked_step), std::vector<int32_t>({1}));
  for (int t = 2; t <= 6; ++t) driver.Step(&s, slate, no_click);
  EXPECT_EQ(Contents(s.clicked_topics), std::vector<int32_t>({0, 1, 5}));  // 1 >= 6 − 5: kept
  driver.Step(&s, slate, no_click);  // t = 7: step 1 < 7 − 5 → pop the oldest of both
  EXPECT_EQ(Contents(s.clicked_topics), std::vector<int32_t>({1, 5}));  // a reset topic went
  EXPECT_TRUE(s.clicked_step.empty());
  driver.Step(&s, slate, no_click);  // nothing left to pop by step
  EXPECT_EQ(Contents(s.clicked_topics), std::vector<int32_t>({1, 5}));
}

TEST(TopicsTest, DequesKeepTheTenMostRecentClicksEach) {
  auto e = Focused();
  Driver driver(Config(), e);
  TopicsUserState s = MakeState(driver.dynamics);
  const std::vector<int32_t> slate = ItemsOfTopic(*e, 4, kSlate);
  driver.Step(&s, slate, std::vector<uint8_t>(kSlate, 1));  // 10 clicks at t = 1
  std::vector<uint8_t> two(kSlate, 0);
  two[0] = two[9] = 1;
  driver.Step(&s, slate, two);  // 2 more at t = 2: the oldest two drop out
  EXPECT_EQ(s.clicked_topics.size(), 10);
  EXPECT_EQ(Contents(s.clicked_step), std::vector<int32_t>({1, 1, 1, 1, 1, 1, 1, 1, 2, 2}));
}

// ---- boredom (docs/environments.md §6.8 steps 2–4) ----------------------------------------------

TEST(TopicsTest, BoredTopicStaysBoredForFiveStepsAndIsMaskedOut) {
  auto e = Focused();
  TopicsConfig config = Config();
  config.short_term_boost = 2.0;
  Driver driver(config, e);
  TopicsUserState s = MakeState(driver.dynamics);
  s.short_term_topic = 6;
  const std::vector<int32_t> topic3 = ItemsOfTopic(*e, 3, kSlate);
  std::vector<uint8_t> five(kSlate, 0);
  for (int r = 0; r < 5; ++r) five[static_cast<size_t>(r)] = 1;
  driver.Step(&s, topic3, five);                         // t = 1: five topic-3 clicks
  EXPECT_EQ(s.bored, std::vector<uint8_t>(kTopics, 0));  // boredom shows at the next step
  const std::vector<uint8_t> none(kSlate, 0);
  std::vector<int> bored_at;
  for (int t = 2; t <= 9; ++t) {
    driver.dynamics.BeginStep(&s, topic3.data(), driver.buffers());
    if (s.bored[3]) bored_at.push_back(t);
    for (int k = 0; k < kTopics; ++k) {
      const float factor = s.bored[static_cast<size_t>(k)] ? 0.0f : (k == 6 ? 2.0f : 1.0f);
      EXPECT_EQ(driver.effective_user[2 * k], s.user[2 * k] * factor) << "t " << t << " k " << k;
      EXPECT_EQ(driver.effective_user[2 * k + 1], s.user[2 * k + 1] * factor);
    }
    driver.dynamics.FinishStep(&s, driver.served.data(), none.data());
  }
  // Bored at step 2 (timer 5) through step 6 (timer 1). At step 7 the timer reaches 0 and
  // releases it, but the five clicks of step 1 are still in the window (they are popped only at
  // the end of step 7, as 1 < 7 − 5), so the count bores it again with a fresh timer: 7…11.
  EXPECT_EQ(bored_at, std::vector<int>({2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(s.clicked_topics.size(), 0);  // popped at the end of step 7
}

TEST(TopicsTest, BoredomTimerFollowsTheDecayRule) {
  // docs/environments.md §6.8 steps 2–3 on their own: a topic bored at step t is bored for t…t+4 and released
  // at t+5 unless the count re-triggers it then; re-triggering while bored does not extend it.
  auto e = Focused();
  const TopicsDynamics dynamics(Config(), e);
  TopicsRecentDeque clicks;
  clicks.Init(10);
  std::vector<uint8_t> bored(kTopics, 0);
  std::vector<int32_t> timeout(kTopics, 5), counts(kTopics, 0);
  for (int i = 0; i < 5; ++i) clicks.PushBack(2);
  std::vector<int32_t> timers;
  for (int step = 0; step < 6; ++step) {
    dynamics.AdvanceBoredom(clicks, bored.data(), timeout.data(), counts.data());
    timers.push_back(bored[2] ? timeout[2] : 0);
    EXPECT_EQ(counts, std::vector<int32_t>(kTopics, 0));  // scratch left at zero
  }
  // Bored with timer 5, re-triggered every step (the count stays 5) but never extended: 5 4 3 2 1,
  // then released at 0 and re-triggered in the same call with a fresh timer.
  EXPECT_EQ(timers, std::vector<int32_t>({5, 4, 3, 2, 1, 5}));
  clicks.Clear();
  for (int step = 0; step < 4; ++step)
    dynamics.AdvanceBoredom(clicks, bored.data(), timeout.data(), counts.data());
  EXPECT_EQ(bored[2], 1);  // timer 5 → 1
  dynamics.AdvanceBoredom(clicks, bored.data(), timeout.data(), counts.data());
  EXPECT_EQ(bored[2], 0);  // released after 5 bored steps
  EXPECT_EQ(timeout[2], 5);
}

TEST(TopicsTest, ShortTermTopicSwitchUsesTheClickPosition) {
  // docs/environments.md quirk Q6: when the short-term topic is bored and something was clicked,
  // the new short-term topic is the topic of item id p (p = position of the last click), not of the
  // clicked item.
  auto e = Focused();
  Driver driver(Config(), e);
  TopicsUserState s = MakeState(driver.dynamics);
  s.short_term_topic = 8;
  for (int i = 0; i < 5; ++i) s.clicked_topics.PushBack(8);  // topic 8 becomes bored at once
  const std::vector<int32_t> slate = ItemsOfTopic(*e, 1, kSlate);
  std::vector<uint8_t> clicks(kSlate, 0);
  clicks[2] = clicks[6] = 1;
  driver.Step(&s, slate, clicks);
  ASSERT_EQ(s.bored[8], 1);
  EXPECT_EQ(s.short_term_topic, e->topic(6));
  EXPECT_NE(e->topic(6), 1);  // the clicked items' topic would have been 1
  // Not bored: no switch.
  TopicsUserState t = MakeState(driver.dynamics);
  t.short_term_topic = 8;
  driver.Step(&t, slate, clicks);
  EXPECT_EQ(t.short_term_topic, 8);
}

// ---- clicks (docs/environments.md §6.3, §6.6) ---------------------------------------------------

TEST(TopicsTest, ExaminationFollowsTheCodesPbmForms) {
  auto e = Focused();
  const std::vector<double> td = {1, .85, .7225, .6141, .5220, .4437, .3771, .3206, .2725, .2316};
  const std::vector<double> mix = {.6158, .5612, .5215, .4956, .4829,
                                   .4829, .4956, .5215, .5612, .6158};
  const TopicsDynamics top_down(Config(TopicsVariant::kTopDown), e);
  const TopicsDynamics mixed(Config(TopicsVariant::kMixed), e);
  const TopicsDynamics div_pen(Config(TopicsVariant::kDivPen), e);
  for (int r = 0; r < kSlate; ++r) {
    EXPECT_NEAR(top_down.examination()[static_cast<size_t>(r)], td[static_cast<size_t>(r)], 1e-4);
    EXPECT_NEAR(mixed.examination()[static_cast<size_t>(r)], mix[static_cast<size_t>(r)], 1e-4);
    EXPECT_EQ(div_pen.examination()[static_cast<size_t>(r)],
              mixed.examination()[static_cast<size_t>(r)]);
    EXPECT_EQ(mixed.examination()[static_cast<size_t>(r)],
              mixed.examination()[static_cast<size_t>(kSlate - 1 - r)]);
  }
  // E_1 = 1 under TopDown (not 0.85, docs/environments.md quirk Q14).
  EXPECT_EQ(top_down.examination()[0], 1.0f);
}

TEST(TopicsTest, DiversityPenaltyAppliesFromFourItemsOfOneTopic) {
  auto e = Focused();
  Driver driver(Config(TopicsVariant::kDivPen), e);
  const TopicsDynamics& dynamics = driver.dynamics;
  // Slates with 3 and with 4 items of topic 2; the rest one item per other topic.
  for (int same : {3, 4}) {
    std::vector<int32_t> slate = ItemsOfTopic(*e, 2, same);
    for (int k = 3; static_cast<int>(slate.size()) < kSlate; ++k)
      slate.push_back(ItemsOfTopic(*e, k, 1)[0]);
    TopicsUserState s = MakeState(dynamics);
    dynamics.BeginStep(&s, slate.data(), driver.buffers());
    const float penalty = same >= 4 ? 3.0f : 1.0f;  // docs/environments.md quirk Q7: >= 4, not > 4
    for (int r = 0; r < kSlate; ++r) {
      const float expected = Relevance(*e, slate[static_cast<size_t>(r)], s.user.data()) / penalty *
                             dynamics.examination()[static_cast<size_t>(r)];
      EXPECT_NEAR(driver.click_prob[static_cast<size_t>(r)], expected, 1e-6) << same << " " << r;
    }
  }
}

TEST(TopicsTest, ClickFrequenciesMatchTheClickProbabilities) {
  // A fixed state and slate, many fresh click draws: per-rank frequencies within 4.5 sigma.
  auto e = Focused();
  const TopicsDynamics dynamics(Config(TopicsVariant::kMixed), e);
  std::vector<float> probs = {0.9f, 0.5f, 0.25f, 0.1f, 0.0f, 1.0f, 0.6f, 0.33f, 0.05f, 0.75f};
  Rng rng(3);
  std::vector<uint8_t> clicks(kSlate);
  std::vector<int> counts(kSlate, 0);
  const int draws = 20000;
  for (int n = 0; n < draws; ++n) {
    dynamics.SampleClicks(rng, probs.data(), clicks.data());
    for (int r = 0; r < kSlate; ++r)
      counts[static_cast<size_t>(r)] += clicks[static_cast<size_t>(r)];
  }
  for (int r = 0; r < kSlate; ++r) {
    const double p = probs[static_cast<size_t>(r)];
    const double sd = std::sqrt(p * (1 - p) / draws);
    EXPECT_NEAR(counts[static_cast<size_t>(r)] / static_cast<double>(draws), p, 4.5 * sd + 1e-12);
  }
}

// ---- oracle sentinel (docs/environments.md §6.8 step 5, decision E3) ----------------------------

TEST(TopicsTest, OracleSentinelServesTheTopItemsOfTheEffectiveUser) {
  auto e = Focused();
  Driver driver(Config(), e);
  TopicsUserState s = MakeState(driver.dynamics);
  for (int k = 0; k < kTopics; ++k) {  // an uneven user, topic 4 bored next step
    s.user[2 * k] = 0.02f * (k + 1);
    s.user[2 * k + 1] = 0.01f * (10 - k);
  }
  for (int i = 0; i < 5; ++i) s.clicked_topics.PushBack(4);
  std::vector<int32_t> all(kSlate, kOracleSentinel);
  driver.dynamics.BeginStep(&s, all.data(), driver.buffers());
  ASSERT_EQ(s.bored[4], 1);
  const std::vector<int32_t> top = TopItems(*e, driver.effective_user.data(), kSlate);
  EXPECT_EQ(driver.served, top);
  for (int32_t item : driver.served) EXPECT_NE(e->topic(item), 4);
  // The scores of all items come back in the scratch, bit-identical to Score().
  for (int32_t j = 0; j < kItems; ++j)
    ASSERT_EQ(driver.oracle_scores[static_cast<size_t>(j)],
              e->Score(j, driver.effective_user.data()));

  // Mixed slate: −1 at position r becomes top[r]; other positions are served as given (duplicates
  // possible).
  TopicsUserState s2 = MakeState(driver.dynamics);
  s2.user = s.user;
  std::vector<int32_t> mixed = {top[0], kOracleSentinel, 7, kOracleSentinel, 8, 9, 10, 11,
                                12,     kOracleSentinel};
  for (int i = 0; i < 5; ++i) s2.clicked_topics.PushBack(4);
  driver.dynamics.BeginStep(&s2, mixed.data(), driver.buffers());
  EXPECT_EQ(driver.served,
            std::vector<int32_t>({top[0], top[1], 7, top[3], 8, 9, 10, 11, 12, top[9]}));
}

TEST(TopicsTest, ValidateSlatesAcceptsTheSentinelOnlyWhereTheSpecSaysSo) {
  auto env = MakeEnv(Config(), 1);
  SlateBatch slates;
  slates.Allocate(env->spec());
  std::fill(slates.items.begin(), slates.items.end(), kOracleSentinel);
  EXPECT_TRUE(ValidateSlates(env->spec(), slates).ok());
  slates.items[3] = -2;
  EXPECT_FALSE(ValidateSlates(env->spec(), slates).ok());
  slates.items[3] = kItems;
  EXPECT_FALSE(ValidateSlates(env->spec(), slates).ok());
  slates.items[3] = kItems - 1;
  EXPECT_TRUE(ValidateSlates(env->spec(), slates).ok());
  EnvSpec other = env->spec();
  other.name = "lts";
  other.oracle_sentinel = false;
  const Status rejected = ValidateSlates(other, slates);
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.message().find("oracle"), std::string::npos) << rejected.message();
  EXPECT_NE(rejected.message().find("lts"), std::string::npos) << rejected.message();
}

// ---- drift and click_only_once ------------------------------------------------------------------

TEST(TopicsTest, ClicksPullTheUserTowardsTheClickedItemsInSlateOrder) {
  auto e = Focused();
  Driver driver(Config(), e);
  TopicsUserState s = MakeState(driver.dynamics);
  const std::vector<float> before = s.user;
  std::vector<int32_t> slate(kSlate);
  std::iota(slate.begin(), slate.end(), 40);
  std::vector<uint8_t> clicks(kSlate, 0);
  clicks[1] = clicks[4] = 1;
  driver.Step(&s, slate, clicks);
  std::vector<double> u(before.begin(), before.end());
  for (int r : {1, 4}) {
    double norm_sum = 0.0;
    for (int d = 0; d < kDim; ++d) u[d] = 0.9 * u[d] + 0.1 * e->row(slate[r])[d];
    for (int k = 0; k < kTopics; ++k) norm_sum += std::hypot(u[2 * k], u[2 * k + 1]);
    for (double& x : u) x /= norm_sum;
  }
  for (int d = 0; d < kDim; ++d) EXPECT_NEAR(s.user[d], u[d], 1e-6) << d;
  EXPECT_NEAR(BlockNormSum(s.user.data()), 1.0, 1e-6);
  // No click: u unchanged.
  const std::vector<float> after = s.user;
  driver.Step(&s, slate, std::vector<uint8_t>(kSlate, 0));
  EXPECT_EQ(s.user, after);
}

TEST(TopicsTest, ClickOnlyOnceZeroesClickedItems) {
  auto e = Focused();
  TopicsConfig config = Config();
  config.click_only_once = true;
  Driver driver(config, e);
  TopicsUserState s = MakeState(driver.dynamics);
  std::vector<int32_t> all(kSlate, kOracleSentinel);
  driver.dynamics.BeginStep(&s, all.data(), driver.buffers());
  const std::vector<int32_t> first = driver.served;
  std::vector<uint8_t> clicks(kSlate, 0);
  clicks[0] = 1;
  driver.dynamics.FinishStep(&s, driver.served.data(), clicks.data());
  EXPECT_EQ(s.clicked_items[static_cast<size_t>(first[0])], 1);
  // The oracle no longer serves it (its score is 0), and a slate holding it gives it relevance 0.
  driver.dynamics.BeginStep(&s, all.data(), driver.buffers());
  EXPECT_EQ(std::count(driver.served.begin(), driver.served.end(), first[0]), 0);
  EXPECT_EQ(driver.oracle_scores[static_cast<size_t>(first[0])], 0.0f);
  std::vector<int32_t> again(kSlate, first[0]);
  driver.dynamics.BeginStep(&s, again.data(), driver.buffers());
  for (float p : driver.click_prob) EXPECT_EQ(p, 0.0f);
}

// ---- random streams and determinism -------------------------------------------------------------

TEST(TopicsTest, FollowsTheSpecifiedRandomStream) {
  // Env i's stream is Rng(DeriveSeed(seed, {kSeedEnv, i, kSeedSimulatorStream, sim_seed})): the
  // user's 20 normals, 10 uniforms, the 10 reset click uniforms (+1 integer without a reset click),
  // then 10 click uniforms per step. Re-derive env 2's first user and reset from that stream.
  const TopicsConfig config = Config();
  auto env = MakeEnv(config, 3);
  Buffers b(env->spec());
  const uint64_t seed = 99;
  env->reset(seed, &b.obs);
  Rng rng(DeriveSeed(seed,
                     {kSeedEnv, 2, kSeedSimulatorStream, static_cast<uint64_t>(config.sim_seed)}));
  std::vector<float> u(kDim);
  for (float& x : u)
    x = std::fabs(std::clamp(0.4f * static_cast<float>(rng.Normal()), -1.0f, 1.0f));
  std::vector<float> v(kTopics);
  float sum = 0.0f;
  for (float& x : v) {
    const float w = rng.UniformFloat();
    x = w * w * w;
    sum += x;
  }
  for (int k = 0; k < kTopics; ++k)
    for (int d = 0; d < 2; ++d) u[2 * k + d] *= v[k] / sum;
  float norms = 0.0f;
  for (int k = 0; k < kTopics; ++k)
    norms += std::sqrt(u[2 * k] * u[2 * k] + u[2 * k + 1] * u[2 * k + 1]);
  for (float& x : u) x /= norms;
  EXPECT_EQ(env->state(2).user, u);
  bool any = false;
  for (int r = 0; r < kSlate; ++r) {
    const int32_t item = env->dynamics().initial_slate()[static_cast<size_t>(r)];
    const float p =
        Relevance(env->embeddings(), item, u.data()) * env->examination()[static_cast<size_t>(r)];
    const bool click = rng.Uniform() < p;
    any = any || click;
    EXPECT_EQ(b.obs.last_responses[(2 * kSlate + r) * 2], click ? 1.0f : 0.0f) << r;
  }
  if (!any) {
    EXPECT_EQ(env->state(2).short_term_topic, static_cast<int32_t>(rng.UniformInt(kTopics)));
  }
}

// Everything the observation and rewards carry over `steps` steps of `policy`.
std::vector<std::vector<float>> Rollout(TopicsVecEnv& env, const std::string& policy_name,
                                        uint64_t seed, int steps) {
  Buffers b(env.spec());
  auto policy = MakePolicy(policy_name, env.spec());
  Rng rng(7);
  env.reset(seed, &b.obs);
  std::vector<std::vector<float>> records;
  records.emplace_back(b.obs.last_responses);
  const ObsBatch* obs = &b.obs;
  for (int t = 0; t < steps; ++t) {
    policy->act(*obs, rng, &b.slates);
    env.step(b.slates, &b.out);
    obs = &b.out.obs;
    std::vector<float> r = b.out.rewards;
    r.insert(r.end(), b.out.obs.last_slate.begin(), b.out.obs.last_slate.end());
    r.insert(r.end(), b.out.obs.last_responses.begin(), b.out.obs.last_responses.end());
    records.push_back(std::move(r));
  }
  return records;
}

TEST(TopicsTest, SameSeedGivesIdenticalTrajectories) {
  auto a = MakeEnv(Config(), 4);
  auto b = MakeEnv(Config(), 4);
  EXPECT_EQ(Rollout(*a, "random", 123, 250), Rollout(*b, "random", 123, 250));
  EXPECT_EQ(Rollout(*a, "oracle", 5, 250), Rollout(*a, "oracle", 5, 250));
}

TEST(TopicsTest, DifferentSeedOrSimSeedGivesDifferentTrajectories) {
  auto env = MakeEnv(Config(), 4);
  const auto x = Rollout(*env, "oracle", 123, 50);
  const auto y = Rollout(*env, "oracle", 124, 50);
  EXPECT_NE(x, y);
  TopicsConfig other = Config();
  other.sim_seed = 2846520847;
  auto env2 = MakeEnv(other, 4);
  EXPECT_NE(Rollout(*env2, "oracle", 123, 50), x);
}

TEST(TopicsTest, PoliciesMeetTheSameUsersAndResetOutcomes) {
  // Common random numbers (docs/environments.md; the reference rows .../reset_clicks of
  // data/reference/reference.csv): every step draws 10 uniforms whatever the slate, so the reset
  // observations of all episodes agree between policies.
  TopicsConfig config = Config();
  config.episode_length = 10;
  auto env = MakeEnv(config, 3);
  auto resets = [&env](const std::string& name) {
    Buffers b(env->spec());
    auto policy = MakePolicy(name, env->spec());
    Rng rng(1);
    env->reset(42, &b.obs);
    std::vector<float> out = b.obs.last_responses;
    const ObsBatch* obs = &b.obs;
    for (int t = 1; t <= 50; ++t) {
      policy->act(*obs, rng, &b.slates);
      env->step(b.slates, &b.out);
      obs = &b.out.obs;
      if (t % 10 == 0) {
        out.insert(out.end(), b.out.obs.last_responses.begin(), b.out.obs.last_responses.end());
        for (int i = 0; i < 3; ++i)
          out.insert(out.end(), env->state(i).user.begin(), env->state(i).user.end());
      }
    }
    return out;
  };
  const auto random = resets("random");
  EXPECT_EQ(resets("oracle"), random);
  EXPECT_EQ(resets("random_md"), random);
}

TEST(TopicsTest, EnvIndexNotBatchSizeDecidesTheStream) {
  auto one = MakeEnv(Config(), 1);
  auto five = MakeEnv(Config(), 5);
  Buffers b1(one->spec()), b5(five->spec());
  one->reset(77, &b1.obs);
  five->reset(77, &b5.obs);
  std::fill(b1.slates.items.begin(), b1.slates.items.end(), kOracleSentinel);
  std::fill(b5.slates.items.begin(), b5.slates.items.end(), kOracleSentinel);
  bool differ = false;
  for (int t = 0; t < 150; ++t) {
    one->step(b1.slates, &b1.out);
    five->step(b5.slates, &b5.out);
    ASSERT_TRUE(
        std::equal(b1.out.responses.begin(), b1.out.responses.end(), b5.out.responses.begin()));
    ASSERT_EQ(one->state(0).user, five->state(0).user);
    differ = differ || five->state(0).user != five->state(1).user;
  }
  EXPECT_TRUE(differ);
}

TEST(TopicsTest, UsersHaveNonNegativeEntriesAndUnitBlockNormSum) {
  auto env = MakeEnv(Config(), 64);
  Buffers b(env->spec());
  for (uint64_t seed = 0; seed < 10; ++seed) {
    env->reset(seed, &b.obs);
    for (int i = 0; i < 64; ++i) {
      for (float x : env->state(i).user) EXPECT_GE(x, 0.0f);
      EXPECT_NEAR(BlockNormSum(env->state(i).user.data()), 1.0, 1e-6);
      EXPECT_EQ(env->state(i).t, 0);
    }
  }
}

// ---- privileged accessors (docs/environments.md §8.3) -------------------------------------------

TEST(TopicsTest, PrivilegedAccessorsDescribeTheLatestStepAndTheNext) {
  auto env = MakeEnv(Config(), 2);
  Buffers b(env->spec());
  env->reset(8, &b.obs);
  EXPECT_EQ(env->max_score(), 1.0000001f);
  EXPECT_EQ(env->examination().size(), static_cast<size_t>(kSlate));
  std::fill(b.slates.items.begin(), b.slates.items.end(), kOracleSentinel);
  std::vector<float> preview(kDim), stale(kDim);
  int bored_steps = 0;
  for (int t = 0; t < 300; ++t) {
    env->EffectiveUser(1, /*preview=*/true, preview.data());
    env->EffectiveUser(1, /*preview=*/false, stale.data());
    const bool ends = env->state(1).t + 1 == kHorizon;
    env->step(b.slates, &b.out);
    // The preview is exactly the ũ the step then used; served slate = top-10 of it.
    EXPECT_EQ(std::vector<float>(env->step_effective_user(1), env->step_effective_user(1) + kDim),
              preview);
    EXPECT_EQ(std::vector<int32_t>(env->served_slate(1), env->served_slate(1) + kSlate),
              TopItems(env->embeddings(), preview.data(), kSlate));
    if (!ends) {
      EXPECT_EQ(std::vector<float>(env->post_step_user(1), env->post_step_user(1) + kDim),
                env->state(1).user);
      EXPECT_EQ(std::vector<uint8_t>(env->bored(1), env->bored(1) + kTopics), env->state(1).bored);
    }
    bool bored = false;
    for (int k = 0; k < kTopics; ++k) bored = bored || env->bored(1)[k];
    bored_steps += bored;
    for (int r = 0; r < kSlate; ++r)
      EXPECT_EQ(
          env->step_scores(1)[r],
          env->embeddings().Score(env->served_slate(1)[r], preview.data()) / env->max_score());
  }
  // The oracle bores the user often (its trace, tests/data/topicrec_focused_topdown_oracle.jsonl,
  // is bored in 163 of 200 steps).
  EXPECT_GT(bored_steps, 50);
}

// ---- baselines (docs/environments.md §7) --------------------------------------------------------

TEST(TopicsTest, RandomBaselineServesTenDistinctUniformItems) {
  // `random` = the first 10 of a random permutation of the 1000 items; `random_md` = 10 i.i.d.
  auto env = MakeEnv(Config(), 4);
  auto random = MakePolicy("random", env->spec());
  auto random_md = MakePolicy("random_md", env->spec());
  Buffers b(env->spec());
  env->reset(3, &b.obs);
  Rng rng(9);
  std::vector<int64_t> counts(kItems, 0);
  int64_t duplicates_md = 0;
  const int rounds = 5000;
  for (int n = 0; n < rounds; ++n) {
    random->act(b.obs, rng, &b.slates);
    for (int i = 0; i < 4; ++i) {
      std::vector<int32_t> slate(b.slates.items.begin() + i * kSlate,
                                 b.slates.items.begin() + (i + 1) * kSlate);
      for (int32_t item : slate) {
        ASSERT_GE(item, 0);
        ASSERT_LT(item, kItems);
        ++counts[static_cast<size_t>(item)];
      }
      std::sort(slate.begin(), slate.end());
      EXPECT_EQ(std::adjacent_find(slate.begin(), slate.end()), slate.end());
    }
    random_md->act(b.obs, rng, &b.slates);
    for (int i = 0; i < 4; ++i) {
      std::vector<int32_t> slate(b.slates.items.begin() + i * kSlate,
                                 b.slates.items.begin() + (i + 1) * kSlate);
      std::sort(slate.begin(), slate.end());
      duplicates_md += std::adjacent_find(slate.begin(), slate.end()) != slate.end();
    }
  }
  // Uniform over items: Pearson χ² with 999 df, p > 0.001.
  const std::vector<double> uniform(kItems, 1.0 / kItems);
  const int64_t total = static_cast<int64_t>(rounds) * 4 * kSlate;
  const double chi2 = testing_envs::PearsonChiSquare(counts.data(), uniform.data(), kItems, total);
  EXPECT_GT(testing_envs::ChiSquareSurvival(chi2, kItems - 1), 0.001) << chi2;
  // i.i.d. slots repeat an item in 1 − Π(1 − j/1000) ≈ 4.4 % of slates.
  EXPECT_GT(duplicates_md, 0);
}

// ---- allocation ---------------------------------------------------------------------------------

TEST(TopicsTest, ResetStepAndBaselinesAllocateNothing) {
  TopicsConfig config = Config(TopicsVariant::kDivPen);
  config.episode_length = 13;
  config.click_only_once = true;
  auto env = MakeEnv(config, /*num_envs=*/8);
  const EnvSpec& spec = env->spec();
  std::vector<std::unique_ptr<Policy>> policies;
  for (const char* name : {"random", "random_md", "oracle"})
    policies.push_back(MakePolicy(name, spec));
  std::vector<float> u(kDim);
  const std::function<void(int)> preview = [&](int t) { env->EffectiveUser(t % 8, /*preview=*/true, u.data()); };
  const AllocationRun run = CountAllocationsWhilePlaying(*env, policies, /*rounds=*/12, /*steps_per_round=*/60, preview);
  EXPECT_EQ(run.allocations, 0);
  EXPECT_GT(run.terminated, 0);
}

// ---- configuration ------------------------------------------------------------------------------

TEST(TopicsTest, DefaultsAreThePaperValues) {
  auto config = TopicsConfig::FromParams(Params());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->variant, TopicsVariant::kTopDown);
  EXPECT_EQ(config->embeddings, TopicsEmbeddingsKind::kFocused);
  EXPECT_EQ(config->num_items, 1000);
  EXPECT_EQ(config->rec_size, 10);
  EXPECT_EQ(config->episode_length, 100);
  EXPECT_EQ(config->num_topics, 10);
  EXPECT_EQ(config->topic_size, 2);
  EXPECT_EQ(config->env_offset, 0.28);
  EXPECT_EQ(config->env_slope, 100.0);
  EXPECT_EQ(config->env_omega, 0.9);
  EXPECT_EQ(config->boredom_threshold, 5);
  EXPECT_EQ(config->recent_items_maxlen, 10);
  EXPECT_EQ(config->boredom_moving_window, 5);
  EXPECT_EQ(config->short_term_boost, 1.0);
  EXPECT_EQ(config->diversity_threshold, 4);
  EXPECT_EQ(config->diversity_penalty, 1.0);
  EXPECT_EQ(config->env_alpha, 1.0);
  EXPECT_FALSE(config->click_only_once);
  EXPECT_EQ(config->click_model, TopicsClickModel::kTdPbm);
  EXPECT_EQ(config->sim_seed, 24321357327);
  EXPECT_EQ(config->data_dir, "");
  const Schema schema = TopicsConfig::GetSchema();
  for (const KeySpec& key : schema.keys()) EXPECT_FALSE(key.doc.empty()) << key.name;
  for (const char* key : {"variant",           "embeddings",          "data_dir",
                          "sim_seed",          "num_items",           "rec_size",
                          "episode_length",    "num_topics",          "topic_size",
                          "env_offset",        "env_slope",           "env_omega",
                          "boredom_threshold", "recent_items_maxlen", "boredom_moving_window",
                          "short_term_boost",  "diversity_threshold", "diversity_penalty",
                          "env_alpha",         "click_only_once",     "click_model"})
    EXPECT_NE(schema.Find(key), nullptr) << key;
}

TEST(TopicsTest, VariantSetsClickModelAndPenaltyUnlessGiven) {
  const struct {
    const char* variant;
    TopicsClickModel model;
    double penalty;
  } cases[] = {{"TopDown", TopicsClickModel::kTdPbm, 1.0},
               {"Mixed", TopicsClickModel::kMixPbm, 1.0},
               {"DivPen", TopicsClickModel::kMixPbm, 3.0}};
  for (const auto& c : cases) {
    auto config = TopicsConfig::FromParams(MakeParams({{"variant", TextValue(c.variant)}}));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->click_model, c.model) << c.variant;
    EXPECT_EQ(config->diversity_penalty, c.penalty) << c.variant;
    // The schema defaults written out (as a resolved config.yaml does) change nothing.
    auto resolved = TopicsConfig::FromParams(MakeParams({{"variant", TextValue(c.variant)},
                                                         {"click_model", TextValue("auto")},
                                                         {"diversity_penalty", DoubleValue(0.0)}}));
    ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
    EXPECT_EQ(resolved->click_model, c.model);
    EXPECT_EQ(resolved->diversity_penalty, c.penalty);
  }
  auto given = TopicsConfig::FromParams(MakeParams({{"variant", TextValue("DivPen")},
                                                    {"click_model", TextValue("tdPBM")},
                                                    {"diversity_penalty", IntValue(2)},
                                                    {"embeddings", TextValue("diffuse")},
                                                    {"env_slope", IntValue(20)},
                                                    {"click_only_once", BoolValue(true)}}));
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(given->click_model, TopicsClickModel::kTdPbm);
  EXPECT_EQ(given->diversity_penalty, 2.0);
  EXPECT_EQ(given->embeddings, TopicsEmbeddingsKind::kDiffuse);
  EXPECT_EQ(given->env_slope, 20.0);
  EXPECT_TRUE(given->click_only_once);
}

TEST(TopicsTest, BadEnvConfigValuesNameTheKey) {
  const std::vector<std::pair<std::map<std::string, ParamValue>, std::string>> cases = {
      {{{"rec_sise", IntValue(10)}}, "rec_sise"},  // unknown key
      {{{"variant", TextValue("BottomUp")}}, "variant"},
      {{{"click_model", TextValue("UBM")}}, "click_model"},
      {{{"rec_size", IntValue(11)}}, "rec_size"},     // > num_topics
      {{{"num_items", IntValue(500)}}, "num_items"},  // the file has 1000
      {{{"topic_size", IntValue(4)}}, "topic_size"},
      {{{"num_topics", IntValue(0)}}, "num_topics"},
      {{{"env_omega", DoubleValue(1.5)}}, "env_omega"},
      {{{"env_alpha", DoubleValue(2.0)}}, "env_alpha"},
      {{{"env_slope", DoubleValue(NAN)}}, "env_slope"},
      {{{"diversity_penalty", DoubleValue(-1.0)}}, "diversity_penalty"},
      {{{"boredom_threshold", IntValue(0)}}, "boredom_threshold"},
      {{{"recent_items_maxlen", DoubleValue(10.0)}}, "recent_items_maxlen"},  // wrong type
      {{{"click_only_once", IntValue(1)}}, "click_only_once"},
      {{{"sim_seed", IntValue(-1)}}, "sim_seed"},
  };
  for (const auto& [values, key] : cases) {
    auto config = TopicsConfig::FromParams(MakeParams(values));
    ASSERT_FALSE(config.ok()) << "expected an error naming " << key;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(key), std::string::npos) << config.status().message();
    EXPECT_NE(config.status().message().find("topics"), std::string::npos);
  }
  // Other shapes are fine with the generator.
  auto generated = TopicsConfig::FromParams(MakeParams({{"embeddings", TextValue("generated")},
                                                        {"num_items", IntValue(500)},
                                                        {"num_topics", IntValue(12)},
                                                        {"topic_size", IntValue(3)},
                                                        {"rec_size", IntValue(12)}}));
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  auto env = TopicsVecEnv::Create(*generated, 2);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ((*env)->spec().num_candidates, 500);
  EXPECT_EQ((*env)->spec().slate_size, 12);
}

TEST(TopicsTest, RegistryBuildsItByNameAndReportsMissingFiles) {
  ASSERT_NE(FindEnv("topics"), nullptr);
  auto env = CreateVecEnv("topics",
                          MakeParams({{"variant", TextValue("Mixed")},
                                      {"data_dir", TextValue(DataDir(), ValueType::kString)}}),
                          /*num_envs=*/3);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ((*env)->spec().name, "topics");
  EXPECT_EQ((*env)->spec().num_envs, 3);
  EXPECT_TRUE((*env)->spec().oracle_sentinel);
  auto missing = CreateVecEnv(
      "topics",
      MakeParams({{"embeddings", TextValue("diffuse")},
                  {"data_dir", TextValue("/nonexistent/slaterl-data", ValueType::kString)}}),
      1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("item_embeddings_diffuse.f32"), std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("/nonexistent/slaterl-data"), std::string::npos);
  auto unknown = CreateVecEnv("topics", MakeParams({{"slate_size", IntValue(10)}}), 1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("slate_size"), std::string::npos);
  EXPECT_FALSE(CreateVecEnv("topics", MakeParams({}), 0).ok());
}

TEST(TopicsTest, GeneratedEmbeddingsNeedNoDataFiles) {
  TopicsConfig config =
      TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kGenerated);
  config.data_dir = "/nonexistent/slaterl-data";
  config.embeddings_seed = 3;
  auto env = MakeEnv(config, 2);
  ASSERT_NE(env, nullptr);
  EXPECT_NEAR(env->max_score(), 1.0f, 5e-7);
  Buffers b(env->spec());
  env->reset(1, &b.obs);
  std::fill(b.slates.items.begin(), b.slates.items.end(), kOracleSentinel);
  for (int t = 0; t < kHorizon; ++t) env->step(b.slates, &b.out);
  EXPECT_EQ(b.out.terminated, std::vector<uint8_t>({1, 1}));
  EXPECT_GT(b.out.episode_return[0], 0.0);
}

}  // namespace
}  // namespace slaterl
