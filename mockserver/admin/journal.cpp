#include "mockserver/admin/journal.hpp"

#include <algorithm>

namespace ppio_mock::admin {

void to_json(nlohmann::json& j, const JournalEntry& e) {
  j = nlohmann::json{{"seq", e.seq},         {"at", ppio_sandbox::core::format_rfc3339(e.at)},
                     {"method", e.method},   {"path", e.path},
                     {"status", e.status},   {"latency_ms", e.latency_ms},
                     {"team", e.team},       {"sandbox", e.sandbox},
                     {"faults", e.faults},   {"client_port", e.client_port}};
}

void Journal::record(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  entry.seq = next_seq_++;
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::vector<JournalEntry> Journal::query(const JournalFilter& f) const {
  std::lock_guard lock(mutex_);
  std::vector<JournalEntry> out;
  for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < f.limit; ++it) {
    const auto& e = *it;
    if (f.method && e.method != *f.method) continue;
    if (f.path_contains && e.path.find(*f.path_contains) == std::string::npos) continue;
    if (f.status && e.status != *f.status) continue;
    if (f.team && e.team != *f.team) continue;
    if (f.sandbox && e.sandbox != *f.sandbox) continue;
    out.push_back(e);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void Journal::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace ppio_mock::admin
