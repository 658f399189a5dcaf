#include "error_mapping.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ppio_sandbox::prime_compatible::detail {

namespace {

constexpr const char* kGoneDetail = "Sandbox is no longer present on the runtime node. Please create a new sandbox.";
constexpr const char* kPausedDetail = "The sandbox is paused; resume it before using it.";

std::string command_prefix(const std::string& command) {
  const std::string shown = command.size() > 50 ? command.substr(0, 50) + "..." : command;
  return "Command '" + shown + "' failed: sandbox is no longer running.";
}

// Prime's sentence for each error_type, in a command's message.
std::string type_sentence(const NotRunning& why) {
  const auto type = why.error_type.value_or("");
  if (type == "OOM_KILLED") {
    return " The sandbox was terminated due to out-of-memory (OOM). Consider requesting more memory or optimizing "
           "memory usage.";
  }
  if (type == "TIMEOUT") return " The sandbox exceeded its maximum runtime and was terminated.";
  if (type == "IMAGE_PULL_FAILED") return " The sandbox failed to start due to image pull failure.";
  if (why.status == "TERMINATED") return " The sandbox was terminated.";
  return "";
}

std::optional<std::string> message_for(const std::string& sandbox_id, const NotRunning& why,
                                       const std::optional<std::string>& command) {
  if (command) {
    return command_prefix(*command) + type_sentence(why) +
           (why.error_message ? " Details: " + *why.error_message : std::string());
  }
  if (why.error_message) {
    if (why.error_type) return "Sandbox " + sandbox_id + " failed (" + *why.error_type + "): " + *why.error_message;
    return "Sandbox " + sandbox_id + " is not running (status=" + why.status + "): " + *why.error_message;
  }
  return std::nullopt;  // the class's own default
}

template <class E>
E make_error(const std::string& sandbox_id, const NotRunning& why, const std::optional<std::string>& command) {
  return E(sandbox_id, why.status, why.error_type, command, message_for(sandbox_id, why, command));
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool mentions(const std::string& text, std::initializer_list<const char*> phrases) {
  return std::any_of(phrases.begin(), phrases.end(), [&](const char* p) { return text.find(p) != std::string::npos; });
}

}  // namespace

[[noreturn]] void throw_not_running(const std::string& sandbox_id, const NotRunning& why,
                                    const std::optional<std::string>& command) {
  const bool handling = std::current_exception() != nullptr;
  const auto raise = [&](auto error) {
    if (handling) std::throw_with_nested(std::move(error));
    throw std::move(error);
  };
  const auto type = why.error_type.value_or("");
  if (type == "OOM_KILLED") raise(make_error<SandboxOOMError>(sandbox_id, why, command));
  if (type == "TIMEOUT") raise(make_error<SandboxTimeoutError>(sandbox_id, why, command));
  if (type == "IMAGE_PULL_FAILED") raise(make_error<SandboxImagePullError>(sandbox_id, why, command));
  raise(make_error<SandboxNotRunningError>(sandbox_id, why, command));
  std::terminate();  // unreachable: raise always throws
}

std::exception_ptr not_running_error(const std::string& sandbox_id, const NotRunning& why,
                                     const std::optional<std::string>& command) {
  try {
    throw_not_running(sandbox_id, why, command);
  } catch (...) {
    return std::current_exception();
  }
}

NotRunning gone_reason() { return {"TERMINATED", "SANDBOX_NOT_FOUND", kGoneDetail}; }

NotRunning expired_reason(core::Timestamp end_at) {
  return {"TIMEOUT", "TIMEOUT", "The sandbox reached its timeout at " + core::format_rfc3339(end_at) + "."};
}

NotRunning paused_reason() { return {"PAUSED", std::nullopt, kPausedDetail}; }

std::optional<NotRunning> reason_from_logs(const std::vector<core::SandboxLogEntry>& lines) {
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const auto text = lower(it->message);
    // The kernel's OOM killer ("Out of memory: Killed process ..."), a cgroup's, an orchestrator's.
    if (mentions(text, {"out of memory", "out-of-memory", "oom-kill", "oom_kill", "oomkilled", "oom killed"})) {
      return NotRunning{"TERMINATED", "OOM_KILLED", it->message};
    }
    if (mentions(text, {"failed to pull", "image pull", "errimagepull", "imagepullbackoff", "pull access denied"})) {
      return NotRunning{"ERROR", "IMAGE_PULL_FAILED", it->message};
    }
    if (mentions(text, {"timed out", "reached its timeout", "timeout reached", "expired", "end of life"})) {
      return NotRunning{"TIMEOUT", "TIMEOUT", it->message};
    }
  }
  return std::nullopt;
}

void rethrow_as_prime(const std::string& context) {
  try {
    throw;
  } catch (const core::ApiException& e) {
    if (e.status() == 401) throw_from_current(UnauthorizedError());
    if (e.status() == 402) throw_from_current(PaymentRequiredError());
    throw_from_current(APIError(context + ": HTTP " + std::to_string(e.status()) + ": " + e.message(), e.status()));
  } catch (const core::TransportError& e) {
    if (e.kind() == core::TransportError::Kind::timeout) throw_from_current(APITimeoutError(e.what()));
    throw_from_current(APIError(context + ": Request failed: " + e.what()));
  } catch (const core::ConfigError& e) {
    throw_from_current(APIError(e.what()));
  }
}

}  // namespace ppio_sandbox::prime_compatible::detail
