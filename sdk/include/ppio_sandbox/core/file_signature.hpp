#pragma once
// envd's signed /files URLs: the `signature` query parameter that stands in for
// X-Access-Token on GET and POST /files of a secure sandbox.
#include <cstdint>
#include <optional>
#include <string>

namespace ppio_sandbox::core {

// "v1_" + unpadded standard base64 of SHA-256 over "path:operation:username:token",
// with ":expiration" (unix seconds) appended when the URL expires. `operation` is
// "read" (download) or "write" (upload); `username` is "" for the template's default user;
// `path` is the `path` query parameter exactly as sent.
std::string file_signature(const std::string& path, const std::string& operation, const std::string& username,
                           const std::string& access_token, std::optional<std::int64_t> expiration = std::nullopt);

}  // namespace ppio_sandbox::core
