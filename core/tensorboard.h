// core/tensorboard.h — TensorBoard event files written without TensorFlow or a protobuf library
// (STYLE.md "TensorBoard event files").
//
// An event file is a TFRecord stream: per record `u64 length`, `u32 masked_crc32c(length bytes)`,
// `length` bytes of one serialized `tensorflow.Event`, `u32 masked_crc32c(data)`, all
// little-endian. The first record carries `file_version = "brain.Event:2"`; every later record a
// `Summary` of scalar values (`tag`, `simple_value`) at one `step` (int64, env steps for slaterl).
// The protobuf fields are hand-encoded (wall_time: field 1 double; step: field 2 varint;
// file_version: field 3 bytes; summary: field 5 bytes; Summary.value: field 1; Value.tag: field 1;
// Value.simple_value: field 2 float). CRC-32C comes from core/crc32c.h (Castagnoli, reflected).
//
// EventFileWriter owns one open file named `events.out.tfevents.<unix time>.<host>.<pid>.<n>` in
// its directory. Every write appends whole records to a stdio buffer; the buffer is flushed when
// `flush_interval_s` has passed since the last flush, on Flush() and on Close()/destruction, so a
// crash loses at most that interval and never leaves a torn record behind a flushed one.
// Not thread-safe: one owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/crc32c.h"  // Crc32c
#include "core/status.h"

namespace slaterl {

// TensorFlow's masked CRC: ((c >> 15) | (c << 17)) + 0xA282EAD8 (mod 2^32).
uint32_t MaskCrc32c(uint32_t crc);

// One TFRecord (length, masked CRCs) around `data`.
std::string EncodeTfRecord(const std::string& data);
// Serialized Event messages.
std::string EncodeFileVersionEvent(double wall_time);
std::string EncodeScalarsEvent(double wall_time, int64_t step,
                               const std::vector<std::pair<std::string, float>>& scalars);

// One record of an event file, read back (resume cuts, tests).
struct EventRecord {
  std::string event;              // the serialized Event
  int64_t step = 0;
  bool file_version = false;      // the file_version record every file starts with
  std::vector<std::string> tags;  // the scalar tags of its Summary
};

// Reads the whole records of the event file `path`, in order. A record with a bad length, CRC or
// Event encoding ends the read (a crash can leave a torn record at the end): `*complete` (may be
// null) is then false. Unavailable when the file cannot be read.
Result<std::vector<EventRecord>> ReadEventFile(const std::string& path, bool* complete);

// For a resumed run: rewrites the event files of `directory` (events.out.tfevents.*, in name
// order, which is creation order) into one file — the first file's name, written atomically —
// holding one file_version record and every other record `keep` accepts, in their order; the
// other files are deleted. Returns how many records were dropped. No event file: nothing to do.
Result<int64_t> CutEventFiles(const std::string& directory, const std::function<bool(const EventRecord&)>& keep);

class EventFileWriter {
 public:
  EventFileWriter() = default;
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;
  EventFileWriter(EventFileWriter&& other) noexcept;
  EventFileWriter& operator=(EventFileWriter&& other) noexcept;
  ~EventFileWriter();

  // Creates the directory's event file and writes the file_version record. Unavailable when the
  // file cannot be created.
  Status Open(const std::string& directory, double flush_interval_s = 10.0);
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }

  // Appends one Event holding every scalar of `scalars` at `step` (wall time = now).
  // FailedPrecondition when not open; Unavailable on a write error.
  Status AddScalars(int64_t step, const std::vector<std::pair<std::string, float>>& scalars);
  Status AddScalar(int64_t step, const std::string& tag, float value) { return AddScalars(step, {{tag, value}}); }
  Status Flush();
  Status Close();

 private:
  Status Write(const std::string& event);
  std::FILE* file_ = nullptr;
  std::string path_;
  double flush_interval_s_ = 10.0;
  double last_flush_s_ = 0.0;
};

}  // namespace slaterl
