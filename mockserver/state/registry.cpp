#include "mockserver/state/registry.hpp"

#include <algorithm>
#include <charconv>

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

bool matches(const SandboxRecord& record, const ListFilter& filter) {
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
    : clock_(clock), templates_(std::move(templates)), options_(std::move(options)), rng_(options_.seed) {}

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

SandboxRecord Registry::create(const std::string& team, const NewSandbox& request) {
  const TemplateInfo* tmpl = templates_.find(request.template_id);
  if (tmpl == nullptr) throw ServiceError(404, "template '" + request.template_id + "' not found");
  int timeout = request.timeout.value_or(options_.default_timeout_seconds);
  check_timeout(timeout);
  if (options_.legacy_v1) {
    auto lr = request.metadata.find("long_running");
    const bool long_running = lr != request.metadata.end() && lr->second == "true";
    if (!long_running) timeout = std::min(timeout, kLegacyMaxSeconds);  // PPIO caps, it does not refuse
  }

  Session session(*this);
  expire_due_locked();
  check_concurrency_locked(team);
  SandboxRecord record;
  record.team = team;
  record.env_vars = request.env_vars;
  record.auto_pause = request.auto_pause.value_or(false);
  auto& info = record.info;
  info.sandbox_id = new_id_locked();
  info.template_id = tmpl->template_id;
  if (!tmpl->aliases.empty()) info.alias = tmpl->aliases.front();
  info.client_id = options_.legacy_v1 ? random_hex(rng_, 8) : options_.client_id;
  info.started_at = clock_.now();
  info.end_at = info.started_at + std::chrono::seconds(timeout);
  info.cpu_count = tmpl->cpu_count;
  info.memory_mb = tmpl->memory_mb;
  info.disk_size_mb = tmpl->disk_size_mb;
  info.state = SandboxState::running;
  info.envd_version = options_.envd_version;
  info.metadata = request.metadata;
  if (!options_.domain.empty()) info.domain = options_.domain;
  if (request.secure.value_or(false)) info.envd_access_token = random_hex(rng_, 32);

  record.logs.push_back({info.started_at, "info", "Sandbox created from template " + tmpl->template_id});
  const std::string id = info.sandbox_id;
  order_by_team_[team].insert({info.started_at, id});
  deadlines_.insert({info.end_at, id});
  changed_locked(id, SandboxEvent::created);
  return sandboxes_[id] = std::move(record);
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
  deadlines_.erase({record.info.end_at, record.info.sandbox_id});
  record.info.state = SandboxState::paused;
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
  if (auto_pause) record.auto_pause = *auto_pause;
  const auto now = clock_.now();
  record.info.state = SandboxState::running;
  record.info.end_at = now + std::chrono::seconds(timeout_seconds);
  deadlines_.insert({record.info.end_at, record.info.sandbox_id});
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
  record.info.state = SandboxState::running;
  record.info.end_at = until;
  deadlines_.insert({until, record.info.sandbox_id});
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

ListResult Registry::list(const std::string& team, const ListFilter& filter) {
  std::optional<OrderKey> after;
  if (filter.cursor) after = decode_cursor(*filter.cursor);

  Session session(*this);
  expire_due_locked();
  ListResult result;
  auto team_it = order_by_team_.find(team);
  if (team_it == order_by_team_.end()) return result;
  const auto& order = team_it->second;

  const bool wants_running =
      filter.states.empty() ||
      std::find(filter.states.begin(), filter.states.end(), SandboxState::running) != filter.states.end();
  if (wants_running) result.total_running = running_count_locked(team, filter.metadata);

  auto it = after ? order.upper_bound(*after) : order.begin();
  const OrderKey* last = nullptr;
  for (; it != order.end(); ++it) {
    const auto& record = sandboxes_.at(it->id);
    if (!matches(record, filter)) continue;
    if (static_cast<int>(result.sandboxes.size()) == filter.limit) {
      result.next_cursor = encode_cursor(*last);
      break;
    }
    SandboxInfo info = record.info;
    info.envd_access_token.reset();  // list items never carry tokens
    result.sandboxes.push_back(std::move(info));
    last = &*it;
  }
  return result;
}

void Registry::changed_locked(const std::string& sandbox_id, SandboxEvent event) {
  ++generation_;
  pending_events_.emplace_back(sandbox_id, event);
}

int Registry::running_count_locked(const std::string& team, const Metadata& metadata) {
  // Counting is a scan, so it is cached until the registry next changes: paging
  // through N sandboxes then costs one scan, not one per page.
  const std::string key = team + '\n' + nlohmann::json(metadata).dump();
  if (auto it = running_counts_.find(key); it != running_counts_.end() && it->second.first == generation_) {
    return it->second.second;
  }
  if (running_counts_.size() > 1024) running_counts_.clear();
  const ListFilter running{.metadata = metadata, .states = {SandboxState::running}};
  int count = 0;
  for (const auto& key_in_order : order_by_team_.at(team)) count += matches(sandboxes_.at(key_in_order.id), running) ? 1 : 0;
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
    if (record.auto_pause) {
      deadlines_.erase(deadlines_.begin());
      record.info.state = SandboxState::paused;
      record.logs.push_back({now, "info", "Sandbox paused at its timeout"});
      changed_locked(id, SandboxEvent::paused);
    } else {
      remove_locked(id);
    }
  }
}

std::string Registry::encode_cursor(const OrderKey& key) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(key.started_at.time_since_epoch()).count();
  return ppio_sandbox::core::base64url_encode(std::to_string(ns) + "__" + key.id);
}

Registry::OrderKey Registry::decode_cursor(const std::string& cursor) {
  std::string text;
  try {
    text = ppio_sandbox::core::base64url_decode(cursor);
  } catch (const std::invalid_argument&) {
    throw ServiceError(400, "invalid next token");
  }
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

}  // namespace ppio_mock::state
