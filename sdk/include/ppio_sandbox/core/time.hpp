#pragma once
// RFC 3339 timestamps, as every E2B and Prime JSON body carries them.
#include <chrono>
#include <string>
#include <string_view>

namespace ppio_sandbox::core {

using Timestamp = std::chrono::system_clock::time_point;

// "2026-11-26T04:11:33.123Z" (UTC, millisecond precision).
std::string format_rfc3339(Timestamp t);
// Accepts fractional seconds of any length and a "Z" or "+hh:mm" offset.
// Throws std::invalid_argument on anything else.
Timestamp parse_rfc3339(std::string_view text);

}  // namespace ppio_sandbox::core
