// The JSON request bodies of the control plane's routes (and of the admin API's
// clock and faults), sent to the embedded fake. The first byte picks the route,
// the rest is the body. Routes that end the sandbox (kill, pause) are left
// out so that the others keep one to act on; when it is gone all the same
// (a short timeout), a new one is made.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fake_under_test.hpp"

namespace {

struct Route {
  const char* method;
  const char* path;  // "{id}" is the sandbox's id
};

const std::vector<Route> kRoutes = {
    {"POST", "/sandboxes"},
    {"POST", "/v2/sandboxes"},
    {"POST", "/sandboxes/{id}/timeout"},
    {"POST", "/sandboxes/{id}/refreshes"},
    {"POST", "/sandboxes/{id}/resume"},
    {"POST", "/sandboxes/{id}/connect"},
    {"POST", "/v2/sandboxes/{id}/connect"},
    {"POST", "/sandboxes/{id}/snapshots"},
    {"POST", "/sandboxes/{id}/fork"},
    {"PUT", "/sandboxes/{id}/network"},
    {"POST", "/_mock/faults"},
    {"POST", "/_mock/faults/seed"},
    {"POST", "/_mock/clock"},
};

std::string path_for(const Route& route, const std::string& id) {
  std::string path = route.path;
  if (const auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto& fake = ppio_fuzz::fake();
  const Route& route = kRoutes[data[0] % kRoutes.size()];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool per_sandbox = std::string(route.path).find("{id}") != std::string::npos;
  const std::string path = path_for(route, per_sandbox ? fake.sandbox() : "");
  httplib::Headers headers = fake.api_headers();
  headers.emplace("X-Admin-Token", ppio_mock::kDefaultAdminToken);
  auto& client = fake.client();
  auto res = std::string(route.method) == "PUT" ? client.Put(path, headers, body, "application/json")
                                                : client.Post(path, headers, body, "application/json");
  // Faults set here would fire on the next requests, the oracle's own included:
  // the admin API's own routes are exempt, the rest not.
  if (res && std::string(route.path) == "/_mock/faults") client.Delete("/_mock/faults", headers);
  fake.check(res, std::string(route.method) + " " + path);
  if (per_sandbox && (res->status == 404 || res->status == 409)) fake.forget_sandbox();
  return 0;
}
