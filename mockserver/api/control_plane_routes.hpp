#pragma once
// The control plane's REST routes (contracts/e2b-openapi.yml): one handler per
// endpoint, each a thin translation between HTTP and the registry.
//   control_plane_routes.cpp  sandboxes: create, get, list, kill, lifecycle, logs, metrics, templates
//   snapshot_routes.cpp       snapshots, DELETE /templates/{id}, fork, network
#include <httplib.h>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/state/rate_limiter.hpp"
#include "mockserver/state/registry.hpp"
#include "mockserver/state/tenants.hpp"

namespace ppio_mock::api {

class ControlPlaneRoutes {
 public:
  ControlPlaneRoutes(state::Registry& registry, const state::Tenants& tenants, state::RateLimiter& limiter);
  void mount(Router& router);

 private:
  // The caller's team, once the key is known and the team is within its rate.
  std::string admit(const httplib::Request& req);
  // PPIO's legacy (v1) domain does not serve the modern-only routes: 404 there.
  void refuse_on_legacy(const std::string& feature) const;
  void create_sandbox(const httplib::Request& req, httplib::Response& res);
  void create_sandbox_v2(const httplib::Request& req, httplib::Response& res);
  void get_sandbox(const httplib::Request& req, httplib::Response& res);
  void list_sandboxes_v1(const httplib::Request& req, httplib::Response& res);
  void list_sandboxes_v2(const httplib::Request& req, httplib::Response& res);
  void kill_sandbox(const httplib::Request& req, httplib::Response& res);
  void set_timeout(const httplib::Request& req, httplib::Response& res);
  void refresh(const httplib::Request& req, httplib::Response& res);
  void pause(const httplib::Request& req, httplib::Response& res);
  void resume(const httplib::Request& req, httplib::Response& res);
  void connect(const httplib::Request& req, httplib::Response& res);
  void connect_v2(const httplib::Request& req, httplib::Response& res);
  void logs_v1(const httplib::Request& req, httplib::Response& res);
  void logs_v2(const httplib::Request& req, httplib::Response& res);
  void metrics(const httplib::Request& req, httplib::Response& res);
  void list_templates(const httplib::Request& req, httplib::Response& res);
  void template_by_alias(const httplib::Request& req, httplib::Response& res);
  // snapshot_routes.cpp
  void create_snapshot(const httplib::Request& req, httplib::Response& res);
  void list_snapshots(const httplib::Request& req, httplib::Response& res);
  void delete_template(const httplib::Request& req, httplib::Response& res);
  void fork(const httplib::Request& req, httplib::Response& res);
  void update_network(const httplib::Request& req, httplib::Response& res);

  state::Registry& registry_;
  const state::Tenants& tenants_;
  state::RateLimiter& limiter_;
};

}  // namespace ppio_mock::api
