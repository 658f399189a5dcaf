#include "mockserver/envd/edge.hpp"

#include <charconv>
#include <chrono>

#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/file_signature.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace connect = ppio_sandbox::core::connect;

namespace {

constexpr const char* kUnauthorized =
    "unauthorized access, please provide a valid access token or method signing if supported";

constexpr const char* kTrafficTokenHeader = "e2b-traffic-access-token";

// What E2B's proxy answers for a paused sandbox it will not resume.
EdgeReply sandbox_paused(const std::string& id) {
  return {409, json{{"sandboxId", id}, {"message", "The sandbox is paused"}, {"code", 409}, {"canAutoResume", false}}};
}

// A user name from "Authorization: Basic base64(user:)"; "" when absent.
std::string basic_auth_user(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  if (!header.starts_with("Basic ")) return {};
  std::string decoded;
  try {
    decoded = ppio_sandbox::core::base64_decode(header.substr(6));
  } catch (const std::exception&) {
    throw FsError(Code::unauthenticated, "invalid authorization header");
  }
  return decoded.substr(0, decoded.find(':'));
}

// Compares without stopping at the first difference, as envd does (subtle.ConstantTimeCompare).
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

void Edge::check_signature(const httplib::Request& req, const char* operation, const std::string& token) const {
  const auto refuse = [](const std::string& message) { throw EdgeReply{401, json{{"code", 401}, {"message", message}}}; };
  if (!req.has_param("signature")) refuse("missing signature query parameter");
  std::optional<std::int64_t> expiration;
  if (req.has_param("signature_expiration")) {
    const std::string text = req.get_param_value("signature_expiration");
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
      throw EdgeReply{400, json{{"code", 400},
                                {"message", "Invalid format for parameter signature_expiration: '" + text +
                                                "' is not an integer"}}};
    }
    expiration = value;
  }
  // Signed over the query parameters as sent: `path` unexpanded, `username` "" when absent.
  const std::string expected =
      ppio_sandbox::core::file_signature(req.get_param_value("path"), operation, req.get_param_value("username"), token,
                                         expiration);
  if (!same_secret(expected, req.get_param_value("signature"))) refuse("invalid signature");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(registry_.now().time_since_epoch()).count();
  if (expiration && *expiration < now) refuse("signature is already expired");
}

void Edge::run_as(Call& call, const std::string& name) const {
  const auto& runtime = registry_.templates().runtime(call.record.info.template_id);
  const std::string wanted = name.empty() ? runtime.default_user : name;
  const auto* user = exec::find_user(wanted);
  if (user == nullptr) throw FsError(Code::unauthenticated, "invalid username: '" + name + "'");
  call.user = *user;
}

EdgeReply sandbox_not_found(const std::string& id) {
  return {502, json{{"sandboxId", id}, {"message", "The sandbox was not found"}, {"code", 502}}};
}

std::optional<std::string> routed_sandbox_id(const httplib::Request& req) {
  if (req.path.starts_with("/envd/")) {
    const auto end = req.path.find('/', 6);
    if (end != std::string::npos && end > 6) return req.path.substr(6, end - 6);
  }
  // E2B's header, and the ones the Novita and PPIO forks of its SDKs send instead.
  for (const char* header : {"E2b-Sandbox-Id", "Novita-Sandbox-Id", "PPIO-Sandbox-Id"}) {
    std::string id = req.get_header_value(header);
    if (!id.empty()) return id;
  }
  const std::string host = req.get_header_value("Host");
  if (host.starts_with("49983-")) {
    const auto end = host.find_first_of(".:", 6);
    if (end != std::string::npos && end > 6) return host.substr(6, end - 6);
  }
  return std::nullopt;
}

namespace {

bool is_files_path(const std::string& path) {
  if (path == "/files") return true;
  return path.starts_with("/envd/") && path.ends_with("/files") && path.find('/', 6) == path.size() - 6;
}

}  // namespace

bool is_file_upload(const httplib::Request& req) { return req.method == "POST" && is_files_path(req.path); }

bool is_file_download(const httplib::Request& req) {
  return (req.method == "GET" || req.method == "HEAD") && is_files_path(req.path);
}

std::optional<EdgeReply> traffic_token_refusal(const state::SandboxRecord& record, const httplib::Request& req) {
  const auto& token = record.settings.traffic_access_token;
  if (!token) return std::nullopt;
  const std::string& id = record.info.sandbox_id;
  if (!req.has_header(kTrafficTokenHeader)) {
    return EdgeReply{403, json{{"sandboxId", id},
                               {"message", std::string("Sandbox is secured with traffic access token. Token header '") +
                                               kTrafficTokenHeader + "' is missing"},
                               {"code", 403}}};
  }
  if (req.get_header_value(kTrafficTokenHeader) != *token) {
    return EdgeReply{403, json{{"sandboxId", id},
                               {"message", "Sandbox is secured with traffic access token. Provided token is invalid."},
                               {"code", 403}}};
  }
  return std::nullopt;
}

std::optional<state::SandboxRecord> Edge::reach(const std::string& id) const {
  auto record = registry_.lookup(id);
  if (!record || record->info.state == state::SandboxState::running) return record;
  // Paused: traffic resumes it when its lifecycle says autoResume, as E2B's proxy does.
  if (!record->settings.auto_resume) throw sandbox_paused(id);
  try {
    record = registry_.auto_resume(id);
  } catch (const state::ServiceError& e) {
    throw EdgeReply{e.status(), json{{"sandboxId", id}, {"message", e.what()}, {"code", e.status()}}};
  }
  if (record && record->info.state != state::SandboxState::running) throw sandbox_paused(id);
  return record;
}

Call Edge::admit(const httplib::Request& req, bool token_required) const {
  const auto id = routed_sandbox_id(req);
  if (!id) throw sandbox_not_found("");
  auto record = reach(*id);
  if (!record) throw sandbox_not_found(*id);
  if (const auto& token = record->info.envd_access_token) {
    const bool sent = req.has_header("X-Access-Token");
    if ((token_required || sent) && req.get_header_value("X-Access-Token") != *token) {
      throw EdgeReply{401, json{{"code", 401}, {"message", kUnauthorized}}};
    }
  }
  Call call;
  call.id = record->info.sandbox_id;
  call.record = std::move(*record);
  call.fs = dirs_.get(call.id);
  return call;
}

Call Edge::admit_http(const httplib::Request& req, bool token_required) const {
  Call call = admit(req, token_required);
  run_as(call, req.has_param("username") ? req.get_param_value("username") : "");
  return call;
}

Call Edge::admit_files(const httplib::Request& req, const char* operation) const {
  Call call = admit(req, /*token_required=*/false);
  if (const auto& token = call.record.info.envd_access_token; token && !req.has_header("X-Access-Token")) {
    check_signature(req, operation, *token);
  }
  run_as(call, req.has_param("username") ? req.get_param_value("username") : "");
  return call;
}

Call Edge::admit_rpc(const httplib::Request& req) const {
  Call call = admit(req, /*token_required=*/true);
  run_as(call, basic_auth_user(req));
  return call;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(ppio_sandbox::core::json_fields::wire_text(body), "application/json; charset=utf-8");
}

void send_http_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, json{{"code", status}, {"message", message}});
}

int http_status_for_files(Code code) { return code == Code::resource_exhausted ? 507 : connect::http_status(code); }

}  // namespace ppio_mock::envd
