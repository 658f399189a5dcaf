#include "ppio_sandbox/prime_compatible/errors.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

std::string not_running_message(const std::string& id, const std::optional<std::string>& status,
                                const std::optional<std::string>& error_type,
                                const std::optional<std::string>& message) {
  if (message) return *message;
  if (error_type) return "Sandbox " + id + " failed (" + *error_type + ")";
  if (status) return "Sandbox " + id + " is not running (status=" + *status + ")";
  return "Sandbox " + id + " is not running";
}

}  // namespace

SandboxNotRunningError::SandboxNotRunningError(std::string sandbox_id, std::optional<std::string> status,
                                               std::optional<std::string> error_type,
                                               std::optional<std::string> command,
                                               std::optional<std::string> message)
    : std::runtime_error(not_running_message(sandbox_id, status, error_type, message)),
      sandbox_id_(std::move(sandbox_id)),
      status_(std::move(status)),
      error_type_(std::move(error_type)),
      command_(std::move(command)) {}

}  // namespace ppio_sandbox::prime_compatible
