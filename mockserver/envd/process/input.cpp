#include "mockserver/envd/process/process_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace models = ppio_sandbox::core::envd;

json ProcessService::send_input(Call& call, const json& body) {
  const auto selector = selector_of(body);
  const auto* input = ppio_sandbox::core::json_fields::find(body, {"input"});
  if (input == nullptr || !input->is_object()) throw FsError(Code::invalid_argument, "input is required");
  const auto parsed = models::process_input_from_json(*input);
  if (!parsed) throw FsError(Code::unimplemented, "invalid input type");  // envd's answer to an empty oneof
  processes_.send_input(call.id, selector, *parsed);
  return json::object();
}

json ProcessService::close_stdin(Call& call, const json& body) {
  processes_.close_stdin(call.id, selector_of(body));
  return json::object();
}

}  // namespace ppio_mock::envd
