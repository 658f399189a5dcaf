// Properties of the shared wire helpers: every encoding round-trips.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/time.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace core = ppio_sandbox::core;

RC_GTEST_PROP(MetadataFilter, SurvivesTheServersDecodeForAnyKeysAndValues,
              (const std::map<std::string, std::string>& filter)) {
  RC_PRE(!filter.empty());
  // The HTTP layer encodes the value once more; the server's framework decodes once.
  const auto on_the_wire = core::percent_encode(core::encode_metadata_filter(filter));
  RC_ASSERT(core::decode_metadata_filter(core::percent_decode(on_the_wire)) == filter);
}

RC_GTEST_PROP(Base64, RoundTripsAnyBytes, (const std::string& bytes)) {
  RC_ASSERT(core::base64_decode(core::base64_encode(bytes)) == bytes);
  const auto url = core::base64url_encode(bytes);
  RC_ASSERT(url.find_first_of("+/=") == std::string::npos);
  RC_ASSERT(core::base64url_decode(url) == bytes);
}

RC_GTEST_PROP(Rfc3339, FormatThenParseKeepsMilliseconds, ()) {
  // 1970 .. 2200, in milliseconds.
  const auto ms = *rc::gen::inRange<std::int64_t>(0, 7'258'118'400'000);
  const core::Timestamp t{std::chrono::milliseconds(ms)};
  RC_ASSERT(core::parse_rfc3339(core::format_rfc3339(t)) == t);
}

RC_GTEST_PROP(PercentEncoding, RoundTripsAnyString, (const std::string& text)) {
  const auto encoded = core::percent_encode(text);
  RC_ASSERT(encoded.find_first_of(" &=?#/+%") == std::string::npos || encoded.find('%') != std::string::npos);
  RC_ASSERT(core::percent_decode(encoded) == text);
}
