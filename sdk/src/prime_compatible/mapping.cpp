#include "ppio_sandbox/prime_compatible/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace ppio_sandbox::prime_compatible::mapping {

using nlohmann::json;

namespace {

std::string number_text(double value) { return json(value).dump(); }

// The Python adapter reads disk_size_gb with int(), which takes base-10
// integer text only ("5", never "5.0"); a fraction is rounded up, as the
// adapter rounds memory. nullopt when the value has no such text.
std::optional<std::string> whole_number_text(double value) {
  if (!std::isfinite(value) || std::abs(value) >= 1e15) return std::nullopt;
  return std::to_string(static_cast<long long>(std::ceil(value)));
}

const std::string* find(const core::Metadata& md, const char* key) {
  auto it = md.find(key);
  return it == md.end() ? nullptr : &it->second;
}

// Metadata written by another client may be malformed; fall back rather than fail the read.
template <class T>
T number_or(const core::Metadata& md, const char* key, T fallback) {
  const auto* text = find(md, key);
  if (text == nullptr) return fallback;
  const auto value = json::parse(*text, nullptr, false);
  return value.is_number() ? value.get<T>() : fallback;
}

std::optional<json> json_or_none(const core::Metadata& md, const char* key) {
  const auto* text = find(md, key);
  if (text == nullptr) return std::nullopt;
  auto value = json::parse(*text, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

std::optional<std::string> text_or_none(const core::Metadata& md, const char* key) {
  const auto* text = find(md, key);
  return text == nullptr ? std::nullopt : std::optional<std::string>(*text);
}

}  // namespace

core::Metadata to_metadata(const CreateSandboxRequest& r) {
  core::Metadata md;
  md[keys::kName] = r.name;
  for (const auto& label : r.labels) md[keys::kLabelPrefix + label] = "1";
  if (r.team_id) md[keys::kTeamId] = *r.team_id;
  if (r.environment_vars && !r.environment_vars->empty()) md[keys::kEnvironmentVars] = json(*r.environment_vars).dump();
  const auto disk_text = whole_number_text(r.disk_size_gb);
  if (disk_text) md[keys::kDiskSizeGb] = *disk_text;
  // The exact size too, when the adapter's integer key cannot hold it.
  if (!disk_text || std::ceil(r.disk_size_gb) != r.disk_size_gb) md[keys::kDiskSizeGbExact] = number_text(r.disk_size_gb);
  md[keys::kDockerImage] = r.docker_image;
  if (r.start_command) {
    if (const auto* argv = std::get_if<StartCommand>(&*r.start_command)) {
      md[keys::kStartArgv] = json(*argv).dump();
    } else {
      md[keys::kStartCommand] = std::get<std::string>(*r.start_command);
    }
  }
  md[keys::kCpuCores] = number_text(r.cpu_cores);
  md[keys::kMemoryGb] = number_text(r.memory_gb);
  md[keys::kGpuCount] = std::to_string(r.gpu_count);
  if (r.gpu_type) md[keys::kGpuType] = *r.gpu_type;
  if (r.vm) md[keys::kVm] = *r.vm ? "true" : "false";
  if (r.timeout_minutes > kUncappedMinutes) md[keys::kLongRunning] = "true";
  if (r.idle_timeout_minutes) {
    md[keys::kIdleTimeoutMinutes] = std::to_string(*r.idle_timeout_minutes);
    md[keys::kIdleTimeout] = std::to_string(*r.idle_timeout_minutes * 60);
  }
  if (r.region) md[keys::kRegion] = *r.region;
  if (r.advanced_configs) md[keys::kAdvancedConfigs] = json(*r.advanced_configs).dump();
  if (r.secrets && !r.secrets->empty()) {
    std::vector<std::string> names;
    for (const auto& [name, value] : *r.secrets) names.push_back(name);
    md[keys::kSecretNames] = json(names).dump();
  }
  if (r.registry_credentials_id) md[keys::kRegistryCredentialsId] = *r.registry_credentials_id;
  return md;
}

core::NewSandbox to_new_sandbox(const CreateSandboxRequest& r, const std::string& template_id) {
  core::NewSandbox out;
  out.template_id = template_id;
  out.timeout = r.timeout_minutes * 60;
  out.metadata = to_metadata(r);
  if (r.environment_vars) out.env_vars = *r.environment_vars;
  // Secrets reach the processes as environment variables, but never the metadata.
  if (r.secrets) {
    for (const auto& [name, value] : *r.secrets) out.env_vars[name] = value;
  }
  out.network = network_for(r.network_allowlist, r.network_denylist);
  return out;
}

std::string status_of(core::SandboxState state) {
  return to_string(state == core::SandboxState::running ? SandboxStatus::RUNNING : SandboxStatus::PAUSED);
}

Sandbox to_sandbox(const core::SandboxInfo& info) {
  const auto& md = info.metadata;
  Sandbox s;
  s.id = info.sandbox_id;
  s.name = text_or_none(md, keys::kName).value_or("");
  s.docker_image = text_or_none(md, keys::kDockerImage).value_or(info.alias.value_or(info.template_id));
  if (auto argv = json_or_none(md, keys::kStartArgv); argv && argv->is_object()) {
    try {
      s.start_command = argv->get<StartCommand>();
    } catch (const std::exception&) {
      // Written by something else: fall back to the shell form, if any.
    }
  }
  if (!s.start_command) {
    if (auto shell = text_or_none(md, keys::kStartCommand)) s.start_command = *shell;
  }
  s.cpu_cores = number_or<double>(md, keys::kCpuCores, info.cpu_count);
  s.memory_gb = number_or<double>(md, keys::kMemoryGb, std::ceil(info.memory_mb / 1024.0));
  s.disk_size_gb = number_or<double>(md, keys::kDiskSizeGbExact,
                                     number_or<double>(md, keys::kDiskSizeGb, info.disk_size_mb / 1024.0));
  s.disk_mount_path = text_or_none(md, keys::kDiskMountPath).value_or("");
  s.gpu_count = number_or<int>(md, keys::kGpuCount, 0);
  s.gpu_type = text_or_none(md, keys::kGpuType);
  s.vm = text_or_none(md, keys::kVm) != "false";
  const auto egress = egress_from_network(info.network, info.allow_internet_access);
  s.network_allowlist = egress.allowlist;
  s.network_denylist = egress.denylist;
  s.status = status_of(info.state);
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(info.end_at - info.started_at).count();
  s.timeout_minutes = static_cast<int>(std::lround(static_cast<double>(lifetime) / 60.0));
  if (auto idle = number_or<int>(md, keys::kIdleTimeoutMinutes, 0); idle > 0) s.idle_timeout_minutes = idle;
  if (auto env = json_or_none(md, keys::kEnvironmentVars); env && env->is_object() && !env->empty()) {
    EnvVars vars;
    for (const auto& [key, value] : env->items()) vars[key] = value.is_string() ? value.get<std::string>() : value.dump();
    s.environment_vars = std::move(vars);
  }
  if (auto names = json_or_none(md, keys::kSecretNames); names && names->is_array()) {
    EnvVars masked;
    for (const auto& name : *names) {
      if (name.is_string()) masked[name.get<std::string>()] = "***";
    }
    s.secrets = std::move(masked);
  }
  if (auto configs = json_or_none(md, keys::kAdvancedConfigs); configs && configs->is_object()) {
    s.advanced_configs = AdvancedConfigs{*configs};
  }
  const std::string prefix = keys::kLabelPrefix;
  for (auto it = md.lower_bound(prefix); it != md.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    s.labels.push_back(it->first.substr(prefix.size()));
  }
  s.created_at = info.started_at;
  s.updated_at = info.started_at;
  s.started_at = info.started_at;
  s.team_id = text_or_none(md, keys::kTeamId);
  s.user_id = text_or_none(md, keys::kUserId);
  s.region = text_or_none(md, keys::kRegion);
  s.registry_credentials_id = text_or_none(md, keys::kRegistryCredentialsId);
  return s;
}

core::Metadata label_filter(const std::optional<std::string>& team_id, const std::vector<std::string>& labels) {
  core::Metadata filter;
  if (team_id) filter[keys::kTeamId] = *team_id;
  for (const auto& label : labels) filter[keys::kLabelPrefix + label] = "1";
  return filter;
}

std::vector<core::SandboxState> states_for(SandboxStatus status) {
  switch (status) {
    case SandboxStatus::RUNNING:
      return {core::SandboxState::running};
    case SandboxStatus::PAUSED:
      return {core::SandboxState::paused};
    default:
      return {};
  }
}

namespace {

bool is_address(const std::string& entry) {
  // Prime's validator has already said each entry is IPv4, CIDR or a hostname;
  // hostnames are the ones with a letter or a wildcard in them.
  return std::none_of(entry.begin(), entry.end(), [](unsigned char c) { return std::isalpha(c) != 0 || c == '*'; });
}

void check_ppio_denylist(const std::vector<std::string>& denylist) {
  for (const auto& entry : denylist) {
    if (!is_address(entry)) {
      throw std::invalid_argument("network_denylist: PPIO denies IPv4 addresses and CIDR blocks only, not hostnames (" +
                                  entry + "); use an allowlist to limit hostnames");
    }
  }
}

}  // namespace

std::optional<core::NetworkConfig> network_for(const std::optional<std::vector<std::string>>& allowlist,
                                               const std::optional<std::vector<std::string>>& denylist) {
  if (!allowlist && !denylist) return std::nullopt;
  const auto update = network_update_for({allowlist, denylist});
  core::NetworkConfig config;
  config.allow_out = update.allow_out;
  config.deny_out = update.deny_out;
  return config;
}

core::NetworkUpdate network_update_for(const SandboxEgressPolicy& policy) {
  core::NetworkUpdate update;
  if (policy.allowlist) {
    update.deny_out = std::vector<std::string>{core::kAllTraffic};
    if (!policy.allowlist->empty()) update.allow_out = *policy.allowlist;
  } else if (policy.denylist) {
    check_ppio_denylist(*policy.denylist);
    update.deny_out = *policy.denylist;  // [] is sent: it reads back as Prime's "allow all"
  }
  return update;
}

SandboxEgressPolicy egress_from_network(const std::optional<core::NetworkConfig>& network,
                                        std::optional<bool> allow_internet_access) {
  const auto* deny = network && network->deny_out ? &*network->deny_out : nullptr;
  const bool blocks_all = allow_internet_access == false ||
                          (deny != nullptr && std::find(deny->begin(), deny->end(), core::kAllTraffic) != deny->end());
  SandboxEgressPolicy policy;
  if (blocks_all) {
    policy.allowlist = network && network->allow_out ? *network->allow_out : std::vector<std::string>{};
  } else if (deny != nullptr) {
    policy.denylist = *deny;
  }
  return policy;
}

SandboxEgressPolicy policy_for_set_network(const std::optional<std::vector<std::string>>& allow,
                                           const std::optional<std::vector<std::string>>& deny) {
  if (allow.has_value() == deny.has_value()) throw std::invalid_argument("exactly one of allow or deny must be provided");
  const auto& list = allow ? *allow : *deny;
  if (list.empty()) throw std::invalid_argument("allow or deny must contain at least one destination");
  const bool has_star = std::find(list.begin(), list.end(), "*") != list.end();
  if (has_star && list.size() > 1) throw std::invalid_argument("'*' must be the only destination");
  SandboxEgressPolicy policy;
  if (has_star) {
    // allow ["*"]: nothing is denied; deny ["*"]: nothing is allowed.
    if (allow) {
      policy.denylist = std::vector<std::string>{};
    } else {
      policy.allowlist = std::vector<std::string>{};
    }
    return policy;
  }
  validate_egress_lists(allow, deny);
  policy.allowlist = allow;
  policy.denylist = deny;
  return policy;
}

std::string port_host(int port, const std::string& sandbox_id, const std::string& domain) {
  return std::to_string(port) + "-" + sandbox_id + "." + domain;
}

}  // namespace ppio_sandbox::prime_compatible::mapping
