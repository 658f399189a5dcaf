#pragma once
// URL pieces and the percent-encoding both the SDK and the fake agree on.
#include <map>
#include <string>
#include <string_view>
#include <vector>
#include <utility>

namespace ppio_sandbox::core {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;
  std::string target;  // path and query, starting with '/'

  std::string origin() const;  // scheme://host:port
};

// Throws std::invalid_argument for anything that is not an absolute http(s) URL.
Url parse_url(std::string_view url);

std::string percent_encode(std::string_view value);
std::string percent_decode(std::string_view value);

using QueryParams = std::vector<std::pair<std::string, std::string>>;
// "?k=v&..." with every key and value percent-encoded; "" when empty.
std::string to_query_string(const QueryParams& params);

// The E2B `metadata` list filter. Each key and value is encoded twice (as the JS
// SDK's encodeURIComponent + URLSearchParams do) so that '&' and '=' inside them
// survive the server's decode; the HTTP layer encodes the whole value once more.
std::string encode_metadata_filter(const std::map<std::string, std::string>& filter);
// The server side: the query value as the HTTP framework decoded it.
// Throws std::invalid_argument when a pair lacks exactly one '='.
std::map<std::string, std::string> decode_metadata_filter(std::string_view value);

}  // namespace ppio_sandbox::core
