#include "core/wire.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/rng.h"

namespace slaterl {
namespace {

Fragment MakeFragment(int num_items, int item_size) {
  Fragment f;
  f.actor_id = 3;
  f.incarnation = 1;
  f.sequence = 42;
  f.policy_version = 7;
  f.item_size = item_size;
  f.num_items = num_items;
  f.env_steps = num_items;
  f.episodes = 2;
  for (int i = 0; i < num_items * item_size; ++i) f.data.push_back(0.5f * i);
  return f;
}

template <typename M>
Status RoundTrip(const M& in, M* out) {
  EncodedMessage e = Encode(in);
  return Decode(e.header.data(), e.header.size(), e.payload.data(), e.payload.size(), out);
}

TEST(WireTest, EveryMessageRoundTrips) {
  Fragment f = MakeFragment(/*num_items=*/5, /*item_size=*/3), f2;
  ASSERT_TRUE(RoundTrip(f, &f2).ok());
  EXPECT_EQ(f2.actor_id, 3);
  EXPECT_EQ(f2.sequence, 42u);
  EXPECT_EQ(f2.data, f.data);

  Weights w, w2;
  w.version = 9;
  w.timesteps_total = 1000;
  w.tensors.push_back({"theta", {2}, {1.0f, -2.0f}});
  ASSERT_TRUE(RoundTrip(w, &w2).ok());
  ASSERT_EQ(w2.tensors.size(), 1u);
  EXPECT_EQ(w2.tensors[0].name, "theta");
  EXPECT_EQ(w2.tensors[0].data, w.tensors[0].data);
  EXPECT_EQ(w2.timesteps_total, 1000);

  Stats s, s2;
  s.role = "actor";
  s.id = 2;
  s.scalars["env_steps"] = 100;
  s.lists["episode_return"] = {1.5, 2.5};
  ASSERT_TRUE(RoundTrip(s, &s2).ok());
  EXPECT_EQ(s2.scalars, s.scalars);
  EXPECT_EQ(s2.lists, s.lists);

  SampleBatch b, b2;
  b.request_id = 5;
  b.table = "transitions";
  b.num_items = 1;
  b.item_size = 2;
  b.keys = {11};
  b.probabilities = {0.25};
  b.data = {1, 2};
  ASSERT_TRUE(RoundTrip(b, &b2).ok());
  EXPECT_EQ(b2.keys, b.keys);
  EXPECT_EQ(b2.table, "transitions");

  Hello h, h2;
  h.role = "learner";
  h.config_hash = "abc";
  ASSERT_TRUE(RoundTrip(h, &h2).ok());
  EXPECT_EQ(h2.role, "learner");
  EXPECT_EQ(h2.config_hash, "abc");

  Shutdown d{"final_evaluation", /*final_weights_version=*/41}, d2;
  ASSERT_TRUE(RoundTrip(d, &d2).ok());
  EXPECT_EQ(d2.reason, "final_evaluation");
  EXPECT_EQ(d2.final_weights_version, 41);
}

TEST(WireTest, DecodeRejectsAMessageOfAnotherType) {
  EncodedMessage e = Encode(MakeFragment(2, 2));
  Weights w;
  Status s = Decode(e.header.data(), e.header.size(), e.payload.data(), e.payload.size(), &w);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(WireTest, DecodeRejectsBadMagicVersionAndLength) {
  EncodedMessage e = Encode(MakeFragment(2, 2));
  Fragment f;
  std::string bad = e.header;
  bad[0] = 'X';
  EXPECT_FALSE(Decode(bad.data(), bad.size(), e.payload.data(), e.payload.size(), &f).ok());
  bad = e.header;
  bad[4] = 99;  // protocol version
  EXPECT_FALSE(Decode(bad.data(), bad.size(), e.payload.data(), e.payload.size(), &f).ok());
  // Header announces more bytes than the frame has.
  EXPECT_FALSE(Decode(e.header.data(), e.header.size(), e.payload.data(), e.payload.size() - 1, &f).ok());
  EXPECT_FALSE(Decode(e.header.data(), 15, e.payload.data(), e.payload.size(), &f).ok());
}

TEST(WireTest, TruncatedOrPaddedPayloadIsDataLoss) {
  EncodedMessage e = Encode(MakeFragment(10, 4));
  for (size_t cut : {size_t{0}, size_t{1}, size_t{17}, e.payload.size() - 1}) {
    Fragment f;
    EXPECT_EQ(DecodePayload(e.payload.data(), cut, &f).code(), StatusCode::kDataLoss) << "cut " << cut;
  }
  std::string padded = e.payload + "xx";
  Fragment f;
  EXPECT_EQ(DecodePayload(padded.data(), padded.size(), &f).code(), StatusCode::kDataLoss);
}

TEST(WireTest, HugeArrayLengthIsRejectedWithoutAllocating) {
  Fragment f = MakeFragment(1, 1);
  std::string payload = EncodePayload(f);
  // The data array's u64 length sits 8 bytes before its single float at the end.
  const uint64_t huge = uint64_t(1) << 60;
  std::memcpy(&payload[payload.size() - 4 - 8], &huge, 8);
  Fragment out;
  EXPECT_EQ(DecodePayload(payload.data(), payload.size(), &out).code(), StatusCode::kDataLoss);
}

TEST(WireTest, RandomBytesNeverCrashTheDecoder) {
  Rng rng(/*seed=*/7);
  int accepted = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string bytes(rng.UniformInt(200), '\0');
    for (auto& c : bytes) c = static_cast<char>(rng.UniformInt(256));
    Fragment f;
    Stats s;
    Weights w;
    accepted += DecodePayload(bytes.data(), bytes.size(), &f).ok();
    accepted += DecodePayload(bytes.data(), bytes.size(), &s).ok();
    accepted += DecodePayload(bytes.data(), bytes.size(), &w).ok();
  }
  EXPECT_LT(accepted, 100);  // random bytes almost never form a complete message
}

}  // namespace
}  // namespace slaterl
