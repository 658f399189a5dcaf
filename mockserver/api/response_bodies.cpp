#include "mockserver/api/response_bodies.hpp"

#include <cstdint>
#include <cstdio>

namespace ppio_mock::api {

using nlohmann::json;
using ppio_sandbox::core::format_rfc3339;

namespace {

std::int64_t unix_seconds(state::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A stable UUID-shaped build id for a template the fixtures give none (FNV-1a of its id).
std::string build_id_for(const std::string& template_id) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : template_id) hash = (hash ^ c) * 1099511628211ull;
  char text[40];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012llx", static_cast<unsigned>(hash >> 32),
                static_cast<unsigned long long>(hash & 0xffffffffffffull));
  return text;
}

}  // namespace

json created_json(const state::SandboxRecord& record) {
  ppio_sandbox::core::CreatedSandbox created;
  created.template_id = record.info.template_id;
  created.sandbox_id = record.info.sandbox_id;
  created.client_id = record.info.client_id;
  created.envd_version = record.info.envd_version;
  created.alias = record.info.alias;
  created.envd_access_token = record.info.envd_access_token;
  created.domain = record.info.domain;
  json body = created;
  if (record.settings.traffic_access_token) body["trafficAccessToken"] = *record.settings.traffic_access_token;
  return body;
}

json detail_json(const state::SandboxDetail& detail) {
  json body = detail.info;
  const auto& settings = detail.settings;
  body["lifecycle"] = {{"autoResume", settings.auto_resume}, {"onTimeout", settings.auto_pause ? "pause" : "kill"}};
  body["allowInternetAccess"] = settings.allow_internet_access ? json(*settings.allow_internet_access) : json(nullptr);
  if (settings.network) body["network"] = *settings.network;
  return body;
}

json snapshot_json(const state::Snapshot& snapshot) {
  return json{{"snapshotID", snapshot.snapshot_id()}, {"names", snapshot.names()}};
}

json metric_json(const ppio_sandbox::core::SandboxInfo& info, state::Timestamp t) {
  // The fake measures no usage: the totals are the template's, the usage 0.
  const std::int64_t mib = 1024 * 1024;
  return json{{"timestamp", format_rfc3339(t)},
              {"timestampUnix", unix_seconds(t)},
              {"cpuCount", info.cpu_count},
              {"cpuUsedPct", 0.0},
              {"memUsed", 0},
              {"memTotal", info.memory_mb * mib},
              {"memCache", 0},
              {"diskUsed", 0},
              {"diskTotal", info.disk_size_mb * mib}};
}

json template_json(const state::TemplateInfo& t, const state::TemplateUsage& usage, state::Timestamp catalog_loaded_at) {
  json body = t;
  if (t.build_id.empty()) body["buildID"] = build_id_for(t.template_id);
  body["createdAt"] = format_rfc3339(catalog_loaded_at);
  body["updatedAt"] = format_rfc3339(catalog_loaded_at);
  body["createdBy"] = nullptr;
  body["lastSpawnedAt"] = usage.last_spawned_at ? json(format_rfc3339(*usage.last_spawned_at)) : json(nullptr);
  body["spawnCount"] = usage.spawn_count;
  body["buildCount"] = 1;
  return body;
}

}  // namespace ppio_mock::api
