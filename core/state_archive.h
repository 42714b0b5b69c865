// core/state_archive.h — the named, typed state of run components, for whole-run snapshots
// (`backend: inproc` resumes bit-identically; docs/reliability.md).
//
// Contract.
// * One visiting function per component, for both directions: a component implements
//   `Status VisitState(StateArchive& ar)` that calls ar.Field(name, member) for every member that
//   influences what it does next (RNG states included) and returns ar.status(). Saving appends each
//   value; loading reads the next field into the member. The same code runs both ways, so a field
//   cannot be saved and forgotten on load.
// * Loading checks every field against the snapshot: its name (with the scope prefix, e.g.
//   "actor/3/env/budget"), its type, and — where the destination is non-empty (sized by the
//   component's own construction from the same config) — its element count. The first mismatch
//   becomes status() (DataLoss, naming the field, what the snapshot holds and what was expected);
//   every later Field() call is then a no-op, so a component never acts on half-loaded state
//   without its caller seeing the error. An empty destination vector takes the stored count.
// * Format (bytes()): "SLRSTAT1", then per field: u16 name length, name, u8 type, u64 count,
//   count × element bytes (host order, little-endian on every supported platform). Integrity is
//   the caller's business (CheckpointStore checksums every file).
// * Not thread-safe; a plain value. Never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/status.h"

namespace slaterl {

class StateArchive {
 public:
  // An empty archive to save into.
  static StateArchive ForSaving();
  // An archive reading `bytes` (a previous bytes()). DataLoss when the magic is missing.
  static Result<StateArchive> ForLoading(std::string bytes);

  bool loading() const { return loading_; }
  // OK, or the first error of a load.
  const Status& status() const { return status_; }
  // The saved bytes (saving archives).
  const std::string& bytes() const { return bytes_; }
  // Loading: OK when every stored field was read, else DataLoss naming the first unread one (the
  // snapshot holds state this build does not know about).
  Status CheckFullyRead() const;

  // Names given to Field() inside a Scope get "<scope>/" prefixed; scopes nest.
  class Scope {
   public:
    Scope(StateArchive& archive, const std::string& name);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    StateArchive& archive_;
    size_t previous_size_;
  };

  void Field(const std::string& name, int64_t& value);
  void Field(const std::string& name, uint64_t& value);
  void Field(const std::string& name, int32_t& value);
  void Field(const std::string& name, double& value);
  void Field(const std::string& name, float& value);
  void Field(const std::string& name, bool& value);
  void Field(const std::string& name, std::string& bytes);
  void Field(const std::string& name, std::vector<float>& values);
  void Field(const std::string& name, std::vector<double>& values);
  void Field(const std::string& name, std::vector<int32_t>& values);
  void Field(const std::string& name, std::vector<int64_t>& values);
  void Field(const std::string& name, std::vector<uint64_t>& values);
  void Field(const std::string& name, std::vector<uint8_t>& values);
  void Field(const std::string& name, Rng& rng);
  void Field(const std::string& name, std::vector<Rng>& rngs);
  // Two fields, "<name>.keys" (NUL-separated) and "<name>.values"; loading replaces the map.
  void Field(const std::string& name, std::map<std::string, double>& values);

 private:
  enum Type : uint8_t { kI64 = 1, kU64, kI32, kF64, kF32, kU8, kBytes, kRng };
  StateArchive(bool loading, std::string bytes);
  // Saving: appends a field. Loading: reads the next field header, checks name and type, and
  // returns its element count (or -1 after an error); Read() then copies the payload.
  void Write(const std::string& name, Type type, const void* data, uint64_t count, size_t element_bytes);
  int64_t ReadHeader(const std::string& name, Type type, size_t element_bytes);
  void ReadPayload(void* data, uint64_t count, size_t element_bytes);
  template <typename T>
  void Scalar(const std::string& name, Type type, T& value);
  template <typename T>
  void Vector(const std::string& name, Type type, std::vector<T>& values);
  void Fail(const std::string& message);

  bool loading_;
  std::string bytes_;
  size_t read_pos_ = 0;
  std::string prefix_;
  Status status_;
};

}  // namespace slaterl
