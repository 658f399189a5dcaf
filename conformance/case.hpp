#pragma once
// One conformance case: a stable id, a profile, one sentence of Prime
// semantics it checks, and the check itself.
#include <chrono>
#include <functional>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ppio_sandbox/prime_compatible.hpp"

namespace ppio_conformance {

namespace prime = ppio_sandbox::prime_compatible;

// A check that did not hold.
class CaseFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check(bool condition, const std::string& what) {
  if (!condition) throw CaseFailure(what);
}

// Runs `fn` and fails unless it throws E. Returns the caught message.
template <class E, class Fn>
std::string expect_throws(Fn&& fn, const std::string& what) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    throw CaseFailure(what + ": threw a different error: " + e.what());
  }
  throw CaseFailure(what + ": nothing was thrown");
}

// The fake's admin API (/_mock/), for cases that move its clock or inject faults.
struct FakeAdmin {
  std::string url;
  std::string token;
  // A key of a second team on the same fake, for the isolation cases; empty when none.
  std::string other_team_api_key;
};

// What a case may touch. Every sandbox made through it carries the run's
// label and is deleted when the case ends, whether it passed or not.
class CaseContext {
 public:
  CaseContext(prime::ClientOptions options, std::string run_label, std::optional<FakeAdmin> admin = std::nullopt);
  ~CaseContext();

  prime::SandboxClient& client() { return client_; }
  const prime::ClientOptions& options() const { return options_; }
  const std::string& run_label() const { return run_label_; }

  // A request with a unique name and the run label; adjust it, then create().
  prime::CreateSandboxRequest request(const std::string& name_hint) const;
  prime::Sandbox create(const prime::CreateSandboxRequest& request);
  // create() of request(name_hint), then wait_for_creation: ready for commands and files.
  prime::Sandbox running(const std::string& name_hint);
  // A sandbox made some other way (the async client) that the case must still delete.
  void track(const std::string& sandbox_id) { created_.push_back(sandbox_id); }

  // Fake-only (cases marked needs_fake_admin): move the fake's virtual clock.
  // Returns the fake's time afterwards.
  ppio_sandbox::core::Timestamp advance_fake_clock(std::chrono::milliseconds by);
  // Fake-only: adds a fault rule (JSON as in README "Simulating failures") for
  // the rest of the case; it is removed when the case ends. Returns its id.
  std::string add_fault(const nlohmann::json& rule);
  // Fake-only: how many times that rule has fired so far.
  long fault_fired(const std::string& rule_id) const;
  // Fake-only: a client of a second team, or a CaseFailure when the fake has none.
  prime::SandboxClient other_team_client() const;

 private:
  prime::ClientOptions options_;
  std::string run_label_;
  prime::SandboxClient client_;
  std::vector<std::string> created_;
  std::vector<std::string> faults_;
  std::optional<FakeAdmin> admin_;

  ppio_sandbox::core::HttpResponse admin_call(const std::string& method, const std::string& path,
                                              const std::string& body = "") const;
};

struct Case {
  std::string id;
  std::string profile;
  std::string checks;  // one sentence of Prime semantics
  std::function<void(CaseContext&)> run;
  // It drives the fake through /_mock/ (clock, faults): skipped on other targets,
  // and run alone, since it changes what every other case would see.
  bool needs_fake_admin = false;
};

std::vector<Case> core_cases();
std::vector<Case> model_cases();
std::vector<Case> list_cases();
std::vector<Case> bulk_cases();
std::vector<Case> lifecycle_cases();
std::vector<Case> command_cases();
std::vector<Case> process_cases();
std::vector<Case> file_cases();
std::vector<Case> async_cases();
std::vector<Case> fault_cases();
std::vector<Case> network_cases();

// Every case, in a stable order.
const std::vector<Case>& catalogue();

}  // namespace ppio_conformance
