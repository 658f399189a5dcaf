#include "mockserver/envd/filesystem/filesystem_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

json FilesystemService::move(Call& call, const json& body) {
  const std::string source = exec::normalize_path(required_string(body, {"source"}), call.user.home);
  const std::string destination = exec::normalize_path(required_string(body, {"destination"}), call.user.home);
  return json{{"entry", call.fs->move(source, destination, &call.user)}};
}

}  // namespace ppio_mock::envd
