#pragma once
// The fake's notion of "now". Real time by default; tests freeze, set or
// advance it so that lifecycle behaviour is checked without sleeping.
#include <chrono>
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
  Timestamp read_locked() const;

  mutable std::mutex mutex_;
  bool frozen_ = false;
  Timestamp frozen_at_{};
  std::chrono::system_clock::duration offset_{0};
};

}  // namespace ppio_mock::state
