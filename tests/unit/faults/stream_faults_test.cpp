// The fault actions that happen inside an envd stream, through real HTTP with
// real processes: stream_cut, kill_sandbox, and latency between frames.
#include <thread>

#include "../envd/envd_fixture.hpp"
#include "mockserver/faults/http_faults.hpp"

namespace envd_test {
namespace {

namespace faults = ppio_mock::faults;

class StreamFaults : public EnvdTest {
 protected:
  void add(const std::string& text) { server_.faults().add(faults::rule_from_json(json::parse(text))); }

  std::vector<std::string> journal_faults(const std::string& path) {
    ppio_mock::admin::JournalFilter filter;
    filter.path_contains = path;
    const auto entries = server_.journal().query(filter);
    return entries.empty() ? std::vector<std::string>{} : entries.back().faults;
  }

  faults::RuleStatus status_of(const std::string& id) {
    for (auto& s : server_.faults().rules()) {
      if (s.rule.id == id) return s;
    }
    ADD_FAILURE() << "no rule " << id;
    return {};
  }
};

TEST_F(StreamFaults, StreamCutEndsTheStreamAfterNEventsWithoutItsEndFrame) {
  add(R"({"id": "cut", "match": {"rpc": "process.Process/Start"}, "action": {"type": "stream_cut", "after_events": 2}})");
  const auto r = run("echo one; sleep 0.1; echo two; sleep 0.1; echo three");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<models::StartEvent>(r.events[0]));
  EXPECT_EQ(r.stdout_text, "one\n");
  EXPECT_FALSE(r.ended) << "a cut stream has no end-stream frame";
  EXPECT_EQ(r.http_status, 0) << "the client sees the chunked body end abruptly";
  EXPECT_EQ(journal_faults("/process.Process/Start"), std::vector<std::string>{"cut"});
}

TEST_F(StreamFaults, AStreamShorterThanTheCutStillEndsWithoutItsEndFrame) {
  add(R"({"match": {"rpc": "process.Process/Start"}, "action": {"type": "stream_cut", "after_events": 50}})");
  const auto r = run("echo done");
  ASSERT_TRUE(r.end) << "every event is sent";
  EXPECT_FALSE(r.ended);
}

TEST_F(StreamFaults, ACommandPatternIsDecidedOnceTheBodyIsReadAndCountsEachStartOnce) {
  add(R"({"id": "by-command", "match": {"rpc": "process.Process/Start", "command": "marked"},
          "action": {"type": "stream_cut", "after_events": 0}})");
  add(R"({"id": "by-rpc", "match": {"rpc": "process.Process/Start"}, "action": {"type": "latency", "ms": 0}})");
  const auto plain = run("echo plain");
  EXPECT_TRUE(plain.ended);
  EXPECT_EQ(plain.stdout_text, "plain\n");
  EXPECT_EQ(journal_faults("/process.Process/Start"), std::vector<std::string>{"by-rpc"});

  const auto marked = run("echo marked");
  EXPECT_TRUE(marked.events.empty());
  EXPECT_FALSE(marked.ended);
  EXPECT_EQ(journal_faults("/process.Process/Start"), (std::vector<std::string>{"by-rpc", "by-command"}));
  EXPECT_EQ(status_of("by-command").matched, 1);
  EXPECT_EQ(status_of("by-rpc").matched, 2);
}

TEST_F(StreamFaults, ACommandRuleWithAnErrorAnswersBeforeTheProcessStarts) {
  add(R"({"match": {"command": "never-run"}, "action": {"type": "error", "status": 503}})");
  const json start{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", "touch /tmp/never-run"}}}}};
  auto res = envd()->Post("/process.Process/Start", connect::encode_message(start), "application/connect+json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(envd()->Get("/files?path=/tmp/never-run")->status, 404);
}

TEST_F(StreamFaults, KillSandboxKillsItMidCommandAsAnExpiryWould) {
  add(R"({"id": "kill", "match": {"command": "sleep"}, "action": {"type": "kill_sandbox", "after_ms": 100}})");
  const auto r = run("exec sleep 600");
  EXPECT_FALSE(r.end);  // the stream drops with the sandbox, as through the real edge
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(api_->Get("/sandboxes/" + id_)->status, 404);
  EXPECT_EQ(envd()->Get("/health")->status, 502);
  EXPECT_EQ(journal_faults("/process.Process/Start"), std::vector<std::string>{"kill"});
}

TEST_F(StreamFaults, KillSandboxStillKillsWhenTheCommandEndsFirst) {
  add(R"({"match": {"rpc": "process.Process/Start"}, "action": {"type": "kill_sandbox", "after_ms": 600000}})");
  const auto r = run("echo quick");
  EXPECT_TRUE(r.ended);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.stdout_text, "quick\n");
  EXPECT_EQ(api_->Get("/sandboxes/" + id_)->status, 404);
}

// Latency between frames is drawn from the seeded generator, one sample per
// frame after the first: counted through the draws it leaves for later rules.
TEST_F(StreamFaults, LatencyIsSampledAgainBetweenStreamFrames) {
  const std::string latency = R"({"match": {"rpc": "process.Process/Start"},
                                  "action": {"type": "latency", "distribution": "uniform", "min_ms": 0, "max_ms": 1}})";
  const std::string coin = R"({"match": {"path": "^/coin"}, "action": {"type": "error", "status": 500},
                               "trigger": {"probability": 0.5}})";
  server_.faults().reseed(11);
  add(latency);
  add(coin);
  run("true");  // frames: start, end event, end-stream
  std::string observed;
  for (int i = 0; i < 32; ++i) observed += api_->Get("/coin")->status == 500 ? 'x' : '.';

  const auto expected_after = [&](int frame_samples) {
    ppio_mock::state::VirtualClock clock;
    faults::FaultEngine reference(clock, 11);
    reference.add(faults::rule_from_json(json::parse(latency)));
    reference.add(faults::rule_from_json(json::parse(coin)));
    const auto start = reference.decide({.method = "POST", .path = "/process.Process/Start", .rpc = "process.Process/Start"});
    for (int i = 0; i < frame_samples; ++i) reference.sample_ms(start.latencies.at(0));
    std::string pattern;
    for (int i = 0; i < 32; ++i) pattern += reference.decide({.method = "GET", .path = "/coin"}).empty() ? '.' : 'x';
    return pattern;
  };
  EXPECT_EQ(observed, expected_after(2));
  EXPECT_NE(observed, expected_after(0)) << "the check could not tell the difference";
}

}  // namespace
}  // namespace envd_test
