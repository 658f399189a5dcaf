// prime_interop: the C++ SDK's side of the interop tests (test_interop.py).
// Each subcommand makes one call through prime_compatible::SandboxClient and
// prints what the SDK returns as one line of JSON (Prime's snake_case shape).
// Endpoints and key come from PPIO_API_URL, PPIO_SANDBOX_URL and PPIO_API_KEY.
//
//   prime_interop create '<CreateSandboxRequest JSON>'   -> {"id": ..., "sandbox": {...}}
//   prime_interop get <id>                               -> {...the Sandbox...}
//   prime_interop list '{"labels": [...], "team_id": ..., "status": ..., "page": N, "per_page": N}'
//   prime_interop exec <id> <command>                    -> {"stdout", "stderr", "exit_code"}
//   prime_interop delete <id>                            -> {"success", "message"}
//
// Errors print {"error": <type>, "message": ...} and exit 1.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
using nlohmann::json;

namespace {

prime::ListOptions list_options(const json& j) {
  prime::ListOptions options;
  if (j.contains("team_id")) options.team_id = j["team_id"].get<std::string>();
  if (j.contains("status")) options.status = prime::parse_sandbox_status(j["status"].get<std::string>());
  if (j.contains("labels")) options.labels = j["labels"].get<std::vector<std::string>>();
  options.page = j.value("page", 1);
  options.per_page = j.value("per_page", 50);
  return options;
}

json run(prime::SandboxClient& client, const std::string& verb, int argc, char** argv) {
  if (verb == "create" && argc == 3) {
    const auto sandbox = client.create(json::parse(argv[2]).get<prime::CreateSandboxRequest>());
    return json{{"id", sandbox.id}, {"sandbox", sandbox}};
  }
  if (verb == "get" && argc == 3) return client.get(argv[2]);
  if (verb == "list" && argc == 3) return client.list(list_options(json::parse(argv[2])));
  if (verb == "exec" && argc == 4) return client.execute_command(argv[2], argv[3], {.timeout = 30});
  if (verb == "delete" && argc == 3) return client.delete_(argv[2]);
  throw std::invalid_argument("usage: prime_interop create JSON | get ID | list JSON | exec ID COMMAND | delete ID");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) throw std::invalid_argument("no subcommand");
    prime::SandboxClient client{prime::APIClient{}};
    std::cout << run(client, argv[1], argc, argv).dump() << std::endl;
    return 0;
  } catch (const prime::APIError& e) {
    std::cout << json{{"error", "APIError"}, {"message", e.what()}}.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cout << json{{"error", "exception"}, {"message", e.what()}}.dump() << std::endl;
  }
  return 1;
}
