#pragma once
// The JSON bodies of the PPIO/E2B control plane, exactly as on the wire
// (see contracts/e2b-openapi.yml). The SDK sends and reads them; the fake
// serves them. Keeping one copy is what stops the two from drifting apart.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ppio_sandbox/core/network_models.hpp"
#include "ppio_sandbox/core/time.hpp"

namespace ppio_sandbox::core {

using Metadata = std::map<std::string, std::string>;

enum class SandboxState { running, paused };
std::string to_string(SandboxState state);
// Throws std::invalid_argument for an unknown state name.
SandboxState parse_sandbox_state(const std::string& name);

// POST /sandboxes
struct NewSandbox {
  std::string template_id;
  std::optional<int> timeout;  // seconds
  std::optional<bool> auto_pause;
  std::optional<bool> secure;
  std::optional<bool> allow_internet_access;
  Metadata metadata;
  std::map<std::string, std::string> env_vars;
  std::optional<NetworkConfig> network;  // the modern domain only
};
void to_json(nlohmann::json& j, const NewSandbox& v);
void from_json(const nlohmann::json& j, NewSandbox& v);

// The 201 answer to create (and to resume/connect).
struct CreatedSandbox {
  std::string template_id;
  std::string sandbox_id;
  std::string client_id;
  std::string envd_version;
  std::optional<std::string> alias;
  std::optional<std::string> envd_access_token;
  std::optional<std::string> domain;
};
void to_json(nlohmann::json& j, const CreatedSandbox& v);
void from_json(const nlohmann::json& j, CreatedSandbox& v);

// GET /sandboxes/{id} (SandboxDetail) and the items of the list endpoints
// (ListedSandbox, which never carries the access token).
struct SandboxInfo {
  std::string template_id;
  std::optional<std::string> alias;
  std::string sandbox_id;
  std::string client_id;
  Timestamp started_at;
  Timestamp end_at;
  int cpu_count = 0;
  int memory_mb = 0;
  int disk_size_mb = 0;
  SandboxState state = SandboxState::running;
  std::string envd_version;
  Metadata metadata;
  std::optional<std::string> envd_access_token;
  std::optional<std::string> domain;
  // SandboxDetail only (GET /sandboxes/{id}); the list items carry neither.
  std::optional<bool> allow_internet_access;
  std::optional<NetworkConfig> network;
};
void to_json(nlohmann::json& j, const SandboxInfo& v);
void from_json(const nlohmann::json& j, SandboxInfo& v);

// GET /templates items.
struct TemplateInfo {
  std::string template_id;
  std::string build_id;
  int cpu_count = 0;
  int memory_mb = 0;
  int disk_size_mb = 0;
  bool is_public = false;
  std::vector<std::string> aliases;
  std::string envd_version;
  std::string build_status = "ready";
};
void to_json(nlohmann::json& j, const TemplateInfo& v);
void from_json(const nlohmann::json& j, TemplateInfo& v);

// One line of GET /v2/sandboxes/{id}/logs ({timestamp, level, message, fields})
// or of the v1 endpoint's "logs" ({timestamp, line}); from_json reads both.
struct SandboxLogEntry {
  Timestamp timestamp;
  std::string level = "info";
  std::string message;
  std::map<std::string, std::string> fields;
};
void to_json(nlohmann::json& j, const SandboxLogEntry& v);
void from_json(const nlohmann::json& j, SandboxLogEntry& v);

// Every non-2xx control-plane body: {"code": <status>, "message": "..."}.
struct ErrorBody {
  int code = 0;
  std::string message;
};
void to_json(nlohmann::json& j, const ErrorBody& v);
void from_json(const nlohmann::json& j, ErrorBody& v);

}  // namespace ppio_sandbox::core
