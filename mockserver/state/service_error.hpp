#pragma once
// What the state layer throws when a request cannot be served. The HTTP edge
// turns it into the service's own body, {"code": status, "message": ...}.
#include <optional>
#include <stdexcept>
#include <string>

namespace ppio_mock::state {

class ServiceError : public std::runtime_error {
 public:
  ServiceError(int status, const std::string& message, std::optional<int> retry_after_seconds = std::nullopt)
      : std::runtime_error(message), status_(status), retry_after_(retry_after_seconds) {}
  int status() const { return status_; }
  std::optional<int> retry_after_seconds() const { return retry_after_; }

 private:
  int status_;
  std::optional<int> retry_after_;
};

}  // namespace ppio_mock::state
