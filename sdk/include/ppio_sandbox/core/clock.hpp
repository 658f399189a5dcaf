#pragma once
// Time and sleeping behind an interface, so that retries and waits can be
// tested without sleeping on the wall clock.
#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>
#include <vector>

#include "ppio_sandbox/core/time.hpp"

namespace ppio_sandbox::core {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  virtual void sleep(std::chrono::milliseconds duration) = 0;
  // Sleeps like sleep(), but returns as soon as `stop` is requested: true
  // when the whole duration passed, false when it was stopped.
  virtual bool sleep_unless_stopped(std::chrono::milliseconds duration, std::stop_token stop) = 0;
  // The time of day (UTC), to compare with the service's timestamps.
  virtual Timestamp wall_now() const = 0;
};

// The real steady clock; sleep blocks the calling thread.
std::shared_ptr<Clock> steady_clock();

// A clock that only moves when slept on: sleep returns at once and advances
// now() and wall_now() by the duration. It records every sleep. Safe to share
// between threads. wall_now() starts at the system time of its construction.
class ManualClock final : public Clock {
 public:
  ManualClock();
  time_point now() const override;
  void sleep(std::chrono::milliseconds duration) override;
  // A stop requested before the call returns false without advancing.
  bool sleep_unless_stopped(std::chrono::milliseconds duration, std::stop_token stop) override;
  Timestamp wall_now() const override;
  void advance(std::chrono::milliseconds duration);
  std::vector<std::chrono::milliseconds> sleeps() const;

 private:
  mutable std::mutex mutex_;
  time_point now_{};
  Timestamp wall_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace ppio_sandbox::core
