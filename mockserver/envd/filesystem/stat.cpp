#include "mockserver/envd/filesystem/filesystem_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

std::string required_string(const json& body, std::initializer_list<const char*> names) {
  std::string value;
  ppio_sandbox::core::json_fields::require(body, names, value);
  return value;
}

json FilesystemService::stat(Call& call, const json& body) {
  return json{{"entry", call.fs->stat(exec::normalize_path(required_string(body, {"path"}), call.home))}};
}

}  // namespace ppio_mock::envd
