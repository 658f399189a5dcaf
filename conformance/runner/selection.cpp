#include "conformance/runner/selection.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace ppio_conformance {

namespace {

int parse_positive(std::string_view text, const std::string& whole) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 1) {
    throw std::invalid_argument("shard must look like i/n with 1 <= i <= n, got '" + whole + "'");
  }
  return value;
}

bool any_match(const std::string& id, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return matches_pattern(id, p); });
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("shard must look like i/n, got '" + text + "'");
  Shard shard{parse_positive(std::string_view(text).substr(0, slash), text),
              parse_positive(std::string_view(text).substr(slash + 1), text)};
  if (shard.index > shard.count) throw std::invalid_argument("shard index is past the shard count in '" + text + "'");
  return shard;
}

bool matches_pattern(const std::string& id, const std::string& pattern) {
  return id == pattern || (id.size() > pattern.size() && id.compare(0, pattern.size(), pattern) == 0 &&
                           id[pattern.size()] == '.');
}

std::vector<const Case*> select_cases(const std::vector<Case>& catalogue, const Selection& selection) {
  std::vector<const Case*> chosen;
  for (const auto& c : catalogue) {
    const bool profile_ok = selection.profiles.empty() ||
                            std::find(selection.profiles.begin(), selection.profiles.end(), c.profile) !=
                                selection.profiles.end();
    if (!profile_ok) continue;
    if (!selection.cases.empty() && !any_match(c.id, selection.cases)) continue;
    if (any_match(c.id, selection.excludes)) continue;
    chosen.push_back(&c);
  }
  if (!selection.shard) return chosen;
  std::vector<const Case*> shard;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (static_cast<int>(i % static_cast<std::size_t>(selection.shard->count)) == selection.shard->index - 1) {
      shard.push_back(chosen[i]);
    }
  }
  return shard;
}

}  // namespace ppio_conformance
