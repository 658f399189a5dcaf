#pragma once
// When a sandbox's metrics were sampled: every kMetricsInterval from its
// start, on the virtual clock, while it ran (not while paused). Computed from
// its running spans rather than stored, so an idle sandbox costs nothing.
#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "ppio_sandbox/core/time.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::Timestamp;

// E2B collects a sandbox's metrics every 5 seconds.
inline constexpr std::chrono::seconds kMetricsInterval{5};

struct RunningSpan {
  Timestamp from;
  std::optional<Timestamp> until;  // open while it runs
};

// The sample times within [window_from, window_to] (each defaulting to the
// sandbox's start and now), oldest first. Longer windows are thinned to at
// most `max_samples` by sampling every Nth interval.
std::vector<Timestamp> metric_times(Timestamp started_at, const std::vector<RunningSpan>& spans, Timestamp now,
                                    std::optional<Timestamp> window_from, std::optional<Timestamp> window_to,
                                    std::size_t max_samples = 1000);

}  // namespace ppio_mock::state
