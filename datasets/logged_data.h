// datasets/logged_data.h — logged trajectories of `topics` (docs/algorithms.md §4.4.4): the offline data
// that MF item embeddings (docs/algorithms.md §1.6, algos/mf/) and the GeMS VAE (§4.4) are
// pre-trained on. Written by `slaterl data generate` (actors/data_generate.h). No LibTorch here.
//
// A dataset holds num_trajectories trajectories of T steps each; step t of a trajectory is the
// (slate, clicks) pair that step() returned for turn t: the k item ids the env SERVED (after the
// oracle filled any −1 slot, docs/environments.md §6.8 step 5) and the k clicks on them. The reset
// observation (the fixed initial slate and its clicks, docs/environments.md §6.7) is not stored. A
// JSON object describing the provenance (env and its config, policy, ε, seeds, slaterl version)
// travels in the header.
//
// File format `SLRLLOG1`, version 1. Every integer is little-endian (host order on every supported
// platform; a big-endian file fails the magic or size checks), packed, no padding:
//   offset        size          field
//   0             8             magic "SLRLLOG1"
//   8             4   uint32    format version (1)
//   12            4   uint32    provenance_bytes L (at most kMaxProvenanceBytes)
//   16            8   int64     num_trajectories n (>= 0)
//   24            4   int32     steps_per_trajectory T (>= 1)
//   28            4   int32     slate_size k (>= 1)
//   32            4   int32     num_items N (>= 1), item ids are 0 … N−1
//   36            4   uint32    reserved, 0
//   40            L             provenance: a JSON object, UTF-8, no terminator
//   40 + L        n · 5Tk       per trajectory: T×k int32 item ids (step-major: step 0 slots 0…k−1,
//                               step 1, …), then T×k uint8 clicks (0 or 1) in the same order
//   end − 4       4   uint32    CRC-32C (core/crc32c.h) of every byte before it
// The file length is 40 + L + n·5·T·k + 4, fully determined by the header; readers check the
// length, magic, version and checksum before they interpret the payload, then every item id
// (0 ≤ id < N) and click (0 or 1). Size: 100 000 GeMS trajectories (T 100, k 10) = 500 MB.
//
// Files are written atomically: LoggedDataWriter streams into `<path>.tmp.<pid>` (checksumming as
// it goes), fsyncs and renames it over `path` in Finish(); an unfinished writer removes its
// temporary file, so `path` is either absent, the old file or the complete new one.
//
// Errors name the file: NotFound (cannot open), DataLoss (truncated, trailing bytes, bad magic,
// bad checksum, unknown version), InvalidArgument (a header field or an item id / click out of
// range, a trajectory of the wrong shape), Unavailable (I/O). Plain values and single-owner
// writers; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

namespace logged_data {
constexpr char kMagic[8] = {'S', 'L', 'R', 'L', 'L', 'O', 'G', '1'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 40;
constexpr size_t kChecksumBytes = 4;
constexpr uint32_t kMaxProvenanceBytes = 1u << 20;
// Upper bounds of the shape fields (a corrupt header must not make a reader allocate terabytes).
constexpr int32_t kMaxStepsPerTrajectory = 1 << 20;
constexpr int32_t kMaxSlateSize = 1 << 12;
constexpr int64_t kMaxPairs = int64_t{1} << 36;  // num_trajectories · T, at most
}  // namespace logged_data

// The header fields of a dataset file.
struct LoggedDataHeader {
  int64_t num_trajectories = 0;
  int32_t steps_per_trajectory = 0;  // T
  int32_t slate_size = 0;            // k
  int32_t num_items = 0;             // N
  std::string provenance_json;       // a JSON object ("{...}")

  // (slate, clicks) pairs per trajectory × slate size: the item ids (and clicks) of one trajectory.
  int64_t slots_per_trajectory() const {
    return static_cast<int64_t>(steps_per_trajectory) * slate_size;
  }
  // Exact length of the file this header describes, in bytes.
  int64_t FileBytes() const;
  // Ranges of every field (the bounds above, provenance a "{...}" object). InvalidArgument naming
  // the field, prefixed with `what`.
  Status Validate(const std::string& what) const;
};

// A whole dataset in memory.
struct LoggedDataset {
  LoggedDataHeader header;
  std::vector<int32_t> items;  // num_trajectories × T × k, served item ids
  std::vector<uint8_t> clicks;  // num_trajectories × T × k, 0 or 1

  int64_t num_trajectories() const { return header.num_trajectories; }
  int32_t steps_per_trajectory() const { return header.steps_per_trajectory; }
  int32_t slate_size() const { return header.slate_size; }
  int32_t num_items() const { return header.num_items; }
  // T × k item ids / clicks of trajectory i (step-major).
  const int32_t* trajectory_items(int64_t i) const {
    return items.data() + static_cast<size_t>(i * header.slots_per_trajectory());
  }
  const uint8_t* trajectory_clicks(int64_t i) const {
    return clicks.data() + static_cast<size_t>(i * header.slots_per_trajectory());
  }
  // Header ranges, array sizes, item ids in [0, N) and clicks in {0, 1}; errors name `what` and
  // the first bad trajectory, step and slot.
  Status Validate(const std::string& what) const;
};

// Streams one dataset file: Open, Append every trajectory (exactly header.num_trajectories),
// Finish. Single owner.
class LoggedDataWriter {
 public:
  // Validates `header` and writes it to `<path>.tmp.<pid>`.
  static Result<std::unique_ptr<LoggedDataWriter>> Open(const std::string& path,
                                                        const LoggedDataHeader& header);
  ~LoggedDataWriter();  // removes the temporary file unless Finish() succeeded
  LoggedDataWriter(const LoggedDataWriter&) = delete;
  LoggedDataWriter& operator=(const LoggedDataWriter&) = delete;

  // Appends one trajectory: T×k item ids and T×k clicks, step-major. InvalidArgument (nothing
  // written) for an id outside [0, N), a click other than 0/1, or more than num_trajectories.
  Status Append(const int32_t* items, const uint8_t* clicks);
  // Writes the checksum, fsyncs and renames over `path`. FailedPrecondition when fewer
  // trajectories than the header declares were appended.
  Status Finish();

  int64_t appended() const { return appended_; }
  const std::string& path() const { return path_; }

 private:
  LoggedDataWriter(std::string path, std::string tmp_path, LoggedDataHeader header, std::FILE* file);
  Status Write(const void* data, size_t bytes);

  std::string path_, tmp_path_;
  LoggedDataHeader header_;
  std::FILE* file_ = nullptr;
  uint32_t crc_ = 0;
  int64_t appended_ = 0;
  bool finished_ = false;
};

// Writes `data` (validated first) to `path` atomically.
Status WriteLoggedDataset(const std::string& path, const LoggedDataset& data);
// Reads and fully validates a dataset file (see the header comment for the errors).
Result<LoggedDataset> ReadLoggedDataset(const std::string& path);
// Reads and validates only the header (checks the file length, not the checksum).
Result<LoggedDataHeader> ReadLoggedDataHeader(const std::string& path);

}  // namespace slaterl
