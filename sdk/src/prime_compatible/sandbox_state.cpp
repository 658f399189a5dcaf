#include "sandbox_state.hpp"

namespace ppio_sandbox::prime_compatible::detail {

NotRunning why_gone(const APIClient& client, const std::string& sandbox_id, std::optional<core::Timestamp> end_at) {
  try {
    if (auto reason = reason_from_logs(client.control_plane().sandbox_logs(sandbox_id))) return *reason;
  } catch (const std::exception&) {
    // Usually 404: the service forgot it with the sandbox. Fall back on what the client knows.
  }
  if (end_at && *end_at <= client.clock().wall_now()) return expired_reason(*end_at);
  return gone_reason();
}

std::exception_ptr not_running_now(const APIClient& client, const std::string& sandbox_id,
                                   const std::optional<std::string>& command, std::optional<core::Timestamp> end_at) {
  try {
    const auto info = client.control_plane().get_sandbox(sandbox_id);
    if (info.state == core::SandboxState::paused) return not_running_error(sandbox_id, paused_reason(), command);
    return nullptr;
  } catch (const core::ApiException& e) {
    if (e.status() == 404) return not_running_error(sandbox_id, why_gone(client, sandbox_id, end_at), command);
  } catch (const std::exception&) {
  }
  return nullptr;  // cannot tell: the caller reports its own error
}

}  // namespace ppio_sandbox::prime_compatible::detail
