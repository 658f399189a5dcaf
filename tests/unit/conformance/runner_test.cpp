// The conformance runner's pure parts: selection, sharding, known divergences, reports.
#include <gtest/gtest.h>

#include <set>

#include "conformance/runner/known_divergences.hpp"
#include "conformance/runner/report.hpp"
#include "conformance/runner/run.hpp"
#include "conformance/runner/selection.hpp"

namespace pc = ppio_conformance;

namespace {

std::vector<pc::Case> sample() {
  auto noop = [](pc::CaseContext&) {};
  return {{"core.get.a", "core", "", noop},
          {"core.get.b", "core", "", noop},
          {"core.list.c", "core", "", noop},
          {"files.up.d", "files", "", noop},
          {"faults.e", "faults", "", noop, true}};
}

std::vector<std::string> ids(const std::vector<const pc::Case*>& cases) {
  std::vector<std::string> out;
  for (const auto* c : cases) out.push_back(c->id);
  return out;
}

TEST(Selection, PrefixesEndAtADot) {
  EXPECT_TRUE(pc::matches_pattern("core.get.a", "core"));
  EXPECT_TRUE(pc::matches_pattern("core.get.a", "core.get"));
  EXPECT_TRUE(pc::matches_pattern("core.get.a", "core.get.a"));
  EXPECT_FALSE(pc::matches_pattern("core.get.a", "core.ge"));
  EXPECT_FALSE(pc::matches_pattern("core.get.a", "core.get.a.b"));
}

TEST(Selection, ProfilesCasesAndExcludesCombine) {
  const auto catalogue = sample();
  EXPECT_EQ(ids(pc::select_cases(catalogue, {})).size(), 5u);
  EXPECT_EQ(ids(pc::select_cases(catalogue, {.profiles = {"files", "faults"}})),
            (std::vector<std::string>{"files.up.d", "faults.e"}));
  EXPECT_EQ(ids(pc::select_cases(catalogue, {.cases = {"core.get"}, .excludes = {"core.get.b"}})),
            std::vector<std::string>{"core.get.a"});
}

TEST(Selection, ShardsAreDisjointAndCoverTheSelection) {
  const auto catalogue = sample();
  std::multiset<std::string> all;
  for (int i = 1; i <= 3; ++i) {
    for (const auto& id : ids(pc::select_cases(catalogue, {.shard = pc::Shard{i, 3}}))) all.insert(id);
  }
  EXPECT_EQ(all.size(), 5u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 5u);
}

TEST(Selection, ShardTextIsValidated) {
  EXPECT_EQ(pc::parse_shard("2/4").index, 2);
  EXPECT_EQ(pc::parse_shard("2/4").count, 4);
  for (const char* bad : {"", "2", "0/3", "4/3", "a/b", "1/0", "1/3x"}) {
    EXPECT_THROW(pc::parse_shard(bad), std::invalid_argument) << bad;
  }
}

TEST(KnownDivergences, ParsesIdsAndReasonsAndRejectsBareIds) {
  const auto known = pc::parse_known_divergences("# comment\n\ncore.get.a   PPIO has no such field\n  files.x  why\n");
  EXPECT_EQ(known.size(), 2u);
  EXPECT_EQ(known.at("core.get.a"), "PPIO has no such field");
  EXPECT_EQ(known.at("files.x"), "why");
  EXPECT_THROW(pc::parse_known_divergences("core.get.a\n"), std::invalid_argument);
  EXPECT_THROW(pc::load_known_divergences("/nonexistent/known.txt"), std::invalid_argument);
}

TEST(Classify, KnownEntriesTurnFailuresExpectedAndPassesStale) {
  EXPECT_EQ(pc::classify(true, std::nullopt), pc::Outcome::passed);
  EXPECT_EQ(pc::classify(false, std::nullopt), pc::Outcome::failed);
  EXPECT_EQ(pc::classify(false, "reason"), pc::Outcome::expected_failure);
  EXPECT_EQ(pc::classify(true, "reason"), pc::Outcome::stale);
}

TEST(Report, SummaryCountsStaleAsFailedAndExpectedAsSkipped) {
  std::vector<pc::CaseResult> results{{"a", "core", "", pc::Outcome::passed, 1, ""},
                                      {"b", "core", "", pc::Outcome::failed, 1, "boom"},
                                      {"c", "core", "", pc::Outcome::skipped, 0, "n/a"},
                                      {"d", "core", "", pc::Outcome::expected_failure, 1, "known"},
                                      {"e", "core", "", pc::Outcome::stale, 1, "stale"}};
  const auto s = pc::summarize(results);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(pc::summary_line(s), "1 passed, 2 failed, 2 skipped");
  results.erase(results.begin() + 1);
  results.pop_back();
  EXPECT_TRUE(pc::summarize(results).ok());
}

TEST(Report, JunitEscapesAndMarksFailuresAndSkips) {
  const std::vector<pc::CaseResult> results{{"a", "core", "", pc::Outcome::passed, 12, ""},
                                            {"b<&>", "core", "checks", pc::Outcome::failed, 1, "said \"no\" & <left>"},
                                            {"c", "files", "", pc::Outcome::expected_failure, 1, "known"}};
  const auto xml = pc::junit_xml(results, "mock");
  EXPECT_NE(xml.find(R"(tests="3" failures="1" skipped="1")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(name="b&lt;&amp;&gt;")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(<failure message="said &quot;no&quot; &amp; &lt;left&gt;">)"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(<skipped message="known"/>)"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(time="0.012")"), std::string::npos) << xml;
}

TEST(Report, JsonHasEveryCaseAndTheSummary) {
  const std::vector<pc::CaseResult> results{{"a", "core", "x", pc::Outcome::passed, 1, ""},
                                            {"b", "core", "y", pc::Outcome::stale, 1, "remove it"}};
  const auto j = pc::json_report(results, "ppio");
  EXPECT_EQ(j["target"], "ppio");
  EXPECT_EQ(j["cases"].size(), 2u);
  EXPECT_EQ(j["cases"][1]["outcome"], "stale");
  EXPECT_EQ(j["summary"]["stale"], 1);
  EXPECT_EQ(j["summary"]["ok"], false);
}

TEST(Run, CasesThatNeedTheFakesAdminAreSkippedWithoutIt) {
  const auto catalogue = sample();
  const auto results = pc::run_cases({&catalogue[4]}, {});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, pc::Outcome::skipped);
}

}  // namespace
