#include "ppio_sandbox/core/file_signature.hpp"

#include <openssl/sha.h>

#include "ppio_sandbox/core/base64.hpp"

namespace ppio_sandbox::core {

std::string file_signature(const std::string& path, const std::string& operation, const std::string& username,
                           const std::string& access_token, std::optional<std::int64_t> expiration) {
  std::string text = path + ":" + operation + ":" + username + ":" + access_token;
  if (expiration) text += ":" + std::to_string(*expiration);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string encoded = base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return "v1_" + encoded;
}

}  // namespace ppio_sandbox::core
