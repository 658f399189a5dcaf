#pragma once
// The one place where core errors become Prime's errors.
#include <optional>
#include <string>
#include <utility>

#include "ppio_sandbox/core/errors.hpp"
#include "ppio_sandbox/core/http.hpp"
#include "ppio_sandbox/prime_compatible/errors.hpp"

namespace ppio_sandbox::prime_compatible::detail {

// Prime's not-running errors for a sandbox PPIO no longer has (killed or
// expired): status TERMINATED, error_type SANDBOX_NOT_FOUND, and with a
// command, "Command '<first 50 chars>' failed: sandbox is no longer running. ...".
SandboxNotRunningError sandbox_gone(const std::string& sandbox_id,
                                    const std::optional<std::string>& command = std::nullopt);
// The same for a paused sandbox, which envd cannot reach until it is resumed.
SandboxNotRunningError sandbox_paused(const std::string& sandbox_id,
                                      const std::optional<std::string>& command = std::nullopt);

// Call inside a catch block: rethrows the current exception as Prime's type.
// `context` prefixes generic APIError messages, e.g. "Failed to create sandbox".
[[noreturn]] void rethrow_as_prime(const std::string& context);

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
