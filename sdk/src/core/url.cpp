#include "ppio_sandbox/core/url.hpp"

#include <httplib.h>

#include <charconv>
#include <stdexcept>

namespace ppio_sandbox::core {

std::string Url::origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

Url parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw std::invalid_argument("not an absolute URL: " + std::string(text));
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    throw std::invalid_argument("unsupported URL scheme: " + url.scheme);
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.target.front() == '?') url.target.insert(0, "/");
  url.port = url.scheme == "https" ? 443 : 80;
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const auto port_text = authority.substr(colon + 1);
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
      throw std::invalid_argument("bad port in URL: " + std::string(text));
    }
    url.port = port;
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) throw std::invalid_argument("URL has no host: " + std::string(text));
  url.host = std::string(authority);
  return url;
}

std::string percent_encode(std::string_view value) { return httplib::detail::encode_query_param(std::string(value)); }

std::string percent_decode(std::string_view value) { return httplib::detail::decode_url(std::string(value), false); }

std::string to_query_string(const QueryParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += out.empty() ? '?' : '&';
    out += percent_encode(key) + '=' + percent_encode(value);
  }
  return out;
}

std::string encode_metadata_filter(const std::map<std::string, std::string>& filter) {
  std::string out;
  for (const auto& [key, value] : filter) {
    if (!out.empty()) out += '&';
    out += percent_encode(percent_encode(key)) + '=' + percent_encode(percent_encode(value));
  }
  return out;
}

std::map<std::string, std::string> decode_metadata_filter(std::string_view value) {
  std::map<std::string, std::string> out;
  const std::string whole = percent_decode(value);
  std::size_t start = 0;
  while (start <= whole.size()) {
    const auto end = std::min(whole.find('&', start), whole.size());
    const std::string_view pair(whole.data() + start, end - start);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.find('=', eq + 1) != std::string_view::npos) {
      throw std::invalid_argument("invalid key value pair in query: '" + std::string(pair) + "'");
    }
    out[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace ppio_sandbox::core
