#include "mockserver/envd/filesystem/filesystem_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

json FilesystemService::move(Call& call, const json& body) {
  const std::string source = exec::normalize_path(required_string(body, {"source"}), call.home);
  const std::string destination = exec::normalize_path(required_string(body, {"destination"}), call.home);
  return json{{"entry", call.fs->move(source, destination)}};
}

}  // namespace ppio_mock::envd
