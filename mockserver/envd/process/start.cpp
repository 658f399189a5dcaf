#include "mockserver/envd/process/process_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace models = ppio_sandbox::core::envd;

std::shared_ptr<StreamSource> ProcessService::start(Call& call, const json& body, const httplib::Request& req) {
  const auto request = body.get<models::StartRequest>();
  exec::StartParams params;
  params.command.cmd = request.process.cmd;
  params.command.args = request.process.args;
  params.command.env = call.record.env_vars;
  for (const auto& [k, v] : request.process.envs) params.command.env[k] = v;
  params.command.cwd = exec::normalize_path(request.process.cwd.value_or(call.user.home), call.user.home);
  params.command.user = call.user;
  if (!call.fs->is_directory(params.command.cwd)) {
    throw FsError(Code::invalid_argument, "cwd '" + params.command.cwd + "' does not exist");
  }
  params.sandbox_id = call.id;
  params.config = request.process;
  params.tag = request.tag;
  params.open_stdin = request.open_stdin.value_or(true);  // the proto's default, for old clients
  params.pty = request.pty;  // envd sets nothing for a terminal: TERM and the like come in the call's envs
  params.timeout = connect_timeout(req);
  // The environment's limits, should this command be the one that starts it.
  params.fs = call.fs;
  params.limits.memory_bytes = static_cast<std::uint64_t>(call.record.info.memory_mb) << 20;
  params.limits.max_processes = registry_.templates().runtime(call.record.info.template_id).max_processes;
  auto subscription = processes_.start(std::move(params));
  registry_.append_log(call.id, "info", "process started: " + command_line(request.process));
  return process_events(std::move(subscription));
}

}  // namespace ppio_mock::envd
