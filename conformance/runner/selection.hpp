#pragma once
// Which cases a run takes: by profile, id or prefix, exclusions, and a shard.
#include <optional>
#include <string>
#include <vector>

#include "conformance/case.hpp"

namespace ppio_conformance {

struct Shard {
  int index = 1;  // 1-based
  int count = 1;
};
// "i/n" with 1 <= i <= n; throws std::invalid_argument otherwise.
Shard parse_shard(const std::string& text);

struct Selection {
  std::vector<std::string> profiles;  // empty: every profile
  std::vector<std::string> cases;     // ids or id prefixes; empty: every case
  std::vector<std::string> excludes;  // ids or id prefixes
  std::optional<Shard> shard;
};

// An exact id, or a prefix that ends at a dot: "core" and "core.get" both match "core.get.x".
bool matches_pattern(const std::string& id, const std::string& pattern);

// The selected cases in catalogue order. Sharding deals the selection out
// round-robin, so shards are disjoint and together cover it.
std::vector<const Case*> select_cases(const std::vector<Case>& catalogue, const Selection& selection);

}  // namespace ppio_conformance
