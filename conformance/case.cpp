#include "conformance/case.hpp"

#include <atomic>

namespace ppio_conformance {

CaseContext::CaseContext(prime::ClientOptions options, std::string run_label, std::optional<FakeAdmin> admin)
    : options_(options),
      run_label_(std::move(run_label)),
      client_(prime::APIClient(std::move(options))),
      admin_(std::move(admin)) {}

ppio_sandbox::core::HttpResponse CaseContext::admin_call(const std::string& method, const std::string& path,
                                                         const std::string& body) const {
  if (!admin_) throw CaseFailure("this case needs the fake's admin API");
  ppio_sandbox::core::HttpRequest request;
  request.method = method;
  request.url = admin_->url + path;
  request.headers = {{"X-Admin-Token", admin_->token}};
  if (!body.empty()) request.content_type = "application/json";
  request.body = body;
  // The same trust and resolver settings as the client: the fake may be on HTTPS.
  ppio_sandbox::core::TransportOptions transport;
  transport.ca_file = options_.ca_file;
  transport.verify_tls = options_.verify_tls;
  transport.host_overrides = options_.host_overrides;
  return ppio_sandbox::core::make_http_transport(transport)->send(request);
}

ppio_sandbox::core::Timestamp CaseContext::advance_fake_clock(std::chrono::milliseconds by) {
  const auto response = admin_call("POST", "/_mock/clock", nlohmann::json{{"advance_ms", by.count()}}.dump());
  if (response.status != 200) throw CaseFailure("advancing the fake's clock failed: " + response.body);
  return ppio_sandbox::core::parse_rfc3339(nlohmann::json::parse(response.body).at("now").get<std::string>());
}

std::string CaseContext::add_fault(const nlohmann::json& rule) {
  const auto response = admin_call("POST", "/_mock/faults", rule.dump());
  if (response.status != 201) throw CaseFailure("adding a fault failed: " + response.body);
  const std::string id = nlohmann::json::parse(response.body).at("ids").at(0).get<std::string>();
  faults_.push_back(id);
  return id;
}

long CaseContext::fault_fired(const std::string& rule_id) const {
  const auto response = admin_call("GET", "/_mock/faults");
  if (response.status != 200) throw CaseFailure("listing the fake's faults failed: " + response.body);
  for (const auto& rule : nlohmann::json::parse(response.body)) {
    if (rule.at("id") == rule_id) return rule.at("fired").get<long>();
  }
  throw CaseFailure("fault rule " + rule_id + " is not on the fake");
}

prime::SandboxClient CaseContext::other_team_client() const {
  if (!admin_ || admin_->other_team_api_key.empty()) throw CaseFailure("this case needs a second team on the fake");
  auto options = options_;
  options.api_key = admin_->other_team_api_key;
  return prime::SandboxClient(prime::APIClient(std::move(options)));
}

prime::Sandbox CaseContext::running(const std::string& name_hint) {
  auto sandbox = create(request(name_hint));
  client_.wait_for_creation(sandbox.id, 30);
  return sandbox;
}

CaseContext::~CaseContext() {
  for (const auto& id : faults_) {
    try {
      admin_call("DELETE", "/_mock/faults/" + id);
    } catch (...) {
      // The runner resets the fake's faults between runs anyway.
    }
  }
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
    for (auto make : {core_cases, model_cases, list_cases, bulk_cases, lifecycle_cases, command_cases, process_cases,
                      file_cases, async_cases, network_cases, fault_cases}) {
      for (auto& c : make()) cases.push_back(std::move(c));
    }
    return cases;
  }();
  return all;
}

}  // namespace ppio_conformance
