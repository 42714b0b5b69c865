// core/files.h — small file-system helpers with Status errors.
//
// WriteFileAtomic writes to a temporary file in the same directory, fsyncs it, and renames it
// over the target, so a reader (or a crash) sees either the old or the new content, never a torn
// file. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace slaterl {

Status WriteFileAtomic(const std::string& path, const std::string& content);
Result<std::string> ReadFile(const std::string& path);
// mkdir -p with `mode` for every directory it creates.
Status MakeDirectories(const std::string& path, unsigned mode = 0755);
bool PathExists(const std::string& path);
// The names in a directory (without "." and ".."), sorted.
Result<std::vector<std::string>> ListDirectory(const std::string& path);

}  // namespace slaterl
