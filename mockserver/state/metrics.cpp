#include "mockserver/state/metrics.hpp"

#include <algorithm>

namespace ppio_mock::state {

namespace {

bool running_at(const std::vector<RunningSpan>& spans, Timestamp t, Timestamp now) {
  return std::any_of(spans.begin(), spans.end(), [&](const RunningSpan& s) { return s.from <= t && t <= s.until.value_or(now); });
}

}  // namespace

std::vector<Timestamp> metric_times(Timestamp started_at, const std::vector<RunningSpan>& spans, Timestamp now,
                                    std::optional<Timestamp> window_from, std::optional<Timestamp> window_to,
                                    std::size_t max_samples) {
  const Timestamp from = std::max(window_from.value_or(started_at), started_at);
  const Timestamp to = std::min(window_to.value_or(now), now);
  std::vector<Timestamp> out;
  if (to < from || max_samples == 0) return out;
  // The first sample at or after `from`, on the sandbox's own 5 s grid.
  const auto first = (from - started_at + kMetricsInterval - Timestamp::duration(1)) / kMetricsInterval;
  const auto last = (to - started_at) / kMetricsInterval;
  const auto count = static_cast<std::size_t>(last - first + 1);
  const auto stride = static_cast<std::int64_t>((count + max_samples - 1) / max_samples);
  for (auto k = static_cast<std::int64_t>(first); k <= static_cast<std::int64_t>(last); k += stride) {
    const Timestamp t = started_at + k * kMetricsInterval;
    if (running_at(spans, t, now)) out.push_back(t);
  }
  return out;
}

}  // namespace ppio_mock::state
