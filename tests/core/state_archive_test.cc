// Tests of core/state_archive: one visiting function saves and loads; loads check names, types
// and sizes and stop at the first mismatch; Rng states continue exactly.
#include "core/state_archive.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace slaterl {
namespace {

struct Component {
  int64_t counter = 0;
  double mean = 0.0;
  bool flag = false;
  std::string blob;
  std::vector<float> fixed = std::vector<float>(3, 0.0f);  // sized by construction
  std::vector<double> growing;                             // variable length
  std::map<std::string, double> named;
  Rng rng{1};
  std::vector<Rng> rngs = std::vector<Rng>(2);

  Status VisitState(StateArchive& archive) {
    archive.Field("counter", counter);
    archive.Field("mean", mean);
    archive.Field("flag", flag);
    archive.Field("blob", blob);
    {
      StateArchive::Scope scope(archive, "arrays");
      archive.Field("fixed", fixed);
      archive.Field("growing", growing);
    }
    archive.Field("named", named);
    archive.Field("rng", rng);
    archive.Field("rngs", rngs);
    return archive.status();
  }
};

Component MakeFilled() {
  Component c;
  c.counter = -42;
  c.mean = 0.1 + 0.2;
  c.flag = true;
  c.blob = std::string("a\0b", 3);
  c.fixed = {1.5f, -2.0f, 3.25f};
  c.growing = {1.0, 2.0, 3.0, 4.0};
  c.named = {{"x", 1.0}, {"learner/loss", -0.5}};
  c.rng = Rng(77);
  (void)c.rng.Normal();  // leaves a cached second normal behind
  c.rngs = {Rng(5), Rng(6)};
  (void)c.rngs[1].NextU64();
  return c;
}

TEST(StateArchiveTest, ARoundTripRestoresEveryFieldAndTheGeneratorsContinue) {
  Component saved = MakeFilled();
  StateArchive out = StateArchive::ForSaving();
  ASSERT_TRUE(saved.VisitState(out).ok());
  auto in = StateArchive::ForLoading(out.bytes());
  ASSERT_TRUE(in.ok());
  Component loaded;
  ASSERT_TRUE(loaded.VisitState(*in).ok()) << in->status().ToString();
  EXPECT_TRUE(in->CheckFullyRead().ok());
  EXPECT_EQ(loaded.counter, saved.counter);
  EXPECT_EQ(loaded.mean, saved.mean);
  EXPECT_EQ(loaded.flag, saved.flag);
  EXPECT_EQ(loaded.blob, saved.blob);
  EXPECT_EQ(loaded.fixed, saved.fixed);
  EXPECT_EQ(loaded.growing, saved.growing);
  EXPECT_EQ(loaded.named, saved.named);
  EXPECT_EQ(loaded.rng.Normal(), saved.rng.Normal()) << "the cached normal travels too";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(loaded.rng.NextU64(), saved.rng.NextU64());
  for (size_t r = 0; r < 2; ++r) EXPECT_EQ(loaded.rngs[r].NextU64(), saved.rngs[r].NextU64());
}

TEST(StateArchiveTest, ASizeMismatchIsDataLossNamingTheFieldAndStopsLoading) {
  Component saved = MakeFilled();
  StateArchive out = StateArchive::ForSaving();
  ASSERT_TRUE(saved.VisitState(out).ok());
  auto in = StateArchive::ForLoading(out.bytes());
  ASSERT_TRUE(in.ok());
  Component other;
  other.fixed.assign(5, 9.0f);  // "another configuration"
  const Status status = other.VisitState(*in);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("arrays/fixed"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("holds 3 values, this run has 5"), std::string::npos) << status.message();
  EXPECT_TRUE(other.growing.empty()) << "nothing after the mismatch is loaded";
  EXPECT_EQ(other.fixed, std::vector<float>(5, 9.0f));
}

TEST(StateArchiveTest, RenamedRetypedTruncatedAndForeignSnapshotsAreRejected) {
  StateArchive out = StateArchive::ForSaving();
  int64_t count = 3;
  out.Field("count", count);
  {
    auto in = StateArchive::ForLoading(out.bytes());
    int64_t value = 0;
    in->Field("other", value);
    EXPECT_NE(in->status().message().find("expected field 'other', found 'count'"), std::string::npos);
  }
  {
    auto in = StateArchive::ForLoading(out.bytes());
    double value = 0;
    in->Field("count", value);
    EXPECT_NE(in->status().message().find("is int64, expected float64"), std::string::npos) << in->status().message();
  }
  {
    auto in = StateArchive::ForLoading(out.bytes().substr(0, out.bytes().size() - 3));
    int64_t value = 0;
    in->Field("count", value);
    EXPECT_FALSE(in->status().ok());
    EXPECT_EQ(value, 0);
  }
  {
    auto in = StateArchive::ForLoading(out.bytes());
    EXPECT_FALSE(in->CheckFullyRead().ok()) << "unread fields are reported";
  }
  EXPECT_EQ(StateArchive::ForLoading("not a snapshot").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace slaterl
