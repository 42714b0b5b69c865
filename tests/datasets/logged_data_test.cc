// Tests of the logged-trajectory file format (datasets/logged_data.h).
#include "datasets/logged_data.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/crc32c.h"
#include "core/files.h"

namespace slaterl {
namespace {

std::string TempPath(const std::string& stem) {
  return ::testing::TempDir() + "/logged_data_" + stem + "_" + std::to_string(::getpid()) + ".slrllog";
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A dataset whose every value depends on its position, so any mix-up shows.
LoggedDataset MakeDataset(int64_t trajectories, int32_t steps, int32_t slate, int32_t num_items) {
  LoggedDataset d;
  d.header.num_trajectories = trajectories;
  d.header.steps_per_trajectory = steps;
  d.header.slate_size = slate;
  d.header.num_items = num_items;
  d.header.provenance_json = "{\"env\": \"topics\", \"epsilon\": 0.5}";
  const size_t slots = static_cast<size_t>(trajectories) * steps * slate;
  for (size_t s = 0; s < slots; ++s) {
    d.items.push_back(static_cast<int32_t>((s * 7919 + 13) % static_cast<size_t>(num_items)));
    d.clicks.push_back(static_cast<uint8_t>((s * 31 / 7) % 3 == 0));
  }
  return d;
}

TEST(LoggedDataTest, RoundTripsEveryFieldAndHasTheDocumentedLayout) {
  const std::string path = TempPath("roundtrip");
  const LoggedDataset d = MakeDataset(/*trajectories=*/5, /*steps=*/4, /*slate=*/3, /*num_items=*/50);
  ASSERT_TRUE(WriteLoggedDataset(path, d).ok());
  auto read = ReadLoggedDataset(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->num_trajectories(), 5);
  EXPECT_EQ(read->steps_per_trajectory(), 4);
  EXPECT_EQ(read->slate_size(), 3);
  EXPECT_EQ(read->num_items(), 50);
  EXPECT_EQ(read->header.provenance_json, d.header.provenance_json);
  EXPECT_EQ(read->items, d.items);
  EXPECT_EQ(read->clicks, d.clicks);

  // Byte layout: 40-byte header, provenance, per trajectory items then clicks, CRC-32C.
  const std::string bytes = ReadBytes(path);
  const size_t provenance = d.header.provenance_json.size();
  ASSERT_EQ(static_cast<int64_t>(bytes.size()), d.header.FileBytes());
  EXPECT_EQ(bytes.size(), 40 + provenance + 5 * (4 * 3 * 5) + 4);
  EXPECT_EQ(bytes.substr(0, 8), "SLRLLOG1");
  uint32_t u32;
  int64_t i64;
  int32_t i32;
  std::memcpy(&u32, bytes.data() + 8, 4);
  EXPECT_EQ(u32, 1u);
  std::memcpy(&u32, bytes.data() + 12, 4);
  EXPECT_EQ(u32, provenance);
  std::memcpy(&i64, bytes.data() + 16, 8);
  EXPECT_EQ(i64, 5);
  std::memcpy(&i32, bytes.data() + 32, 4);
  EXPECT_EQ(i32, 50);
  EXPECT_EQ(bytes.substr(40, provenance), d.header.provenance_json);
  const size_t second = 40 + provenance + 5 * 12;  // trajectory 1 starts here
  std::memcpy(&i32, bytes.data() + second, 4);
  EXPECT_EQ(i32, d.trajectory_items(1)[0]);
  EXPECT_EQ(static_cast<uint8_t>(bytes[second + 4 * 12]), d.trajectory_clicks(1)[0]);
  std::memcpy(&u32, bytes.data() + bytes.size() - 4, 4);
  EXPECT_EQ(u32, Crc32c(bytes.data(), bytes.size() - 4));

  auto header = ReadLoggedDataHeader(path);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->num_trajectories, 5);
  EXPECT_EQ(header->provenance_json, d.header.provenance_json);
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, EmptyDatasetRoundTrips) {
  const std::string path = TempPath("empty");
  ASSERT_TRUE(WriteLoggedDataset(path, MakeDataset(0, 100, 10, 1000)).ok());
  auto read = ReadLoggedDataset(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->num_trajectories(), 0);
  EXPECT_TRUE(read->items.empty());
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, EverySingleByteCorruptionIsDataLossNamingTheFile) {
  const std::string path = TempPath("corrupt");
  ASSERT_TRUE(WriteLoggedDataset(path, MakeDataset(2, 3, 2, 20)).ok());
  const std::string good = ReadBytes(path);
  for (size_t pos = 0; pos < good.size(); ++pos) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5A);
    WriteBytes(path, bad);
    auto read = ReadLoggedDataset(path);
    ASSERT_FALSE(read.ok()) << "flipped byte " << pos;
    // A flip in the shape fields changes the expected length: still DataLoss.
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << pos << ": " << read.status().ToString();
    EXPECT_NE(read.status().message().find(path), std::string::npos) << read.status().message();
  }
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, EveryTruncationAndTrailingBytesAreDataLoss) {
  const std::string path = TempPath("truncated");
  ASSERT_TRUE(WriteLoggedDataset(path, MakeDataset(2, 3, 2, 20)).ok());
  const std::string good = ReadBytes(path);
  for (size_t len = 0; len < good.size(); ++len) {
    WriteBytes(path, good.substr(0, len));
    auto read = ReadLoggedDataset(path);
    ASSERT_FALSE(read.ok()) << len;
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << len;
    EXPECT_NE(read.status().message().find("truncated"), std::string::npos)
        << len << ": " << read.status().message();
  }
  WriteBytes(path, good + "x");
  auto read = ReadLoggedDataset(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(read.status().message().find("unexpected bytes"), std::string::npos);
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, BadMagicAndUnknownVersionAreNamed) {
  const std::string path = TempPath("magic");
  ASSERT_TRUE(WriteLoggedDataset(path, MakeDataset(1, 2, 2, 10)).ok());
  std::string bytes = ReadBytes(path);
  bytes[0] = 'X';
  WriteBytes(path, bytes);
  auto read = ReadLoggedDataset(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("bad magic"), std::string::npos);

  bytes = ReadBytes(path);
  bytes[0] = 'S';
  bytes[8] = 2;  // version 2
  WriteBytes(path, bytes);
  read = ReadLoggedDataset(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("version 2"), std::string::npos) << read.status().message();
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, OutOfRangeItemWithAValidChecksumIsRejectedWithItsPosition) {
  // A file whose checksum is right but whose payload breaks the contract (a faulty writer).
  const std::string path = TempPath("range");
  LoggedDataset d = MakeDataset(3, 2, 2, 10);
  ASSERT_TRUE(WriteLoggedDataset(path, d).ok());
  std::string bytes = ReadBytes(path);
  const size_t provenance = d.header.provenance_json.size();
  // Trajectory 2, step 1, slot 0: item id 10 (= num_items).
  const size_t at = 40 + provenance + 2 * (5 * 4) + (1 * 2 + 0) * 4;
  const int32_t bad_item = 10;
  std::memcpy(&bytes[at], &bad_item, 4);
  const uint32_t crc = Crc32c(bytes.data(), bytes.size() - 4);
  std::memcpy(&bytes[bytes.size() - 4], &crc, 4);
  WriteBytes(path, bytes);
  auto read = ReadLoggedDataset(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("trajectory 2, step 1, slot 0: item id 10 outside [0, 10)"),
            std::string::npos)
      << read.status().message();
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, MissingFileIsNotFound) {
  auto read = ReadLoggedDataset("/nonexistent/dir/data.slrllog");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("/nonexistent/dir/data.slrllog"), std::string::npos);
}

TEST(LoggedDataTest, WriterRejectsBadTrajectoriesAndLeavesNoFileUnlessFinished) {
  const std::string path = TempPath("writer");
  ::unlink(path.c_str());
  LoggedDataHeader header;
  header.num_trajectories = 2;
  header.steps_per_trajectory = 1;
  header.slate_size = 2;
  header.num_items = 5;
  header.provenance_json = "{}";
  {
    auto writer = LoggedDataWriter::Open(path, header);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    const int32_t items[2] = {0, 4};
    const uint8_t clicks[2] = {1, 0};
    ASSERT_TRUE((*writer)->Append(items, clicks).ok());
    const int32_t bad_items[2] = {0, 5};
    EXPECT_EQ((*writer)->Append(bad_items, clicks).code(), StatusCode::kInvalidArgument);
    const uint8_t bad_clicks[2] = {2, 0};
    EXPECT_EQ((*writer)->Append(items, bad_clicks).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*writer)->appended(), 1);
    EXPECT_EQ((*writer)->Finish().code(), StatusCode::kFailedPrecondition);  // 1 of 2
    EXPECT_FALSE(PathExists(path));
  }  // destroyed unfinished: the temporary file is gone too
  EXPECT_FALSE(PathExists(path + ".tmp." + std::to_string(::getpid())));
  EXPECT_FALSE(PathExists(path));

  auto writer = LoggedDataWriter::Open(path, header);
  ASSERT_TRUE(writer.ok());
  const int32_t items[2] = {1, 2};
  const uint8_t clicks[2] = {0, 1};
  ASSERT_TRUE((*writer)->Append(items, clicks).ok());
  ASSERT_TRUE((*writer)->Append(items, clicks).ok());
  EXPECT_EQ((*writer)->Append(items, clicks).code(), StatusCode::kInvalidArgument);  // a third
  ASSERT_TRUE((*writer)->Finish().ok());
  auto read = ReadLoggedDataset(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->items, (std::vector<int32_t>{1, 2, 1, 2}));
  ::unlink(path.c_str());
}

TEST(LoggedDataTest, HeaderValidationNamesTheField) {
  LoggedDataset d = MakeDataset(1, 2, 2, 10);
  d.header.slate_size = 0;
  Status s = WriteLoggedDataset(TempPath("header"), d);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("slate_size"), std::string::npos) << s.message();
  d = MakeDataset(1, 2, 2, 10);
  d.header.provenance_json = "not json";
  s = WriteLoggedDataset(TempPath("header"), d);
  EXPECT_NE(s.message().find("provenance"), std::string::npos) << s.message();
  d = MakeDataset(1, 2, 2, 10);
  d.items.pop_back();
  s = WriteLoggedDataset(TempPath("header"), d);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace slaterl
