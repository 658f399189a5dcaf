#include "conformance/runner/report.hpp"

#include <cstdio>
#include <sstream>

namespace ppio_conformance {

namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms / 1000.0);
  return buf;
}

const char* tag(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed: return "PASS ";
    case Outcome::failed: return "FAIL ";
    case Outcome::skipped: return "SKIP ";
    case Outcome::expected_failure: return "XFAIL";
    case Outcome::stale: return "STALE";
  }
  return "?";
}

}  // namespace

std::string to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed: return "passed";
    case Outcome::failed: return "failed";
    case Outcome::skipped: return "skipped";
    case Outcome::expected_failure: return "expected_failure";
    case Outcome::stale: return "stale";
  }
  return "unknown";
}

Summary summarize(const std::vector<CaseResult>& results) {
  Summary s;
  for (const auto& r : results) {
    switch (r.outcome) {
      case Outcome::passed: ++s.passed; break;
      case Outcome::failed: ++s.failed; break;
      case Outcome::skipped: ++s.skipped; break;
      case Outcome::expected_failure: ++s.expected_failures; break;
      case Outcome::stale: ++s.stale; break;
    }
  }
  return s;
}

std::string summary_line(const Summary& s) {
  return std::to_string(s.passed) + " passed, " + std::to_string(s.failed + s.stale) + " failed, " +
         std::to_string(s.skipped + s.expected_failures) + " skipped";
}

std::string result_line(const CaseResult& r) {
  char head[160];
  std::snprintf(head, sizeof head, "%s  %-52s (%.0f ms)", tag(r.outcome), r.id.c_str(), r.ms);
  std::string line = head;
  if (!r.message.empty()) line += "\n       " + r.message;
  return line;
}

std::string junit_xml(const std::vector<CaseResult>& results, const std::string& target) {
  const Summary s = summarize(results);
  double total_ms = 0;
  for (const auto& r : results) total_ms += r.ms;
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"ppio-conformance\" tests=\"" << results.size() << "\" failures=\"" << s.failed + s.stale
      << "\" skipped=\"" << s.skipped + s.expected_failures << "\" time=\"" << seconds(total_ms) << "\">\n"
      << "  <testsuite name=\"ppio-conformance." << xml_escape(target) << "\" tests=\"" << results.size()
      << "\" failures=\"" << s.failed + s.stale << "\" skipped=\"" << s.skipped + s.expected_failures
      << "\" time=\"" << seconds(total_ms) << "\">\n";
  for (const auto& r : results) {
    out << "    <testcase classname=\"" << xml_escape(r.profile) << "\" name=\"" << xml_escape(r.id) << "\" time=\""
        << seconds(r.ms) << "\">";
    switch (r.outcome) {
      case Outcome::passed:
        break;
      case Outcome::failed:
      case Outcome::stale:
        out << "\n      <failure message=\"" << xml_escape(r.message) << "\">" << xml_escape(r.checks)
            << "</failure>\n    ";
        break;
      case Outcome::skipped:
      case Outcome::expected_failure:
        out << "\n      <skipped message=\"" << xml_escape(r.message) << "\"/>\n    ";
        break;
    }
    out << "</testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

nlohmann::json json_report(const std::vector<CaseResult>& results, const std::string& target) {
  const Summary s = summarize(results);
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& r : results) {
    cases.push_back({{"id", r.id},
                     {"profile", r.profile},
                     {"checks", r.checks},
                     {"outcome", to_string(r.outcome)},
                     {"ms", r.ms},
                     {"message", r.message}});
  }
  return {{"target", target},
          {"summary",
           {{"passed", s.passed},
            {"failed", s.failed},
            {"skipped", s.skipped},
            {"expected_failures", s.expected_failures},
            {"stale", s.stale},
            {"ok", s.ok()}}},
          {"cases", cases}};
}

}  // namespace ppio_conformance
