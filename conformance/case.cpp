#include "conformance/case.hpp"

#include <atomic>

namespace ppio_conformance {

CaseContext::CaseContext(prime::ClientOptions options, std::string run_label, std::optional<FakeAdmin> admin)
    : options_(options),
      run_label_(std::move(run_label)),
      client_(prime::APIClient(std::move(options))),
      admin_(std::move(admin)) {}

void CaseContext::advance_fake_clock(std::chrono::milliseconds by) {
  if (!admin_) throw CaseFailure("this case needs the fake's admin API");
  ppio_sandbox::core::HttpRequest request;
  request.method = "POST";
  request.url = admin_->url + "/_mock/clock";
  request.headers = {{"X-Admin-Token", admin_->token}};
  request.content_type = "application/json";
  request.body = nlohmann::json{{"advance_ms", by.count()}}.dump();
  const auto response = ppio_sandbox::core::make_http_transport()->send(request);
  if (response.status != 200) throw CaseFailure("advancing the fake's clock failed: " + response.body);
}

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
    for (auto make : {core_cases, list_cases, lifecycle_cases}) {
      for (auto& c : make()) cases.push_back(std::move(c));
    }
    return cases;
  }();
  return all;
}

}  // namespace ppio_conformance
