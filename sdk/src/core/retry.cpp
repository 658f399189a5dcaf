#include "ppio_sandbox/core/retry.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace ppio_sandbox::core {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double random) {
  const double base = static_cast<double>(policy.base_delay.count());
  const double cap = static_cast<double>(policy.max_delay.count());
  const double exponential = std::min(cap, base * std::pow(2.0, std::max(0, attempt - 1)));
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double delay = exponential * (1.0 - jitter * std::clamp(random, 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(delay)));
}

double unit_random() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace ppio_sandbox::core
