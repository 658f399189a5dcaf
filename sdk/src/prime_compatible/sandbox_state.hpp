#pragma once
// Asking the control plane why a sandbox is not running, for the errors of
// commands, files, waits and live processes.
#include <exception>
#include <optional>
#include <string>

#include "error_mapping.hpp"
#include "ppio_sandbox/prime_compatible/api_client.hpp"

namespace ppio_sandbox::prime_compatible::detail {

// Why a sandbox PPIO no longer has ended. PPIO keeps no record of a killed
// or expired sandbox, so: what its log says, if the log can still be read
// (OOM, image pull, timeout); else TIMEOUT when its known end has passed on
// the client's wall clock; else TERMINATED / SANDBOX_NOT_FOUND.
NotRunning why_gone(const APIClient& client, const std::string& sandbox_id, std::optional<core::Timestamp> end_at);

// After a failure that may mean the sandbox stopped: its error when the
// control plane says it is gone or paused, null when it runs or cannot tell.
std::exception_ptr not_running_now(const APIClient& client, const std::string& sandbox_id,
                                   const std::optional<std::string>& command, std::optional<core::Timestamp> end_at);

}  // namespace ppio_sandbox::prime_compatible::detail
