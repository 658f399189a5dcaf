#pragma once
// What POST /sandboxes (and /v2/sandboxes) asks for: the SDK's NewSandbox
// (network included) plus the modern fields it does not model yet (lifecycle,
// volume mounts). These belong with NewSandbox in sdk/core once the SDK offers them.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mockserver/state/network_config.hpp"
#include "ppio_sandbox/core/api_models.hpp"

namespace ppio_mock::state {

struct VolumeMount {
  std::string name;
  std::string path;
};

struct CreateRequest : ppio_sandbox::core::NewSandbox {
  CreateRequest() = default;
  // Implicit: every NewSandbox is a create request with no modern fields.
  CreateRequest(ppio_sandbox::core::NewSandbox base) : NewSandbox(std::move(base)) {}  // NOLINT

  std::optional<bool> auto_resume;        // autoResume.enabled
  std::optional<bool> auto_pause_memory;  // autoPauseMemory
  std::vector<VolumeMount> volume_mounts;
};

// The JSON body; mistyped fields throw nlohmann::json::exception (400 at the
// edge). mcp and iam are type-checked and otherwise ignored.
void from_json(const nlohmann::json& j, CreateRequest& v);

}  // namespace ppio_mock::state
