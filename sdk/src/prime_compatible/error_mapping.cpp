#include "error_mapping.hpp"

namespace ppio_sandbox::prime_compatible::detail {

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
