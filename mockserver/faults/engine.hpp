#pragma once
// Decides, per request, which fault rules fire. Pure logic on the virtual
// clock; the HTTP layer carries the decision out. All randomness comes from
// one seeded generator, so the same seed and the same order of requests give
// the same faults.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mockserver/faults/rule.hpp"

namespace ppio_mock::faults {

struct Decision {
  double latency_ms = 0;                // the sum of every latency rule that fired
  std::vector<LatencyDistribution> latencies;  // theirs, sampled again between stream frames
  std::vector<std::string> fired;       // ids of the rules that fired, in order
  std::optional<Action> action;         // the first non-latency rule that fired
  std::optional<std::string> action_rule;
  bool empty() const { return fired.empty(); }
  // Adds a later decision on the same request (decide_command's); the first action stays.
  void merge(const Decision& later);
};

struct RuleStatus {
  Rule rule;
  long matched = 0;
  long fired = 0;
};

class FaultEngine {
 public:
  FaultEngine(const state::VirtualClock& clock, std::uint64_t seed);

  // Returns the rule's id (assigned "rule-N" when it has none). Throws
  // std::invalid_argument when the id is taken.
  std::string add(Rule rule);
  bool remove(const std::string& id);
  void clear();
  std::vector<RuleStatus> rules() const;
  // Restarts the generator and every rule's counts.
  void reseed(std::uint64_t seed);

  // Every rule, except those about a command when facts.command is unknown.
  Decision decide(const RequestFacts& facts);
  // Only the rules about a command, once the request's body has told it: each
  // rule is decided once per request, by decide or by decide_command.
  Decision decide_command(const RequestFacts& facts);
  // A sample from the seeded generator (latency between stream frames).
  double sample_ms(const LatencyDistribution& distribution);
  // Lock-free, so the hot path can skip building facts when no rule exists.
  bool has_rules() const { return rule_count_.load(std::memory_order_relaxed) > 0; }

 private:
  bool fires(RuleStatus& status);
  Decision decide_rules(const RequestFacts& facts, bool command_rules_only);

  const state::VirtualClock& clock_;
  mutable std::mutex mutex_;
  std::mt19937_64 rng_;
  std::vector<RuleStatus> rules_;
  std::atomic<std::size_t> rule_count_{0};
  std::uint64_t next_id_ = 1;
};

// A scenario file: {"name", "description", "source"?, "rules": [...]}.
struct Scenario {
  std::string name;
  std::string description;
  std::vector<Rule> rules;
};
Scenario scenario_from_json_text(const std::string& text);
Scenario load_scenario(const std::string& path);

}  // namespace ppio_mock::faults
