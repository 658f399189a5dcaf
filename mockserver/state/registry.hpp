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
#include "mockserver/state/create_request.hpp"
#include "mockserver/state/metrics.hpp"
#include "mockserver/state/network_config.hpp"
#include "mockserver/state/sandbox_storage.hpp"
#include "mockserver/state/service_error.hpp"
#include "mockserver/state/snapshots.hpp"
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
  // What a create without `secure` gets: the modern service secures it (an
  // envd access token), PPIO's v1 domain does not.
  bool secure_by_default = true;
};

struct LogLine {
  Timestamp at;
  std::string level;  // debug | info | warn | error
  std::string message;
};

// How a sandbox was asked to behave, beyond what SandboxInfo shows.
struct SandboxSettings {
  bool auto_pause = false;         // lifecycle.onTimeout: pause (else kill)
  bool auto_resume = false;        // lifecycle.autoResume: envd traffic resumes it when paused
  bool auto_pause_memory = true;   // accepted and reported; the fake keeps processes either way
  int resume_timeout_seconds = 300;  // what an auto-resume runs it for: its create timeout, at least 60 s
  std::optional<bool> allow_internet_access;
  std::optional<NetworkConfig> network;
  std::optional<std::string> traffic_access_token;  // when network.allowPublicTraffic is false
};

struct SandboxRecord {
  SandboxInfo info;  // what GET returns; the access token is only in detail answers
  std::string team;
  std::map<std::string, std::string> env_vars;
  SandboxSettings settings;
  std::vector<LogLine> logs;        // lifecycle events, oldest first
  std::vector<RunningSpan> running;  // when it ran, for its metrics
};

// GET /sandboxes/{id}: the record without its logs.
struct SandboxDetail {
  SandboxInfo info;
  SandboxSettings settings;
};

// One entry of a fork's answer: the new sandbox, or why it did not start.
struct ForkOutcome {
  std::optional<SandboxRecord> sandbox;
  std::optional<ServiceError> error;
};

struct MetricSamples {
  SandboxInfo info;
  std::vector<Timestamp> times;  // oldest first
};

struct TemplateUsage {
  std::int64_t spawn_count = 0;
  std::optional<Timestamp> last_spawned_at;
};

struct SnapshotFilter {
  std::optional<std::string> sandbox_id;
  std::optional<std::string> name;  // a name or id, optionally tag-qualified
  int limit = 100;
  std::optional<std::string> cursor;
};

struct SnapshotPage {
  std::vector<Snapshot> snapshots;
  std::optional<std::string> next_cursor;
};

struct ConnectResult {
  SandboxRecord record;
  bool resumed = false;  // it was paused and is running again (the API answers 201, not 200)
};

struct ListFilter {
  Metadata metadata;
  std::vector<SandboxState> states;  // empty: every state
  bool ascending = false;            // by start time; newest first by default
  std::optional<Timestamp> started_after;  // inclusive
  std::optional<std::string> template_ref;  // a template id or alias
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

  // From a catalogue template, or from one of the team's snapshots (its files copied in).
  SandboxRecord create(const std::string& team, const CreateRequest& request);
  SandboxRecord get(const std::string& team, const std::string& sandbox_id);
  // What GET /sandboxes/{id} shows, without copying the rest of the record.
  SandboxInfo info(const std::string& team, const std::string& sandbox_id);
  SandboxDetail detail(const std::string& team, const std::string& sandbox_id);
  // Newest first (start time descending, then id) unless ascending; the cursor
  // stays valid while other sandboxes come and go.
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
  // Envd traffic reached a paused sandbox with autoResume: it runs again for its
  // resume timeout. Nullopt when unknown; 429 past the team's concurrency.
  std::optional<SandboxRecord> auto_resume(const std::string& sandbox_id);

  // A copy of a running sandbox's files, now; `name` is "[<team>/]<alias>[:<tag>]".
  // 404 unless running; 400 for a bad name.
  Snapshot create_snapshot(const std::string& team, const std::string& sandbox_id,
                           const std::optional<std::string>& name);
  // Newest first, paged by cursor.
  SnapshotPage list_snapshots(const std::string& team, const SnapshotFilter& filter);
  // DELETE /templates/{id}: the team's snapshot(s) the reference names. 404 when
  // none; 403 for a catalogue template.
  void delete_template(const std::string& team, const std::string& reference);
  // `count` new sandboxes, each starting with a copy of the running source's
  // files and settings. 404 unknown, 409 paused; each fork fails on its own (429).
  std::vector<ForkOutcome> fork(const std::string& team, const std::string& sandbox_id, int timeout_seconds,
                                int count);
  // Replaces a running sandbox's egress rules. 404 unknown, 409 paused.
  void update_network(const std::string& team, const std::string& sandbox_id, const NetworkUpdate& update);
  // The metric sample times within a window (default: its start until now).
  MetricSamples metric_samples(const std::string& team, const std::string& sandbox_id,
                               std::optional<Timestamp> from, std::optional<Timestamp> to);
  TemplateUsage template_usage(const std::string& template_id) const;
  // When the template catalogue was loaded (templates' createdAt).
  Timestamp catalog_loaded_at() const { return catalog_loaded_at_; }

  // Any team's sandbox by id (envd traffic carries no API key); nullopt when unknown or gone.
  std::optional<SandboxRecord> lookup(const std::string& sandbox_id);
  // Applies every expiry that is due on the clock now (also done by every other call).
  void expire_due();
  // One observer; set it before serving.
  void set_observer(SandboxObserver observer);
  // Where snapshots and forks copy files; unset, they copy none. Set it before serving.
  void set_storage(SandboxStorage* storage);

  // Forgets every sandbox (the admin API's reset).
  void reset();
  // Every live sandbox of every team, newest first.
  std::vector<SandboxRecord> all();

  const TemplateCatalog& templates() const { return templates_; }
  const RegistryOptions& options() const { return options_; }
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
  std::string new_template_id_locked();
  // Adds a new running sandbox of `team` (its files already in place).
  SandboxRecord& insert_locked(const std::string& team, SandboxRecord record, const std::string& log_line);
  void start_running_locked(SandboxRecord& record, Timestamp now, Timestamp end_at);
  void stop_running_locked(SandboxRecord& record, Timestamp now);
  // 400 for a create the service refuses (network rules, volume mounts, lifecycle combinations).
  void check_request(const CreateRequest& request, bool secure) const;
  // Runs a SandboxStorage call; a failed copy becomes a 500.
  static void copy_files_locked(const std::function<void()>& copy);
  static std::string encode_cursor(const OrderKey& key, bool ascending);
  static OrderKey decode_cursor(const std::string& cursor, bool ascending);

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
  SandboxStorage* storage_ = nullptr;
  SnapshotCatalog snapshots_;
  std::map<std::string, TemplateUsage> usage_;  // by template id
  Timestamp catalog_loaded_at_;
  // Events raised under the lock, delivered by ~Session after it is released.
  std::vector<std::pair<std::string, SandboxEvent>> pending_events_;
  class Session;
  void changed_locked(const std::string& sandbox_id, SandboxEvent event);
  int running_count_locked(const std::string& team, const ListFilter& filter);
  std::uint64_t generation_ = 0;  // bumped by every change that events report
  std::map<std::string, std::pair<std::uint64_t, int>> running_counts_;  // "team\nfilter" -> (generation, count)
};

}  // namespace ppio_mock::state
