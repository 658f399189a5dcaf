#pragma once
// The one place where core errors become Prime's errors.
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/errors.hpp"
#include "ppio_sandbox/core/http.hpp"
#include "ppio_sandbox/prime_compatible/errors.hpp"

namespace ppio_sandbox::prime_compatible::detail {

// Why a sandbox is not running, as Prime's error context gives it.
struct NotRunning {
  std::string status;                       // TERMINATED, PAUSED, ...
  std::optional<std::string> error_type;    // OOM_KILLED, TIMEOUT, IMAGE_PULL_FAILED, SANDBOX_NOT_FOUND, ...
  std::optional<std::string> error_message;
};

// Prime's typed not-running error for `why`: SandboxOOMError for OOM_KILLED,
// SandboxTimeoutError for TIMEOUT, SandboxImagePullError for
// IMAGE_PULL_FAILED, else SandboxNotRunningError, with Prime's messages
// ("Command '<first 50 chars>' failed: sandbox is no longer running. ..."
// with a command, "Sandbox <id> failed (<type>): <message>" without).
// Thrown from inside a catch block, std::throw_with_nested keeps the cause.
[[noreturn]] void throw_not_running(const std::string& sandbox_id, const NotRunning& why,
                                    const std::optional<std::string>& command);
// The same error, held rather than thrown (with the current exception as its cause, if any).
std::exception_ptr not_running_error(const std::string& sandbox_id, const NotRunning& why,
                                     const std::optional<std::string>& command);

// A sandbox PPIO no longer has, with nothing known about why: TERMINATED, SANDBOX_NOT_FOUND.
NotRunning gone_reason();
// One whose known end (timeout_minutes) has passed: TIMEOUT.
NotRunning expired_reason(core::Timestamp end_at);
// A paused sandbox, which envd cannot reach until it is resumed.
NotRunning paused_reason();
// What a sandbox's log says about why it ended, newest line first: running
// out of memory (OOM_KILLED), an image that could not be pulled
// (IMAGE_PULL_FAILED), reaching its timeout (TIMEOUT). nullopt when no line says.
std::optional<NotRunning> reason_from_logs(const std::vector<core::SandboxLogEntry>& lines);

// Call inside a catch block: rethrows the current exception as Prime's type,
// with the core error nested as its cause.
// `context` prefixes generic APIError messages, e.g. "Failed to create sandbox".
[[noreturn]] void rethrow_as_prime(const std::string& context);

// Throws `error` with the exception being handled as its cause (call inside a catch block).
template <class E>
[[noreturn]] void throw_from_current(E error) {
  std::throw_with_nested(std::move(error));
}

// Throws `error` with `cause` nested in it, for errors read from an answer
// rather than caught: an HTTP status (core::ApiException), a Connect error
// (core::connect::RpcError).
template <class E, class C>
[[noreturn]] void throw_with_cause(E error, C cause) {
  try {
    throw std::move(cause);
  } catch (...) {
    std::throw_with_nested(std::move(error));
  }
}

template <class E>
[[noreturn]] void throw_with_cause(E error, std::exception_ptr cause) {
  try {
    std::rethrow_exception(cause);
  } catch (...) {
    std::throw_with_nested(std::move(error));
  }
}

// The cause for an HTTP answer that is an error.
inline core::ApiException http_cause(const core::HttpResponse& response) {
  return core::ApiException(response.status, response.body);
}

template <class Fn>
auto mapped(const std::string& context, Fn&& fn) -> decltype(fn()) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const core::ApiException&) {
    rethrow_as_prime(context);
  } catch (const core::TransportError&) {
    rethrow_as_prime(context);
  } catch (const core::ConfigError&) {
    rethrow_as_prime(context);
  }
}

}  // namespace ppio_sandbox::prime_compatible::detail
