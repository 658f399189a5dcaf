#pragma once
// A known-divergences file lists the cases expected to fail on a target, each
// with its reason. A listed case that fails is reported as expected; a listed
// case that passes makes the run fail, because the entry has gone stale.
//
// Format: one case per line, "<case-id> <reason>"; blank lines and lines
// starting with '#' are ignored.
#include <map>
#include <string>

namespace ppio_conformance {

using KnownDivergences = std::map<std::string, std::string>;  // case id -> reason

// Throws std::invalid_argument naming the line when an entry has no reason.
KnownDivergences parse_known_divergences(const std::string& text);
KnownDivergences load_known_divergences(const std::string& path);

}  // namespace ppio_conformance
