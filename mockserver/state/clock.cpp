#include "mockserver/state/clock.hpp"

namespace ppio_mock::state {

namespace {

Timestamp::rep real_ticks() { return Timestamp(std::chrono::system_clock::now()).time_since_epoch().count(); }

}  // namespace

Timestamp VirtualClock::now() const {
  const Ticks frozen_at = frozen_at_.load(std::memory_order_acquire);
  const Ticks ticks = frozen_at != kRunning ? frozen_at : real_ticks() + offset_.load(std::memory_order_acquire);
  return Timestamp(Timestamp::duration(ticks));
}

bool VirtualClock::frozen() const { return frozen_at_.load(std::memory_order_acquire) != kRunning; }

void VirtualClock::freeze() {
  std::lock_guard lock(write_mutex_);
  frozen_at_.store(now().time_since_epoch().count(), std::memory_order_release);
}

void VirtualClock::unfreeze() {
  std::lock_guard lock(write_mutex_);
  const Ticks frozen_at = frozen_at_.load(std::memory_order_acquire);
  if (frozen_at == kRunning) return;
  offset_.store(frozen_at - real_ticks(), std::memory_order_release);
  frozen_at_.store(kRunning, std::memory_order_release);
}

void VirtualClock::set(Timestamp t) {
  std::lock_guard lock(write_mutex_);
  const Ticks ticks = t.time_since_epoch().count();
  if (frozen()) frozen_at_.store(ticks, std::memory_order_release);
  else offset_.store(ticks - real_ticks(), std::memory_order_release);
}

void VirtualClock::advance(std::chrono::milliseconds by) {
  std::lock_guard lock(write_mutex_);
  const Ticks delta = std::chrono::duration_cast<Timestamp::duration>(by).count();
  if (frozen()) frozen_at_.fetch_add(delta, std::memory_order_acq_rel);
  else offset_.fetch_add(delta, std::memory_order_acq_rel);
}

}  // namespace ppio_mock::state
