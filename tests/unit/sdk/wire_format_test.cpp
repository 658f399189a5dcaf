// Golden checks of the shared wire helpers, written from the protocol notes.
#include <gtest/gtest.h>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/envd_models.hpp"
#include "ppio_sandbox/core/time.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace core = ppio_sandbox::core;
using nlohmann::json;

namespace {

TEST(MetadataFilter, PlainPairsEncodeAsTheJsSdkDoes) {
  // The JS SDK sends ?metadata=k%3Dv%26k2%3Dv2 for plain alphanumerics.
  const auto value = core::encode_metadata_filter({{"k", "v"}, {"k2", "v2"}});
  EXPECT_EQ(core::to_query_string({{"metadata", value}}), "?metadata=k%3Dv%26k2%3Dv2");
}

TEST(MetadataFilter, SeparatorsInsideKeysAndValuesSurvive) {
  const std::map<std::string, std::string> filter{{"custom_label#a&b=c", "1"}, {"x y", "%41"}};
  // What the server sees after its framework decoded the query once.
  const auto after_framework = core::percent_decode(core::percent_encode(core::encode_metadata_filter(filter)));
  EXPECT_EQ(core::decode_metadata_filter(after_framework), filter);
}

TEST(MetadataFilter, PairWithoutExactlyOneEqualsIsRejected) {
  EXPECT_THROW(core::decode_metadata_filter("novalue"), std::invalid_argument);
  EXPECT_THROW(core::decode_metadata_filter("a=b=c"), std::invalid_argument);
  EXPECT_THROW(core::decode_metadata_filter("a=1&"), std::invalid_argument);
}

TEST(Url, SplitsSchemeHostPortAndTarget) {
  const auto u = core::parse_url("https://api.sandbox.ppio.cn/v2/sandboxes?limit=1");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "api.sandbox.ppio.cn");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/v2/sandboxes?limit=1");
  EXPECT_EQ(core::parse_url("http://127.0.0.1:3000").target, "/");
  EXPECT_EQ(core::parse_url("http://127.0.0.1:3000").origin(), "http://127.0.0.1:3000");
  EXPECT_THROW(core::parse_url("ftp://x"), std::invalid_argument);
  EXPECT_THROW(core::parse_url("http://host:99999/"), std::invalid_argument);
  EXPECT_THROW(core::parse_url("no-scheme"), std::invalid_argument);
}

TEST(Rfc3339, ParsesFractionsAndOffsetsAndFormatsUtcMillis) {
  const auto t = core::parse_rfc3339("2026-11-26T04:11:33.123456789Z");
  EXPECT_EQ(core::format_rfc3339(t), "2026-11-26T04:11:33.123Z");
  EXPECT_EQ(core::parse_rfc3339("2026-11-26T05:11:33.123456789+01:00"), t);
  EXPECT_EQ(core::parse_rfc3339(core::format_rfc3339(t)), core::parse_rfc3339("2026-11-26T04:11:33.123Z"));
  for (const char* bad : {"", "2026-11-26", "2026-13-01T00:00:00Z", "2026-11-26T04:11:33", "2026-11-26T04:11:33Zjunk"}) {
    EXPECT_THROW(core::parse_rfc3339(bad), std::invalid_argument) << bad;
  }
}

// Found by fuzz_sdk_responses (fixtures/fuzz/sdk_responses/year-4052): a year past 2261 overflowed
// the nanosecond count (undefined behaviour) instead of being refused.
TEST(Rfc3339, RefusesYearsATimestampCannotHold) {
  for (const char* far : {"4052-01-02T03:04:05Z", "9999-12-31T23:59:59Z", "1200-01-01T00:00:00Z"}) {
    EXPECT_THROW(core::parse_rfc3339(far), std::invalid_argument) << far;
  }
  EXPECT_EQ(core::format_rfc3339(core::parse_rfc3339("2261-12-31T23:59:59Z")), "2261-12-31T23:59:59.000Z");
  EXPECT_EQ(core::format_rfc3339(core::parse_rfc3339("1678-01-01T00:00:00Z")), "1678-01-01T00:00:00.000Z");
}

// Found with a hand-written input to fuzz_sdk_responses (fixtures/fuzz/sdk_responses/float-cpu-count):
// a float out of an integer field's range was cast to it, undefined behaviour.
TEST(ResponseModels, AFloatOutOfAnIntegerFieldsRangeIsTheWrongType) {
  auto body = nlohmann::json::parse(R"({"sandboxID":"a","templateID":"b","clientID":"c","startedAt":"2026-01-02T03:04:05Z",
                                         "endAt":"2026-01-02T03:04:05Z","state":"running","cpuCount":1e300})");
  EXPECT_THROW(body.get<core::SandboxInfo>(), nlohmann::json::type_error);
  body["cpuCount"] = 2147483648.0;
  EXPECT_THROW(body.get<core::SandboxInfo>(), nlohmann::json::type_error);
  body["cpuCount"] = 4.0;  // a float in range reads as nlohmann reads it
  EXPECT_EQ(body.get<core::SandboxInfo>().cpu_count, 4);
  EXPECT_THROW(core::envd::int64_from_json(nlohmann::json(1e19)), nlohmann::json::type_error);
  EXPECT_EQ(core::envd::int64_from_json(nlohmann::json("12")), 12);
}

TEST(Base64, StandardAndUrlSafeRoundTrip) {
  EXPECT_EQ(core::base64_encode("hi\n"), "aGkK");
  EXPECT_EQ(core::base64_decode("aGkK"), "hi\n");
  EXPECT_EQ(core::base64_encode("ab"), "YWI=");
  EXPECT_EQ(core::base64_decode("YWI="), "ab");
  const std::string bytes("\xff\xfe\x00\x01?>", 6);
  EXPECT_EQ(core::base64url_decode(core::base64url_encode(bytes)), bytes);
  EXPECT_EQ(core::base64url_encode(bytes).find_first_of("+/="), std::string::npos);
  EXPECT_THROW(core::base64_decode("abc"), std::invalid_argument);
  EXPECT_THROW(core::base64_decode("a!c="), std::invalid_argument);
}

TEST(ApiModels, NewSandboxUsesTheWireNames) {
  core::NewSandbox n;
  n.template_id = "base";
  n.timeout = 300;
  n.allow_internet_access = true;
  n.metadata = {{"k", "v"}};
  n.env_vars = {{"A", "1"}};
  const json j = n;
  EXPECT_EQ(j, json::parse(R"({"templateID": "base", "timeout": 300, "allow_internet_access": true,
                                "metadata": {"k": "v"}, "envVars": {"A": "1"}})"));
  EXPECT_EQ(j.get<core::NewSandbox>().env_vars, n.env_vars);
}

TEST(ApiModels, SandboxDetailParsesTheContractShape) {
  const auto info = json::parse(R"({"templateID": "t1", "alias": "base", "sandboxID": "i123", "clientID": "6532622b",
      "startedAt": "2026-01-01T00:00:00Z", "endAt": "2026-01-01T00:05:00Z", "cpuCount": 2, "memoryMB": 512,
      "diskSizeMB": 5120, "state": "paused", "envdVersion": "0.6.13", "metadata": {"a": "b"}})")
                        .get<core::SandboxInfo>();
  EXPECT_EQ(info.state, core::SandboxState::paused);
  EXPECT_EQ(info.end_at - info.started_at, std::chrono::minutes(5));
  EXPECT_EQ(info.metadata.at("a"), "b");
  EXPECT_THROW(json::parse(R"({"templateID": "t", "sandboxID": "i", "startedAt": "2026-01-01T00:00:00Z",
      "endAt": "2026-01-01T00:00:00Z", "state": "exploded"})").get<core::SandboxInfo>(), std::invalid_argument);
}

}  // namespace
