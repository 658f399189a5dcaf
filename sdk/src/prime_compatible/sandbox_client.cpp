#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

#include <algorithm>
#include <set>

#include "error_mapping.hpp"
#include "sandbox_state.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"

namespace ppio_sandbox::prime_compatible {

using detail::mapped;

namespace {

std::vector<std::string> unique_in_order(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

// The fields of an update that PPIO cannot apply to an existing sandbox.
std::vector<std::string> unsupported_fields(const UpdateSandboxRequest& r) {
  std::vector<std::string> out;
  if (r.name) out.push_back("name");
  if (r.docker_image) out.push_back("docker_image");
  if (r.start_command) out.push_back("start_command");
  if (r.cpu_cores) out.push_back("cpu_cores");
  if (r.memory_gb) out.push_back("memory_gb");
  if (r.disk_size_gb) out.push_back("disk_size_gb");
  if (r.gpu_count) out.push_back("gpu_count");
  if (r.gpu_type) out.push_back("gpu_type");
  if (r.idle_timeout_minutes) out.push_back("idle_timeout_minutes");
  if (r.environment_vars) out.push_back("environment_vars");
  if (r.registry_credentials_id) out.push_back("registry_credentials_id");
  if (r.secrets) out.push_back("secrets");
  return out;
}

// Prime's checks of a batch: 1-100 entries, none twice.
void check_batch_ids(const std::vector<std::string>& ids, const std::string& field) {
  if (ids.empty() || ids.size() > 100) throw std::invalid_argument(field + " must contain between 1 and 100 entries");
  if (std::set<std::string>(ids.begin(), ids.end()).size() != ids.size()) {
    throw std::invalid_argument(field + " must be unique");
  }
}

std::string list_cache_key(const core::ListQuery& query) {
  nlohmann::json key{{"md", query.metadata}, {"limit", query.limit.value_or(0)}};
  for (auto s : query.states) key["states"].push_back(core::to_string(s));
  return key.dump();
}

}  // namespace

SandboxClient::SandboxClient(APIClient client) : client_(std::move(client)) {}

SandboxClient::SandboxClient(APIClient client, std::shared_ptr<core::Executor> executor)
    : client_(std::move(client)), executor_(std::move(executor)) {}

void SandboxClient::run_parallel(std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (executor_) return executor_->parallel_for(count, fn);
  if (count <= 1) {
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  core::Executor local(std::min(count, kBulkConcurrency));
  local.parallel_for(count, fn);
}

const std::vector<core::TemplateInfo>& SandboxClient::known_templates() {
  std::lock_guard lock(mutex_);
  if (!templates_) {
    try {
      templates_ = client_.control_plane().list_templates();
    } catch (const core::ApiException&) {
      // Template listing is optional; without it docker_image falls through to the map.
      templates_.emplace();
    }
  }
  return *templates_;
}

std::string SandboxClient::resolve_template(const CreateSandboxRequest& request, const CreateOptions& options) {
  if (options.template_id) return *options.template_id;
  for (const auto& t : known_templates()) {
    if (t.template_id == request.docker_image) return t.template_id;
    for (const auto& alias : t.aliases) {
      if (alias == request.docker_image) return alias;
    }
  }
  const auto& map = client_.options().image_templates;
  if (auto it = map.find(request.docker_image); it != map.end()) return it->second;
  return client_.options().default_template;
}

Sandbox SandboxClient::create(const CreateSandboxRequest& request, const CreateOptions& options) {
  request.validate();
  // PPIO's own limit on the egress lists (no hostnames to deny), before any request.
  (void)mapping::network_for(request.network_allowlist, request.network_denylist);
  // Prime fills an unset team from its config; the caller's request is not changed.
  auto scoped = request;
  if (!scoped.team_id) scoped.team_id = client_.team_id();
  const auto command = scoped.command_to_run();
  if (!command) scoped.start_command.reset();  // nothing runs, so none is recorded
  return mapped("Failed to create sandbox", [&] {
    auto& api = client_.control_plane();
    auto wire = mapping::to_new_sandbox(scoped, resolve_template(scoped, options));
    if (client_.user_id()) wire.metadata[mapping::keys::kUserId] = *client_.user_id();
    if (options.secure) wire.secure = options.secure;
    const auto created = api.create_sandbox(wire);
    try {
      const auto info = api.get_sandbox(created.sandbox_id);
      // Commands and file calls need envd's address and token; this saves them a lookup.
      remember_envd(created.sandbox_id, {info.envd_access_token ? info.envd_access_token : created.envd_access_token,
                                         info.domain ? info.domain : created.domain, info.end_at, std::nullopt});
      if (command) launch_start_command(created.sandbox_id, *command);
      return mapping::to_sandbox(info);
    } catch (...) {
      // Never leave a sandbox running that the caller has no id for.
      try {
        api.kill_sandbox(created.sandbox_id);
      } catch (...) {
      }
      forget_envd(created.sandbox_id);
      throw;
    }
  });
}

Sandbox SandboxClient::get(const std::string& sandbox_id) {
  return mapped("Failed to get sandbox", [&] {
    const auto info = client_.control_plane().get_sandbox(sandbox_id);
    remember(info);
    return mapping::to_sandbox(info);
  });
}

bool SandboxClient::is_vm(const std::string& sandbox_id) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = envd_access_.find(sandbox_id); it != envd_access_.end() && it->second.vm) return *it->second.vm;
  }
  const bool vm = get(sandbox_id).vm;
  std::lock_guard lock(mutex_);
  if (auto it = envd_access_.find(sandbox_id); it != envd_access_.end()) it->second.vm = vm;
  return vm;
}

BatchSandboxStatusResponse SandboxClient::get_sandbox_statuses(const std::vector<std::string>& sandbox_ids) {
  check_batch_ids(sandbox_ids, "sandbox_ids");
  return mapped("Failed to get sandbox statuses", [&] {
    core::ListQuery query;
    query.limit = 100;
    std::map<std::string, core::SandboxInfo> live;
    for (auto& info : client_.control_plane().list_all_sandboxes(query)) live.emplace(info.sandbox_id, std::move(info));
    BatchSandboxStatusResponse out;
    for (const auto& id : sandbox_ids) {
      auto it = live.find(id);
      if (it == live.end()) {
        out.errors.push_back({id, "NOT_FOUND", "Sandbox " + id + " not found"});
        continue;
      }
      SandboxStatusSnapshot snapshot;
      snapshot.sandbox_id = id;
      snapshot.status = parse_sandbox_status(mapping::status_of(it->second.state));
      out.statuses.push_back(std::move(snapshot));
    }
    return out;
  });
}

DeleteSandboxResponse SandboxClient::delete_(const std::string& sandbox_id) {
  return mapped("Failed to delete sandbox", [&] {
    const bool killed = client_.control_plane().kill_sandbox(sandbox_id);
    forget_envd(sandbox_id);
    return DeleteSandboxResponse{killed, killed ? "Sandbox deleted" : "Sandbox not found"};
  });
}

SandboxListResponse SandboxClient::list(const ListOptions& options) {
  if (options.page < 1) throw std::invalid_argument("page must be >= 1");
  if (options.per_page < 1 || options.per_page > 100) throw std::invalid_argument("per_page must be between 1 and 100");

  SandboxListResponse out;
  out.page = options.page;
  out.per_page = options.per_page;

  core::ListQuery query;
  query.metadata = mapping::label_filter(options.team_id ? options.team_id : client_.team_id(), options.labels);
  if (options.user_id) query.metadata[mapping::keys::kUserId] = *options.user_id;
  query.limit = options.per_page;
  if (options.status) {
    query.states = mapping::states_for(*options.status);
    if (query.states.empty()) return out;  // no PPIO sandbox can have this status
  }

  return mapped("Failed to list sandboxes", [&] {
    const std::string key = list_cache_key(query);
    // tokens[k] fetches page k+1; tokens[0] is the first page (no token).
    std::vector<std::optional<std::string>> tokens;
    {
      std::lock_guard lock(mutex_);
      tokens = page_tokens_[key];
    }
    if (tokens.empty()) tokens.emplace_back();

    std::size_t index = std::min<std::size_t>(tokens.size(), static_cast<std::size_t>(options.page)) - 1;
    core::SandboxPage page;
    while (true) {
      query.next_token = tokens[index];
      page = client_.control_plane().list_sandboxes(query);
      if (tokens.size() == index + 1 && page.next_token) tokens.push_back(page.next_token);
      if (index + 1 == static_cast<std::size_t>(options.page)) break;
      if (!page.next_token) {  // asked for a page past the end
        page = {};
        break;
      }
      ++index;
    }
    {
      std::lock_guard lock(mutex_);
      auto& cached = page_tokens_[key];
      if (tokens.size() > cached.size()) cached = tokens;
    }

    for (const auto& info : page.sandboxes) out.sandboxes.push_back(mapping::to_sandbox(info));
    out.has_next = page.next_token.has_value();
    const bool running_only = query.states.size() == 1 && query.states[0] == core::SandboxState::running;
    if (running_only && page.total_running) {
      out.total = *page.total_running;
    } else {
      // Exact on the last page; otherwise what is known so far.
      out.total = (options.page - 1) * options.per_page + static_cast<int>(out.sandboxes.size());
    }
    return out;
  });
}

std::vector<std::string> SandboxClient::ids_with_labels(const BulkDeleteOptions& options) {
  const auto& labels = *options.labels;
  if (labels.empty()) return {};  // no label filter would select every sandbox
  return mapped("Failed to find sandboxes by labels", [&] {
    core::ListQuery query;
    query.metadata = mapping::label_filter(options.team_id ? options.team_id : client_.team_id(), labels);
    if (options.user_id) query.metadata[mapping::keys::kUserId] = *options.user_id;
    query.limit = 100;
    std::vector<std::string> ids;
    for (const auto& info : client_.control_plane().list_all_sandboxes(query)) ids.push_back(info.sandbox_id);
    return ids;
  });
}

BulkDeleteSandboxResponse SandboxClient::bulk_delete(const BulkDeleteOptions& options) {
  if (options.sandbox_ids.has_value() == options.labels.has_value()) {
    throw APIError("Must specify either sandbox_ids or labels, but not both");
  }
  const auto ids = options.sandbox_ids ? unique_in_order(*options.sandbox_ids)
                                       : unique_in_order(ids_with_labels(options));
  std::vector<std::optional<std::string>> errors(ids.size());
  run_parallel(ids.size(), [&](std::size_t i) {
    try {
      if (!delete_(ids[i]).success) errors[i] = "Sandbox not found";
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });

  BulkDeleteSandboxResponse out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (errors[i]) {
      // "id" as PPIO's Python adapter writes it, "sandbox_id" as Prime's CLI reads it.
      out.failed.push_back({{"id", ids[i]}, {"sandbox_id", ids[i]}, {"error", *errors[i]}});
    } else {
      out.succeeded.push_back(ids[i]);
    }
  }
  out.message = "Deleted " + std::to_string(out.succeeded.size()) + "/" + std::to_string(ids.size()) + " sandboxes";
  return out;
}

std::string SandboxClient::get_logs(const std::string& sandbox_id) {
  std::vector<std::string> lines;
  const auto info = mapped("Failed to get logs", [&] {
    for (auto& entry : client_.control_plane().sandbox_logs(sandbox_id)) lines.push_back(std::move(entry.message));
    return client_.control_plane().get_sandbox(sandbox_id);
  });
  remember(info);
  std::string logs = join(lines, "\n");
  const auto& md = info.metadata;
  const bool has_start_command = md.contains(mapping::keys::kStartCommand) || md.contains(mapping::keys::kStartArgv);
  // A paused sandbox's files cannot be read until it resumes: its log then holds the control plane's lines only.
  if (!has_start_command || info.state != core::SandboxState::running) return logs;
  std::string output;
  try {
    output = read_file(sandbox_id, kStartCommandLog, {.offset = -kStartCommandLogTail, .length = kStartCommandLogTail})
                 .content;
  } catch (const SandboxFileNotFoundError&) {
    // Started by another client, or the command removed its log: nothing to add.
  }
  if (output.empty()) return logs;
  return logs.empty() ? output : logs + "\n" + output;
}

Sandbox SandboxClient::update(const std::string& sandbox_id, const UpdateSandboxRequest& request) {
  if (const auto fields = unsupported_fields(request); !fields.empty()) {
    throw APIError("PPIO cannot update " + join(fields, ", ") +
                   " of an existing sandbox; only timeout_minutes can be changed");
  }
  if (request.timeout_minutes) {
    if (*request.timeout_minutes < 1) throw std::invalid_argument("timeout_minutes must be >= 1");
    mapped("Failed to update sandbox",
           [&] { client_.control_plane().set_timeout(sandbox_id, *request.timeout_minutes * 60); });
  }
  return get(sandbox_id);
}

bool SandboxClient::pause(const std::string& sandbox_id) {
  return mapped("Failed to pause sandbox", [&] { return client_.control_plane().pause_sandbox(sandbox_id); });
}

Sandbox SandboxClient::resume(const std::string& sandbox_id, int timeout_minutes) {
  if (timeout_minutes < 1) throw std::invalid_argument("timeout_minutes must be >= 1");
  mapped("Failed to resume sandbox", [&] { client_.control_plane().connect_sandbox(sandbox_id, timeout_minutes * 60); });
  return get(sandbox_id);
}

}  // namespace ppio_sandbox::prime_compatible
