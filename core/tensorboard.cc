#include "core/tensorboard.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "core/files.h"

namespace slaterl {
namespace {

double WallTime() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// ---- protobuf wire format: only what Event/Summary/Value need -------------------------------
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
// Tag byte = (field << 3) | wire type; every field here is < 16, so one byte.
void PutTag(std::string* out, int field, int wire_type) { out->push_back(static_cast<char>((field << 3) | wire_type)); }
void PutBytes(std::string* out, int field, const std::string& bytes) {
  PutTag(out, field, 2);
  PutVarint(out, bytes.size());
  out->append(bytes);
}
void PutEventHeader(std::string* out, double wall_time, int64_t step) {
  uint64_t bits;
  std::memcpy(&bits, &wall_time, sizeof(bits));
  PutTag(out, 1, 1);  // wall_time: double (0x09)
  PutFixed64(out, bits);
  if (step != 0) {     // proto3: the default 0 is not written
    PutTag(out, 2, 0);  // step: int64 varint (0x10); negative values take 10 bytes (two's complement)
    PutVarint(out, static_cast<uint64_t>(step));
  }
}

std::atomic<int> g_file_counter{0};

}  // namespace

uint32_t MaskCrc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

std::string EncodeTfRecord(const std::string& data) {
  std::string out;
  out.reserve(data.size() + 16);
  PutFixed64(&out, data.size());
  PutFixed32(&out, MaskCrc32c(Crc32c(out.data(), 8)));
  out.append(data);
  PutFixed32(&out, MaskCrc32c(Crc32c(data.data(), data.size())));
  return out;
}

std::string EncodeFileVersionEvent(double wall_time) {
  std::string event;
  PutEventHeader(&event, wall_time, 0);
  PutBytes(&event, 3, "brain.Event:2");  // file_version (0x1A)
  return event;
}

std::string EncodeScalarsEvent(double wall_time, int64_t step,
                               const std::vector<std::pair<std::string, float>>& scalars) {
  std::string summary;
  for (const auto& kv : scalars) {
    std::string value;
    PutBytes(&value, 1, kv.first);  // tag (0x0A)
    uint32_t bits;
    std::memcpy(&bits, &kv.second, sizeof(bits));
    PutTag(&value, 2, 5);  // simple_value: float (0x15)
    PutFixed32(&value, bits);
    PutBytes(&summary, 1, value);  // Summary.value (0x0A)
  }
  std::string event;
  PutEventHeader(&event, wall_time, step);
  PutBytes(&event, 5, summary);  // summary (0x2A)
  return event;
}

namespace {

// Little-endian fixed-width and varint readers over [*pos, end); false when the input ends.
bool GetFixed(const std::string& in, size_t* pos, size_t bytes, uint64_t* out) {
  if (*pos + bytes > in.size()) return false;
  *out = 0;
  for (size_t i = 0; i < bytes; ++i) *out |= static_cast<uint64_t>(static_cast<uint8_t>(in[*pos + i])) << (8 * i);
  *pos += bytes;
  return true;
}
bool GetVarint(const std::string& in, size_t* pos, size_t end, uint64_t* out) {
  *out = 0;
  for (int shift = 0; shift < 64 && *pos < end; shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in[(*pos)++]);
    *out |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}
// Visits the fields of the protobuf message in[begin, end): fn(field, wire_type, value, bytes_begin,
// bytes_end). False on a malformed encoding.
template <typename Fn>
bool ForEachField(const std::string& in, size_t begin, size_t end, Fn fn) {
  size_t pos = begin;
  while (pos < end) {
    uint64_t key = 0, value = 0;
    if (!GetVarint(in, &pos, end, &key)) return false;
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    size_t bytes_begin = pos, bytes_end = pos;
    if (wire == 0) {
      if (!GetVarint(in, &pos, end, &value)) return false;
    } else if (wire == 1 || wire == 5) {
      if (pos + (wire == 1 ? 8 : 4) > end || !GetFixed(in, &pos, wire == 1 ? 8 : 4, &value)) return false;
    } else if (wire == 2) {
      if (!GetVarint(in, &pos, end, &value) || value > end - pos) return false;
      bytes_begin = pos;
      bytes_end = pos + value;
      pos = bytes_end;
    } else {
      return false;
    }
    fn(field, wire, value, bytes_begin, bytes_end);
  }
  return true;
}

bool ParseEvent(const std::string& event, EventRecord* record) {
  record->event = event;
  return ForEachField(event, 0, event.size(), [&](int field, int wire, uint64_t value, size_t b, size_t e) {
    if (field == 2 && wire == 0) record->step = static_cast<int64_t>(value);
    if (field == 3 && wire == 2) record->file_version = true;
    if (field != 5 || wire != 2) return;
    ForEachField(event, b, e, [&](int f, int w, uint64_t, size_t vb, size_t ve) {  // Summary.value
      if (f != 1 || w != 2) return;
      ForEachField(event, vb, ve, [&](int tf, int tw, uint64_t, size_t tb, size_t te) {  // Value.tag
        if (tf == 1 && tw == 2) record->tags.push_back(event.substr(tb, te - tb));
      });
    });
  });
}

}  // namespace

Result<std::vector<EventRecord>> ReadEventFile(const std::string& path, bool* complete) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  std::vector<EventRecord> records;
  size_t pos = 0;
  bool whole = true;
  while (pos < bytes.size()) {
    uint64_t length = 0, length_crc = 0, data_crc = 0;
    const size_t start = pos;
    if (!GetFixed(bytes, &pos, 8, &length) || !GetFixed(bytes, &pos, 4, &length_crc) ||
        MaskCrc32c(Crc32c(bytes.data() + start, 8)) != length_crc || length > bytes.size() - pos) {
      whole = false;
      break;
    }
    const std::string data = bytes.substr(pos, length);
    pos += length;
    EventRecord record;
    if (!GetFixed(bytes, &pos, 4, &data_crc) || MaskCrc32c(Crc32c(data.data(), data.size())) != data_crc ||
        !ParseEvent(data, &record)) {
      whole = false;
      break;
    }
    records.push_back(std::move(record));
  }
  if (complete) *complete = whole;
  return records;
}

Result<int64_t> CutEventFiles(const std::string& directory, const std::function<bool(const EventRecord&)>& keep) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(directory.c_str())) {
    while (dirent* entry = ::readdir(d))
      if (std::string(entry->d_name).rfind("events.out.tfevents.", 0) == 0) files.push_back(directory + "/" + entry->d_name);
    ::closedir(d);
  }
  if (files.empty()) return int64_t{0};
  std::sort(files.begin(), files.end());
  std::string kept;
  bool have_version = false;
  int64_t dropped = 0;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::vector<EventRecord> records, ReadEventFile(file, nullptr));
    for (const EventRecord& record : records) {
      const bool take = record.file_version ? !have_version : keep(record);
      if (record.file_version) have_version = true;
      if (take) {
        kept += EncodeTfRecord(record.event);
      } else if (!record.file_version) {
        ++dropped;
      }
    }
  }
  if (!have_version) kept = EncodeTfRecord(EncodeFileVersionEvent(WallTime())) + kept;
  RETURN_IF_ERROR(WriteFileAtomic(files.front(), kept));
  for (size_t i = 1; i < files.size(); ++i)
    if (std::remove(files[i].c_str()) != 0) return UnavailableError(files[i] + ": cannot delete: " + std::strerror(errno));
  return dropped;
}

EventFileWriter::EventFileWriter(EventFileWriter&& other) noexcept { *this = std::move(other); }

EventFileWriter& EventFileWriter::operator=(EventFileWriter&& other) noexcept {
  if (this != &other) {
    (void)Close();
    file_ = other.file_;
    path_ = std::move(other.path_);
    flush_interval_s_ = other.flush_interval_s_;
    last_flush_s_ = other.last_flush_s_;
    other.file_ = nullptr;
  }
  return *this;
}

EventFileWriter::~EventFileWriter() { (void)Close(); }

Status EventFileWriter::Open(const std::string& directory, double flush_interval_s) {
  RETURN_IF_ERROR(Close());
  RETURN_IF_ERROR(MakeDirectories(directory));
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host) - 1);
  const double now = WallTime();
  path_ = directory + "/events.out.tfevents." + std::to_string(static_cast<int64_t>(now)) + "." + host + "." +
          std::to_string(::getpid()) + "." + std::to_string(g_file_counter.fetch_add(1));
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) return UnavailableError(path_ + ": cannot create event file: " + std::strerror(errno));
  flush_interval_s_ = flush_interval_s;
  RETURN_IF_ERROR(Write(EncodeFileVersionEvent(now)));
  return Flush();
}

Status EventFileWriter::AddScalars(int64_t step, const std::vector<std::pair<std::string, float>>& scalars) {
  if (!file_) return FailedPreconditionError("event file writer is not open");
  RETURN_IF_ERROR(Write(EncodeScalarsEvent(WallTime(), step, scalars)));
  if (WallTime() - last_flush_s_ >= flush_interval_s_) return Flush();
  return Status::Ok();
}

Status EventFileWriter::Write(const std::string& event) {
  const std::string record = EncodeTfRecord(event);
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size())
    return UnavailableError(path_ + ": write failed");
  return Status::Ok();
}

Status EventFileWriter::Flush() {
  if (!file_) return Status::Ok();
  last_flush_s_ = WallTime();
  if (std::fflush(file_) != 0) return UnavailableError(path_ + ": flush failed");
  return Status::Ok();
}

Status EventFileWriter::Close() {
  if (!file_) return Status::Ok();
  const bool ok = std::fflush(file_) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed) return UnavailableError(path_ + ": close failed");
  return Status::Ok();
}

}  // namespace slaterl
