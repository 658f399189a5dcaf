// The fault-rule and scenario parser: a scenario file's text, or one rule.
// A refusal is std::invalid_argument; a rule that was read writes back as
// JSON that reads again to the same rule, and matches requests without throwing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "mockserver/faults/engine.hpp"
#include "mockserver/faults/rule.hpp"

namespace faults = ppio_mock::faults;
using nlohmann::json;

namespace {

void round_trip(const faults::Rule& rule) {
  const json written = faults::to_json(rule);
  faults::Rule again;
  try {
    again = faults::rule_from_json(written);
  } catch (const std::invalid_argument&) {
    std::abort();  // what the fake wrote, it must read
  }
  if (faults::to_json(again) != written) std::abort();
  const faults::RequestFacts facts{.method = "POST", .path = "/sandboxes/abc/timeout", .sandbox = "abc",
                                   .team = "team", .rpc = "process.Process/Start", .command = "echo hi"};
  (void)rule.match.matches(facts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& rule : faults::scenario_from_json_text(text).rules) round_trip(rule);
  } catch (const std::invalid_argument&) {
  }
  const json one = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (one.is_discarded()) return 0;
  try {
    round_trip(faults::rule_from_json(one));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
