#include "ppio_sandbox/core/clock.hpp"

#include <condition_variable>
#include <thread>

namespace ppio_sandbox::core {

namespace {

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void sleep(std::chrono::milliseconds duration) override {
    if (duration.count() > 0) std::this_thread::sleep_for(duration);
  }
  bool sleep_unless_stopped(std::chrono::milliseconds duration, std::stop_token stop) override {
    if (!stop.stop_possible()) {
      sleep(duration);
      return true;
    }
    // A condition variable that only the stop request wakes.
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, duration, [] { return false; });
    return !stop.stop_requested();
  }
  Timestamp wall_now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace

std::shared_ptr<Clock> steady_clock() {
  static const auto clock = std::make_shared<SteadyClock>();
  return clock;
}

ManualClock::ManualClock() : wall_(std::chrono::system_clock::now()) {}

ManualClock::time_point ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void ManualClock::sleep(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  sleeps_.push_back(duration);
  if (duration.count() > 0) {
    now_ += duration;
    wall_ += duration;
  }
}

bool ManualClock::sleep_unless_stopped(std::chrono::milliseconds duration, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  sleep(duration);
  return !stop.stop_requested();
}

Timestamp ManualClock::wall_now() const {
  std::lock_guard lock(mutex_);
  return wall_;
}

void ManualClock::advance(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  now_ += duration;
  wall_ += duration;
}

std::vector<std::chrono::milliseconds> ManualClock::sleeps() const {
  std::lock_guard lock(mutex_);
  return sleeps_;
}

}  // namespace ppio_sandbox::core
