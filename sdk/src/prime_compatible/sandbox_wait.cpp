// wait_for_creation and bulk_wait_for_creation: RUNNING on the control plane,
// then envd's /health, with Prime's budget, backoff, exceptions and messages.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "error_mapping.hpp"
#include "ppio_sandbox/core/envd_health.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

using std::chrono::milliseconds;

// Prime's budget T for max_attempts.
int budget_seconds(int max_attempts) { return max_attempts <= 5 ? max_attempts : 5 + 2 * (max_attempts - 5); }

// min(1.0 * 1.5^n, 10) s, +-25% uniform.
milliseconds poll_backoff(int n) {
  const double seconds = std::min(std::pow(1.5, n), 10.0) * (1.0 + 0.25 * (2.0 * core::unit_random() - 1.0));
  return milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

// Rate limits and server or network trouble: worth another poll. Anything else
// (401, 402, 400, ...) is raised as Prime's error at once.
bool transient(int status) { return status == 408 || status == 429 || status >= 500; }

// Python's repr of a list of pairs / a dict of strings, as Prime's messages print them.
std::string py_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out = "[";
  for (const auto& [a, b] : pairs) out += (out.size() > 1 ? ", " : "") + ("('" + a + "', '" + b + "')");
  return out + "]";
}

std::string py_dict(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "{";
  for (const auto& [k, v] : items) out += (out.size() > 1 ? ", " : "") + ("'" + k + "': '" + v + "'");
  return out + "}";
}

// A deadline and backoff on the client's clock; a phase can restart them.
class Budget {
 public:
  Budget(core::Clock& clock, int max_attempts)
      : clock_(clock), max_attempts_(max_attempts), seconds_(budget_seconds(max_attempts)) {
    restart();
  }
  void restart() {
    deadline_ = clock_.now() + std::chrono::seconds(seconds_);
    attempts_ = 0;
  }
  int seconds() const { return seconds_; }
  void count_attempt() { ++attempts_; }
  bool exhausted() const { return attempts_ >= max_attempts_ || clock_.now() >= deadline_; }
  // Sleeps the next backoff, never past the deadline; false when `stop` cut it short.
  bool back_off(const std::stop_token& stop) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - clock_.now());
    return clock_.sleep_unless_stopped(std::max(milliseconds(0), std::min(poll_backoff(attempts_ - 1), left)), stop);
  }

 private:
  core::Clock& clock_;
  int max_attempts_;
  int seconds_;
  core::Clock::time_point deadline_;
  int attempts_ = 0;
};

CancelledError cancelled(const std::string& what) { return CancelledError(what + " was cancelled"); }

}  // namespace

void SandboxClient::wait_for_creation(const std::string& sandbox_id, int max_attempts, std::stop_token stop) {
  auto& api = client_.control_plane();
  Budget budget(client_.clock(), std::max(1, max_attempts));
  bool reachability = false;
  std::string last_error;
  std::exception_ptr last_cause;
  while (true) {
    if (stop.stop_requested()) throw cancelled("wait_for_creation");
    budget.count_attempt();
    std::optional<core::SandboxInfo> info;
    try {
      info = api.get_sandbox(sandbox_id);
      remember(*info);
    } catch (const core::ApiException& e) {
      if (e.status() == 404) std::rethrow_exception(gone_error(sandbox_id, std::nullopt));
      if (!transient(e.status())) detail::rethrow_as_prime("Failed to get sandbox");
      last_error = e.what();
      last_cause = std::current_exception();
    } catch (const core::TransportError& e) {
      last_error = e.what();
      last_cause = std::current_exception();
    } catch (const core::ConfigError&) {
      detail::rethrow_as_prime("Failed to get sandbox");
    }

    if (info && info->state == core::SandboxState::running) {
      if (!reachability) {  // Prime gives the reachability phase a budget of its own
        reachability = true;
        budget.restart();
        budget.count_attempt();
      }
      const auto health = core::check_envd_health(*client_.transport(), api.config(),
                                                  {sandbox_id, info->envd_access_token, info->domain});
      if (health.healthy) return;
      last_error = health.detail;
      last_cause = nullptr;
    }

    if (budget.exhausted()) {
      // Prime chains the timeout to the last error it saw.
      const auto raise = [&](SandboxNotRunningError error) {
        if (last_cause) detail::throw_with_cause(std::move(error), last_cause);
        throw std::move(error);
      };
      if (reachability) {
        raise(SandboxNotRunningError(sandbox_id, "RUNNING", "GATEWAY_REACHABILITY_TIMEOUT", std::nullopt,
                                     "Sandbox " + sandbox_id +
                                         " reached RUNNING but did not become reachable through the gateway within " +
                                         std::to_string(budget.seconds()) + "s" +
                                         (last_error.empty() ? "" : ". Last error: " + last_error)));
      }
      raise(SandboxNotRunningError(sandbox_id, std::nullopt, std::nullopt, std::nullopt,
                                   "Sandbox did not reach RUNNING within " + std::to_string(budget.seconds()) + "s"));
    }
    if (!budget.back_off(stop)) throw cancelled("wait_for_creation");
  }
}

std::map<std::string, std::string> SandboxClient::bulk_wait_for_creation(const std::vector<std::string>& sandbox_ids,
                                                                        int max_attempts, std::stop_token stop) {
  if (sandbox_ids.empty() || sandbox_ids.size() > 100) {
    throw std::invalid_argument("sandbox_ids must contain between 1 and 100 entries");
  }
  if (std::set<std::string>(sandbox_ids.begin(), sandbox_ids.end()).size() != sandbox_ids.size()) {
    throw std::invalid_argument("sandbox_ids must be unique");
  }
  auto& api = client_.control_plane();
  Budget budget(client_.clock(), std::max(1, max_attempts));
  std::map<std::string, std::string> status;               // last seen, by id
  std::map<std::string, std::string> reachability_errors;  // last probe failure, by id
  while (true) {
    if (stop.stop_requested()) throw cancelled("bulk_wait_for_creation");
    budget.count_attempt();
    std::optional<std::vector<core::SandboxInfo>> listed;
    try {
      listed = api.list_all_sandboxes({.limit = 100});
    } catch (const core::ApiException& e) {
      if (!transient(e.status())) detail::rethrow_as_prime("Failed to list sandboxes");
    } catch (const core::TransportError&) {
    } catch (const core::ConfigError&) {
      detail::rethrow_as_prime("Failed to list sandboxes");
    }

    if (listed) {
      std::map<std::string, core::SandboxState> state;
      for (const auto& info : *listed) state.emplace(info.sandbox_id, info.state);
      std::vector<std::pair<std::string, std::string>> missing;
      for (const auto& id : sandbox_ids) {
        auto it = state.find(id);
        if (it == state.end()) {
          missing.emplace_back(id, "NOT_FOUND");
        } else {
          status[id] = mapping::status_of(it->second);
        }
      }
      if (!missing.empty()) throw std::runtime_error("Sandboxes unavailable: " + py_pairs(missing));

      const bool all_running =
          std::all_of(sandbox_ids.begin(), sandbox_ids.end(), [&](const auto& id) { return status[id] == "RUNNING"; });
      if (all_running) {
        // envd's /health needs no access token, so the list alone is enough here.
        std::vector<core::EnvdHealth> health(sandbox_ids.size());
        run_parallel(sandbox_ids.size(), [&](std::size_t i) {
          health[i] = core::check_envd_health(*client_.transport(), api.config(), {sandbox_ids[i], {}, {}});
        });
        reachability_errors.clear();
        for (std::size_t i = 0; i < sandbox_ids.size(); ++i) {
          if (!health[i].healthy) reachability_errors[sandbox_ids[i]] = health[i].detail;
        }
        if (reachability_errors.empty()) {
          std::map<std::string, std::string> ready;
          for (const auto& id : sandbox_ids) ready[id] = "RUNNING";
          return ready;
        }
      }
    }

    if (budget.exhausted()) {
      std::vector<std::pair<std::string, std::string>> final_status, errors;
      for (const auto& id : sandbox_ids) {
        auto it = status.find(id);
        final_status.emplace_back(id, it == status.end() ? "TIMEOUT" : it->second);
        if (auto e = reachability_errors.find(id); e != reachability_errors.end()) errors.emplace_back(id, e->second);
      }
      throw std::runtime_error("Timeout waiting for sandboxes to be ready. Status: " + py_dict(final_status) + "." +
                               (errors.empty() ? "" : " Last reachability errors: " + py_dict(errors)));
    }
    if (!budget.back_off(stop)) throw cancelled("bulk_wait_for_creation");
  }
}

}  // namespace ppio_sandbox::prime_compatible
