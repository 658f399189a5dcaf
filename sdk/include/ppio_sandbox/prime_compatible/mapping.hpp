#pragma once
// How Prime's sandbox fields live on PPIO: pure functions, no I/O.
//
// Every Prime field is written to PPIO metadata so that get and list return
// what was created. The Python adapter's keys (sandbox_name, custom_label#<l>,
// team_id, environment_vars, disk_size_gb, disk_mount_path) are written and
// read too, so sandboxes made by either SDK read correctly in the other. The
// rest use the "prime_" prefix. Secret values never enter metadata; only their
// names do, and they read back masked as "***".
//
// States: PPIO running -> RUNNING, paused -> PAUSED. Killed or expired
// sandboxes vanish from PPIO, so no other status is ever reported.
//
// vm: as requested; unset reads as true, since every PPIO sandbox is a
// microVM and Prime's platform default is a VM too.
#include <optional>
#include <string>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"

namespace ppio_sandbox::prime_compatible::mapping {

namespace keys {
inline constexpr const char* kName = "sandbox_name";
inline constexpr const char* kLabelPrefix = "custom_label#";
inline constexpr const char* kTeamId = "team_id";
inline constexpr const char* kUserId = "prime_user_id";  // ClientOptions::user_id / PRIME_USER_ID
inline constexpr const char* kEnvironmentVars = "environment_vars";
inline constexpr const char* kDiskSizeGb = "disk_size_gb";  // integer text: the adapter reads it with int()
inline constexpr const char* kDiskMountPath = "disk_mount_path";
inline constexpr const char* kLongRunning = "long_running";  // PPIO: lifts the 1 h cap
inline constexpr const char* kIdleTimeout = "idle_timeout";  // PPIO: seconds, as a string
inline constexpr const char* kDiskSizeGbExact = "prime_disk_size_gb";  // only when not a whole number
inline constexpr const char* kDockerImage = "prime_docker_image";
inline constexpr const char* kStartCommand = "prime_start_command";  // the shell form
inline constexpr const char* kStartArgv = "prime_start_argv";        // a StartCommand, as JSON
inline constexpr const char* kCpuCores = "prime_cpu_cores";
inline constexpr const char* kMemoryGb = "prime_memory_gb";
inline constexpr const char* kGpuCount = "prime_gpu_count";
inline constexpr const char* kGpuType = "prime_gpu_type";
inline constexpr const char* kVm = "prime_vm";
inline constexpr const char* kIdleTimeoutMinutes = "prime_idle_timeout_minutes";
inline constexpr const char* kRegion = "prime_region";
inline constexpr const char* kAdvancedConfigs = "prime_advanced_configs";
inline constexpr const char* kSecretNames = "prime_secret_names";
inline constexpr const char* kRegistryCredentialsId = "prime_registry_credentials_id";
}  // namespace keys

// PPIO caps a sandbox at one hour unless its metadata says long_running.
inline constexpr int kUncappedMinutes = 60;

core::Metadata to_metadata(const CreateSandboxRequest& request);
core::NewSandbox to_new_sandbox(const CreateSandboxRequest& request, const std::string& template_id);
Sandbox to_sandbox(const core::SandboxInfo& info);

std::string status_of(core::SandboxState state);

// The metadata filter for list and bulk delete by labels: every label must be present.
core::Metadata label_filter(const std::optional<std::string>& team_id, const std::vector<std::string>& labels);

// PPIO states that a Prime status filter selects. An empty result means no
// PPIO sandbox can have that status, so the answer is an empty list.
std::vector<core::SandboxState> states_for(SandboxStatus status);

// ---- Egress: Prime's allow/deny lists on PPIO's network config ----
//
// PPIO lets everything out unless denyOut blocks it, and allowOut punches
// holes in denyOut. So an allowlist L is allowOut L with denyOut
// [0.0.0.0/0] (L = [] lets nothing out), and a denylist D is denyOut D
// (D = [] blocks nothing). PPIO denies addresses and CIDR blocks only; a
// hostname in a denylist throws std::invalid_argument, before any request.

// The `network` of create for a request's lists; nullopt when neither is set.
std::optional<core::NetworkConfig> network_for(const std::optional<std::vector<std::string>>& allowlist,
                                               const std::optional<std::vector<std::string>>& denylist);
// The PUT /sandboxes/{id}/network body that replaces the policy with `policy`.
core::NetworkUpdate network_update_for(const SandboxEgressPolicy& policy);
// The policy PPIO's settings amount to: denyOut holding 0.0.0.0/0 (or
// allow_internet_access false) is an allowlist of allowOut; any other
// denyOut is a denylist; no denyOut is no policy (both null).
SandboxEgressPolicy egress_from_network(const std::optional<core::NetworkConfig>& network,
                                        std::optional<bool> allow_internet_access);
// Prime's set_network(allow=, deny=): exactly one, non-empty, "*" alone
// meaning everything; checked as Prime checks it (std::invalid_argument).
SandboxEgressPolicy policy_for_set_network(const std::optional<std::vector<std::string>>& allow,
                                           const std::optional<std::vector<std::string>>& deny);

// ---- Ports: PPIO routes every port of a sandbox at its own host ----

// <port>-<sandbox id>.<domain>, as the e2b SDKs' getHost builds it.
std::string port_host(int port, const std::string& sandbox_id, const std::string& domain);

}  // namespace ppio_sandbox::prime_compatible::mapping
