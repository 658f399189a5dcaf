#include "mockserver/envd/process/process_service.hpp"
#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;

json ProcessService::send_input(Call& call, const json& body) {
  const auto selector = selector_of(body);
  const auto* input = ppio_sandbox::core::json_fields::find(body, {"input"});
  if (input == nullptr || !input->is_object()) throw FsError(Code::invalid_argument, "input is required");
  const auto* data = ppio_sandbox::core::json_fields::find(*input, {"stdin", "pty"});
  const std::string bytes = data == nullptr ? "" : ppio_sandbox::core::base64_decode(data->get<std::string>());
  processes_.send_input(call.id, selector, bytes);
  return json::object();
}

json ProcessService::close_stdin(Call& call, const json& body) {
  processes_.close_stdin(call.id, selector_of(body));
  return json::object();
}

}  // namespace ppio_mock::envd
