// Tests of core/tensorboard: CRC-32C, record framing, and event files read back by an independent
// reader (tests/core/read_tfevents.py: python3-protobuf with the Event/Summary schema, its own CRC).
#include "core/tensorboard.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace slaterl {
namespace {

std::string MakeTempDir() {
  char pattern[] = "/tmp/slaterl-test-tensorboard-XXXXXX";
  return ::mkdtemp(pattern);
}

std::vector<std::string> EventFiles(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d))
    if (std::string(e->d_name).find("tfevents") != std::string::npos) out.push_back(dir + "/" + e->d_name);
  ::closedir(d);
  return out;
}

struct ReaderOutput {
  int exit_code = -1;
  std::vector<std::string> lines;
  std::string text;
};

// Runs the independent reader on `path`.
ReaderOutput ReadBack(const std::string& path) {
  ReaderOutput out;
  const std::string command = "/usr/bin/python3 " SLATERL_SOURCE_DIR "/tests/core/read_tfevents.py '" + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.text.append(buf, n);
  const int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream ss(out.text);
  for (std::string line; std::getline(ss, line);) out.lines.push_back(line);
  return out;
}

struct Scalar {
  int64_t step;
  std::string tag;
  double value;
};

std::vector<Scalar> Scalars(const ReaderOutput& out) {
  std::vector<Scalar> scalars;
  for (const auto& line : out.lines) {
    std::stringstream ss(line);
    std::string kind, wall, tag, value;
    long long step;
    ss >> kind;
    if (kind != "scalar") continue;
    ss >> wall >> step >> tag >> value;
    scalars.push_back({step, tag, std::strtod(value.c_str(), nullptr)});
  }
  return scalars;
}

TEST(TensorBoardTest, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32c("", 0), 0x00000000u);
  // Masking as TensorFlow's crc32c::Mask.
  EXPECT_EQ(MaskCrc32c(0), 0xA282EAD8u);
  EXPECT_EQ(MaskCrc32c(0xE3069283u), static_cast<uint32_t>(((0xE3069283u >> 15) | (0xE3069283u << 17)) + 0xA282EAD8u));
}

TEST(TensorBoardTest, RecordFramingHasLengthDataAndMaskedCrcs) {
  const std::string record = EncodeTfRecord("abc");
  ASSERT_EQ(record.size(), 8u + 4u + 3u + 4u);
  EXPECT_EQ(static_cast<unsigned char>(record[0]), 3);
  for (int i = 1; i < 8; ++i) EXPECT_EQ(record[i], 0);
  uint32_t len_crc, data_crc;
  std::memcpy(&len_crc, record.data() + 8, 4);
  std::memcpy(&data_crc, record.data() + 15, 4);
  EXPECT_EQ(len_crc, MaskCrc32c(Crc32c(record.data(), 8)));
  EXPECT_EQ(data_crc, MaskCrc32c(Crc32c("abc", 3)));
  EXPECT_EQ(record.substr(12, 3), "abc");
}

TEST(TensorBoardTest, ScalarEventUsesTheDocumentedTagBytes) {
  const std::string event = EncodeScalarsEvent(/*wall_time=*/1.5, /*step=*/300, {{"a/b", 2.0f}});
  ASSERT_GE(event.size(), 12u);
  EXPECT_EQ(static_cast<unsigned char>(event[0]), 0x09);  // wall_time
  EXPECT_EQ(static_cast<unsigned char>(event[9]), 0x10);  // step
  EXPECT_EQ(static_cast<unsigned char>(event[10]), 0xAC);  // 300 = varint AC 02
  EXPECT_EQ(static_cast<unsigned char>(event[11]), 0x02);
  EXPECT_EQ(static_cast<unsigned char>(event[12]), 0x2A);  // summary
  EXPECT_NE(event.find(std::string("\x0A\x03" "a/b\x15", 6)), std::string::npos);  // Value.tag, simple_value
  EXPECT_EQ(static_cast<unsigned char>(EncodeFileVersionEvent(1.0)[9]), 0x1A);  // file_version
}

TEST(TensorBoardTest, EventFileRoundTripsThroughAnIndependentReader) {
  const std::string dir = MakeTempDir();
  {
    EventFileWriter writer;
    ASSERT_TRUE(writer.Open(dir).ok());
    ASSERT_TRUE(writer.AddScalars(1000, {{"charts/episodic_return", 153.25f}, {"losses/loss", 0.0f}}).ok());
    ASSERT_TRUE(writer.AddScalar(2000, "charts/SPS", -1.0e-3f).ok());
    ASSERT_TRUE(writer.AddScalar(int64_t{5} << 33, "replay/size", 3.4028235e38f).ok());  // step beyond 2^31
    ASSERT_TRUE(writer.AddScalar(0, "eval/episode_reward_mean", 0.1f).ok());
    ASSERT_TRUE(writer.Close().ok());
  }
  const auto files = EventFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files[0].find("/events.out.tfevents."), std::string::npos);
  const ReaderOutput out = ReadBack(files[0]);
  ASSERT_EQ(out.exit_code, 0) << out.text;
  ASSERT_FALSE(out.lines.empty());
  EXPECT_EQ(out.lines[0].rfind("file_version ", 0), 0u) << out.lines[0];
  EXPECT_NE(out.lines[0].find("brain.Event:2"), std::string::npos);
  const auto scalars = Scalars(out);
  ASSERT_EQ(scalars.size(), 5u) << out.text;
  const std::vector<Scalar> expected = {{1000, "charts/episodic_return", 153.25f},
                                        {1000, "losses/loss", 0.0f},
                                        {2000, "charts/SPS", -1.0e-3f},
                                        {int64_t{5} << 33, "replay/size", 3.4028235e38f},
                                        {0, "eval/episode_reward_mean", 0.1f}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(scalars[i].step, expected[i].step) << i;
    EXPECT_EQ(scalars[i].tag, expected[i].tag) << i;
    EXPECT_EQ(scalars[i].value, expected[i].value) << i;  // float32 exactly
  }
}

TEST(TensorBoardTest, IndependentReaderRejectsACorruptedRecord) {
  const std::string dir = MakeTempDir();
  {
    EventFileWriter writer;
    ASSERT_TRUE(writer.Open(dir).ok());
    ASSERT_TRUE(writer.AddScalar(7, "x", 1.0f).ok());
  }
  const auto files = EventFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  f.seekp(size - 6);  // inside the last record's value
  f.put('\x7f');
  f.close();
  const ReaderOutput out = ReadBack(files[0]);
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_NE(out.text.find("CRC mismatch"), std::string::npos) << out.text;
}

TEST(TensorBoardTest, WriterReportsUseBeforeOpen) {
  EventFileWriter writer;
  EXPECT_FALSE(writer.is_open());
  EXPECT_EQ(writer.AddScalar(1, "x", 1.0f).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(writer.Close().ok());
}

TEST(TensorBoardTest, ReadEventFileReturnsStepsAndTagsAndStopsAtATornRecord) {
  const std::string dir = MakeTempDir();
  {
    EventFileWriter writer;
    ASSERT_TRUE(writer.Open(dir).ok());
    ASSERT_TRUE(writer.AddScalars(100, {{"a", 1.0f}, {"b", 2.0f}}).ok());
    ASSERT_TRUE(writer.AddScalar(200, "c", 3.0f).ok());
  }
  const std::string path = EventFiles(dir).at(0);
  bool complete = false;
  auto records = ReadEventFile(path, &complete);
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(complete);
  ASSERT_EQ(records->size(), 3u);
  EXPECT_TRUE((*records)[0].file_version);
  EXPECT_EQ((*records)[1].step, 100);
  EXPECT_EQ((*records)[1].tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*records)[2].step, 200);
  // A crash mid-write leaves a torn last record: the whole ones before it are still read.
  std::ofstream(path, std::ios::app | std::ios::binary) << std::string("\x30\0\0\0\0\0\0\0garbage", 15);
  records = ReadEventFile(path, &complete);
  ASSERT_TRUE(records.ok());
  EXPECT_FALSE(complete);
  EXPECT_EQ(records->size(), 3u);
}

TEST(TensorBoardTest, CutEventFilesMergesFilesKeepsAcceptedRecordsAndOneFileVersion) {
  const std::string dir = MakeTempDir();
  for (int file = 0; file < 2; ++file) {
    EventFileWriter writer;
    ASSERT_TRUE(writer.Open(dir).ok());
    for (int64_t step = 1; step <= 3; ++step) ASSERT_TRUE(writer.AddScalar(file * 10 + step, "x", 1.0f).ok());
    ASSERT_TRUE(writer.AddScalar(file * 10 + 3, "final_eval/mean", 2.0f).ok());
  }
  ASSERT_EQ(EventFiles(dir).size(), 2u);
  auto dropped = CutEventFiles(dir, [](const EventRecord& r) { return r.step <= 12 && r.tags[0] == "x"; });
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(*dropped, 3);  // step 13, and both final_eval records
  const auto files = EventFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  bool complete = false;
  auto records = ReadEventFile(files[0], &complete);
  ASSERT_TRUE(records.ok() && complete);
  std::vector<int64_t> steps;
  for (const auto& r : *records) steps.push_back(r.file_version ? -1 : r.step);
  EXPECT_EQ(steps, (std::vector<int64_t>{-1, 1, 2, 3, 11, 12}));
  const ReaderOutput out = ReadBack(files[0]);
  EXPECT_EQ(out.exit_code, 0) << out.text;
}

}  // namespace
}  // namespace slaterl
