#pragma once
// What a run found, and the three ways it is reported: a line per case and a
// summary for people, JUnit XML for CI tools, JSON for programs.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ppio_conformance {

enum class Outcome {
  passed,
  failed,
  skipped,           // the target cannot run it (e.g. it needs the fake's admin API)
  expected_failure,  // failed, and the known-divergences file says it would
  stale,             // listed as a known divergence, yet passed: the entry must go
};
std::string to_string(Outcome outcome);

struct CaseResult {
  std::string id;
  std::string profile;
  std::string checks;
  Outcome outcome = Outcome::passed;
  double ms = 0;
  std::string message;  // why it failed, was skipped, or is a known divergence
};

struct Summary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  int expected_failures = 0;
  int stale = 0;
  bool ok() const { return failed == 0 && stale == 0; }
};

Summary summarize(const std::vector<CaseResult>& results);
// "N passed, N failed, N skipped" (stale entries count as failed).
std::string summary_line(const Summary& summary);
// "PASS  core.get.returns_created  (3 ms)" and, when there is one, an indented reason.
std::string result_line(const CaseResult& result);

std::string junit_xml(const std::vector<CaseResult>& results, const std::string& target);
nlohmann::json json_report(const std::vector<CaseResult>& results, const std::string& target);

}  // namespace ppio_conformance
