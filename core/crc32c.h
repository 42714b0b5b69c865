// core/crc32c.h — CRC-32C (Castagnoli), the checksum of every slaterl file format (TensorBoard
// records, replay table checkpoints, logged-trajectory datasets).
//
// Polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value and final xor 0xFFFFFFFF, computed
// by boost::crc. Crc32c("123456789") == 0xE3069283. Crc32cExtend continues a checksum over more
// bytes, so a file can be checksummed while it is streamed:
//   Crc32cExtend(Crc32c(a), b) == Crc32c(a followed by b), and Crc32c(x) == Crc32cExtend(0, x).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace slaterl {

// CRC-32C of `size` bytes.
uint32_t Crc32c(const void* data, size_t size);
// CRC-32C of (the bytes `crc` is the checksum of) followed by `size` more bytes.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);

}  // namespace slaterl
