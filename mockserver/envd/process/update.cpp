#include "mockserver/envd/process/process_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

json ProcessService::update(Call& call, const json& body) {
  // Only PTY sizes can change, and the fake runs no PTY: check the process exists.
  processes_.connect(call.id, selector_of(body));
  return json::object();
}

}  // namespace ppio_mock::envd
