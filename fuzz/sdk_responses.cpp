// The SDK's response parsers: the control plane's JSON bodies (core models'
// from_json) and envd's (processes, entries, stream events, Connect errors).
// The first byte picks the parser, the rest is the body. A control-plane model
// may refuse with json::exception or std::invalid_argument only (what the
// client maps to ApiException); an envd message with any std::exception (what
// the stream maps to ProtocolError).
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"
#include "ppio_sandbox/core/network_models.hpp"

namespace core = ppio_sandbox::core;
using nlohmann::json;

namespace {

template <class T>
void control_plane(const json& j) {
  try {
    (void)j.get<T>();
    (void)j.get<std::vector<T>>();
  } catch (const json::exception&) {
  } catch (const std::invalid_argument&) {
  }
}

template <class T>
void envd(const json& j) {
  try {
    (void)j.get<T>();
  } catch (const std::exception&) {
  }
}

const std::vector<std::function<void(const json&)>> kParsers = {
    control_plane<core::CreatedSandbox>,
    control_plane<core::SandboxInfo>,
    control_plane<core::TemplateInfo>,
    control_plane<core::SandboxLogEntry>,
    control_plane<core::ErrorBody>,
    control_plane<core::NetworkConfig>,
    envd<core::envd::ProcessInfo>,
    envd<core::envd::EntryInfo>,
    [](const json& j) {
      try {
        (void)core::envd::parse_process_event(j);
      } catch (const std::exception&) {
      }
    },
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)core::connect::parse_error(body, 500);
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  kParsers[data[0] % kParsers.size()](j);
  return 0;
}
