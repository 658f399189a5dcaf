#include "ppio_sandbox/core/api_models.hpp"

#include <stdexcept>

#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_sandbox::core {

using nlohmann::json;
namespace jf = json_fields;

std::string to_string(SandboxState state) { return state == SandboxState::running ? "running" : "paused"; }

SandboxState parse_sandbox_state(const std::string& name) {
  if (name == "running") return SandboxState::running;
  if (name == "paused") return SandboxState::paused;
  throw std::invalid_argument("unknown sandbox state '" + name + "'");
}

namespace {

Timestamp read_time(const json& j, const char* name) {
  std::string text;
  jf::require(j, {name}, text);
  return parse_rfc3339(text);
}

}  // namespace

void to_json(json& j, const NewSandbox& v) {
  j = json{{"templateID", v.template_id}};
  jf::write_if(j, "timeout", v.timeout);
  jf::write_if(j, "autoPause", v.auto_pause);
  jf::write_if(j, "secure", v.secure);
  jf::write_if(j, "allow_internet_access", v.allow_internet_access);
  if (!v.metadata.empty()) j["metadata"] = v.metadata;
  if (!v.env_vars.empty()) j["envVars"] = v.env_vars;
  jf::write_if(j, "network", v.network);
}

void from_json(const json& j, NewSandbox& v) {
  jf::require(j, {"templateID"}, v.template_id);
  jf::read(j, {"timeout"}, v.timeout);
  jf::read(j, {"autoPause"}, v.auto_pause);
  jf::read(j, {"secure"}, v.secure);
  jf::read(j, {"allow_internet_access"}, v.allow_internet_access);
  jf::read(j, {"metadata"}, v.metadata);
  jf::read(j, {"envVars"}, v.env_vars);
  jf::read(j, {"network"}, v.network);
}

void to_json(json& j, const CreatedSandbox& v) {
  j = json{{"templateID", v.template_id},
           {"sandboxID", v.sandbox_id},
           {"clientID", v.client_id},
           {"envdVersion", v.envd_version}};
  jf::write_if(j, "alias", v.alias);
  jf::write_if(j, "envdAccessToken", v.envd_access_token);
  jf::write_if(j, "domain", v.domain);
}

void from_json(const json& j, CreatedSandbox& v) {
  jf::require(j, {"templateID"}, v.template_id);
  jf::require(j, {"sandboxID"}, v.sandbox_id);
  jf::read(j, {"clientID"}, v.client_id);
  jf::read(j, {"envdVersion"}, v.envd_version);
  jf::read(j, {"alias"}, v.alias);
  jf::read(j, {"envdAccessToken"}, v.envd_access_token);
  jf::read(j, {"domain"}, v.domain);
}

void to_json(json& j, const SandboxInfo& v) {
  // Field by field: the fake serves this on every GET, and an initializer
  // list copies each value twice.
  j = json::object();
  j["templateID"] = v.template_id;
  j["sandboxID"] = v.sandbox_id;
  j["clientID"] = v.client_id;
  j["startedAt"] = format_rfc3339(v.started_at);
  j["endAt"] = format_rfc3339(v.end_at);
  j["cpuCount"] = v.cpu_count;
  j["memoryMB"] = v.memory_mb;
  j["diskSizeMB"] = v.disk_size_mb;
  j["state"] = to_string(v.state);
  j["envdVersion"] = v.envd_version;
  j["metadata"] = v.metadata;
  jf::write_if(j, "alias", v.alias);
  jf::write_if(j, "envdAccessToken", v.envd_access_token);
  jf::write_if(j, "domain", v.domain);
  jf::write_if(j, "allowInternetAccess", v.allow_internet_access);
  jf::write_if(j, "network", v.network);
}

void from_json(const json& j, SandboxInfo& v) {
  jf::require(j, {"templateID"}, v.template_id);
  jf::read(j, {"alias"}, v.alias);
  jf::require(j, {"sandboxID"}, v.sandbox_id);
  jf::read(j, {"clientID"}, v.client_id);
  v.started_at = read_time(j, "startedAt");
  v.end_at = read_time(j, "endAt");
  jf::read(j, {"cpuCount"}, v.cpu_count);
  jf::read(j, {"memoryMB"}, v.memory_mb);
  jf::read(j, {"diskSizeMB"}, v.disk_size_mb);
  std::string state;
  jf::require(j, {"state"}, state);
  v.state = parse_sandbox_state(state);
  jf::read(j, {"envdVersion"}, v.envd_version);
  jf::read(j, {"metadata"}, v.metadata);
  jf::read(j, {"envdAccessToken"}, v.envd_access_token);
  jf::read(j, {"domain"}, v.domain);
  jf::read(j, {"allowInternetAccess"}, v.allow_internet_access);
  jf::read(j, {"network"}, v.network);
}

void to_json(json& j, const TemplateInfo& v) {
  j = json{{"templateID", v.template_id}, {"buildID", v.build_id},   {"cpuCount", v.cpu_count},
           {"memoryMB", v.memory_mb},     {"diskSizeMB", v.disk_size_mb}, {"public", v.is_public},
           {"aliases", v.aliases},        {"names", v.aliases},       {"envdVersion", v.envd_version},
           {"buildStatus", v.build_status}};
}

void from_json(const json& j, TemplateInfo& v) {
  jf::require(j, {"templateID"}, v.template_id);
  jf::read(j, {"buildID"}, v.build_id);
  jf::read(j, {"cpuCount"}, v.cpu_count);
  jf::read(j, {"memoryMB"}, v.memory_mb);
  jf::read(j, {"diskSizeMB"}, v.disk_size_mb);
  jf::read(j, {"public"}, v.is_public);
  jf::read(j, {"aliases", "names"}, v.aliases);
  jf::read(j, {"envdVersion"}, v.envd_version);
  jf::read(j, {"buildStatus"}, v.build_status);
}

void to_json(json& j, const SandboxLogEntry& v) {
  j = json{{"timestamp", format_rfc3339(v.timestamp)}, {"level", v.level}, {"message", v.message}, {"fields", v.fields}};
}

void from_json(const json& j, SandboxLogEntry& v) {
  v.timestamp = read_time(j, "timestamp");
  jf::read(j, {"level"}, v.level);
  jf::require(j, {"message", "line"}, v.message);
  if (const auto* fields = jf::find(j, {"fields"}); fields != nullptr && fields->is_object()) {
    for (const auto& [key, value] : fields->items()) v.fields[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
}

void to_json(json& j, const ErrorBody& v) { j = json{{"code", v.code}, {"message", v.message}}; }

void from_json(const json& j, ErrorBody& v) {
  jf::read(j, {"code"}, v.code);
  jf::read(j, {"message"}, v.message);
}

}  // namespace ppio_sandbox::core
