#include "mockserver/envd/process/process_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

json ProcessService::list(Call& call, const json&) { return json{{"processes", processes_.list(call.id)}}; }

}  // namespace ppio_mock::envd
