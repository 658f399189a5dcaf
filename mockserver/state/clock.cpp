#include "mockserver/state/clock.hpp"

namespace ppio_mock::state {

Timestamp VirtualClock::read_locked() const {
  return frozen_ ? frozen_at_ : std::chrono::system_clock::now() + offset_;
}

Timestamp VirtualClock::now() const {
  std::lock_guard lock(mutex_);
  return read_locked();
}

bool VirtualClock::frozen() const {
  std::lock_guard lock(mutex_);
  return frozen_;
}

void VirtualClock::freeze() {
  std::lock_guard lock(mutex_);
  frozen_at_ = read_locked();
  frozen_ = true;
}

void VirtualClock::unfreeze() {
  std::lock_guard lock(mutex_);
  if (!frozen_) return;
  offset_ = frozen_at_ - std::chrono::system_clock::now();
  frozen_ = false;
}

void VirtualClock::set(Timestamp t) {
  std::lock_guard lock(mutex_);
  if (frozen_) frozen_at_ = t;
  else offset_ = t - std::chrono::system_clock::now();
}

void VirtualClock::advance(std::chrono::milliseconds by) {
  std::lock_guard lock(mutex_);
  if (frozen_) frozen_at_ += by;
  else offset_ += by;
}

}  // namespace ppio_mock::state
