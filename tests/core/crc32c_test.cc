// Tests of CRC-32C (core/crc32c.h).
#include "core/crc32c.h"

#include <string>

#include <gtest/gtest.h>

namespace slaterl {
namespace {

TEST(Crc32cTest, MatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32c("", 0), 0u);
}

TEST(Crc32cTest, ExtendEqualsTheChecksumOfTheConcatenation) {
  std::string text;
  for (int i = 0; i < 300; ++i) text.push_back(static_cast<char>(i * 37 + 11));
  const uint32_t whole = Crc32c(text.data(), text.size());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{9}, size_t{150}, text.size()}) {
    const uint32_t head = Crc32c(text.data(), cut);
    EXPECT_EQ(Crc32cExtend(head, text.data() + cut, text.size() - cut), whole) << cut;
  }
  EXPECT_EQ(Crc32cExtend(0, "123456789", 9), 0xE3069283u);
  // Three pieces.
  uint32_t crc = Crc32cExtend(0, text.data(), 7);
  crc = Crc32cExtend(crc, text.data() + 7, 100);
  crc = Crc32cExtend(crc, text.data() + 107, text.size() - 107);
  EXPECT_EQ(crc, whole);
}

}  // namespace
}  // namespace slaterl
