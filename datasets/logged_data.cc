#include "datasets/logged_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/crc32c.h"

namespace slaterl {
namespace {

using namespace logged_data;

// The fixed 40 bytes after which the provenance follows.
struct RawHeader {
  char magic[8];
  uint32_t version;
  uint32_t provenance_bytes;
  int64_t num_trajectories;
  int32_t steps_per_trajectory;
  int32_t slate_size;
  int32_t num_items;
  uint32_t reserved;
};
static_assert(sizeof(RawHeader) == kHeaderBytes, "RawHeader must be packed to 40 bytes");

RawHeader ToRaw(const LoggedDataHeader& h) {
  RawHeader raw;
  std::memcpy(raw.magic, kMagic, sizeof(kMagic));
  raw.version = kFormatVersion;
  raw.provenance_bytes = static_cast<uint32_t>(h.provenance_json.size());
  raw.num_trajectories = h.num_trajectories;
  raw.steps_per_trajectory = h.steps_per_trajectory;
  raw.slate_size = h.slate_size;
  raw.num_items = h.num_items;
  raw.reserved = 0;
  return raw;
}

// First bad entry of one trajectory, or OK. `where` prefixes the message.
Status CheckTrajectory(const LoggedDataHeader& h, const int32_t* items, const uint8_t* clicks,
                       const std::string& where) {
  const int64_t slots = h.slots_per_trajectory();
  for (int64_t s = 0; s < slots; ++s) {
    if (items[s] < 0 || items[s] >= h.num_items)
      return InvalidArgumentError(where + ", step " + std::to_string(s / h.slate_size) + ", slot " +
                                  std::to_string(s % h.slate_size) + ": item id " +
                                  std::to_string(items[s]) + " outside [0, " +
                                  std::to_string(h.num_items) + ")");
    if (clicks[s] > 1)
      return InvalidArgumentError(where + ", step " + std::to_string(s / h.slate_size) + ", slot " +
                                  std::to_string(s % h.slate_size) + ": click " +
                                  std::to_string(clicks[s]) + " is not 0 or 1");
  }
  return Status::Ok();
}

// Reads exactly `bytes` from `file`; DataLoss naming `what` on a short read.
Status ReadExact(std::FILE* file, void* out, size_t bytes, const std::string& what) {
  if (bytes == 0) return Status::Ok();
  if (std::fread(out, 1, bytes, file) != bytes)
    return DataLossError(what + ": truncated (short read)");
  return Status::Ok();
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Opens `path`, reads and checks the header and the file length. Leaves the stream after the
// fixed 40 bytes; `*crc` holds their checksum.
Result<LoggedDataHeader> OpenAndReadHeader(const std::string& path, FilePtr* file, uint32_t* crc) {
  const std::string what = "logged data " + path;
  file->reset(std::fopen(path.c_str(), "rb"));
  if (!*file) return NotFoundError(what + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(::fileno(file->get()), &st) != 0)
    return UnavailableError(what + ": stat failed: " + std::strerror(errno));
  const int64_t size = static_cast<int64_t>(st.st_size);
  if (size < static_cast<int64_t>(kHeaderBytes + kChecksumBytes))
    return DataLossError(what + ": truncated: " + std::to_string(size) +
                         " bytes, shorter than the header");
  RawHeader raw;
  RETURN_IF_ERROR(ReadExact(file->get(), &raw, sizeof(raw), what));
  if (std::memcmp(raw.magic, kMagic, sizeof(kMagic)) != 0)
    return DataLossError(what + ": not a slaterl logged-data file (bad magic)");
  if (raw.version != kFormatVersion)
    return DataLossError(what + ": unsupported format version " + std::to_string(raw.version) +
                         " (this build reads version " + std::to_string(kFormatVersion) + ")");
  if (raw.provenance_bytes > kMaxProvenanceBytes)
    return DataLossError(what + ": provenance of " + std::to_string(raw.provenance_bytes) +
                         " bytes, more than " + std::to_string(kMaxProvenanceBytes));
  LoggedDataHeader h;
  h.num_trajectories = raw.num_trajectories;
  h.steps_per_trajectory = raw.steps_per_trajectory;
  h.slate_size = raw.slate_size;
  h.num_items = raw.num_items;
  // Shape fields first (without the provenance, not read yet) so FileBytes cannot overflow.
  h.provenance_json = "{}";
  Status valid = h.Validate(what);
  if (!valid.ok()) return DataLossError(valid.message());
  h.provenance_json.assign(raw.provenance_bytes, '\0');
  const int64_t expected = h.FileBytes();
  if (size < expected)
    return DataLossError(what + ": truncated: " + std::to_string(size) + " bytes, the header says " +
                         std::to_string(expected));
  if (size > expected)
    return DataLossError(what + ": " + std::to_string(size - expected) +
                         " unexpected bytes after the checksum (the header says " +
                         std::to_string(expected) + " bytes)");
  *crc = Crc32c(&raw, sizeof(raw));
  return h;
}

}  // namespace

// ---- header -------------------------------------------------------------------------------------

int64_t LoggedDataHeader::FileBytes() const {
  return static_cast<int64_t>(kHeaderBytes) + static_cast<int64_t>(provenance_json.size()) +
         num_trajectories * slots_per_trajectory() * 5 + static_cast<int64_t>(kChecksumBytes);
}

Status LoggedDataHeader::Validate(const std::string& what) const {
  if (steps_per_trajectory < 1 || steps_per_trajectory > kMaxStepsPerTrajectory)
    return InvalidArgumentError(what + ": steps_per_trajectory " +
                                std::to_string(steps_per_trajectory) + " outside [1, " +
                                std::to_string(kMaxStepsPerTrajectory) + "]");
  if (slate_size < 1 || slate_size > kMaxSlateSize)
    return InvalidArgumentError(what + ": slate_size " + std::to_string(slate_size) +
                                " outside [1, " + std::to_string(kMaxSlateSize) + "]");
  if (num_items < 1)
    return InvalidArgumentError(what + ": num_items " + std::to_string(num_items) + " < 1");
  if (num_trajectories < 0 || num_trajectories > kMaxPairs / steps_per_trajectory)
    return InvalidArgumentError(what + ": num_trajectories " + std::to_string(num_trajectories) +
                                " outside [0, " + std::to_string(kMaxPairs / steps_per_trajectory) +
                                "]");
  if (provenance_json.size() > kMaxProvenanceBytes)
    return InvalidArgumentError(what + ": provenance of " + std::to_string(provenance_json.size()) +
                                " bytes, more than " + std::to_string(kMaxProvenanceBytes));
  if (provenance_json.size() < 2 || provenance_json.front() != '{' || provenance_json.back() != '}')
    return InvalidArgumentError(what + ": provenance is not a JSON object");
  if (provenance_json.find('\0') != std::string::npos)
    return InvalidArgumentError(what + ": provenance holds a NUL byte");
  return Status::Ok();
}

Status LoggedDataset::Validate(const std::string& what) const {
  RETURN_IF_ERROR(header.Validate(what));
  const size_t slots = static_cast<size_t>(header.num_trajectories * header.slots_per_trajectory());
  if (items.size() != slots || clicks.size() != slots)
    return InvalidArgumentError(what + ": " + std::to_string(items.size()) + " item ids and " +
                                std::to_string(clicks.size()) + " clicks, expected " +
                                std::to_string(slots) + " of each");
  for (int64_t i = 0; i < header.num_trajectories; ++i)
    RETURN_IF_ERROR(CheckTrajectory(header, trajectory_items(i), trajectory_clicks(i),
                                    what + ": trajectory " + std::to_string(i)));
  return Status::Ok();
}

// ---- writer -------------------------------------------------------------------------------------

LoggedDataWriter::LoggedDataWriter(std::string path, std::string tmp_path, LoggedDataHeader header,
                                   std::FILE* file)
    : path_(std::move(path)), tmp_path_(std::move(tmp_path)), header_(std::move(header)),
      file_(file) {}

LoggedDataWriter::~LoggedDataWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!finished_) ::unlink(tmp_path_.c_str());
}

Result<std::unique_ptr<LoggedDataWriter>> LoggedDataWriter::Open(const std::string& path,
                                                                 const LoggedDataHeader& header) {
  RETURN_IF_ERROR(header.Validate("logged data " + path));
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr)
    return UnavailableError("logged data " + path + ": cannot create " + tmp + ": " +
                            std::strerror(errno));
  std::unique_ptr<LoggedDataWriter> writer(new LoggedDataWriter(path, tmp, header, file));
  const RawHeader raw = ToRaw(header);
  RETURN_IF_ERROR(writer->Write(&raw, sizeof(raw)));
  RETURN_IF_ERROR(writer->Write(header.provenance_json.data(), header.provenance_json.size()));
  return writer;
}

Status LoggedDataWriter::Write(const void* data, size_t bytes) {
  if (file_ == nullptr) return FailedPreconditionError("logged data " + path_ + ": writer is closed");
  if (bytes == 0) return Status::Ok();
  if (std::fwrite(data, 1, bytes, file_) != bytes)
    return UnavailableError("logged data " + path_ + ": write to " + tmp_path_ + " failed: " +
                            std::strerror(errno));
  crc_ = Crc32cExtend(crc_, data, bytes);
  return Status::Ok();
}

Status LoggedDataWriter::Append(const int32_t* items, const uint8_t* clicks) {
  const std::string where = "logged data " + path_ + ": trajectory " + std::to_string(appended_);
  if (finished_) return FailedPreconditionError(where + ": the file is already finished");
  if (appended_ >= header_.num_trajectories)
    return InvalidArgumentError(where + ": the header declares only " +
                                std::to_string(header_.num_trajectories) + " trajectories");
  RETURN_IF_ERROR(CheckTrajectory(header_, items, clicks, where));
  const size_t slots = static_cast<size_t>(header_.slots_per_trajectory());
  RETURN_IF_ERROR(Write(items, slots * sizeof(int32_t)));
  RETURN_IF_ERROR(Write(clicks, slots));
  ++appended_;
  return Status::Ok();
}

Status LoggedDataWriter::Finish() {
  const std::string what = "logged data " + path_;
  if (finished_) return FailedPreconditionError(what + ": already finished");
  if (appended_ != header_.num_trajectories)
    return FailedPreconditionError(what + ": " + std::to_string(appended_) + " of " +
                                   std::to_string(header_.num_trajectories) +
                                   " trajectories appended");
  const uint32_t crc = crc_;
  if (std::fwrite(&crc, 1, sizeof(crc), file_) != sizeof(crc) || std::fflush(file_) != 0 ||
      ::fsync(::fileno(file_)) != 0)
    return UnavailableError(what + ": writing " + tmp_path_ + " failed: " + std::strerror(errno));
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) return UnavailableError(what + ": close failed: " + std::strerror(errno));
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    return UnavailableError(what + ": rename from " + tmp_path_ + " failed: " + std::strerror(errno));
  finished_ = true;
  return Status::Ok();
}

Status WriteLoggedDataset(const std::string& path, const LoggedDataset& data) {
  RETURN_IF_ERROR(data.Validate("logged data " + path));
  ASSIGN_OR_RETURN(auto writer, LoggedDataWriter::Open(path, data.header));
  for (int64_t i = 0; i < data.num_trajectories(); ++i)
    RETURN_IF_ERROR(writer->Append(data.trajectory_items(i), data.trajectory_clicks(i)));
  return writer->Finish();
}

// ---- reader -------------------------------------------------------------------------------------

Result<LoggedDataHeader> ReadLoggedDataHeader(const std::string& path) {
  FilePtr file;
  uint32_t crc = 0;
  ASSIGN_OR_RETURN(LoggedDataHeader h, OpenAndReadHeader(path, &file, &crc));
  const std::string what = "logged data " + path;
  RETURN_IF_ERROR(ReadExact(file.get(), &h.provenance_json[0], h.provenance_json.size(), what));
  Status valid = h.Validate(what);
  if (!valid.ok()) return DataLossError(valid.message());
  return h;
}

Result<LoggedDataset> ReadLoggedDataset(const std::string& path) {
  const std::string what = "logged data " + path;
  FilePtr file;
  uint32_t crc = 0;
  LoggedDataset data;
  ASSIGN_OR_RETURN(data.header, OpenAndReadHeader(path, &file, &crc));
  LoggedDataHeader& h = data.header;
  RETURN_IF_ERROR(ReadExact(file.get(), &h.provenance_json[0], h.provenance_json.size(), what));
  crc = Crc32cExtend(crc, h.provenance_json.data(), h.provenance_json.size());
  const size_t slots = static_cast<size_t>(h.slots_per_trajectory());
  data.items.resize(slots * static_cast<size_t>(h.num_trajectories));
  data.clicks.resize(slots * static_cast<size_t>(h.num_trajectories));
  for (int64_t i = 0; i < h.num_trajectories; ++i) {
    int32_t* items = data.items.data() + static_cast<size_t>(i) * slots;
    uint8_t* clicks = data.clicks.data() + static_cast<size_t>(i) * slots;
    RETURN_IF_ERROR(ReadExact(file.get(), items, slots * sizeof(int32_t), what));
    RETURN_IF_ERROR(ReadExact(file.get(), clicks, slots, what));
    crc = Crc32cExtend(crc, items, slots * sizeof(int32_t));
    crc = Crc32cExtend(crc, clicks, slots);
  }
  uint32_t stored = 0;
  RETURN_IF_ERROR(ReadExact(file.get(), &stored, sizeof(stored), what));
  if (stored != crc) return DataLossError(what + ": checksum mismatch (corrupt file)");
  // A valid checksum over out-of-range values means a faulty writer, not a torn file.
  RETURN_IF_ERROR(data.Validate(what));
  return data;
}

}  // namespace slaterl
