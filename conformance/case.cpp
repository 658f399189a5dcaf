#include "conformance/case.hpp"

#include <atomic>

namespace ppio_conformance {

CaseContext::CaseContext(prime::ClientOptions options, std::string run_label)
    : options_(options), run_label_(std::move(run_label)), client_(prime::APIClient(std::move(options))) {}

CaseContext::~CaseContext() {
  for (const auto& id : created_) {
    try {
      client_.delete_(id);
    } catch (...) {
      // The final sweep by run label catches what this misses.
    }
  }
}

prime::CreateSandboxRequest CaseContext::request(const std::string& name_hint) const {
  static std::atomic<int> counter{0};
  prime::CreateSandboxRequest r;
  r.name = name_hint + "-" + std::to_string(counter++);
  r.docker_image = "python:3.11-slim";
  r.timeout_minutes = 10;
  r.labels = {run_label_};
  return r;
}

prime::Sandbox CaseContext::create(const prime::CreateSandboxRequest& request) {
  auto sandbox = client_.create(request);
  created_.push_back(sandbox.id);
  return sandbox;
}

const std::vector<Case>& catalogue() {
  static const std::vector<Case> all = [] {
    std::vector<Case> cases;
    for (auto& c : core_cases()) cases.push_back(std::move(c));
    return cases;
  }();
  return all;
}

}  // namespace ppio_conformance
