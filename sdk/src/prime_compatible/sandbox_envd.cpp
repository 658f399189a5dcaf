// What every command and file call shares: the sandbox's envd address and
// access token, and the retries and not-running rules of an envd exchange.
#include "error_mapping.hpp"
#include "sandbox_state.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

using std::chrono::milliseconds;

// Entries are small; this only stops a client that touches millions of
// sandboxes from growing without end. A dropped entry costs one lookup.
constexpr std::size_t kMaxCachedSandboxes = 100'000;

// Prime's 409 rule: the sandbox is between states; wait and try again.
const std::vector<milliseconds> kConflictWaits = {milliseconds(250), milliseconds(500), milliseconds(1000)};

bool transient_status(int status) {
  return status == 408 || status == 500 || status == 502 || status == 503 || status == 504 || status == 524;
}

}  // namespace

void SandboxClient::remember_envd(const std::string& sandbox_id, EnvdAccess access) {
  std::lock_guard lock(mutex_);
  if (envd_access_.size() >= kMaxCachedSandboxes) envd_access_.clear();
  auto& entry = envd_access_[sandbox_id];
  if (!access.vm) access.vm = entry.vm;  // learnt separately, by is_vm
  entry = std::move(access);
}

void SandboxClient::remember(const core::SandboxInfo& info) {
  remember_envd(info.sandbox_id, {info.envd_access_token, info.domain, info.end_at, std::nullopt});
}

void SandboxClient::forget_envd(const std::string& sandbox_id) {
  std::lock_guard lock(mutex_);
  envd_access_.erase(sandbox_id);
}

std::optional<Timestamp> SandboxClient::known_end(const std::string& sandbox_id) {
  std::lock_guard lock(mutex_);
  auto it = envd_access_.find(sandbox_id);
  return it == envd_access_.end() ? std::nullopt : it->second.end_at;
}

std::exception_ptr SandboxClient::gone_error(const std::string& sandbox_id, const std::optional<std::string>& command) {
  const auto why = detail::why_gone(client_, sandbox_id, known_end(sandbox_id));
  forget_envd(sandbox_id);
  return detail::not_running_error(sandbox_id, why, command);
}

void SandboxClient::clear_auth_cache() {
  std::lock_guard lock(mutex_);
  envd_access_.clear();
}

core::EnvdTarget SandboxClient::envd_target(const std::string& sandbox_id, bool refresh,
                                            const std::optional<std::string>& command) {
  if (!refresh) {
    std::lock_guard lock(mutex_);
    if (auto it = envd_access_.find(sandbox_id); it != envd_access_.end()) {
      return {sandbox_id, it->second.access_token, it->second.domain, std::nullopt};
    }
  }
  // Not seen by this client (or its token was refused): the control plane
  // knows whether it exists and, for a secure sandbox, its envd token.
  core::SandboxInfo info;
  try {
    info = client_.control_plane().get_sandbox(sandbox_id);
  } catch (const core::ApiException& e) {
    if (e.status() == 404) std::rethrow_exception(gone_error(sandbox_id, command));
    detail::rethrow_as_prime("Failed to get sandbox");
  } catch (const core::TransportError&) {
    detail::rethrow_as_prime("Failed to get sandbox");
  } catch (const core::ConfigError&) {
    detail::rethrow_as_prime("Failed to get sandbox");
  }
  remember(info);
  return {sandbox_id, info.envd_access_token, info.domain, std::nullopt};
}

std::exception_ptr SandboxClient::not_running_now(const std::string& sandbox_id,
                                                  const std::optional<std::string>& command) {
  auto error = detail::not_running_now(client_, sandbox_id, command, known_end(sandbox_id));
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const SandboxNotRunningError& e) {
      if (e.status() != "PAUSED") forget_envd(sandbox_id);
    } catch (...) {
    }
  }
  return error;
}

core::HttpResponse SandboxClient::envd_exchange(
    const std::string& sandbox_id, const std::optional<std::string>& command, const EnvdRetry& retry,
    const std::function<core::HttpResponse(const core::EnvdTarget&)>& attempt) {
  auto& clock = client_.clock();
  bool refreshed = false;
  std::size_t conflicts = 0;
  std::size_t retries = 0;
  auto target = envd_target(sandbox_id, false, command);
  while (true) {
    core::HttpResponse response;
    try {
      response = attempt(target);
    } catch (const core::TransportError& e) {
      using Kind = core::TransportError::Kind;
      // A refused connection sent nothing, so any call may go again; a lost
      // one only when repeating it is harmless.
      const bool may_repeat = e.kind() == Kind::connect ||
                              (retry.idempotent && (e.kind() == Kind::connection_lost || e.kind() == Kind::other));
      if (may_repeat && retries < retry.waits.size()) {
        clock.sleep(retry.waits[retries++]);
        continue;
      }
      throw;
    }

    if (response.status == 401 && !refreshed) {
      // The token may have changed (or this sandbox became secure): look it up once more.
      refreshed = true;
      target = envd_target(sandbox_id, true, command);
      continue;
    }
    if (core::is_sandbox_paused(response)) {
      if (auto now = not_running_now(sandbox_id, command)) std::rethrow_exception(now);
    }
    if (response.status == 409 && !core::is_sandbox_not_found(response)) {
      if (conflicts < kConflictWaits.size()) {
        clock.sleep(kConflictWaits[conflicts++]);
        continue;
      }
      if (auto gone = not_running_now(sandbox_id, command)) std::rethrow_exception(gone);
      throw APIError("Sandbox " + sandbox_id + " returned 409 after " + std::to_string(conflicts + 1) +
                         " retries. This may be a transient DNS or gateway issue. Please retry.",
                     409);
    }
    if (core::is_sandbox_not_found(response)) {
      // envd's edge no longer routes to it: paused, or killed and gone.
      if (auto now = not_running_now(sandbox_id, command)) std::rethrow_exception(now);
      std::rethrow_exception(gone_error(sandbox_id, command));
    }
    if (retry.idempotent && transient_status(response.status) && retries < retry.waits.size()) {
      clock.sleep(retry.waits[retries++]);
      continue;
    }
    return response;
  }
}

}  // namespace ppio_sandbox::prime_compatible
