// ppio-mock: the fake PPIO server as a program.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "mockserver/data_files.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/version.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  ppio_mock::ServerConfig config;
  std::vector<std::string> keys;

  CLI::App app{"ppio-mock: a fake PPIO Agent Sandbox server (E2B-compatible control plane) on one port."};
  app.set_version_flag("--version", std::string("ppio-mock ") + PPIO_SANDBOX_VERSION);
  const std::string data = ppio_mock::data_dir();
  app.add_option("--host", config.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", config.port, "Port to listen on; 0 picks a free one and prints it")->capture_default_str();
  app.add_option("--api-key", keys,
                 "An accepted API key, as KEY or KEY=TEAM (repeatable). Default: " +
                     std::string(ppio_mock::kDefaultApiKey) + "=" + ppio_mock::kDefaultTeam);
  app.add_option("--tenants", config.tenants_file,
                 R"(JSON file {"keys": {"<api key>": "<team>"}} (e.g. )" + data + "/tenants.json); merged with --api-key")
      ->check(CLI::ExistingFile);
  app.add_option("--templates", config.templates_file,
                 "JSON file of templates; default: the built-in copy of " + data + "/templates.json")
      ->check(CLI::ExistingFile);
  app.add_option("--seed", config.seed, "Seed for sandbox ids, tokens and injected faults")->capture_default_str();
  app.add_option("--scenario", config.scenario_files,
                 "Fault scenario file to load (repeatable), e.g. " + config.scenario_dir + "/flaky-network.json")
      ->check(CLI::ExistingFile);
  app.add_option("--scenario-dir", config.scenario_dir,
                 "Where POST /_mock/faults {\"scenario\": NAME} looks for NAME.json")
      ->capture_default_str();
  app.add_option("--max-body-bytes", config.max_body_bytes, "Largest accepted request body; larger gets 413")
      ->capture_default_str();
  app.add_option("--max-timeout", config.max_timeout_seconds, "Longest sandbox timeout in seconds; longer gets 400")
      ->capture_default_str();
  app.add_option("--domain", config.domain,
                 "Domain reported for each sandbox, so clients reach envd at 49983-<id>.<domain>; off port 443 "
                 "include the port (mock.ppio.test:8443); default: none");
  app.add_flag("--legacy-v1", config.legacy_v1,
               "PPIO v1 domain behaviour: ids <sandboxID>-<clientID>, timeouts capped at 1 h unless long_running, "
               "not secure by default, and no snapshots, fork, network rules or volume mounts");
  std::string secure_default;
  app.add_option("--secure-default", secure_default,
                 "Whether a create that omits `secure` gets a secured envd (an envdAccessToken, X-Access-Token "
                 "required); default: true, false with --legacy-v1")
      ->check(CLI::IsMember({"true", "false"}));
  app.add_option("--max-concurrent", config.max_concurrent_sandboxes,
                 "Running sandboxes a team may have; past it create gets 429 (0: unlimited)")
      ->capture_default_str();
  app.add_option("--rate-limit", config.rate_limit_per_second,
                 "Control-plane requests per second per team; past it 429 with Retry-After (0: unlimited)")
      ->capture_default_str();
  app.add_option("--rate-burst", config.rate_limit_burst, "Requests a team may burst above --rate-limit")
      ->capture_default_str();
  app.add_option("--envd-version", config.envd_version, "envdVersion reported for new sandboxes")->capture_default_str();
  app.add_option("--admin-token", config.admin_token, "Token the admin API under /_mock/ requires in X-Admin-Token")
      ->capture_default_str();
  app.add_option("--journal-size", config.journal_size, "How many requests the /_mock/journal keeps")
      ->capture_default_str();
  app.add_option("--state-dir", config.envd.state_dir,
                 "Directory for the sandboxes' root directories (one per sandbox); default: a temporary directory "
                 "removed at exit");
  app.add_option("--executor", config.envd.executor,
                 "How commands run: auto (bwrap when it works here, else host), bwrap (isolated by bubblewrap) or "
                 "host (plain subprocesses, NOT isolated)")
      ->check(CLI::IsMember({"auto", "bwrap", "host"}))
      ->capture_default_str();
  app.add_option("--output-cap", config.envd.output_cap_bytes,
                 "Bytes of stdout+stderr kept per process; the rest is dropped")
      ->capture_default_str();
  app.add_option("--max-upload-bytes", config.envd.max_upload_bytes, "Largest POST /files body; larger gets 413")
      ->capture_default_str();
  app.add_option("--http-max-threads", config.http_max_threads,
                 "Most HTTP worker threads at once: one per open connection (each process or watch stream holds "
                 "one); past it connections wait")
      ->capture_default_str();
  app.add_option("--keep-alive", config.keep_alive_seconds,
                 "Seconds an idle keep-alive connection stays open (E2B's edge: 620)")
      ->capture_default_str();
  app.add_option("--keep-alive-requests", config.keep_alive_max_requests,
                 "Requests one connection may serve before the fake closes it (0: no cap)")
      ->capture_default_str();
  app.add_option("--tls-cert", config.tls_cert_file,
                 "Serve HTTPS with this PEM certificate (chain); needs --tls-key. Real-like mode: a certificate for "
                 "api.<domain>, *.<domain> and 127.0.0.1 from tests/support/make_test_ca.sh");
  app.add_option("--tls-key", config.tls_key_file, "The PEM private key of --tls-cert");
  CLI11_PARSE(app, argc, argv);

  if (!secure_default.empty()) config.secure_by_default = secure_default == "true";
  for (const auto& entry : keys) {
    const auto eq = entry.find('=');
    config.api_keys[entry.substr(0, eq)] = eq == std::string::npos ? ppio_mock::kDefaultTeam : entry.substr(eq + 1);
  }

  std::unique_ptr<ppio_mock::Server> server;
  try {
    server = std::make_unique<ppio_mock::Server>(config);
    server->start();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::cout << "ppio-mock listening on " << server->url() << std::endl;
  while (g_stop == 0) pause();
  server->stop();
  return 0;
}
