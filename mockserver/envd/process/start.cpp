#include "mockserver/envd/process/process_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace models = ppio_sandbox::core::envd;

std::shared_ptr<StreamSource> ProcessService::start(Call& call, const json& body, const httplib::Request& req) {
  const auto request = body.get<models::StartRequest>();
  if (request.pty) throw FsError(Code::unimplemented, "PTY processes are not supported by the fake");
  exec::CommandSpec command;
  command.cmd = request.process.cmd;
  command.args = request.process.args;
  command.env = call.record.env_vars;
  for (const auto& [k, v] : request.process.envs) command.env[k] = v;
  command.cwd = exec::normalize_path(request.process.cwd.value_or(call.home), call.home);
  if (!call.fs->is_directory(command.cwd)) {
    throw FsError(Code::invalid_argument, "cwd '" + command.cwd + "' does not exist");
  }
  exec::StartParams params;
  params.sandbox_id = call.id;
  params.config = request.process;
  params.tag = request.tag;
  params.open_stdin = request.open_stdin.value_or(true);  // the proto's default, for old clients
  params.timeout = connect_timeout(req);
  params.launch = executor_.prepare(*call.fs, command);
  auto subscription = processes_.start(std::move(params));
  registry_.append_log(call.id, "info", "process started: " + command_line(request.process));
  return process_events(std::move(subscription));
}

}  // namespace ppio_mock::envd
