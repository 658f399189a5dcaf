// ppio-conformance: checks Prime semantics through the SDK against a target.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "conformance/case.hpp"
#include "conformance/runner/known_divergences.hpp"
#include "conformance/runner/report.hpp"
#include "conformance/runner/run.hpp"
#include "conformance/runner/selection.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/version.hpp"

namespace {

using namespace ppio_conformance;

constexpr const char* kEmbeddedOtherTeamKey = "sk_mock_other_team";

std::string random_run_label() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string label = "conformance-";
  for (int i = 0; i < 8; ++i) label += "0123456789abcdef"[hex(rd)];
  return label;
}

void print_catalogue(const std::vector<const Case*>& cases, bool markdown) {
  if (markdown) std::cout << "| id | profile | what it checks |\n|---|---|---|\n";
  for (const Case* c : cases) {
    if (markdown) std::cout << "| `" << c->id << "` | " << c->profile << " | " << c->checks << " |\n";
    else std::cout << c->id << "\t" << c->profile << "\t" << c->checks << "\n";
  }
}

// Deletes whatever the cases failed to clean up.
int sweep(const prime::ClientOptions& options, const std::string& label) {
  prime::SandboxClient client{prime::APIClient(options)};
  int removed = 0;
  try {
    while (true) {
      const auto page = client.list({.labels = {label}, .per_page = 100});
      if (page.sandboxes.empty()) break;
      for (const auto& s : page.sandboxes) removed += client.delete_(s.id).success ? 1 : 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "sweep: " << e.what() << "\n";
  }
  return removed;
}

// curl's --resolve, without the port: "HOST=IP", HOST exact or "*.<domain>".
std::pair<std::string, std::string> parse_resolve(const std::string& entry) {
  const auto eq = entry.find('=');
  if (eq == 0 || eq == std::string::npos || eq + 1 == entry.size()) {
    throw std::invalid_argument("--resolve wants HOST=IP (HOST may be *.<domain>), got '" + entry + "'");
  }
  return {entry.substr(0, eq), entry.substr(eq + 1)};
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = "mock";
  std::string api_url;
  std::string sandbox_url;
  std::string api_key;
  std::string admin_token = ppio_mock::kDefaultAdminToken;
  std::string shard;
  std::string known_file;
  std::string junit_file;
  std::string json_file;
  std::string ca_file;
  std::vector<std::string> resolves;
  std::string other_team_key;
  Selection selection;
  int jobs = 4;
  bool list_only = false;
  bool markdown = false;
  bool allow_skip = false;

  CLI::App app{"ppio-conformance: checks Prime Sandboxes semantics through the C++ SDK against a target.\n"
               "By default it starts the embedded fake PPIO server and runs every case against it."};
  app.set_version_flag("--version", std::string("ppio-conformance ") + PPIO_SANDBOX_VERSION);
  app.add_option("--target", target, "mock: the embedded fake, or one at --api-url; ppio: the real service")
      ->check(CLI::IsMember({"mock", "ppio"}))
      ->capture_default_str();
  app.add_option("--api-url", api_url, "Control-plane URL of a running server (instead of the embedded fake)");
  app.add_option("--sandbox-url", sandbox_url, "envd URL used for every sandbox (E2B_SANDBOX_URL style)");
  app.add_option("--api-key", api_key, "API key; default: the fake's key, or PPIO_API_KEY for --target ppio");
  app.add_option("--admin-token", admin_token,
                 "X-Admin-Token of a fake at --api-url, for the cases that drive its clock or faults")
      ->capture_default_str();
  app.add_option("--other-team-key", other_team_key,
                 "API key of a second team on a fake at --api-url, for the team isolation cases "
                 "(the embedded fake has one of its own)");
  app.add_option("--ca-file", ca_file, "PEM CA bundle that HTTPS targets are verified against (a test CA)")
      ->check(CLI::ExistingFile);
  app.add_option("--resolve", resolves,
                 "HOST=IP: reach HOST at IP instead of through DNS (repeatable); HOST may be *.<domain>, e.g. "
                 "'*.mock.ppio.test=127.0.0.1' for api.<domain> and 49983-<id>.<domain>");
  app.add_option("--profile", selection.profiles,
                 "Run only these profiles: core, lifecycle, bulk, commands, files, async, egress, ports, faults (repeatable)");
  app.add_option("--case", selection.cases, "Run only this case id, or every case under this prefix (repeatable)");
  app.add_option("--exclude", selection.excludes, "Skip this case id or prefix (repeatable)");
  app.add_option("--shard", shard, "Run shard i of n (i/n) of the selection, for spreading a run over machines");
  app.add_option("-j,--jobs", jobs, "Cases in flight at once")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--known", known_file,
                 "Known-divergences file: '<case-id> <reason>' per line; a listed case that passes fails the run")
      ->check(CLI::ExistingFile);
  app.add_option("--junit", junit_file, "Write a JUnit XML report here");
  app.add_option("--json", json_file, "Write a JSON report here");
  app.add_flag("--list", list_only, "List the selected cases (id, profile, what it checks) and exit");
  app.add_flag("--markdown", markdown, "With --list, print the catalogue as a Markdown table");
  app.add_flag("--allow-skip", allow_skip, "With --target ppio and no PPIO_API_KEY, exit 0 after reporting the skip");
  CLI11_PARSE(app, argc, argv);

  std::vector<const Case*> cases;
  RunOptions run;
  try {
    if (!shard.empty()) selection.shard = parse_shard(shard);
    cases = select_cases(catalogue(), selection);
    if (!known_file.empty()) run.known = load_known_divergences(known_file);
    for (const auto& entry : resolves) run.client.host_overrides.push_back(parse_resolve(entry));
  } catch (const std::invalid_argument& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (list_only) {
    print_catalogue(cases, markdown);
    return 0;
  }

  std::unique_ptr<ppio_mock::Server> embedded;
  if (target == "ppio") {
    if (api_key.empty() && std::getenv("PPIO_API_KEY") == nullptr) {
      std::cout << "SKIPPED: no PPIO_API_KEY; nothing was checked against the real PPIO service\n"
                << "0 passed, 0 failed, " << cases.size() << " skipped\n";
      return allow_skip ? 0 : 2;
    }
  } else {
    if (api_url.empty()) {
      other_team_key = kEmbeddedOtherTeamKey;
      embedded = std::make_unique<ppio_mock::Server>(ppio_mock::ServerConfig{
          .api_keys = {{ppio_mock::kDefaultApiKey, ppio_mock::kDefaultTeam}, {other_team_key, "team-other"}}});
      embedded->start();
      api_url = embedded->url();
      std::cout << "target: embedded fake at " << api_url << "\n";
    } else {
      std::cout << "target: fake at " << api_url << "\n";
    }
    if (api_key.empty()) api_key = ppio_mock::kDefaultApiKey;
    run.admin = FakeAdmin{api_url, admin_token, other_team_key};
    // The fake serves envd on its own port, routed by the E2b-Sandbox-Id header.
    if (sandbox_url.empty()) sandbox_url = api_url;
  }
  if (!api_url.empty()) run.client.api_url = api_url;
  if (!sandbox_url.empty()) run.client.sandbox_url = sandbox_url;
  if (!api_key.empty()) run.client.api_key = api_key;
  run.client.ca_file = ca_file;
  run.run_label = random_run_label();
  run.jobs = jobs;

  const bool tty = isatty(STDOUT_FILENO) != 0;
  std::size_t done = 0;
  run.on_result = [&](const CaseResult& r) {
    ++done;
    if (tty) std::cout << "\r\033[K";
    std::cout << result_line(r) << "\n";
    if (tty && done < cases.size()) std::cout << "[" << done << "/" << cases.size() << "] running..." << std::flush;
  };
  const auto results = run_cases(cases, run);

  const int leaked = sweep(run.client, run.run_label);
  if (leaked > 0) std::cout << "sweep: deleted " << leaked << " sandboxes the cases left behind\n";
  const Summary summary = summarize(results);
  if (summary.expected_failures > 0) {
    std::cout << summary.expected_failures << " of the skipped are known divergences (" << known_file << ")\n";
  }
  if (!junit_file.empty() && !write_file(junit_file, junit_xml(results, target))) {
    std::cerr << "cannot write " << junit_file << "\n";
    return 2;
  }
  if (!json_file.empty() && !write_file(json_file, json_report(results, target).dump(2) + "\n")) {
    std::cerr << "cannot write " << json_file << "\n";
    return 2;
  }
  std::cout << summary_line(summary) << "\n";
  return summary.ok() ? 0 : 1;
}
