// ppio-conformance: checks Prime semantics through the SDK against a target.
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>

#include <CLI/CLI.hpp>

#include "conformance/case.hpp"
#include "mockserver/server.hpp"

namespace {

using namespace ppio_conformance;

struct Outcome {
  int passed = 0;
  int failed = 0;
};

std::string random_run_label() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string label = "conformance-";
  for (int i = 0; i < 8; ++i) label += "0123456789abcdef"[hex(rd)];
  return label;
}

bool selected(const Case& c, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return true;
  for (const auto& p : patterns) {
    if (c.id == p || c.id.rfind(p + ".", 0) == 0) return true;
  }
  return false;
}

Outcome run_cases(const std::vector<const Case*>& cases, const prime::ClientOptions& options, const std::string& label) {
  Outcome outcome;
  for (const Case* c : cases) {
    const auto started = std::chrono::steady_clock::now();
    std::string error;
    try {
      CaseContext ctx(options, label);
      c->run(ctx);
    } catch (const std::exception& e) {
      error = e.what();
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    std::cout << (error.empty() ? "PASS  " : "FAIL  ") << std::left << std::setw(44) << c->id << " (" << ms
              << " ms)\n";
    if (!error.empty()) std::cout << "      " << error << "\n";
    (error.empty() ? outcome.passed : outcome.failed)++;
  }
  return outcome;
}

// Deletes whatever a case failed to clean up.
int sweep(const prime::ClientOptions& options, const std::string& label) {
  prime::SandboxClient client{prime::APIClient(options)};
  int removed = 0;
  try {
    for (const auto& s : client.list({.labels = {label}, .per_page = 100}).sandboxes) {
      removed += client.delete_(s.id).success ? 1 : 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "sweep: " << e.what() << "\n";
  }
  return removed;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = "mock";
  std::string api_url;
  std::string sandbox_url;
  std::string api_key;
  std::vector<std::string> case_patterns;
  bool list_only = false;
  bool allow_skip = false;

  CLI::App app{"ppio-conformance: checks Prime Sandboxes semantics through the C++ SDK against a target.\n"
               "By default it starts the embedded fake PPIO server and runs every case against it."};
  app.add_option("--target", target, "mock: the embedded fake, or one at --api-url; ppio: the real service")
      ->check(CLI::IsMember({"mock", "ppio"}))
      ->capture_default_str();
  app.add_option("--api-url", api_url, "Control-plane URL of a running server (instead of the embedded fake)");
  app.add_option("--sandbox-url", sandbox_url, "envd URL used for every sandbox (E2B_SANDBOX_URL style)");
  app.add_option("--api-key", api_key, "API key; default: the fake's key, or PPIO_API_KEY for --target ppio");
  app.add_option("--case", case_patterns, "Run only this case id, or every case under this prefix (repeatable)");
  app.add_flag("--list", list_only, "List the catalogue (id, profile, what it checks) and exit");
  app.add_flag("--allow-skip", allow_skip, "With --target ppio and no PPIO_API_KEY, exit 0 after reporting the skip");
  CLI11_PARSE(app, argc, argv);

  std::vector<const Case*> cases;
  for (const auto& c : catalogue()) {
    if (selected(c, case_patterns)) cases.push_back(&c);
  }
  if (list_only) {
    for (const Case* c : cases) std::cout << c->id << "\t" << c->profile << "\t" << c->checks << "\n";
    return 0;
  }

  prime::ClientOptions options;
  std::unique_ptr<ppio_mock::Server> embedded;
  if (target == "ppio") {
    if (api_key.empty() && std::getenv("PPIO_API_KEY") == nullptr) {
      std::cout << "SKIPPED: no PPIO_API_KEY; nothing was checked against the real PPIO service\n"
                << "0 passed, 0 failed, " << cases.size() << " skipped\n";
      return allow_skip ? 0 : 2;
    }
  } else {
    if (api_url.empty()) {
      embedded = std::make_unique<ppio_mock::Server>();
      embedded->start();
      api_url = embedded->url();
      std::cout << "target: embedded fake at " << api_url << "\n";
    } else {
      std::cout << "target: fake at " << api_url << "\n";
    }
    if (api_key.empty()) api_key = ppio_mock::kDefaultApiKey;
  }
  if (!api_url.empty()) options.api_url = api_url;
  if (!sandbox_url.empty()) options.sandbox_url = sandbox_url;
  if (!api_key.empty()) options.api_key = api_key;

  const std::string label = random_run_label();
  const Outcome outcome = run_cases(cases, options, label);
  const int leaked = sweep(options, label);
  if (leaked > 0) std::cout << "sweep: deleted " << leaked << " sandboxes the cases left behind\n";
  std::cout << outcome.passed << " passed, " << outcome.failed << " failed\n";
  return outcome.failed == 0 ? 0 : 1;
}
