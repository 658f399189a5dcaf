#pragma once
#include <optional>
#include <stdexcept>
#include <string>

namespace ppio_sandbox::core {

// The service answered with a non-2xx status.
class ApiException : public std::runtime_error {
 public:
  ApiException(int status, std::string message, std::optional<int> retry_after_seconds = std::nullopt);
  int status() const { return status_; }
  // The service's own message, without the status prefix.
  const std::string& message() const { return message_; }
  std::optional<int> retry_after_seconds() const { return retry_after_; }

 private:
  int status_;
  std::string message_;
  std::optional<int> retry_after_;
};

// A request that cannot be sent: no credentials, a bad URL.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ppio_sandbox::core
