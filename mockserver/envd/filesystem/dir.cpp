#include "mockserver/envd/filesystem/filesystem_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;

json FilesystemService::make_dir(Call& call, const json& body) {
  const std::string path = exec::normalize_path(required_string(body, {"path"}), call.home);
  if (!call.fs->make_dir(path)) throw FsError(Code::already_exists, "directory '" + path + "' already exists");
  return json{{"entry", call.fs->stat(path)}};
}

json FilesystemService::list_dir(Call& call, const json& body) {
  const std::string path = exec::normalize_path(required_string(body, {"path"}), call.home);
  std::uint32_t depth = 1;
  ppio_sandbox::core::json_fields::read(body, {"depth"}, depth);
  return json{{"entries", call.fs->list_dir(path, depth == 0 ? 1 : depth)}};
}

}  // namespace ppio_mock::envd
