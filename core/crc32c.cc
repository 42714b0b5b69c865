#include "core/crc32c.h"

#include <boost/crc.hpp>

namespace slaterl {
namespace {

using Crc32cEngine = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

uint32_t Reverse32(uint32_t v) {
  uint32_t r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1u);
  return r;
}

}  // namespace

uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size) {
  // The running register of a reflected CRC is the final checksum without the final xor. boost
  // takes the initial register unreflected, so undo the xor and the reflection.
  Crc32cEngine engine(Reverse32(crc ^ 0xFFFFFFFFu));
  engine.process_bytes(data, size);
  return engine.checksum();
}

}  // namespace slaterl
