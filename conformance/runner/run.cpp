#include "conformance/runner/run.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace ppio_conformance {

namespace {

CaseResult run_one(const Case& c, const RunOptions& options) {
  CaseResult result{c.id, c.profile, c.checks, Outcome::passed, 0, ""};
  if (c.needs_fake_admin && !options.admin) {
    result.outcome = Outcome::skipped;
    result.message = "needs the fake's admin API (/_mock/); this target has none";
    return result;
  }
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  try {
    CaseContext ctx(options.client, options.run_label, options.admin);
    c.run(ctx);
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "a non-standard exception";
  }
  result.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  std::optional<std::string> known;
  if (auto it = options.known.find(c.id); it != options.known.end()) known = it->second;
  result.outcome = classify(error.empty(), known);
  switch (result.outcome) {
    case Outcome::failed: result.message = error; break;
    case Outcome::expected_failure: result.message = "known divergence: " + *known + " (" + error + ")"; break;
    case Outcome::stale: result.message = "listed as a known divergence (" + *known + ") but it passed: remove the entry"; break;
    default: break;
  }
  return result;
}

}  // namespace

Outcome classify(bool passed, const std::optional<std::string>& known_reason) {
  if (known_reason) return passed ? Outcome::stale : Outcome::expected_failure;
  return passed ? Outcome::passed : Outcome::failed;
}

std::vector<CaseResult> run_cases(const std::vector<const Case*>& cases, const RunOptions& options) {
  std::vector<CaseResult> results(cases.size());
  std::mutex report_mutex;
  auto finish = [&](std::size_t i, CaseResult r) {
    std::lock_guard lock(report_mutex);
    results[i] = std::move(r);
    if (options.on_result) options.on_result(results[i]);
  };

  // Cases that move the fake's clock or inject faults would disturb the rest: they go last, alone.
  std::vector<std::size_t> shared, exclusive;
  for (std::size_t i = 0; i < cases.size(); ++i) (cases[i]->needs_fake_admin ? exclusive : shared).push_back(i);

  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next++; k < shared.size(); k = next++) finish(shared[k], run_one(*cases[shared[k]], options));
  };
  std::vector<std::thread> workers;
  const auto jobs = static_cast<std::size_t>(std::max(1, options.jobs));
  for (std::size_t j = 0; j < std::min(jobs, shared.size()); ++j) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  for (std::size_t i : exclusive) finish(i, run_one(*cases[i], options));
  return results;
}

}  // namespace ppio_conformance
