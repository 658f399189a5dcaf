#pragma once
// process.Process: one handler per RPC, in a file per RPC group as envd keeps
// them (start.cpp, connect.cpp, input.cpp, signal.cpp, list.cpp, update.cpp).
// Handlers throw FsError; the RPC edge (envd_routes.cpp) maps it to Connect.
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/envd/connect_stream.hpp"
#include "mockserver/envd/edge.hpp"
#include "mockserver/exec/process_table.hpp"
#include "mockserver/state/registry.hpp"
#include "ppio_sandbox/core/envd_models.hpp"

namespace ppio_mock::envd {

class ProcessService {
 public:
  ProcessService(state::Registry& registry, exec::ProcessTable& processes)
      : registry_(registry), processes_(processes) {}

  std::shared_ptr<StreamSource> start(Call& call, const nlohmann::json& body, const httplib::Request& req);
  std::shared_ptr<StreamSource> connect(Call& call, const nlohmann::json& body, const httplib::Request& req);
  nlohmann::json list(Call& call, const nlohmann::json& body);
  nlohmann::json send_input(Call& call, const nlohmann::json& body);
  // The client stream's events in order: {start: {process}}, then {data: {input}} and {keepalive: {}}.
  nlohmann::json stream_input(Call& call, const std::vector<nlohmann::json>& events);
  nlohmann::json close_stdin(Call& call, const nlohmann::json& body);
  nlohmann::json send_signal(Call& call, const nlohmann::json& body);
  nlohmann::json update(Call& call, const nlohmann::json& body);

 private:
  state::Registry& registry_;
  exec::ProcessTable& processes_;
};

// The command as one line, for logs and for fault rules about commands.
std::string command_line(const ppio_sandbox::core::envd::ProcessConfig& process);
// The request's `process` selector (a pid or a tag); invalid_argument without one.
ppio_sandbox::core::envd::ProcessSelector selector_of(const nlohmann::json& body);
// A process's events as a server stream.
std::shared_ptr<StreamSource> process_events(std::shared_ptr<exec::Subscription> subscription);

}  // namespace ppio_mock::envd
