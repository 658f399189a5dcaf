#pragma once
// The fake's own control API under /_mock/: reset, the virtual clock, a state
// dump and the request journal. It has its own token (X-Admin-Token); the
// data-plane API keys cannot reach it.
#include <functional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/admin/journal.hpp"
#include "mockserver/api/http_edge.hpp"
#include "mockserver/state/clock.hpp"
#include "mockserver/state/registry.hpp"

namespace ppio_mock::admin {

class AdminRoutes {
 public:
  AdminRoutes(state::Registry& registry, state::VirtualClock& clock, Journal& journal, std::string token);
  void mount(api::Router& router);
  // What the server itself reports under "server" in /_mock/state (its HTTP workers, say).
  void report_server(std::function<nlohmann::json()> facts) { server_facts_ = std::move(facts); }

 private:
  void check_token(const httplib::Request& req) const;
  void reset(const httplib::Request& req, httplib::Response& res);
  void get_clock(const httplib::Request& req, httplib::Response& res);
  void set_clock(const httplib::Request& req, httplib::Response& res);
  void dump_state(const httplib::Request& req, httplib::Response& res);
  void get_journal(const httplib::Request& req, httplib::Response& res);
  void clear_journal(const httplib::Request& req, httplib::Response& res);

  state::Registry& registry_;
  state::VirtualClock& clock_;
  Journal& journal_;
  std::string token_;
  std::function<nlohmann::json()> server_facts_;
};

}  // namespace ppio_mock::admin
