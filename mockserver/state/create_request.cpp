#include "mockserver/state/create_request.hpp"

#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::state {

using nlohmann::json;
namespace jf = ppio_sandbox::core::json_fields;

namespace {

void require_object(const json& j, const char* field) {
  if (const auto* v = jf::find(j, {field}); v != nullptr && !v->is_object()) {
    throw json::type_error::create(302, std::string("'") + field + "' must be an object", &j);
  }
}

}  // namespace

void from_json(const json& j, CreateRequest& v) {
  from_json(j, static_cast<ppio_sandbox::core::NewSandbox&>(v));
  if (const auto* resume = jf::find(j, {"autoResume"})) {
    require_object(j, "autoResume");
    bool enabled = false;
    jf::require(*resume, {"enabled"}, enabled);
    v.auto_resume = enabled;
  }
  jf::read(j, {"autoPauseMemory"}, v.auto_pause_memory);
  if (const auto* mounts = jf::find(j, {"volumeMounts"})) {
    for (const auto& mount : mounts->get<std::vector<json>>()) {
      VolumeMount m;
      jf::require(mount, {"name"}, m.name);
      jf::require(mount, {"path"}, m.path);
      v.volume_mounts.push_back(std::move(m));
    }
  }
  require_object(j, "mcp");
  require_object(j, "iam");
}

}  // namespace ppio_mock::state
