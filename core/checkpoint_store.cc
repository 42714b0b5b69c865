#include "core/checkpoint_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/crc32c.h"
#include "core/files.h"

namespace slaterl {

namespace {

constexpr char kPrefix[] = "ckpt-";
constexpr char kManifest[] = "MANIFEST";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Relative paths of the regular files below `root` (recursively), sorted.
Status ListFiles(const std::string& root, const std::string& relative, std::vector<std::string>* out) {
  const std::string path = relative.empty() ? root : root + "/" + relative;
  DIR* d = ::opendir(path.c_str());
  if (!d) return UnavailableError(Errno("opendir " + path));
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string rel = relative.empty() ? name : relative + "/" + name;
    struct stat st;
    if (::lstat((root + "/" + rel).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      Status s = ListFiles(root, rel, out);
      if (!s.ok()) {
        ::closedir(d);
        return s;
      }
    } else if (S_ISREG(st.st_mode)) {
      out->push_back(rel);
    }
  }
  ::closedir(d);
  std::sort(out->begin(), out->end());
  return Status::Ok();
}

Status FsyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return UnavailableError(Errno("open " + path));
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : UnavailableError(Errno("fsync " + path));
}

Status RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Status::Ok();
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") RETURN_IF_ERROR(RemoveTree(path + "/" + name));
      }
      ::closedir(d);
    }
    if (::rmdir(path.c_str()) != 0) return UnavailableError(Errno("rmdir " + path));
  } else if (::unlink(path.c_str()) != 0) {
    return UnavailableError(Errno("unlink " + path));
  }
  return Status::Ok();
}

// "ckpt-000000012345" → 12345; -1 when `name` is not a complete checkpoint's name.
int64_t ParseStep(const std::string& name) {
  const size_t prefix = sizeof(kPrefix) - 1;
  if (name.compare(0, prefix, kPrefix) != 0 || name.size() == prefix) return -1;
  int64_t step = 0;
  for (size_t i = prefix; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    step = step * 10 + (name[i] - '0');
  }
  return step;
}

}  // namespace

Result<CheckpointStore> CheckpointStore::Open(const std::string& dir, int keep_last) {
  if (keep_last < 1) return InvalidArgumentError("checkpoint store " + dir + ": keep_last must be >= 1");
  RETURN_IF_ERROR(MakeDirectories(dir));
  return CheckpointStore(dir, keep_last);
}

std::string CheckpointStore::PathFor(int64_t step) const {
  char name[64];
  std::snprintf(name, sizeof(name), "%s%012" PRId64, kPrefix, step);
  return dir_ + "/" + name;
}

std::vector<int64_t> CheckpointStore::Steps() const {
  std::vector<int64_t> steps;
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const int64_t step = ParseStep(e->d_name);
      if (step >= 0) steps.push_back(step);
    }
    ::closedir(d);
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

Result<std::string> CheckpointStore::Begin(int64_t step) {
  if (step < 0) return InvalidArgumentError("checkpoint step must be >= 0");
  const std::vector<int64_t> steps = Steps();
  if (!steps.empty() && step <= steps.back())
    return InvalidArgumentError("checkpoint step " + std::to_string(step) + " is not newer than " +
                                PathFor(steps.back()));
  // Leftovers of interrupted writes.
  if (DIR* d = ::opendir(dir_.c_str())) {
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) stale.push_back(dir_ + "/" + name);
    }
    ::closedir(d);
    for (const auto& path : stale) RETURN_IF_ERROR(RemoveTree(path));
  }
  const std::string tmp = PathFor(step) + ".tmp";
  RETURN_IF_ERROR(MakeDirectories(tmp));
  return tmp;
}

Status CheckpointStore::Commit(int64_t step) {
  const std::string final_path = PathFor(step), tmp = final_path + ".tmp";
  std::vector<std::string> files;
  RETURN_IF_ERROR(ListFiles(tmp, "", &files));
  std::ostringstream manifest;
  manifest << "slaterl-checkpoint " << kFormatVersion << "\nstep " << step << "\nfiles " << files.size() << "\n";
  for (const std::string& rel : files) {
    if (rel == kManifest) return InvalidArgumentError(tmp + ": a writer created a file named MANIFEST");
    if (rel.find_first_of(" \t\n") != std::string::npos)
      return InvalidArgumentError(tmp + "/" + rel + ": checkpoint file names may not contain whitespace");
    ASSIGN_OR_RETURN(std::string content, ReadFile(tmp + "/" + rel));
    RETURN_IF_ERROR(FsyncPath(tmp + "/" + rel, /*directory=*/false));
    char line[64];
    std::snprintf(line, sizeof(line), " %zu %08x\n", content.size(), Crc32c(content.data(), content.size()));
    manifest << "file " << rel << line;
  }
  RETURN_IF_ERROR(WriteFileAtomic(tmp + "/" + kManifest, manifest.str()));
  RETURN_IF_ERROR(FsyncPath(tmp, /*directory=*/true));
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) return UnavailableError(Errno("rename " + tmp));
  RETURN_IF_ERROR(FsyncPath(dir_, /*directory=*/true));
  const std::vector<int64_t> steps = Steps();
  for (size_t i = 0; i + static_cast<size_t>(keep_last_) < steps.size(); ++i)
    RETURN_IF_ERROR(RemoveTree(PathFor(steps[i])));
  return Status::Ok();
}

Result<CheckpointInfo> CheckpointStore::Verify(const std::string& checkpoint_dir) {
  const std::string manifest_path = checkpoint_dir + "/" + kManifest;
  Result<std::string> manifest = ReadFile(manifest_path);
  if (!manifest.ok()) return DataLossError(manifest_path + ": missing (an incomplete checkpoint)");
  std::istringstream in(*manifest);
  std::string word;
  int version = 0;
  CheckpointInfo info;
  info.path = checkpoint_dir;
  size_t count = 0;
  if (!(in >> word >> version) || word != "slaterl-checkpoint")
    return DataLossError(manifest_path + ": not a slaterl checkpoint manifest");
  if (version != kFormatVersion)
    return DataLossError(manifest_path + ": format version " + std::to_string(version) + ", this build reads " +
                         std::to_string(kFormatVersion));
  if (!(in >> word >> info.step) || word != "step" || !(in >> word >> count) || word != "files")
    return DataLossError(manifest_path + ": truncated header");
  for (size_t i = 0; i < count; ++i) {
    std::string rel, crc_text;
    size_t size = 0;
    if (!(in >> word >> rel >> size >> crc_text) || word != "file")
      return DataLossError(manifest_path + ": truncated (" + std::to_string(i) + " of " + std::to_string(count) +
                           " file entries)");
    if (rel.find("..") != std::string::npos || rel.empty() || rel[0] == '/')
      return DataLossError(manifest_path + ": bad file name '" + rel + "'");
    Result<std::string> content = ReadFile(checkpoint_dir + "/" + rel);
    if (!content.ok()) return DataLossError(checkpoint_dir + "/" + rel + ": missing");
    if (content->size() != size)
      return DataLossError(checkpoint_dir + "/" + rel + ": " + std::to_string(content->size()) + " bytes, the manifest says " +
                           std::to_string(size) + " (truncated?)");
    char crc[16];
    std::snprintf(crc, sizeof(crc), "%08x", Crc32c(content->data(), content->size()));
    if (crc_text != crc) return DataLossError(checkpoint_dir + "/" + rel + ": CRC-32C mismatch (corrupted)");
    info.files.push_back(rel);
  }
  return info;
}

Result<CheckpointInfo> CheckpointStore::Latest(std::vector<std::string>* skipped) const {
  const std::vector<int64_t> steps = Steps();
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    Result<CheckpointInfo> info = Verify(PathFor(*it));
    if (info.ok()) return info;
    if (skipped) skipped->push_back(info.status().message());
  }
  return NotFoundError(dir_ + ": no valid checkpoint");
}

Result<CheckpointInfo> CheckpointStore::AtOrLatest(int64_t step, std::vector<std::string>* skipped) const {
  if (step > 0) {
    Result<CheckpointInfo> exact = Verify(PathFor(step));
    if (exact.ok()) return exact;
    if (skipped) skipped->push_back("checkpoint " + std::to_string(step) + " asked for: " + exact.status().message());
  }
  return Latest(skipped);
}

Result<std::vector<std::string>> CheckpointStore::SetAsideNewerThan(int64_t step) {
  std::vector<std::string> moved;
  for (int64_t newer : Steps()) {
    if (newer <= step) continue;
    const std::string from = PathFor(newer);
    std::string to = from + ".superseded";
    for (int n = 2; PathExists(to); ++n) to = from + ".superseded-" + std::to_string(n);
    if (::rename(from.c_str(), to.c_str()) != 0) return UnavailableError(Errno("rename " + from));
    moved.push_back(to);
  }
  if (!moved.empty()) RETURN_IF_ERROR(FsyncPath(dir_, /*directory=*/true));
  return moved;
}

}  // namespace slaterl
