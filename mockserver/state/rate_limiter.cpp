#include "mockserver/state/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace ppio_mock::state {

RateLimiter::RateLimiter(const VirtualClock& clock, double rate_per_second, double burst)
    : clock_(clock), rate_(rate_per_second), burst_(std::max(burst, 1.0)) {}

std::optional<int> RateLimiter::acquire(const std::string& team) {
  if (rate_ <= 0) return std::nullopt;
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  auto [it, inserted] = buckets_.try_emplace(team, Bucket{burst_, now});
  auto& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.refilled_at = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - bucket.tokens) / rate_)));
}

}  // namespace ppio_mock::state
