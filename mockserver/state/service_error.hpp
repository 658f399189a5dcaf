#pragma once
// What the state layer throws when a request cannot be served. The HTTP edge
// turns it into the service's own body, {"code": status, "message": ...}.
#include <stdexcept>
#include <string>

namespace ppio_mock::state {

class ServiceError : public std::runtime_error {
 public:
  ServiceError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace ppio_mock::state
