#include "mockserver/state/registry.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "mockserver/state/service_error.hpp"
#include "ppio_sandbox/core/base64.hpp"

namespace ppio_mock::state {

namespace {

constexpr char kIdAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

std::string not_found(const std::string& id) {
  return "sandbox \"" + id + "\" doesn't exist or you don't have access to it";
}

struct SplitId {
  std::string sandbox_id;
  std::optional<std::string> client_id;
};

// PPIO's legacy ids are "<sandboxID>-<clientID>"; the first part names the sandbox.
SplitId split_id(const std::string& id) {
  const auto dash = id.find('-');
  if (dash == std::string::npos) return {id, std::nullopt};
  if (id.find('-', dash + 1) != std::string::npos) throw ServiceError(400, "invalid sandbox ID");
  return {id.substr(0, dash), id.substr(dash + 1)};
}

std::string random_hex(std::mt19937_64& rng, int digits) {
  std::uniform_int_distribution<int> hex(0, 15);
  std::string out;
  for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[hex(rng)];
  return out;
}

constexpr int kLegacyMaxSeconds = 3600;
constexpr int kMinAutoResumeSeconds = 60;  // E2B's floor for what an auto-resume runs a sandbox for
constexpr int kMaxForks = 100;

// `template_id`: the filter's template reference resolved through the catalogue.
bool matches(const SandboxRecord& record, const ListFilter& filter, const std::optional<std::string>& template_id) {
  if (filter.started_after && record.info.started_at < *filter.started_after) return false;
  if (template_id && record.info.template_id != *template_id && record.info.alias != filter.template_ref) return false;
  if (!filter.states.empty()) {
    bool state_ok = false;
    for (auto s : filter.states) state_ok = state_ok || s == record.info.state;
    if (!state_ok) return false;
  }
  for (const auto& [key, value] : filter.metadata) {
    auto it = record.info.metadata.find(key);
    if (it == record.info.metadata.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

// Holds the registry's lock; on the way out releases it, then tells the observer
// what happened, so that the observer may call back into the registry.
class Registry::Session {
 public:
  explicit Session(Registry& registry) : registry_(registry), lock_(registry.mutex_) {}
  ~Session() {
    if (registry_.pending_events_.empty() || !registry_.observer_) {
      registry_.pending_events_.clear();
      return;
    }
    auto events = std::move(registry_.pending_events_);
    registry_.pending_events_.clear();
    auto observer = registry_.observer_;
    lock_.unlock();
    for (const auto& [id, event] : events) observer(id, event);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  Registry& registry_;
  std::unique_lock<std::shared_mutex> lock_;
};

Registry::Registry(VirtualClock& clock, TemplateCatalog templates, RegistryOptions options)
    : clock_(clock),
      templates_(std::move(templates)),
      options_(std::move(options)),
      rng_(options_.seed),
      catalog_loaded_at_(clock_.now()) {}

std::size_t Registry::size() const {
  std::shared_lock lock(mutex_);
  return sandboxes_.size();
}

std::string Registry::new_id_locked() {
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kIdAlphabet - 2);
  while (true) {
    std::string id = "i";
    for (int i = 0; i < 20; ++i) id += kIdAlphabet[pick(rng_)];
    if (!sandboxes_.contains(id)) return id;
  }
}

std::string Registry::new_template_id_locked() {
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kIdAlphabet - 2);
  while (true) {
    std::string id;
    for (int i = 0; i < 20; ++i) id += kIdAlphabet[pick(rng_)];
    if (templates_.find(id) == nullptr && !snapshots_.contains_template(id)) return id;
  }
}

void Registry::check_request(const CreateRequest& request, bool secure) const {
  if (options_.legacy_v1 && request.network) {
    throw ServiceError(400, "network configuration is not supported on PPIO's legacy (v1) domain");
  }
  if (options_.legacy_v1 && !request.volume_mounts.empty()) {
    throw ServiceError(400, "volume mounts are not supported on PPIO's legacy (v1) domain");
  }
  if (request.network) {
    validate(*request.network);
    if (!request.network->allow_public_traffic.value_or(true) && !secure) {
      throw ServiceError(400,
                         "You cannot create a sandbox without public access unless you enable secure envd access via "
                         "'secure' flag.");
    }
  }
  if (request.auto_resume.value_or(false) && !request.auto_pause_memory.value_or(true)) {
    throw ServiceError(400, "autoResume cannot be combined with autoPauseMemory: false: a filesystem-only snapshot "
                            "must be resumed explicitly");
  }
  if (!request.volume_mounts.empty()) {
    // The fake serves no volumes API, so a team has no volumes to mount.
    std::string message = "invalid mounts:";
    for (std::size_t i = 0; i < request.volume_mounts.size(); ++i) {
      message += "\n\t- volume mount #" + std::to_string(i) + ": volume '" + request.volume_mounts[i].name + "' not found";
    }
    throw ServiceError(400, message);
  }
}

SandboxRecord Registry::create(const std::string& team, const CreateRequest& request) {
  int timeout = request.timeout.value_or(options_.default_timeout_seconds);
  check_timeout(timeout);
  if (options_.legacy_v1) {
    auto lr = request.metadata.find("long_running");
    const bool long_running = lr != request.metadata.end() && lr->second == "true";
    if (!long_running) timeout = std::min(timeout, kLegacyMaxSeconds);  // PPIO caps, it does not refuse
  }
  const bool secure = request.secure.value_or(options_.secure_by_default);

  Session session(*this);
  expire_due_locked();
  const TemplateInfo* tmpl = templates_.find(request.template_id);
  const Snapshot* snapshot = tmpl == nullptr ? snapshots_.find(team, request.template_id) : nullptr;
  if (tmpl == nullptr && snapshot == nullptr) throw ServiceError(404, "template '" + request.template_id + "' not found");
  check_request(request, secure);
  check_concurrency_locked(team);
  SandboxRecord record;
  record.env_vars = request.env_vars;
  auto& settings = record.settings;
  settings.auto_pause = request.auto_pause.value_or(false);
  settings.auto_resume = request.auto_resume.value_or(false);
  settings.auto_pause_memory = request.auto_pause_memory.value_or(true);
  settings.resume_timeout_seconds = std::clamp(timeout, kMinAutoResumeSeconds, std::max(kMinAutoResumeSeconds, options_.max_timeout_seconds));
  settings.allow_internet_access = request.allow_internet_access;
  settings.network = request.network;
  auto& info = record.info;
  info.sandbox_id = new_id_locked();
  if (tmpl != nullptr) {
    info.template_id = tmpl->template_id;
    if (!tmpl->aliases.empty()) info.alias = tmpl->aliases.front();
    info.cpu_count = tmpl->cpu_count;
    info.memory_mb = tmpl->memory_mb;
    info.disk_size_mb = tmpl->disk_size_mb;
  } else {
    info.template_id = snapshot->template_id;
    info.alias = snapshot->alias;
    info.cpu_count = snapshot->cpu_count;
    info.memory_mb = snapshot->memory_mb;
    info.disk_size_mb = snapshot->disk_size_mb;
  }
  info.client_id = options_.legacy_v1 ? random_hex(rng_, 8) : options_.client_id;
  info.started_at = clock_.now();
  info.end_at = info.started_at + std::chrono::seconds(timeout);
  info.state = SandboxState::running;
  info.envd_version = options_.envd_version;
  info.metadata = request.metadata;
  if (!options_.domain.empty()) info.domain = options_.domain;
  if (secure) info.envd_access_token = random_hex(rng_, 32);
  if (request.network && !request.network->allow_public_traffic.value_or(true)) {
    settings.traffic_access_token = random_hex(rng_, 32);
  }
  if (snapshot != nullptr) {
    copy_files_locked([&] {
      if (storage_ != nullptr) storage_->restore_snapshot(snapshot->storage_key(), info.sandbox_id);
    });
  }
  const std::string from = snapshot != nullptr ? "snapshot " + snapshot->snapshot_id() : "template " + info.template_id;
  return insert_locked(team, std::move(record), "Sandbox created from " + from);
}

SandboxRecord& Registry::insert_locked(const std::string& team, SandboxRecord record, const std::string& log_line) {
  record.team = team;
  const auto& info = record.info;
  record.logs.push_back({info.started_at, "info", log_line});
  record.running = {{info.started_at, std::nullopt}};
  auto& usage = usage_[info.template_id];
  ++usage.spawn_count;
  usage.last_spawned_at = info.started_at;
  const std::string id = info.sandbox_id;
  order_by_team_[team].insert({info.started_at, id});
  deadlines_.insert({info.end_at, id});
  changed_locked(id, SandboxEvent::created);
  return sandboxes_[id] = std::move(record);
}

void Registry::copy_files_locked(const std::function<void()>& copy) {
  try {
    copy();
  } catch (const std::runtime_error& e) {
    throw ServiceError(500, std::string("Error copying the sandbox's files: ") + e.what());
  }
}

void Registry::start_running_locked(SandboxRecord& record, Timestamp now, Timestamp end_at) {
  record.info.state = SandboxState::running;
  record.info.end_at = end_at;
  deadlines_.insert({end_at, record.info.sandbox_id});
  record.running.push_back({now, std::nullopt});
}

void Registry::stop_running_locked(SandboxRecord& record, Timestamp now) {
  deadlines_.erase({record.info.end_at, record.info.sandbox_id});
  record.info.state = SandboxState::paused;
  if (!record.running.empty() && !record.running.back().until) record.running.back().until = now;
}

template <typename Read>
auto Registry::read_after_expiry(Read read) {
  {
    std::shared_lock lock(mutex_);
    if (!expiry_due_locked()) return read();
  }
  Session session(*this);
  expire_due_locked();
  return read();
}

SandboxRecord Registry::get(const std::string& team, const std::string& sandbox_id) {
  return read_after_expiry([&] { return find_locked(team, sandbox_id); });
}

SandboxInfo Registry::info(const std::string& team, const std::string& sandbox_id) {
  return read_after_expiry([&] { return find_locked(team, sandbox_id).info; });
}

SandboxDetail Registry::detail(const std::string& team, const std::string& sandbox_id) {
  return read_after_expiry([&] {
    const auto& record = find_locked(team, sandbox_id);
    return SandboxDetail{record.info, record.settings};
  });
}

void Registry::kill(const std::string& team, const std::string& sandbox_id) {
  Session session(*this);
  expire_due_locked();
  remove_locked(find_locked(team, sandbox_id).info.sandbox_id);
}

void Registry::check_timeout(int seconds) const {
  if (seconds < 0) throw ServiceError(400, "Timeout must be a non-negative number of seconds");
  if (seconds > options_.max_timeout_seconds) {
    throw ServiceError(400, "Timeout cannot be greater than " + std::to_string(options_.max_timeout_seconds / 3600) +
                                " hours");
  }
}

void Registry::set_end_locked(SandboxRecord& record, Timestamp end_at) {
  auto& info = record.info;
  if (info.state == SandboxState::running) deadlines_.erase({info.end_at, info.sandbox_id});
  info.end_at = end_at;
  if (info.state == SandboxState::running) deadlines_.insert({info.end_at, info.sandbox_id});
}

SandboxRecord& Registry::find_running_locked(const std::string& team, const std::string& sandbox_id) {
  auto& record = find_locked(team, sandbox_id);
  // Only running sandboxes are in the real service's live store.
  if (record.info.state != SandboxState::running) throw ServiceError(404, not_found(sandbox_id));
  return record;
}

void Registry::set_timeout(const std::string& team, const std::string& sandbox_id, int seconds) {
  check_timeout(seconds);
  Session session(*this);
  expire_due_locked();
  auto& record = find_running_locked(team, sandbox_id);
  const auto now = clock_.now();
  set_end_locked(record, now + std::chrono::seconds(seconds));
  record.logs.push_back({now, "info", "Sandbox timeout set to " + std::to_string(seconds) + "s"});
  expire_due_locked();  // a zero timeout ends it now
}

void Registry::refresh(const std::string& team, const std::string& sandbox_id, std::optional<int> duration_seconds) {
  const int duration = duration_seconds.value_or(15);
  if (duration < 0 || duration > 3600) throw ServiceError(400, "duration must be between 0 and 3600 seconds");
  Session session(*this);
  expire_due_locked();
  auto& record = find_running_locked(team, sandbox_id);
  const auto until = clock_.now() + std::chrono::seconds(std::max(duration, 15));
  if (until > record.info.end_at) set_end_locked(record, until);
}

void Registry::pause(const std::string& team, const std::string& sandbox_id) {
  Session session(*this);
  expire_due_locked();
  auto& record = find_locked(team, sandbox_id);
  if (record.info.state == SandboxState::paused) throw ServiceError(409, "Sandbox " + sandbox_id + " is already paused");
  stop_running_locked(record, clock_.now());
  record.logs.push_back({clock_.now(), "info", "Sandbox paused"});
  changed_locked(record.info.sandbox_id, SandboxEvent::paused);
}

SandboxRecord Registry::resume(const std::string& team, const std::string& sandbox_id, int timeout_seconds,
                               std::optional<bool> auto_pause) {
  check_timeout(timeout_seconds);
  Session session(*this);
  expire_due_locked();
  auto& record = find_locked(team, sandbox_id);
  if (record.info.state == SandboxState::running) throw ServiceError(409, "Sandbox " + sandbox_id + " is already running");
  check_concurrency_locked(team);
  if (auto_pause) record.settings.auto_pause = *auto_pause;
  const auto now = clock_.now();
  start_running_locked(record, now, now + std::chrono::seconds(timeout_seconds));
  record.logs.push_back({now, "info", "Sandbox resumed"});
  changed_locked(record.info.sandbox_id, SandboxEvent::resumed);
  return record;
}

ConnectResult Registry::connect(const std::string& team, const std::string& sandbox_id, int timeout_seconds) {
  check_timeout(timeout_seconds);
  Session session(*this);
  expire_due_locked();
  auto& record = find_locked(team, sandbox_id);
  const auto now = clock_.now();
  const auto until = now + std::chrono::seconds(timeout_seconds);
  if (record.info.state == SandboxState::running) {
    if (until > record.info.end_at) set_end_locked(record, until);  // connect never shortens
    return {record, false};
  }
  check_concurrency_locked(team);
  start_running_locked(record, now, until);
  record.logs.push_back({now, "info", "Sandbox resumed by connect"});
  changed_locked(record.info.sandbox_id, SandboxEvent::resumed);
  return {record, true};
}

void Registry::reset() {
  Session session(*this);
  for (const auto& [id, record] : sandboxes_) changed_locked(id, SandboxEvent::removed);
  sandboxes_.clear();
  order_by_team_.clear();
  deadlines_.clear();
  for (const auto& snapshot : snapshots_.all()) {
    if (storage_ != nullptr) storage_->delete_snapshot(snapshot.storage_key());
  }
  snapshots_.clear();
  usage_.clear();
}

std::vector<SandboxRecord> Registry::all() {
  Session session(*this);
  expire_due_locked();
  std::vector<SandboxRecord> out;
  for (const auto& [team, order] : order_by_team_) {
    for (const auto& key : order) out.push_back(sandboxes_.at(key.id));
  }
  std::sort(out.begin(), out.end(), [](const SandboxRecord& a, const SandboxRecord& b) {
    return a.info.started_at != b.info.started_at ? a.info.started_at > b.info.started_at
                                                  : a.info.sandbox_id < b.info.sandbox_id;
  });
  return out;
}

void Registry::append_log(const std::string& sandbox_id, std::string level, std::string message) {
  Session session(*this);
  auto it = sandboxes_.find(sandbox_id);
  if (it != sandboxes_.end()) it->second.logs.push_back({clock_.now(), std::move(level), std::move(message)});
}

std::optional<SandboxRecord> Registry::lookup(const std::string& sandbox_id) {
  return read_after_expiry([&]() -> std::optional<SandboxRecord> {
    try {
      if (auto* record = find_any_locked(sandbox_id)) return *record;
    } catch (const ServiceError&) {
    }
    return std::nullopt;
  });
}

void Registry::expire_due() {
  Session session(*this);
  expire_due_locked();
}

void Registry::set_observer(SandboxObserver observer) {
  Session session(*this);
  observer_ = std::move(observer);
}

void Registry::set_storage(SandboxStorage* storage) {
  Session session(*this);
  storage_ = storage;
}

ListResult Registry::list(const std::string& team, const ListFilter& filter) {
  std::optional<OrderKey> after;
  if (filter.cursor) after = decode_cursor(*filter.cursor, filter.ascending);
  std::optional<std::string> template_id;
  if (filter.template_ref) {
    const auto* t = templates_.find(*filter.template_ref);
    template_id = t != nullptr ? t->template_id : *filter.template_ref;
  }

  Session session(*this);
  expire_due_locked();
  ListResult result;
  auto team_it = order_by_team_.find(team);
  if (team_it == order_by_team_.end()) return result;
  const auto& order = team_it->second;

  const bool wants_running =
      filter.states.empty() ||
      std::find(filter.states.begin(), filter.states.end(), SandboxState::running) != filter.states.end();
  if (wants_running) result.total_running = running_count_locked(team, filter);

  const auto page = [&](auto it, auto end) {
    const OrderKey* last = nullptr;
    for (; it != end; ++it) {
      const auto& record = sandboxes_.at(it->id);
      // Newest first: once one started too early, so did every later one.
      if (!filter.ascending && filter.started_after && record.info.started_at < *filter.started_after) break;
      if (!matches(record, filter, template_id)) continue;
      if (static_cast<int>(result.sandboxes.size()) == filter.limit) {
        result.next_cursor = encode_cursor(*last, filter.ascending);
        break;
      }
      SandboxInfo info = record.info;
      info.envd_access_token.reset();  // list items never carry tokens
      result.sandboxes.push_back(std::move(info));
      last = &*it;
    }
  };
  if (filter.ascending) {
    page(after ? std::make_reverse_iterator(order.lower_bound(*after)) : order.rbegin(), order.rend());
  } else {
    page(after ? order.upper_bound(*after) : order.begin(), order.end());
  }
  return result;
}

void Registry::changed_locked(const std::string& sandbox_id, SandboxEvent event) {
  ++generation_;
  pending_events_.emplace_back(sandbox_id, event);
}

int Registry::running_count_locked(const std::string& team, const ListFilter& filter) {
  // Counting is a scan, so it is cached until the registry next changes: paging
  // through N sandboxes then costs one scan, not one per page.
  const auto after_ns = filter.started_after ? filter.started_after->time_since_epoch().count() : 0;
  const std::string key = team + '\n' + nlohmann::json(filter.metadata).dump() + '\n' +
                          filter.template_ref.value_or("") + '\n' + std::to_string(after_ns);
  if (auto it = running_counts_.find(key); it != running_counts_.end() && it->second.first == generation_) {
    return it->second.second;
  }
  if (running_counts_.size() > 1024) running_counts_.clear();
  ListFilter running = filter;
  running.states = {SandboxState::running};
  std::optional<std::string> template_id;
  if (filter.template_ref) {
    const auto* t = templates_.find(*filter.template_ref);
    template_id = t != nullptr ? t->template_id : *filter.template_ref;
  }
  int count = 0;
  for (const auto& key_in_order : order_by_team_.at(team)) {
    count += matches(sandboxes_.at(key_in_order.id), running, template_id) ? 1 : 0;
  }
  running_counts_[key] = {generation_, count};
  return count;
}

SandboxRecord& Registry::find_locked(const std::string& team, const std::string& sandbox_id) {
  auto* record = find_any_locked(sandbox_id);
  // Another team's sandbox answers exactly as an unknown one does.
  if (record == nullptr || record->team != team) throw ServiceError(404, not_found(sandbox_id));
  return *record;
}

SandboxRecord* Registry::find_any_locked(const std::string& sandbox_id) {
  const SplitId id = split_id(sandbox_id);
  auto it = sandboxes_.find(id.sandbox_id);
  if (it == sandboxes_.end()) return nullptr;
  if (id.client_id && *id.client_id != it->second.info.client_id) return nullptr;
  return &it->second;
}

void Registry::check_concurrency_locked(const std::string& team) {
  const int limit = options_.max_concurrent_per_team;
  if (limit <= 0) return;
  int running = 0;
  if (auto it = order_by_team_.find(team); it != order_by_team_.end()) {
    for (const auto& key : it->second) running += sandboxes_.at(key.id).info.state == SandboxState::running ? 1 : 0;
  }
  if (running >= limit) {
    throw ServiceError(429, "you have reached the maximum number of concurrent E2B sandboxes (" +
                                std::to_string(limit) + "). If you need more, please contact us.");
  }
}

void Registry::remove_locked(std::string sandbox_id) {  // by value: callers pass a record's own id
  auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return;
  const auto& info = it->second.info;
  deadlines_.erase({info.end_at, sandbox_id});
  auto& order = order_by_team_[it->second.team];
  order.erase({info.started_at, sandbox_id});
  if (order.empty()) order_by_team_.erase(it->second.team);
  sandboxes_.erase(it);
  changed_locked(sandbox_id, SandboxEvent::removed);
}

bool Registry::expiry_due_locked() const {
  return !deadlines_.empty() && deadlines_.begin()->first <= clock_.now();
}

void Registry::expire_due_locked() {
  const auto now = clock_.now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::string id = deadlines_.begin()->second;
    auto& record = sandboxes_.at(id);
    if (record.settings.auto_pause) {
      stop_running_locked(record, now);
      record.logs.push_back({now, "info", "Sandbox paused at its timeout"});
      changed_locked(id, SandboxEvent::paused);
    } else {
      remove_locked(id);
    }
  }
}

// "<start ns>__<id>", with "__asc" for an ascending listing (as E2B marks its cursors).
std::string Registry::encode_cursor(const OrderKey& key, bool ascending) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(key.started_at.time_since_epoch()).count();
  return ppio_sandbox::core::base64url_encode(std::to_string(ns) + "__" + key.id + (ascending ? "__asc" : ""));
}

Registry::OrderKey Registry::decode_cursor(const std::string& cursor, bool ascending) {
  std::string text;
  try {
    text = ppio_sandbox::core::base64url_decode(cursor);
  } catch (const std::invalid_argument&) {
    throw ServiceError(400, "invalid next token");
  }
  const bool marked_ascending = text.ends_with("__asc");
  if (marked_ascending != ascending) throw ServiceError(400, "invalid next token: it belongs to the other order");
  if (marked_ascending) text.resize(text.size() - 5);
  const auto sep = text.find("__");
  std::int64_t ns = 0;
  if (sep == std::string::npos) throw ServiceError(400, "invalid next token");
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + sep, ns);
  if (ec != std::errc() || ptr != text.data() + sep || sep + 2 >= text.size()) {
    throw ServiceError(400, "invalid next token");
  }
  using Duration = Timestamp::duration;
  return {Timestamp(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns))), text.substr(sep + 2)};
}

std::optional<SandboxRecord> Registry::auto_resume(const std::string& sandbox_id) {
  Session session(*this);
  expire_due_locked();
  SandboxRecord* record = nullptr;
  try {
    record = find_any_locked(sandbox_id);
  } catch (const ServiceError&) {
    return std::nullopt;  // a malformed id names no sandbox
  }
  if (record == nullptr) return std::nullopt;
  if (record->info.state == SandboxState::running || !record->settings.auto_resume) return *record;
  check_concurrency_locked(record->team);
  const auto now = clock_.now();
  start_running_locked(*record, now, now + std::chrono::seconds(record->settings.resume_timeout_seconds));
  record->logs.push_back({now, "info", "Sandbox resumed by traffic (autoResume)"});
  changed_locked(record->info.sandbox_id, SandboxEvent::resumed);
  return *record;
}

Snapshot Registry::create_snapshot(const std::string& team, const std::string& sandbox_id,
                                   const std::optional<std::string>& name) {
  std::optional<SnapshotName> parsed;
  if (name) parsed = parse_snapshot_name(*name);
  if (parsed && parsed->ns && *parsed->ns != team) {
    throw ServiceError(400, "Namespace '" + *parsed->ns + "' does not match the team's namespace '" + team + "'");
  }
  Session session(*this);
  expire_due_locked();
  SandboxRecord* record = find_any_locked(sandbox_id);
  if (record == nullptr || record->team != team || record->info.state != SandboxState::running) {
    throw ServiceError(404, "Sandbox '" + sandbox_id + "' not found or not running");
  }
  Snapshot snapshot;
  if (parsed) {
    snapshot.alias = parsed->alias;
    snapshot.tag = parsed->tag.value_or("default");
    // A name taken again gets a new build of the same template.
    snapshot.template_id = snapshots_.template_of(team, parsed->alias).value_or("");
  }
  if (snapshot.template_id.empty()) snapshot.template_id = new_template_id_locked();
  snapshot.team = team;
  snapshot.source_sandbox = record->info.sandbox_id;
  snapshot.created_at = clock_.now();
  snapshot.base_template_id = record->info.template_id;
  snapshot.cpu_count = record->info.cpu_count;
  snapshot.memory_mb = record->info.memory_mb;
  snapshot.disk_size_mb = record->info.disk_size_mb;
  copy_files_locked([&] {
    if (storage_ != nullptr) storage_->save_snapshot(record->info.sandbox_id, snapshot.storage_key());
  });
  snapshots_.put(snapshot);
  record->logs.push_back({snapshot.created_at, "info", "Snapshot " + snapshot.snapshot_id() + " created"});
  return snapshot;
}

SnapshotPage Registry::list_snapshots(const std::string& team, const SnapshotFilter& filter) {
  std::optional<std::pair<std::int64_t, std::string>> after;
  if (filter.cursor) {
    const OrderKey key = decode_cursor(*filter.cursor, false);
    after = {key.started_at.time_since_epoch().count(), key.id};
  }
  std::shared_lock lock(mutex_);
  SnapshotPage page;
  const Snapshot* last = nullptr;
  const auto all = snapshots_.list(team, filter.sandbox_id, filter.name);
  for (const auto& snapshot : all) {
    const std::pair<std::int64_t, std::string> key{snapshot.created_at.time_since_epoch().count(), snapshot.snapshot_id()};
    // Newest first, then by id: skip up to and including the cursor's snapshot.
    if (after && (key.first > after->first || (key.first == after->first && key.second <= after->second))) continue;
    if (static_cast<int>(page.snapshots.size()) == filter.limit) {
      page.next_cursor = encode_cursor({last->created_at, last->snapshot_id()}, false);
      break;
    }
    page.snapshots.push_back(snapshot);
    last = &snapshot;
  }
  return page;
}

void Registry::delete_template(const std::string& team, const std::string& reference) {
  Session session(*this);
  const auto doomed = snapshots_.matching(team, reference);
  if (doomed.empty()) {
    if (templates_.find(reference) != nullptr) {
      throw ServiceError(403, "You don't have access to template '" + reference + "'");
    }
    throw ServiceError(404, "Template '" + reference + "' not found");
  }
  for (const auto& snapshot : doomed) {
    copy_files_locked([&] {
      if (storage_ != nullptr) storage_->delete_snapshot(snapshot.storage_key());
    });
    snapshots_.remove(snapshot);
  }
}

std::vector<ForkOutcome> Registry::fork(const std::string& team, const std::string& sandbox_id, int timeout_seconds,
                                        int count) {
  if (count < 1 || count > kMaxForks) throw ServiceError(400, "count must be between 1 and 100");
  check_timeout(timeout_seconds);
  Session session(*this);
  expire_due_locked();
  const SandboxRecord* found = find_any_locked(sandbox_id);
  if (found == nullptr || found->team != team) throw ServiceError(404, not_found(sandbox_id));
  if (found->info.state != SandboxState::running) {
    throw ServiceError(409, "Sandbox '" + sandbox_id + "' cannot be forked while in 'paused' state");
  }
  const SandboxRecord source = *found;  // inserting forks may move the original
  std::vector<ForkOutcome> outcomes;
  for (int i = 0; i < count; ++i) {
    try {
      check_concurrency_locked(team);
      SandboxRecord record;
      record.env_vars = source.env_vars;
      record.settings = source.settings;
      if (record.settings.traffic_access_token) record.settings.traffic_access_token = random_hex(rng_, 32);
      auto& info = record.info;
      info = source.info;
      info.sandbox_id = new_id_locked();
      if (options_.legacy_v1) info.client_id = random_hex(rng_, 8);
      info.started_at = clock_.now();
      info.end_at = info.started_at + std::chrono::seconds(timeout_seconds);
      info.state = SandboxState::running;
      if (source.info.envd_access_token) info.envd_access_token = random_hex(rng_, 32);
      copy_files_locked([&] {
        if (storage_ != nullptr) storage_->copy_sandbox(source.info.sandbox_id, info.sandbox_id);
      });
      outcomes.push_back({insert_locked(team, std::move(record), "Sandbox forked from " + source.info.sandbox_id),
                          std::nullopt});
    } catch (const ServiceError& e) {
      outcomes.push_back({std::nullopt, e});
    }
  }
  return outcomes;
}

void Registry::update_network(const std::string& team, const std::string& sandbox_id, const NetworkUpdate& update) {
  validate(update);
  Session session(*this);
  expire_due_locked();
  auto& record = find_locked(team, sandbox_id);
  if (record.info.state != SandboxState::running) {
    throw ServiceError(409, "Sandbox '" + sandbox_id + "' is paused; its network can be updated while it runs");
  }
  record.settings.network = apply(record.settings.network.value_or(NetworkConfig{}), update);
  record.settings.allow_internet_access = update.allow_internet_access;
  record.logs.push_back({clock_.now(), "info", "Sandbox network updated"});
}

MetricSamples Registry::metric_samples(const std::string& team, const std::string& sandbox_id,
                                       std::optional<Timestamp> from, std::optional<Timestamp> to) {
  return read_after_expiry([&] {
    const auto& record = find_locked(team, sandbox_id);
    return MetricSamples{record.info, metric_times(record.info.started_at, record.running, clock_.now(), from, to)};
  });
}

TemplateUsage Registry::template_usage(const std::string& template_id) const {
  std::shared_lock lock(mutex_);
  auto it = usage_.find(template_id);
  return it == usage_.end() ? TemplateUsage{} : it->second;
}

}  // namespace ppio_mock::state
