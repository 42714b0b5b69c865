// replay/table_checkpoint.h — the file format of a replay table checkpoint
// (Table::SaveCheckpoint / Table::LoadCheckpoint, declared in replay/table.h and defined in
// replay/table_checkpoint.cc).
//
// Format, version 1. All fields in host byte order (little-endian on every supported platform; a
// file from a big-endian host fails the magic check), packed, no padding:
//   offset  size                 field
//   0       8                    magic "SLRTABLE"
//   8       4   uint32           format version (1)
//   12      4   uint32           kind (ReplayTableSpec::Kind: 0 uniform, 1 prioritized, 2 queue)
//   16      8   int64            capacity
//   24      4   int32            item_size (floats per item)
//   28      4   uint32           reserved, 0
//   32      8   double           priority_exponent (kPrioritized; 0 for the other kinds)
//   40      8   int64            size: items stored (n)
//   48      8   int64            head: ring slot of the oldest item
//   56      8   uint64           next key
//   64      8   double           max priority (kPrioritized; 0 otherwise)
//   72      56  7 × int64        Table::Counters, in declaration order
//   128     16  2 × int64        rate limiter inserted_items, sampled_items
//   144     8n  n × uint64       keys, oldest first (always next_key − n, ..., next_key − 1)
//           8n  n × double       priorities, oldest first (kPrioritized only)
//           4·n·item_size floats the items, oldest first
//   end−4   4   uint32           CRC-32C (Castagnoli, core/crc32c.h) of every byte before it
// The file length is therefore fully determined by the header; a loader checks the length,
// magic, checksum and version before it interprets anything else.
#pragma once

#include <cstddef>
#include <cstdint>

namespace slaterl {
namespace table_checkpoint {

constexpr char kMagic[8] = {'S', 'L', 'R', 'T', 'A', 'B', 'L', 'E'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 144;
constexpr size_t kChecksumBytes = 4;

}  // namespace table_checkpoint
}  // namespace slaterl
