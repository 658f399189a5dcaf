#pragma once
// Time and sleeping behind an interface, so that retries and waits can be
// tested without sleeping on the wall clock.
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace ppio_sandbox::core {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  virtual void sleep(std::chrono::milliseconds duration) = 0;
};

// The real steady clock; sleep blocks the calling thread.
std::shared_ptr<Clock> steady_clock();

// A clock that only moves when slept on: sleep returns at once and advances
// now() by the duration. It records every sleep. Safe to share between threads.
class ManualClock final : public Clock {
 public:
  time_point now() const override;
  void sleep(std::chrono::milliseconds duration) override;
  void advance(std::chrono::milliseconds duration);
  std::vector<std::chrono::milliseconds> sleeps() const;

 private:
  mutable std::mutex mutex_;
  time_point now_{};
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace ppio_sandbox::core
