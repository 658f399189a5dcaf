#pragma once
// The one place where core errors become Prime's errors.
#include <string>
#include <utility>

#include "ppio_sandbox/core/errors.hpp"
#include "ppio_sandbox/core/http.hpp"
#include "ppio_sandbox/prime_compatible/errors.hpp"

namespace ppio_sandbox::prime_compatible::detail {

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
