#include "mockserver/envd/process/process_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace models = ppio_sandbox::core::envd;

json ProcessService::send_signal(Call& call, const json& body) {
  const auto selector = selector_of(body);
  const auto* signal = ppio_sandbox::core::json_fields::find(body, {"signal"});
  const auto parsed = signal == nullptr ? std::nullopt : models::signal_from_json(*signal);
  if (!parsed) throw FsError(Code::unimplemented, "invalid signal");
  processes_.signal(call.id, selector, static_cast<int>(*parsed));
  return json::object();
}

}  // namespace ppio_mock::envd
