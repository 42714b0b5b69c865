// core/status.h — Status and Result<T>: how every fallible slaterl function reports failure.
//
// Contract: a Status is either OK or carries a code and a human-readable message that names the
// thing that failed (file:line:key for configs, the socket for transport, the field for messages).
// Result<T> holds either a value or a non-OK Status. Neither throws. Both are cheap to move and are
// safe to use from any thread (they are plain values). Exceptions of third-party libraries
// (cppzmq, yaml-cpp, cereal, LibTorch) are caught at module edges and turned into a Status there.
#pragma once

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace slaterl {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // bad input: config, message, command line
  kNotFound,          // a file, key or name that does not exist
  kFailedPrecondition,
  kDeadlineExceeded,  // a blocking call timed out
  kCancelled,         // a blocking call was woken by Close()
  kResourceExhausted,
  kUnavailable,       // transport: peer not reachable
  kDataLoss,          // corrupt file or message
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: message" (or "OK").
  std::string ToString() const;
  // Returns a copy whose message is "context: message".
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T>: a T or a non-OK Status. Accessing value() of an error is a programming error (CHECK).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = InternalError("Result constructed from an OK status without a value");
  }
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { CheckOk(); return *value_; }
  const T& value() const& { CheckOk(); return *value_; }
  T&& value() && { CheckOk(); return std::move(*value_); }
  T* operator->() { CheckOk(); return &*value_; }
  const T* operator->() const { CheckOk(); return &*value_; }
  T& operator*() & { CheckOk(); return *value_; }
  const T& operator*() const& { CheckOk(); return *value_; }

 private:
  void CheckOk() const {
    if (!status_.ok()) {
      std::fprintf(stderr, "FATAL: value() of an error Result: %s\n", status_.ToString().c_str());
      std::abort();
    }
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace slaterl

#define SLATERL_CONCAT_INNER(a, b) a##b
#define SLATERL_CONCAT(a, b) SLATERL_CONCAT_INNER(a, b)

// RETURN_IF_ERROR(expr): evaluates a Status expression and returns it from the caller if not OK.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    ::slaterl::Status _slaterl_status = (expr);                 \
    if (!_slaterl_status.ok()) return _slaterl_status;          \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): evaluates a Result<T>; on error returns its Status, else assigns.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SLATERL_CONCAT(_slaterl_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

// CHECK(cond): invariant violations crash with a message (never used for bad input).
#define SLATERL_CHECK(cond)                                                                 \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "FATAL %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)
