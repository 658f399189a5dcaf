#include "mockserver/envd/process/process_service.hpp"

namespace ppio_mock::envd {

std::shared_ptr<StreamSource> ProcessService::connect(Call& call, const nlohmann::json& body, const httplib::Request&) {
  return process_events(processes_.connect(call.id, selector_of(body)));
}

}  // namespace ppio_mock::envd
