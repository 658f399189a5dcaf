#include "ppio_sandbox/core/errors.hpp"

namespace ppio_sandbox::core {

ApiException::ApiException(int status, std::string message, std::optional<int> retry_after_seconds)
    : std::runtime_error(std::to_string(status) + ": " + message),
      status_(status),
      message_(std::move(message)),
      retry_after_(retry_after_seconds) {}

}  // namespace ppio_sandbox::core
