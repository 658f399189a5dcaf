#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

#include "error_mapping.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"

namespace ppio_sandbox::prime_compatible {

using detail::mapped;

namespace {

std::string list_cache_key(const core::ListQuery& query) {
  nlohmann::json key{{"md", query.metadata}, {"limit", query.limit.value_or(0)}};
  for (auto s : query.states) key["states"].push_back(core::to_string(s));
  return key.dump();
}

}  // namespace

SandboxClient::SandboxClient(APIClient client) : client_(std::move(client)) {}

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
  return mapped("Failed to create sandbox", [&] {
    auto& api = client_.control_plane();
    const auto created = api.create_sandbox(mapping::to_new_sandbox(request, resolve_template(request, options)));
    try {
      return mapping::to_sandbox(api.get_sandbox(created.sandbox_id));
    } catch (...) {
      // Never leave a sandbox running that the caller has no id for.
      try {
        api.kill_sandbox(created.sandbox_id);
      } catch (...) {
      }
      throw;
    }
  });
}

Sandbox SandboxClient::get(const std::string& sandbox_id) {
  return mapped("Failed to get sandbox", [&] { return mapping::to_sandbox(client_.control_plane().get_sandbox(sandbox_id)); });
}

DeleteSandboxResponse SandboxClient::delete_(const std::string& sandbox_id) {
  return mapped("Failed to delete sandbox", [&] {
    const bool killed = client_.control_plane().kill_sandbox(sandbox_id);
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
  query.metadata = mapping::label_filter(options.team_id, options.labels);
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

}  // namespace ppio_sandbox::prime_compatible
