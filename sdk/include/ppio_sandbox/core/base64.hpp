#pragma once
#include <string>
#include <string_view>

namespace ppio_sandbox::core {

std::string base64_encode(std::string_view bytes);
// Throws std::invalid_argument on malformed input.
std::string base64_decode(std::string_view text);

// URL-safe alphabet without padding, for opaque tokens in query strings.
std::string base64url_encode(std::string_view bytes);
std::string base64url_decode(std::string_view text);

}  // namespace ppio_sandbox::core
