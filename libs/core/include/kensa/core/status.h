#pragma once
// Status and Result<T>: how Kensa's libraries report that they could not do their job.
// Libraries do not throw. Error codes mirror gRPC's so that the gateway maps them in one
// switch. Result<T> keeps its API a subset of C++23 std::expected so it can become an alias.
//
//   kensa::Result<Bytes> data = ReadFileBounded(path, limit);
//   if (!data) return data.error();
//   Use(*data);

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace kensa {

enum class StatusCode {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
};

// Stable lower-case name of a code ("invalid_argument"), used in logs and JSON errors.
const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: no such file: x.exe"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status OutOfRangeError(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnimplementedError(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }

// Holds either a T or a non-OK Status. Subset of std::expected<T, Status>.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "Result built from an OK status holds no value");
  }

  bool has_value() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Status& error() const { return std::get<Status>(state_); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> state_;
};

// The status of a result whose value is not needed: OK, or its error.
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.has_value() ? Status::Ok() : result.error();
}

}  // namespace kensa

#define KENSA_STATUS_CONCAT_INNER_(a, b) a##b
#define KENSA_STATUS_CONCAT_(a, b) KENSA_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` (a Status) is not OK.
#define KENSA_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::kensa::Status kensa_status_ = (expr);    \
    if (!kensa_status_.ok()) return kensa_status_; \
  } while (false)

// KENSA_ASSIGN_OR_RETURN(auto bytes, ReadFileBounded(path, limit));
#define KENSA_ASSIGN_OR_RETURN(lhs, expr) \
  KENSA_ASSIGN_OR_RETURN_IMPL_(KENSA_STATUS_CONCAT_(kensa_result_, __LINE__), lhs, expr)
#define KENSA_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result) return result.error();                   \
  lhs = std::move(result).value()
