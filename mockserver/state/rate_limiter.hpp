#pragma once
// A token bucket per team on the virtual clock: `rate` requests per second on
// average, bursts up to `burst`. Zero rate means no limit.
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "mockserver/state/clock.hpp"

namespace ppio_mock::state {

class RateLimiter {
 public:
  RateLimiter(const VirtualClock& clock, double rate_per_second, double burst);

  // Takes a token for `team`. Returns nullopt when allowed, else the seconds
  // to wait before a token is available (at least 1, for Retry-After).
  std::optional<int> acquire(const std::string& team);
  double rate() const { return rate_; }

 private:
  struct Bucket {
    double tokens;
    Timestamp refilled_at;
  };

  const VirtualClock& clock_;
  double rate_;
  double burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace ppio_mock::state
