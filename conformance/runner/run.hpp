#pragma once
// Runs the selected cases against one target, in parallel, and classifies each
// result against the known divergences.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conformance/case.hpp"
#include "conformance/runner/known_divergences.hpp"
#include "conformance/runner/report.hpp"

namespace ppio_conformance {

struct RunOptions {
  prime::ClientOptions client;
  std::string run_label;           // every sandbox of the run carries it
  int jobs = 1;                    // cases in flight at once
  std::optional<FakeAdmin> admin;  // unset: cases that need it are skipped
  KnownDivergences known;
  std::function<void(const CaseResult&)> on_result;  // as each case ends, one call at a time
};

// Results in the order of `cases`.
std::vector<CaseResult> run_cases(const std::vector<const Case*>& cases, const RunOptions& options);

// A result's outcome once the known divergences are taken into account.
Outcome classify(bool passed, const std::optional<std::string>& known_reason);

}  // namespace ppio_conformance
