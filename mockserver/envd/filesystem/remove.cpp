#include "mockserver/envd/filesystem/filesystem_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

json FilesystemService::remove(Call& call, const json& body) {
  call.fs->remove(exec::normalize_path(required_string(body, {"path"}), call.home));
  return json::object();
}

}  // namespace ppio_mock::envd
