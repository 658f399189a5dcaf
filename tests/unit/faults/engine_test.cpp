// The fault engine decides by counting and by one seeded generator; these tests
// check observed rates and distributions against the configuration by counting.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "mockserver/faults/engine.hpp"

namespace faults = ppio_mock::faults;
using nlohmann::json;

namespace {

faults::Rule rule(const std::string& text) { return faults::rule_from_json(json::parse(text)); }

faults::RequestFacts get(const std::string& path) { return {.method = "GET", .path = path}; }

class Engine : public ::testing::Test {
 protected:
  void SetUp() override { clock_.freeze(); }
  ppio_mock::state::VirtualClock clock_;
  faults::FaultEngine engine_{clock_, 42};
};

TEST_F(Engine, MatchesOnEveryFieldGiven) {
  engine_.add(rule(R"({"match": {"method": "POST", "path": "^/sandboxes$", "team": "t", "rpc": "",
                       "command": "sleep"}, "action": {"type": "hang"}})"));
  faults::RequestFacts facts{.method = "POST", .path = "/sandboxes", .team = "t", .command = "sleep 10"};
  EXPECT_FALSE(engine_.decide(facts).empty());
  for (auto change : std::vector<std::function<void(faults::RequestFacts&)>>{
           [](auto& f) { f.method = "GET"; }, [](auto& f) { f.path = "/sandboxes/x"; },
           [](auto& f) { f.team = "u"; }, [](auto& f) { f.command = "echo"; }, [](auto& f) { f.rpc = "x"; }}) {
    auto other = facts;
    change(other);
    EXPECT_TRUE(engine_.decide(other).empty());
  }
}

TEST_F(Engine, CommandRulesAreDecidedOnlyOnceTheCommandIsKnown) {
  engine_.add(rule(R"({"id": "cmd", "match": {"command": "sleep"}, "action": {"type": "hang"}})"));
  engine_.add(rule(R"({"id": "any", "match": {"rpc": "process.Process/Start"}, "action": {"type": "latency", "ms": 5}})"));
  faults::RequestFacts facts{.method = "POST", .path = "/process.Process/Start", .rpc = "process.Process/Start"};
  auto decision = engine_.decide(facts);  // before the body is read
  EXPECT_EQ(decision.fired, std::vector<std::string>{"any"});
  facts.command = "sleep 5";
  const auto late = engine_.decide_command(facts);
  EXPECT_EQ(late.fired, std::vector<std::string>{"cmd"});
  decision.merge(late);
  EXPECT_EQ(decision.fired, (std::vector<std::string>{"any", "cmd"}));
  ASSERT_TRUE(decision.action);
  EXPECT_EQ(decision.action->type, faults::Action::Type::hang);
  EXPECT_EQ(decision.latency_ms, 5);
  ASSERT_EQ(decision.latencies.size(), 1u);
  EXPECT_EQ(decision.latencies[0].median_ms(), 5);
  for (const auto& s : engine_.rules()) EXPECT_EQ(s.matched, 1) << s.rule.id;  // each counted once
}

TEST_F(Engine, FirstAfterAndEveryCountMatches) {
  engine_.add(rule(R"({"id": "first", "match": {"path": "^/a"}, "action": {"type": "hang"}, "trigger": {"first": 2}})"));
  engine_.add(rule(R"({"id": "after", "match": {"path": "^/b"}, "action": {"type": "hang"}, "trigger": {"after": 2}})"));
  engine_.add(rule(R"({"id": "every", "match": {"path": "^/c"}, "action": {"type": "hang"}, "trigger": {"every": 3}})"));
  std::string a, b, c;
  for (int i = 0; i < 6; ++i) {
    a += engine_.decide(get("/a")).empty() ? '.' : 'x';
    b += engine_.decide(get("/b")).empty() ? '.' : 'x';
    c += engine_.decide(get("/c")).empty() ? '.' : 'x';
  }
  EXPECT_EQ(a, "xx....");
  EXPECT_EQ(b, "..xxxx");
  EXPECT_EQ(c, "..x..x");
}

TEST_F(Engine, WindowOnTheVirtualClock) {
  const auto now = clock_.now();
  auto r = rule(R"({"action": {"type": "hang"}})");
  r.trigger.from = now + std::chrono::seconds(10);
  r.trigger.until = now + std::chrono::seconds(20);
  engine_.add(r);
  EXPECT_TRUE(engine_.decide(get("/")).empty());
  clock_.advance(std::chrono::seconds(10));
  EXPECT_FALSE(engine_.decide(get("/")).empty());
  clock_.advance(std::chrono::seconds(10));
  EXPECT_TRUE(engine_.decide(get("/")).empty());
}

TEST_F(Engine, ProbabilityFiresAtItsRate) {
  engine_.add(rule(R"({"action": {"type": "error", "status": 503}, "trigger": {"probability": 0.1}})"));
  int fired = 0;
  for (int i = 0; i < 10'000; ++i) fired += engine_.decide(get("/")).empty() ? 0 : 1;
  // Binomial(10000, 0.1): sd 30. Four sd either side.
  EXPECT_NEAR(fired, 1000, 120);
  EXPECT_EQ(engine_.rules().at(0).fired, fired);
  EXPECT_EQ(engine_.rules().at(0).matched, 10'000);
}

TEST_F(Engine, SameSeedSameOrderSameFaults) {
  auto pattern = [](std::uint64_t seed) {
    ppio_mock::state::VirtualClock clock;
    faults::FaultEngine e(clock, seed);
    e.add(rule(R"({"action": {"type": "reset"}, "trigger": {"probability": 0.3}})"));
    e.add(rule(R"({"action": {"type": "latency", "distribution": "uniform", "min_ms": 0, "max_ms": 100}})"));
    std::string out;
    for (int i = 0; i < 64; ++i) {
      const auto d = e.decide(get("/"));
      out += (d.action ? "R" : "-") + std::to_string(static_cast<int>(d.latency_ms)) + ",";
    }
    return out;
  };
  EXPECT_EQ(pattern(7), pattern(7));
  EXPECT_NE(pattern(7), pattern(8));
}

TEST_F(Engine, LatencyAddsUpAndOneOtherActionWins) {
  engine_.add(rule(R"({"id": "l1", "action": {"type": "latency", "ms": 10}})"));
  engine_.add(rule(R"({"id": "e1", "action": {"type": "error", "status": 500}})"));
  engine_.add(rule(R"({"id": "l2", "action": {"type": "latency", "ms": 5}})"));
  engine_.add(rule(R"({"id": "e2", "action": {"type": "rate_limit"}})"));
  const auto d = engine_.decide(get("/"));
  EXPECT_DOUBLE_EQ(d.latency_ms, 15);
  ASSERT_TRUE(d.action);
  EXPECT_EQ(d.action->status, 500);
  EXPECT_EQ(d.action_rule, "e1");
  EXPECT_EQ(d.fired, (std::vector<std::string>{"l1", "e1", "l2"}));
}

TEST_F(Engine, RulesCanBeListedRemovedAndReseeded) {
  EXPECT_FALSE(engine_.has_rules());
  const auto id = engine_.add(rule(R"({"action": {"type": "hang"}})"));
  EXPECT_TRUE(engine_.has_rules());
  EXPECT_EQ(id, "rule-1");
  EXPECT_THROW(engine_.add(rule(R"({"id": "rule-1", "action": {"type": "hang"}})")), std::invalid_argument);
  engine_.decide(get("/"));
  engine_.reseed(1);
  EXPECT_EQ(engine_.rules().at(0).matched, 0);
  EXPECT_TRUE(engine_.remove(id));
  EXPECT_FALSE(engine_.remove(id));
  EXPECT_FALSE(engine_.has_rules());
  EXPECT_TRUE(engine_.decide(get("/")).empty());
}

struct DistributionCase {
  const char* json;
  double median;
};

TEST(Latency, SampledMediansMatchTheConfiguration) {
  std::mt19937_64 rng(1);
  for (const auto& c : {DistributionCase{R"({"distribution": "fixed", "ms": 12})", 12},
                        DistributionCase{R"({"distribution": "uniform", "min_ms": 10, "max_ms": 30})", 20},
                        DistributionCase{R"({"distribution": "normal", "mean_ms": 50, "stddev_ms": 5})", 50},
                        DistributionCase{R"({"distribution": "lognormal", "median_ms": 150, "sigma": 0.8})", 150},
                        DistributionCase{R"({"distribution": "pareto", "scale_ms": 5, "shape": 1.2})", 5 * std::pow(2.0, 1 / 1.2)}}) {
    const auto d = faults::latency_from_json(json::parse(c.json));
    EXPECT_NEAR(d.median_ms(), c.median, 1e-9) << c.json;
    std::vector<double> samples(20'001);
    for (auto& s : samples) s = d.sample_ms(rng);
    std::nth_element(samples.begin(), samples.begin() + 10'000, samples.end());
    EXPECT_NEAR(samples[10'000], c.median, c.median * 0.05) << c.json;
    EXPECT_GE(*std::min_element(samples.begin(), samples.end()), 0.0) << c.json;
  }
}

TEST(Latency, LognormalHasTheLongTailItsSigmaImplies) {
  std::mt19937_64 rng(2);
  const auto d = faults::latency_from_json(json::parse(R"({"distribution": "lognormal", "median_ms": 150, "sigma": 0.8})"));
  std::vector<double> samples(20'000);
  for (auto& s : samples) s = d.sample_ms(rng);
  std::sort(samples.begin(), samples.end());
  const double p99 = samples[19'800];
  EXPECT_NEAR(p99, 150 * std::exp(2.326 * 0.8), 150 * std::exp(2.326 * 0.8) * 0.1);
}

TEST(RuleJson, RejectsBadRulesWithTheReason) {
  for (const char* bad : {R"({})", R"({"action": {}})", R"({"action": {"type": "explode"}})",
                          R"({"action": {"type": "error", "status": 200}})",
                          R"({"action": {"type": "reset", "when": "later"}})",
                          R"({"action": {"type": "latency", "distribution": "uniform", "min_ms": 5, "max_ms": 1}})",
                          R"({"action": {"type": "latency", "distribution": "lognormal", "median_ms": 0, "sigma": 1}})",
                          // found by fuzz_fault_rules: it escaped as nlohmann's type_error
                          R"({"action": {"type": "latency", "distribution": 8, "over_ms": 400}})",
                          R"({"action": {"type": "hang"}, "trigger": {"probability": 2}})",
                          R"({"action": {"type": "hang"}, "trigger": {"every": 0}})",
                          R"({"action": {"type": "hang"}, "trigger": {"from": "soon"}})",
                          R"({"match": {"path": "("}, "action": {"type": "hang"}})",
                          R"({"match": {"method": 5}, "action": {"type": "hang"}})", "[]"}) {
    EXPECT_THROW(faults::rule_from_json(json::parse(bad)), std::invalid_argument) << bad;
  }
}

TEST(RuleJson, RoundTrips) {
  const auto r = rule(R"({"id": "x", "match": {"method": "GET", "path": "^/a"},
      "action": {"type": "slow_body", "chunks": 3, "over_ms": 90},
      "trigger": {"probability": 0.5, "first": 4, "from": "2030-01-01T00:00:00.000Z"}})");
  EXPECT_EQ(faults::to_json(faults::rule_from_json(faults::to_json(r))), faults::to_json(r));
}

TEST(Scenarios, EveryShippedScenarioLoads) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(PPIO_SOURCE_DIR) + "/fixtures/scenarios")) {
    const auto s = faults::load_scenario(entry.path());
    EXPECT_FALSE(s.rules.empty()) << entry.path();
    EXPECT_EQ(s.name + ".json", entry.path().filename().string());
    ++count;
  }
  EXPECT_GE(count, 5);
}

TEST(Scenarios, PpioRealisticCreateLatencyIsAroundOneHundredFiftyMsAtTheMedian) {
  const auto s = faults::load_scenario(std::string(PPIO_SOURCE_DIR) + "/fixtures/scenarios/ppio-realistic.json");
  ppio_mock::state::VirtualClock clock;
  faults::FaultEngine engine(clock, 9);
  for (const auto& r : s.rules) engine.add(r);
  std::vector<double> create;
  for (int i = 0; i < 5001; ++i) create.push_back(engine.decide({.method = "POST", .path = "/sandboxes"}).latency_ms);
  std::nth_element(create.begin(), create.begin() + 2500, create.end());
  EXPECT_NEAR(create[2500], 150, 15);
}

TEST(Scenarios, BadScenarioNamesTheRule) {
  try {
    faults::scenario_from_json_text(R"({"rules": [{"action": {"type": "hang"}}, {"action": {}}]})");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("rule 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(faults::scenario_from_json_text("{}"), std::invalid_argument);
}

// Found by fuzz_fault_rules (fixtures/fuzz/fault_rules/name-not-a-string): a "name" or
// "description" that was not a string threw nlohmann's type_error, which the scenario's
// readers (--scenario, the admin API) do not expect, instead of std::invalid_argument.
TEST(Scenarios, ANameOrDescriptionThatIsNotAStringIsRefused) {
  for (const char* text : {R"({"name": [1], "rules": []})", R"({"name": "n", "description": 5, "rules": []})"}) {
    try {
      faults::scenario_from_json_text(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("must be a string"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(faults::scenario_from_json_text(R"({"name": null, "rules": []})").name, "");
}

}  // namespace
