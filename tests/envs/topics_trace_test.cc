// Exact dynamics of `topics` against the reference traces of the Python original
// (tests/data/topicrec_focused_topdown_{random,oracle}.jsonl, format in docs/environments.md: focused
// TopDown, 2 episodes each). Every step is replayed from the state on the previous trace line with
// the recorded clicks forced, through the same TopicsDynamics::BeginStep / FinishStep that
// TopicsVecEnv::step runs: boredom bookkeeping, scores, oracle slates, both recent-click deques,
// the short-term topic and the user vector must all match.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "envs/topics.h"
#include "tests/envs/trace_json.h"

namespace slaterl {
namespace {

using testing_envs::Json;

// The traces allow the scores "bit for bit or within 1e-6" and the user vector within 1e-5 (an
// independent float32 re-implementation got 4e-8; docs/environments.md).
constexpr double kScoreTolerance = 1e-6;
constexpr double kUserTolerance = 1e-5;

std::shared_ptr<const TopicsEmbeddings> FocusedEmbeddings() {
  auto table = TopicsEmbeddings::LoadFile(
      std::string(SLATERL_SOURCE_DIR) + "/data/gems/item_embeddings_focused.f32", kGemsNumItems,
      kGemsNumTopics, kGemsTopicSize);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return std::make_shared<const TopicsEmbeddings>(std::move(table).value());
}

std::vector<int32_t> DequeContents(const TopicsRecentDeque& d) {
  std::vector<int32_t> out;
  for (int i = 0; i < d.size(); ++i) out.push_back(d.at(i));
  return out;
}

// The env state recorded on a trace line (after its reset or step).
TopicsUserState StateFromLine(const TopicsDynamics& dynamics, const Json& line) {
  TopicsUserState s;
  dynamics.InitState(&s);
  s.user = line["user_embedd"].As<float>();
  s.bored = line["bored"].As<uint8_t>();
  s.bored_timeout = line["bored_timeout"].As<int32_t>();
  for (int32_t topic : line["clicked_topics_deque"].As<int32_t>()) s.clicked_topics.PushBack(topic);
  for (int32_t step : line["clicked_step_deque"].As<int32_t>()) s.clicked_step.PushBack(step);
  s.short_term_topic = static_cast<int32_t>(line["short_term_topic"].number);
  s.t = static_cast<int32_t>(line["t"].number);
  return s;
}

struct ReplaySummary {
  int steps = 0;
  int oracle_steps = 0;
  int bored_steps = 0;
  int scores = 0;
  int scores_bit_exact = 0;
  double max_score_error = 0.0;
  double max_user_error = 0.0;
  double click_prob_sum = 0.0;
  double click_prob_var = 0.0;
  int clicks = 0;
};

void ReplayTrace(const std::string& file, ReplaySummary* summary) {
  SCOPED_TRACE(file);
  bool ok = false;
  const std::vector<Json> lines =
      testing_envs::ReadJsonLines(std::string(SLATERL_SOURCE_DIR) + "/tests/data/" + file, &ok);
  ASSERT_TRUE(ok) << "cannot read " << file;
  ASSERT_EQ(lines.size(), 202u);  // 2 × (1 reset + 100 steps)

  const TopicsConfig config =
      TopicsConfig::Paper(TopicsVariant::kTopDown, TopicsEmbeddingsKind::kFocused);
  const TopicsDynamics dynamics(config, FocusedEmbeddings());
  const TopicsEmbeddings& e = dynamics.embeddings();
  ASSERT_EQ(e.max_score(), 1.0000001f);
  const int k = config.rec_size;
  std::vector<float> effective_user(static_cast<size_t>(dynamics.dim()));
  std::vector<int32_t> served(static_cast<size_t>(k));
  std::vector<float> scores(static_cast<size_t>(k)), click_prob(static_cast<size_t>(k));
  std::vector<float> oracle_scores(static_cast<size_t>(e.padded_items()));
  const TopicsStepBuffers buffers{effective_user.data(), served.data(), scores.data(),
                                  click_prob.data(), oracle_scores.data()};

  int episodes = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    const Json& line = lines[n];
    SCOPED_TRACE("trace line " + std::to_string(n + 1));
    if (line["event"].string == "reset") {
      ++episodes;
      EXPECT_EQ(line["t"].number, 0.0);
      // docs/environments.md §6.7: the fixed initial slate, the reset clicks into clicked_topics
      // only (quirk Q5).
      EXPECT_EQ(line["slate"].As<int32_t>(), dynamics.initial_slate());
      const std::vector<uint8_t> clicks = line["clicks"].As<uint8_t>();
      ASSERT_EQ(clicks.size(), static_cast<size_t>(k));
      TopicsUserState s;
      dynamics.InitState(&s);
      const bool clicked = dynamics.ApplyResetClicks(&s, clicks.data());
      EXPECT_EQ(DequeContents(s.clicked_topics), line["clicked_topics_deque"].As<int32_t>());
      EXPECT_TRUE(line["clicked_step_deque"].array.empty());
      const int32_t short_term = static_cast<int32_t>(line["short_term_topic"].number);
      if (clicked) {
        EXPECT_EQ(s.short_term_topic, short_term);
      }
      EXPECT_GE(short_term, 0);
      EXPECT_LT(short_term, config.num_topics);
      EXPECT_EQ(line["bored"].As<int>(), std::vector<int>(10, 0));
      EXPECT_EQ(line["bored_timeout"].As<int>(), std::vector<int>(10, 5));
      // docs/environments.md §6.4: a fresh user has non-negative entries and topic-block norms summing to 1.
      const std::vector<float> u = line["user_embedd"].As<float>();
      ASSERT_EQ(u.size(), 20u);
      double norm_sum = 0.0;
      for (int b = 0; b < 10; ++b) norm_sum += std::hypot(u[2 * b], u[2 * b + 1]);
      EXPECT_NEAR(norm_sum, 1.0, 1e-6);
      for (float x : u) EXPECT_GE(x, 0.0f);
      continue;
    }

    ASSERT_GT(n, 0u);
    const Json& previous = lines[n - 1];
    TopicsUserState s = StateFromLine(dynamics, previous);
    const std::vector<int32_t> action = line["action"].As<int32_t>();
    ASSERT_EQ(action.size(), static_cast<size_t>(k));
    const bool oracle =
        std::all_of(action.begin(), action.end(), [](int32_t a) { return a == kOracleSentinel; });

    // Start of the step: boredom decay and onset, ũ, oracle slots, scores.
    dynamics.BeginStep(&s, action.data(), buffers);
    EXPECT_EQ(s.t, static_cast<int32_t>(line["t"].number));
    EXPECT_EQ(s.bored, line["bored_used"].As<uint8_t>());
    EXPECT_EQ(s.bored_timeout, line["bored_timeout"].As<int32_t>());
    EXPECT_EQ(served, line["slate"].As<int32_t>());
    std::vector<int32_t> topics;
    for (int32_t item : served) topics.push_back(e.topic(item));
    EXPECT_EQ(topics, line["slate_topics"].As<int32_t>());
    const std::vector<float> trace_scores = line["scores"].As<float>();
    ASSERT_EQ(trace_scores.size(), static_cast<size_t>(k));
    for (int r = 0; r < k; ++r) {
      const double error = std::fabs(static_cast<double>(scores[r]) - trace_scores[r]);
      EXPECT_LE(error, kScoreTolerance) << "rank " << r;
      summary->max_score_error = std::max(summary->max_score_error, error);
      summary->scores_bit_exact += scores[r] == trace_scores[r] ? 1 : 0;
      ++summary->scores;
    }
    if (oracle) {
      // The served slate is the top-10 of <E_j, ũ> over the whole catalogue, descending.
      std::vector<int32_t> order(static_cast<size_t>(e.num_items()));
      std::iota(order.begin(), order.end(), 0);
      std::vector<float> all(order.size());
      for (int32_t j : order) all[static_cast<size_t>(j)] = e.Score(j, effective_user.data());
      std::stable_sort(order.begin(), order.end(),
                       [&all](int32_t a, int32_t b) { return all[a] > all[b]; });
      EXPECT_EQ(served, std::vector<int32_t>(order.begin(), order.begin() + k));
      ++summary->oracle_steps;
    } else {
      EXPECT_EQ(served, action);
    }
    if (std::any_of(s.bored.begin(), s.bored.end(), [](uint8_t b) { return b != 0; }))
      ++summary->bored_steps;

    // The rest of the step with the recorded clicks forced.
    const std::vector<uint8_t> clicks = line["clicks"].As<uint8_t>();
    ASSERT_EQ(clicks.size(), static_cast<size_t>(k));
    for (int r = 0; r < k; ++r) {
      summary->click_prob_sum += click_prob[r];
      summary->click_prob_var += click_prob[r] * (1.0 - click_prob[r]);
      summary->clicks += clicks[r];
    }
    dynamics.FinishStep(&s, served.data(), clicks.data());
    EXPECT_EQ(DequeContents(s.clicked_topics), line["clicked_topics_deque"].As<int32_t>());
    EXPECT_EQ(DequeContents(s.clicked_step), line["clicked_step_deque"].As<int32_t>());
    EXPECT_EQ(s.short_term_topic, static_cast<int32_t>(line["short_term_topic"].number));
    EXPECT_EQ(s.bored, line["bored"].As<uint8_t>());  // the flags used = the flags after
    const std::vector<float> user = line["user_embedd"].As<float>();
    ASSERT_EQ(user.size(), s.user.size());
    for (size_t d = 0; d < user.size(); ++d) {
      const double error = std::fabs(static_cast<double>(s.user[d]) - user[d]);
      EXPECT_LE(error, kUserTolerance) << "dim " << d;
      summary->max_user_error = std::max(summary->max_user_error, error);
    }
    EXPECT_EQ(line["reward"].number,
              static_cast<double>(std::accumulate(clicks.begin(), clicks.end(), 0)));
    EXPECT_EQ(line["done"].boolean, dynamics.Done(s));
    ++summary->steps;
  }
  EXPECT_EQ(episodes, 2);
}

void PrintSummary(const char* name, const ReplaySummary& s) {
  std::printf(
      "[trace] %-6s steps %d (oracle %d, boredom active %d)  scores bit-exact %d/%d, "
      "max |score error| %.3g  max |user error| %.3g  clicks %d vs expected %.1f ± %.1f\n",
      name, s.steps, s.oracle_steps, s.bored_steps, s.scores_bit_exact, s.scores, s.max_score_error,
      s.max_user_error, s.clicks, s.click_prob_sum, std::sqrt(s.click_prob_var));
}

TEST(TopicsTraceTest, ReplaysRandomPolicyTraceWithForcedClicks) {
  ReplaySummary summary;
  ReplayTrace("topicrec_focused_topdown_random.jsonl", &summary);
  PrintSummary("random", summary);
  EXPECT_EQ(summary.steps, 200);
  EXPECT_EQ(summary.oracle_steps, 0);
  // The recorded clicks agree with our click probabilities (4-sigma band).
  EXPECT_NEAR(summary.clicks, summary.click_prob_sum, 4.0 * std::sqrt(summary.click_prob_var));
}

TEST(TopicsTraceTest, ReplaysOracleTraceWithForcedClicks) {
  ReplaySummary summary;
  ReplayTrace("topicrec_focused_topdown_oracle.jsonl", &summary);
  PrintSummary("oracle", summary);
  EXPECT_EQ(summary.steps, 200);
  EXPECT_EQ(summary.oracle_steps, 200);
  EXPECT_EQ(summary.bored_steps, 163);  // the oracle trace: boredom is active in 163 of 200 steps
  EXPECT_NEAR(summary.clicks, summary.click_prob_sum, 4.0 * std::sqrt(summary.click_prob_var));
}

}  // namespace
}  // namespace slaterl
