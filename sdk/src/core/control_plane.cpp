#include "ppio_sandbox/core/control_plane.hpp"

#include <charconv>

#include "ppio_sandbox/core/errors.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace ppio_sandbox::core {

using nlohmann::json;

namespace {

std::optional<int> parse_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) return std::nullopt;
  return value;
}

// The service's message when the body is its {"code","message"} JSON, else the raw body.
std::string error_message(const HttpResponse& response) {
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    if (auto it = body.find("message"); it != body.end() && it->is_string()) return it->get<std::string>();
  }
  return response.body.empty() ? "HTTP " + std::to_string(response.status) : response.body;
}

json parse_body(const HttpResponse& response) {
  auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw ApiException(response.status, "response is not JSON: " + response.body.substr(0, 200));
  return body;
}

template <class T>
T decode(const HttpResponse& response) {
  try {
    return parse_body(response).get<T>();
  } catch (const json::exception& e) {
    throw ApiException(response.status, std::string("unexpected response shape: ") + e.what());
  }
}

}  // namespace

ControlPlaneClient::ControlPlaneClient(ConnectionConfig config, std::shared_ptr<HttpTransport> transport)
    : config_(std::move(config)), transport_(std::move(transport)) {}

HttpResponse ControlPlaneClient::call(const std::string& method, const std::string& target, const std::string& body) {
  if (config_.api_key.empty()) throw ConfigError("No API key configured. Set PPIO_API_KEY environment variable.");
  HttpRequest request;
  request.method = method;
  request.url = config_.effective_api_url() + target;
  request.headers = {{"X-API-Key", config_.api_key}, {"User-Agent", config_.user_agent}};
  if (!body.empty()) {
    request.body = body;
    request.content_type = "application/json";
  }
  request.timeout = config_.request_timeout;
  HttpResponse response;
  try {
    response = transport_->send(request);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("bad API URL: ") + e.what());
  }
  if (response.status < 200 || response.status >= 300) {
    throw ApiException(response.status, error_message(response), parse_int(response.header("Retry-After")));
  }
  return response;
}

CreatedSandbox ControlPlaneClient::create_sandbox(const NewSandbox& request) {
  return decode<CreatedSandbox>(call("POST", "/sandboxes", json(request).dump()));
}

SandboxInfo ControlPlaneClient::get_sandbox(const std::string& sandbox_id) {
  return decode<SandboxInfo>(call("GET", "/sandboxes/" + percent_encode(sandbox_id)));
}

SandboxPage ControlPlaneClient::list_sandboxes(const ListQuery& query) {
  QueryParams params;
  if (!query.metadata.empty()) params.emplace_back("metadata", encode_metadata_filter(query.metadata));
  if (!query.states.empty()) {
    std::string states;
    for (auto state : query.states) states += (states.empty() ? "" : ",") + to_string(state);
    params.emplace_back("state", states);
  }
  if (query.limit) params.emplace_back("limit", std::to_string(*query.limit));
  if (query.next_token) params.emplace_back("nextToken", *query.next_token);

  const auto response = call("GET", "/v2/sandboxes" + to_query_string(params));
  SandboxPage page;
  page.sandboxes = decode<std::vector<SandboxInfo>>(response);
  if (auto token = response.header("X-Next-Token"); token && !token->empty()) page.next_token = token;
  page.total_running = parse_int(response.header("X-Total-Running"));
  return page;
}

bool ControlPlaneClient::kill_sandbox(const std::string& sandbox_id) {
  try {
    call("DELETE", "/sandboxes/" + percent_encode(sandbox_id));
    return true;
  } catch (const ApiException& e) {
    if (e.status() == 404) return false;
    throw;
  }
}

std::vector<TemplateInfo> ControlPlaneClient::list_templates() {
  return decode<std::vector<TemplateInfo>>(call("GET", "/templates"));
}

}  // namespace ppio_sandbox::core
