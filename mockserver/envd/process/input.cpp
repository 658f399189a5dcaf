#include "mockserver/envd/process/process_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace models = ppio_sandbox::core::envd;

namespace {

// The `input` of a SendInput request or a StreamInput data event.
models::ProcessInput input_of(const json& message) {
  const auto* input = ppio_sandbox::core::json_fields::find(message, {"input"});
  if (input == nullptr || !input->is_object()) throw FsError(Code::invalid_argument, "input is required");
  const auto parsed = models::process_input_from_json(*input);
  if (!parsed) throw FsError(Code::unimplemented, "invalid input type");  // envd's answer to an empty oneof
  return *parsed;
}

}  // namespace

json ProcessService::send_input(Call& call, const json& body) {
  const auto selector = selector_of(body);
  processes_.send_input(call.id, selector, input_of(body));
  return json::object();
}

json ProcessService::stream_input(Call& call, const std::vector<json>& events) {
  using ppio_sandbox::core::json_fields::find;
  std::optional<models::ProcessSelector> selector;
  for (const auto& event : events) {
    if (const auto* start = find(event, {"start"}); start != nullptr && start->is_object()) {
      selector = selector_of(*start);
      processes_.connect(call.id, *selector);  // as envd: an unknown process is not_found at once
    } else if (const auto* data = find(event, {"data"}); data != nullptr && data->is_object()) {
      // envd would dereference no process here; a client's mistake is no server error.
      if (!selector) throw FsError(Code::failed_precondition, "a data event came before the start event");
      processes_.send_input(call.id, *selector, input_of(*data));
    } else if (find(event, {"keepalive"}) == nullptr) {
      throw FsError(Code::unimplemented, "invalid event type");
    }
  }
  return json::object();
}

json ProcessService::close_stdin(Call& call, const json& body) {
  processes_.close_stdin(call.id, selector_of(body));
  return json::object();
}

}  // namespace ppio_mock::envd
