#include "error_mapping.hpp"

namespace ppio_sandbox::prime_compatible::detail {

namespace {

constexpr const char* kGoneType = "SANDBOX_NOT_FOUND";
constexpr const char* kGoneDetail = "Sandbox is no longer present on the runtime node. Please create a new sandbox.";
constexpr const char* kPausedDetail = "The sandbox is paused; resume it before using it.";

std::string command_prefix(const std::string& command) {
  const std::string shown = command.size() > 50 ? command.substr(0, 50) + "..." : command;
  return "Command '" + shown + "' failed: sandbox is no longer running.";
}

}  // namespace

SandboxNotRunningError sandbox_gone(const std::string& sandbox_id, const std::optional<std::string>& command) {
  const std::string message = command ? command_prefix(*command) + " The sandbox was terminated. Details: " + kGoneDetail
                                      : "Sandbox " + sandbox_id + " failed (" + kGoneType + "): " + kGoneDetail;
  return SandboxNotRunningError(sandbox_id, "TERMINATED", kGoneType, command, message);
}

SandboxNotRunningError sandbox_paused(const std::string& sandbox_id, const std::optional<std::string>& command) {
  const std::string message = command ? command_prefix(*command) + " Details: " + kPausedDetail
                                      : "Sandbox " + sandbox_id + " is not running (status=PAUSED): " + kPausedDetail;
  return SandboxNotRunningError(sandbox_id, "PAUSED", std::nullopt, command, message);
}

void rethrow_as_prime(const std::string& context) {
  try {
    throw;
  } catch (const core::ApiException& e) {
    if (e.status() == 401) throw UnauthorizedError();
    if (e.status() == 402) throw PaymentRequiredError();
    throw APIError(context + ": HTTP " + std::to_string(e.status()) + ": " + e.message(), e.status());
  } catch (const core::TransportError& e) {
    if (e.kind() == core::TransportError::Kind::timeout) throw APITimeoutError(e.what());
    throw APIError(context + ": Request failed: " + e.what());
  } catch (const core::ConfigError& e) {
    throw APIError(e.what());
  }
}

}  // namespace ppio_sandbox::prime_compatible::detail
