#pragma once
// Prime's exception hierarchy, with Prime's messages.
//   APIError -> UnauthorizedError (401), PaymentRequiredError (402), APITimeoutError,
//               SandboxFileNotFoundError, SandboxFileTooLargeError, BatchStatusUnsupportedError
//   std::runtime_error -> SandboxNotRunningError -> SandboxOOMError, SandboxTimeoutError,
//                                                   SandboxImagePullError
//                         CommandTimeoutError, UploadTimeoutError, DownloadTimeoutError
//   Python's builtins: FileNotFoundError, BrokenPipeError; asyncio's CancelledError.
// The sandbox-state and timeout errors are deliberately not APIErrors, as in Prime.
//
// Causes: an error raised because of another one carries it, as Python's
// `raise ... from e` does. The SDK throws with std::throw_with_nested, so
// cause_of(e) (or std::rethrow_if_nested(e)) reaches the lower error: a
// core::ApiException with the service's status and message, a
// core::TransportError, a core::connect error, ...
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "ppio_sandbox/core/executor.hpp"

namespace ppio_sandbox::prime_compatible {

// The error `error` was raised from, or null when it has none.
inline std::exception_ptr cause_of(const std::exception& error) {
  const auto* nested = dynamic_cast<const std::nested_exception*>(&error);
  return nested == nullptr ? nullptr : nested->nested_ptr();
}

class APIError : public std::runtime_error {
 public:
  explicit APIError(const std::string& message, std::optional<int> status = std::nullopt)
      : std::runtime_error(message), status_(status) {}
  // The HTTP status behind the error, when there was one.
  std::optional<int> status() const { return status_; }

 private:
  std::optional<int> status_;
};

class UnauthorizedError : public APIError {
 public:
  UnauthorizedError() : APIError("API key unauthorized. Check PPIO_API_KEY.", 401) {}
};

class PaymentRequiredError : public APIError {
 public:
  PaymentRequiredError() : APIError("Payment required. Check billing status.", 402) {}
};

class APITimeoutError : public APIError {
 public:
  explicit APITimeoutError(const std::string& detail) : APIError("Request timed out: " + detail) {}
};
using TimeoutError = APITimeoutError;  // deprecated alias, as in Prime

class SandboxFileNotFoundError : public APIError {
 public:
  explicit SandboxFileNotFoundError(const std::string& path) : APIError("File not found: " + path, 404) {}
};

class SandboxFileTooLargeError : public APIError {
 public:
  SandboxFileTooLargeError(const std::string& path, const std::string& detail)
      : APIError("File too large to read: " + path + ": " + detail, 413) {}
};

class BatchStatusUnsupportedError : public APIError {
 public:
  explicit BatchStatusUnsupportedError(
      const std::string& message = "The platform does not support batch sandbox status lookups.")
      : APIError(message) {}
};

class SandboxNotRunningError : public std::runtime_error {
 public:
  explicit SandboxNotRunningError(std::string sandbox_id, std::optional<std::string> status = std::nullopt,
                                  std::optional<std::string> error_type = std::nullopt,
                                  std::optional<std::string> command = std::nullopt,
                                  std::optional<std::string> message = std::nullopt);
  const std::string& sandbox_id() const { return sandbox_id_; }
  const std::optional<std::string>& status() const { return status_; }
  const std::optional<std::string>& error_type() const { return error_type_; }
  const std::optional<std::string>& command() const { return command_; }

 private:
  std::string sandbox_id_;
  std::optional<std::string> status_, error_type_, command_;
};

// error_type OOM_KILLED: the sandbox ran out of memory.
class SandboxOOMError : public SandboxNotRunningError {
 public:
  using SandboxNotRunningError::SandboxNotRunningError;
};

// error_type TIMEOUT: the sandbox reached its timeout_minutes.
class SandboxTimeoutError : public SandboxNotRunningError {
 public:
  using SandboxNotRunningError::SandboxNotRunningError;
};

// error_type IMAGE_PULL_FAILED: its image could not be pulled.
class SandboxImagePullError : public SandboxNotRunningError {
 public:
  using SandboxNotRunningError::SandboxNotRunningError;
};

class CommandTimeoutError : public std::runtime_error {
 public:
  CommandTimeoutError(const std::string& sandbox_id, const std::string& command, int timeout_seconds)
      : std::runtime_error("Command '" + command + "' timed out after " + std::to_string(timeout_seconds) +
                           "s in sandbox " + sandbox_id) {}
};

class UploadTimeoutError : public std::runtime_error {
 public:
  UploadTimeoutError(const std::string& sandbox_id, const std::string& file_path, int timeout_seconds)
      : std::runtime_error("Upload to '" + file_path + "' timed out after " + std::to_string(timeout_seconds) +
                           "s in sandbox " + sandbox_id) {}
};

class DownloadTimeoutError : public std::runtime_error {
 public:
  DownloadTimeoutError(const std::string& sandbox_id, const std::string& file_path, int timeout_seconds)
      : std::runtime_error("Download from '" + file_path + "' timed out after " + std::to_string(timeout_seconds) +
                           "s in sandbox " + sandbox_id) {}
};

// Python's builtin FileNotFoundError, raised for a missing local file before any request.
class FileNotFoundError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Python's builtin BrokenPipeError: stdin written to a process that has exited.
class BrokenPipeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// asyncio's CancelledError: a call that a closed client never ran, or a wait
// stopped by close() or by its std::stop_token.
using CancelledError = core::CancelledError;

}  // namespace ppio_sandbox::prime_compatible
