#include "ppio_sandbox/core/control_plane.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "ppio_sandbox/core/errors.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace ppio_sandbox::core {

using nlohmann::json;

namespace {

// E2B answers 400 "invalid sandbox ID" to an id that no sandbox can have (more
// than one dash). For a call about one sandbox that means the same as an id
// that does not exist, so callers see 404; the service's message is kept.
int status_for_caller(const HttpResponse& response, const std::string& path) {
  const bool about_one_sandbox = path.starts_with("/sandboxes/") || path.starts_with("/v2/sandboxes/");
  if (response.status == 400 && about_one_sandbox && response.body.find("invalid sandbox ID") != std::string::npos) {
    return 404;
  }
  return response.status;
}

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
  } catch (const std::invalid_argument& e) {  // a value the models refuse: a state, a timestamp
    throw ApiException(response.status, std::string("unexpected response shape: ") + e.what());
  }
}

bool retryable(const TransportError& error, Idempotency idempotency) {
  using Kind = TransportError::Kind;
  if (error.kind() == Kind::connect) return true;  // nothing was sent
  // A timeout already spent the call's budget; TLS failures do not heal.
  return idempotency == Idempotency::idempotent && (error.kind() == Kind::connection_lost || error.kind() == Kind::other);
}

bool retryable(int status, Idempotency idempotency) {
  return idempotency == Idempotency::idempotent && (status == 429 || status == 502 || status == 503 || status == 504);
}

}  // namespace

ControlPlaneClient::ControlPlaneClient(ConnectionConfig config, std::shared_ptr<HttpTransport> transport,
                                       RetryPolicy retry, std::shared_ptr<Clock> clock)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      retry_(retry),
      clock_(clock ? std::move(clock) : steady_clock()) {}

HttpResponse ControlPlaneClient::call(const std::string& method, const std::string& target, const std::string& body,
                                      Idempotency idempotency) {
  if (config_.api_key.empty()) throw ConfigError("No API key configured. Set PPIO_API_KEY environment variable.");
  HttpRequest request;
  request.method = method;
  request.url = config_.effective_api_url() + target;
  request.headers = {{"X-API-Key", config_.api_key}, {"User-Agent", config_.user_agent}};
  request.idempotent = idempotency == Idempotency::idempotent;
  if (!body.empty()) {
    request.body = body;
    request.content_type = "application/json";
  }

  using std::chrono::milliseconds;
  const auto deadline = clock_->now() + config_.request_timeout;
  auto remaining = [&] { return std::chrono::duration_cast<milliseconds>(deadline - clock_->now()); };
  // Waits `delay` before the next attempt when the policy and the deadline allow it.
  auto may_retry = [&](int attempt, milliseconds delay) {
    if (attempt >= retry_.max_attempts || delay >= remaining()) return false;
    clock_->sleep(delay);
    return true;
  };

  for (int attempt = 1;; ++attempt) {
    request.timeout = std::max(milliseconds(1), remaining());
    HttpResponse response;
    try {
      response = transport_->send(request);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("bad API URL: ") + e.what());
    } catch (const TransportError& e) {
      if (retryable(e, idempotency) && may_retry(attempt, backoff_delay(retry_, attempt, unit_random()))) continue;
      throw;
    }
    if (response.status >= 200 && response.status < 300) return response;

    const auto retry_after = parse_int(response.header("Retry-After"));
    if (retryable(response.status, idempotency)) {
      const auto delay = retry_after && (response.status == 429 || response.status == 503)
                             ? milliseconds(std::max(0, *retry_after) * 1000LL)
                             : backoff_delay(retry_, attempt, unit_random());
      if (may_retry(attempt, delay)) continue;
    }
    throw ApiException(status_for_caller(response, target), error_message(response), retry_after);
  }
}

CreatedSandbox ControlPlaneClient::create_sandbox(const NewSandbox& request) {
  return decode<CreatedSandbox>(call("POST", "/sandboxes", json(request).dump(), Idempotency::not_idempotent));
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

std::vector<SandboxInfo> ControlPlaneClient::list_all_sandboxes(ListQuery query) {
  std::vector<SandboxInfo> all;
  query.next_token.reset();
  while (true) {
    auto page = list_sandboxes(query);
    all.insert(all.end(), std::make_move_iterator(page.sandboxes.begin()), std::make_move_iterator(page.sandboxes.end()));
    if (!page.next_token) return all;
    query.next_token = std::move(page.next_token);
  }
}

void ControlPlaneClient::set_timeout(const std::string& sandbox_id, int timeout_seconds) {
  call("POST", "/sandboxes/" + percent_encode(sandbox_id) + "/timeout", json{{"timeout", timeout_seconds}}.dump());
}

void ControlPlaneClient::update_network(const std::string& sandbox_id, const NetworkUpdate& update) {
  // A PUT replaces the whole policy, so sending it twice is harmless: idempotent.
  call("PUT", "/sandboxes/" + percent_encode(sandbox_id) + "/network", json(update).dump());
}

bool ControlPlaneClient::pause_sandbox(const std::string& sandbox_id) {
  try {
    call("POST", "/sandboxes/" + percent_encode(sandbox_id) + "/pause", {}, Idempotency::not_idempotent);
    return true;
  } catch (const ApiException& e) {
    if (e.status() == 409) return false;
    throw;
  }
}

ConnectedSandbox ControlPlaneClient::connect_sandbox(const std::string& sandbox_id, int timeout_seconds) {
  const auto response =
      call("POST", "/sandboxes/" + percent_encode(sandbox_id) + "/connect", json{{"timeout", timeout_seconds}}.dump());
  return {decode<CreatedSandbox>(response), response.status == 201};
}

std::vector<SandboxLogEntry> ControlPlaneClient::sandbox_logs(const std::string& sandbox_id) {
  const std::string id = percent_encode(sandbox_id);
  HttpResponse response;
  try {
    response = call("GET", "/v2/sandboxes/" + id + "/logs");
  } catch (const ApiException& e) {
    if (e.status() != 404 && e.status() != 405) throw;
    // An older server without v2; for an unknown sandbox v1 answers 404 as well.
    response = call("GET", "/sandboxes/" + id + "/logs");
  }
  const auto body = parse_body(response);
  try {
    return body.at("logs").get<std::vector<SandboxLogEntry>>();
  } catch (const json::exception& e) {
    throw ApiException(response.status, std::string("unexpected response shape: ") + e.what());
  } catch (const std::invalid_argument& e) {  // a value the models refuse: a state, a timestamp
    throw ApiException(response.status, std::string("unexpected response shape: ") + e.what());
  }
}

std::vector<TemplateInfo> ControlPlaneClient::list_templates() {
  return decode<std::vector<TemplateInfo>>(call("GET", "/templates"));
}

}  // namespace ppio_sandbox::core
