// core/checkpoint_store.h — versioned, checksummed checkpoints of a run, the last N kept
// (written atomically: temp file, fsync, rename, a manifest written last; docs/reliability.md).
//
// Layout under the store's directory (e.g. RUN_DIR/checkpoints):
//   ckpt-000000012345/            one checkpoint, named by its step (updates or env steps)
//     MANIFEST                    written last: format version, step, and per file its relative
//                                 path, size and CRC-32C (core/crc32c.h)
//     learner/sac.pt, shard-0/... whatever the writers put there (names without whitespace)
//   ckpt-000000012345.tmp/        a checkpoint being written (ignored, removed by the next Begin)
//
// Writing: Begin(step) gives an empty .tmp directory; the caller fills it; Commit(step) fsyncs
// every file, checksums it, writes MANIFEST (fsynced), renames the directory into place, fsyncs
// the parent, then deletes all but the newest `keep_last` complete checkpoints. A crash at any
// point leaves the previous checkpoints intact and at most a .tmp directory behind.
// Reading: Latest() returns the newest checkpoint whose MANIFEST parses and whose files all have
// the recorded size and CRC; every newer checkpoint it had to skip is reported with the reason
// (truncated, checksum mismatch, missing file, bad manifest), so callers can log it.
// Not thread-safe: one writer per store (the launcher or the learner); readers run at start-up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

struct CheckpointInfo {
  int64_t step = 0;
  std::string path;                    // the checkpoint directory
  std::vector<std::string> files;      // relative paths listed in its MANIFEST
};

class CheckpointStore {
 public:
  static constexpr int kFormatVersion = 1;

  // `dir` is created if missing. keep_last >= 1.
  static Result<CheckpointStore> Open(const std::string& dir, int keep_last);

  // A fresh, empty directory to write checkpoint `step` into (a leftover .tmp of any step is
  // removed first). Errors: InvalidArgument when `step` is not newer than the newest complete
  // checkpoint; Unavailable on file-system errors.
  Result<std::string> Begin(int64_t step);
  // Seals the directory Begin(step) returned (see the header comment) and prunes old ones.
  Status Commit(int64_t step);

  // The newest valid checkpoint. NotFound when there is none. `skipped` (may be null) receives
  // one message per newer checkpoint that failed verification, naming it and the reason.
  Result<CheckpointInfo> Latest(std::vector<std::string>* skipped) const;
  // Verifies one checkpoint directory (MANIFEST, sizes, CRCs). DataLoss naming the file otherwise.
  static Result<CheckpointInfo> Verify(const std::string& checkpoint_dir);

  // Steps of the complete (renamed into place) checkpoints, ascending; verification not implied.
  std::vector<int64_t> Steps() const;
  const std::string& dir() const { return dir_; }
  // The directory of checkpoint `step` (whether or not it exists).
  std::string PathFor(int64_t step) const;
  // A run continued from checkpoint `step` abandons every newer one (corrupt, or the future of a
  // run that is redone): each is renamed to <name>.superseded (kept for inspection, never read or
  // pruned), so new checkpoints above `step` can be written. Returns the renamed paths.
  Result<std::vector<std::string>> SetAsideNewerThan(int64_t step);
  // Checkpoint `step` if it verifies, else the newest valid one (`skipped` as for Latest, plus
  // why `step` itself was not taken). `step` <= 0: Latest().
  Result<CheckpointInfo> AtOrLatest(int64_t step, std::vector<std::string>* skipped) const;

 private:
  CheckpointStore(std::string dir, int keep_last) : dir_(std::move(dir)), keep_last_(keep_last) {}

  std::string dir_;
  int keep_last_;
};

}  // namespace slaterl
