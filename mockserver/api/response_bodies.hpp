#pragma once
// The control plane's answer bodies built from state, in the contract's
// shapes: what sdk/core's models carry, plus the modern fields they do not
// model yet (trafficAccessToken, lifecycle, network, snapshots, template
// bookkeeping).
#include <nlohmann/json.hpp>

#include "mockserver/state/registry.hpp"

namespace ppio_mock::api {

// Sandbox: the body of create, resume, connect and of each fork.
nlohmann::json created_json(const state::SandboxRecord& record);
// SandboxDetail: GET /sandboxes/{id}.
nlohmann::json detail_json(const state::SandboxDetail& detail);
// SnapshotInfo.
nlohmann::json snapshot_json(const state::Snapshot& snapshot);
// SandboxMetric at time `t`.
nlohmann::json metric_json(const ppio_sandbox::core::SandboxInfo& info, state::Timestamp t);
// Template: every field the contract requires.
nlohmann::json template_json(const state::TemplateInfo& t, const state::TemplateUsage& usage,
                             state::Timestamp catalog_loaded_at);

}  // namespace ppio_mock::api
