#include "mockserver/faults/engine.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ppio_mock::faults {

FaultEngine::FaultEngine(const state::VirtualClock& clock, std::uint64_t seed) : clock_(clock), rng_(seed) {}

std::string FaultEngine::add(Rule rule) {
  std::lock_guard lock(mutex_);
  if (rule.id.empty()) rule.id = "rule-" + std::to_string(next_id_++);
  for (const auto& existing : rules_) {
    if (existing.rule.id == rule.id) throw std::invalid_argument("a rule with id '" + rule.id + "' exists already");
  }
  rules_.push_back({std::move(rule), 0, 0});
  rule_count_ = rules_.size();
  return rules_.back().rule.id;
}

bool FaultEngine::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto before = rules_.size();
  std::erase_if(rules_, [&](const RuleStatus& s) { return s.rule.id == id; });
  rule_count_ = rules_.size();
  return rules_.size() != before;
}

void FaultEngine::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
  rule_count_ = 0;
}

std::vector<RuleStatus> FaultEngine::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

void FaultEngine::reseed(std::uint64_t seed) {
  std::lock_guard lock(mutex_);
  rng_.seed(seed);
  for (auto& s : rules_) s.matched = s.fired = 0;
}

bool FaultEngine::fires(RuleStatus& status) {
  const auto& t = status.rule.trigger;
  const long n = ++status.matched;
  if (t.first && n > *t.first) return false;
  if (t.after && n <= *t.after) return false;
  if (t.every && n % *t.every != 0) return false;
  if (t.from || t.until) {
    const auto now = clock_.now();
    if ((t.from && now < *t.from) || (t.until && now >= *t.until)) return false;
  }
  // Drawn only when a probability is set, so rules without one leave the sequence alone.
  if (t.probability && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) >= *t.probability) return false;
  return true;
}

void Decision::merge(const Decision& later) {
  latency_ms += later.latency_ms;
  latencies.insert(latencies.end(), later.latencies.begin(), later.latencies.end());
  fired.insert(fired.end(), later.fired.begin(), later.fired.end());
  if (!action && later.action) {
    action = later.action;
    action_rule = later.action_rule;
  }
}

Decision FaultEngine::decide(const RequestFacts& facts) { return decide_rules(facts, false); }

Decision FaultEngine::decide_command(const RequestFacts& facts) { return decide_rules(facts, true); }

double FaultEngine::sample_ms(const LatencyDistribution& distribution) {
  std::lock_guard lock(mutex_);
  return distribution.sample_ms(rng_);
}

Decision FaultEngine::decide_rules(const RequestFacts& facts, bool command_rules_only) {
  std::lock_guard lock(mutex_);
  Decision decision;
  for (auto& status : rules_) {
    if (command_rules_only && !status.rule.match.command_regex) continue;
    if (!status.rule.match.matches(facts) || !fires(status)) continue;
    const auto& action = status.rule.action;
    if (action.type != Action::Type::latency && decision.action) continue;  // one outcome per request
    ++status.fired;
    decision.fired.push_back(status.rule.id);
    if (action.type == Action::Type::latency) {
      decision.latency_ms += action.latency.sample_ms(rng_);
      decision.latencies.push_back(action.latency);
    } else {
      decision.action = action;
      decision.action_rule = status.rule.id;
    }
  }
  return decision;
}

namespace {

// A scenario's optional text field: "" when absent, refused when not a string.
std::string scenario_text(const nlohmann::json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return "";
  if (!it->is_string()) throw std::invalid_argument(std::string("a scenario's \"") + name + "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

Scenario scenario_from_json_text(const std::string& text) {
  // "source" (where the figures come from) is for readers; it is not checked.
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) throw std::invalid_argument("a scenario must be a JSON object");
  Scenario s;
  s.name = scenario_text(doc, "name");
  s.description = scenario_text(doc, "description");
  const auto rules = doc.find("rules");
  if (rules == doc.end() || !rules->is_array()) throw std::invalid_argument("a scenario needs a \"rules\" array");
  for (std::size_t i = 0; i < rules->size(); ++i) {
    try {
      s.rules.push_back(rule_from_json((*rules)[i]));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("rule " + std::to_string(i) + ": " + e.what());
    }
  }
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read scenario " + path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return scenario_from_json_text(text.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

}  // namespace ppio_mock::faults
