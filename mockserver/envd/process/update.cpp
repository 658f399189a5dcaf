#include "mockserver/envd/process/process_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
namespace models = ppio_sandbox::core::envd;

json ProcessService::update(Call& call, const json& body) {
  const auto selector = selector_of(body);
  const auto request = body.get<models::UpdateRequest>();
  // As envd: without a pty there is nothing to change, once the process is known.
  if (request.pty) processes_.resize(call.id, selector, *request.pty);
  else processes_.connect(call.id, selector);
  return json::object();
}

}  // namespace ppio_mock::envd
