#pragma once
// The fake's notion of "now". Real time by default; tests freeze, set or
// advance it so that lifecycle behaviour is checked without sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <mutex>

#include "ppio_sandbox/core/time.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::Timestamp;

class VirtualClock {
 public:
  Timestamp now() const;
  bool frozen() const;
  // Stops the clock at its current reading.
  void freeze();
  // Lets it run again from its current reading.
  void unfreeze();
  // Jumps to `t` (and stays frozen if it was).
  void set(Timestamp t);
  void advance(std::chrono::milliseconds by);

 private:
  using Ticks = Timestamp::rep;
  static constexpr Ticks kRunning = std::numeric_limits<Ticks>::min();

  // Every request reads the clock several times, so reads take no lock: one
  // atomic says frozen-at (or kRunning), the other the offset from real time.
  // Writers serialise on the mutex and publish the offset before unfreezing.
  std::mutex write_mutex_;
  std::atomic<Ticks> frozen_at_{kRunning};
  std::atomic<Ticks> offset_{0};
};

}  // namespace ppio_mock::state
