#pragma once
// Every sandbox the fake knows, per team, on the virtual clock. Pure logic:
// no HTTP here. A sandbox whose end time has passed is expired lazily, on the
// next operation, so there is no thread or timer per sandbox.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "mockserver/state/clock.hpp"
#include "mockserver/state/templates.hpp"
#include "ppio_sandbox/core/api_models.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::Metadata;
using ppio_sandbox::core::NewSandbox;
using ppio_sandbox::core::SandboxInfo;
using ppio_sandbox::core::SandboxState;

struct RegistryOptions {
  std::string envd_version = "0.6.13";
  std::string client_id = "6532622b";  // E2B returns this constant for compatibility
  int default_timeout_seconds = 15;      // when create omits it, as the real API does
  int max_timeout_seconds = 24 * 3600;   // the team's longest instance
  std::uint64_t seed = 0;                // ids and tokens come from this
  // PPIO's legacy (v1) domain: a client id per sandbox, so users see
  // "<sandboxID>-<clientID>", and timeouts capped at one hour unless the
  // metadata says long_running: "true".
  bool legacy_v1 = false;
  int max_concurrent_per_team = 0;  // running sandboxes per team; 0: no limit (429 past it)
  // Reported as each sandbox's `domain`, so SDKs reach envd at 49983-<id>.<domain>; empty: not reported.
  std::string domain;
};

struct LogLine {
  Timestamp at;
  std::string level;  // debug | info | warn | error
  std::string message;
};

struct SandboxRecord {
  SandboxInfo info;  // what GET returns; the access token is only in detail answers
  std::string team;
  std::map<std::string, std::string> env_vars;
  bool auto_pause = false;
  std::vector<LogLine> logs;  // lifecycle events, oldest first
};

struct ConnectResult {
  SandboxRecord record;
  bool resumed = false;  // it was paused and is running again (the API answers 201, not 200)
};

struct ListFilter {
  Metadata metadata;
  std::vector<SandboxState> states;  // empty: every state
  int limit = 100;
  std::optional<std::string> cursor;
};

struct ListResult {
  std::vector<SandboxInfo> sandboxes;
  std::optional<std::string> next_cursor;
  int total_running = 0;  // running sandboxes matching the filter, before paging
};

// What happens to a sandbox that other parts of the fake (envd, its processes)
// must follow. Called with the registry's lock released.
enum class SandboxEvent { created, paused, resumed, removed };
using SandboxObserver = std::function<void(const std::string& sandbox_id, SandboxEvent event)>;

class Registry {
 public:
  Registry(VirtualClock& clock, TemplateCatalog templates, RegistryOptions options = {});

  SandboxRecord create(const std::string& team, const NewSandbox& request);
  SandboxRecord get(const std::string& team, const std::string& sandbox_id);
  // What GET /sandboxes/{id} shows, without copying the rest of the record.
  SandboxInfo info(const std::string& team, const std::string& sandbox_id);
  // Newest first (start time descending, then id); the cursor stays valid while
  // other sandboxes come and go.
  ListResult list(const std::string& team, const ListFilter& filter);
  // Throws 404 when the team has no such sandbox.
  void kill(const std::string& team, const std::string& sandbox_id);

  // End time := now + seconds (shorter or longer). Running sandboxes only: 404 otherwise.
  void set_timeout(const std::string& team, const std::string& sandbox_id, int seconds);
  // Extends only, by at least 15 s; 0..3600 s.
  void refresh(const std::string& team, const std::string& sandbox_id, std::optional<int> duration_seconds);
  // 409 when already paused.
  void pause(const std::string& team, const std::string& sandbox_id);
  // Paused -> running for `timeout` seconds; 409 when already running.
  SandboxRecord resume(const std::string& team, const std::string& sandbox_id, int timeout_seconds,
                       std::optional<bool> auto_pause);
  // Resumes a paused sandbox; on a running one only extends the end time.
  ConnectResult connect(const std::string& team, const std::string& sandbox_id, int timeout_seconds);
  void append_log(const std::string& sandbox_id, std::string level, std::string message);

  // Any team's sandbox by id (envd traffic carries no API key); nullopt when unknown or gone.
  std::optional<SandboxRecord> lookup(const std::string& sandbox_id);
  // Applies every expiry that is due on the clock now (also done by every other call).
  void expire_due();
  // One observer; set it before serving.
  void set_observer(SandboxObserver observer);

  // Forgets every sandbox (the admin API's reset).
  void reset();
  // Every live sandbox of every team, newest first.
  std::vector<SandboxRecord> all();

  const TemplateCatalog& templates() const { return templates_; }
  Timestamp now() const { return clock_.now(); }
  std::size_t size() const;

 private:
  struct OrderKey {
    Timestamp started_at;
    std::string id;
    bool operator<(const OrderKey& other) const {
      if (started_at != other.started_at) return started_at > other.started_at;
      return id < other.id;
    }
  };

  void expire_due_locked();
  bool expiry_due_locked() const;
  // Runs `read` under a shared lock when no expiry is due, else under the
  // exclusive lock after applying the expiries: GETs do not queue behind each other.
  template <typename Read>
  auto read_after_expiry(Read read);
  void set_end_locked(SandboxRecord& record, Timestamp end_at);
  void check_timeout(int seconds) const;
  SandboxRecord& find_running_locked(const std::string& team, const std::string& sandbox_id);
  void remove_locked(std::string sandbox_id);
  SandboxRecord& find_locked(const std::string& team, const std::string& sandbox_id);
  // By "<id>" or legacy "<id>-<clientID>", any team; null when unknown. Throws 400 for a malformed id.
  SandboxRecord* find_any_locked(const std::string& sandbox_id);
  void check_concurrency_locked(const std::string& team);
  std::string new_id_locked();
  static std::string encode_cursor(const OrderKey& key);
  static OrderKey decode_cursor(const std::string& cursor);

  VirtualClock& clock_;
  TemplateCatalog templates_;
  RegistryOptions options_;
  // Reads that find no expiry due share it; everything else holds it alone.
  mutable std::shared_mutex mutex_;
  std::mt19937_64 rng_;
  std::unordered_map<std::string, SandboxRecord> sandboxes_;
  std::map<std::string, std::set<OrderKey>> order_by_team_;
  std::set<std::pair<Timestamp, std::string>> deadlines_;  // running sandboxes by end time
  SandboxObserver observer_;
  // Events raised under the lock, delivered by ~Session after it is released.
  std::vector<std::pair<std::string, SandboxEvent>> pending_events_;
  class Session;
  void changed_locked(const std::string& sandbox_id, SandboxEvent event);
  int running_count_locked(const std::string& team, const Metadata& metadata);
  std::uint64_t generation_ = 0;  // bumped by every change that events report
  std::map<std::string, std::pair<std::uint64_t, int>> running_counts_;  // "team\nfilter" -> (generation, count)
};

}  // namespace ppio_mock::state
