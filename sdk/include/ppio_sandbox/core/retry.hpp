#pragma once
// When and how long the control-plane client waits before trying a call again.
#include <chrono>
#include <optional>

namespace ppio_sandbox::core {

// Defaults are Prime's control-plane policy: 3 attempts, waits drawn from
// [0, min(cap, base * 2^(n-1))]. Retry-After on a 429 or 503 is honoured as
// long as the call's overall timeout allows it.
struct RetryPolicy {
  int max_attempts = 3;  // 1 disables retries
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{2'000};
  // Fraction of the delay that is random: the wait is uniform in
  // [delay * (1 - jitter), delay]. 0 makes waits exact; 1 is "full jitter".
  double jitter = 1.0;
};

// The wait before attempt `attempt + 1`, after `attempt` (>= 1) failures.
// `unit_random` in [0, 1) picks the jitter; pass a fixed value for exact waits.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double unit_random);

// A uniform draw in [0, 1) from a per-thread generator.
double unit_random();

// How a call may be retried.
enum class Idempotency {
  // Repeating it cannot do harm (GET, DELETE, POST timeout/connect): retried on
  // connection errors, 502/503/504 and 429.
  idempotent,
  // Repeating it could do something twice (create, pause): retried only when
  // the connection could not be opened, so the request provably never left.
  not_idempotent,
};

}  // namespace ppio_sandbox::core
