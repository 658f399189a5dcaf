#pragma once
// /_mock/faults: add, list and remove fault rules at runtime, load a scenario,
// and reseed the generator. Behind the admin token, like the rest of /_mock/.
#include <string>

#include <httplib.h>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/faults/engine.hpp"

namespace ppio_mock::admin {

class FaultRoutes {
 public:
  FaultRoutes(faults::FaultEngine& engine, std::string token, std::string scenario_dir);
  void mount(api::Router& router);

 private:
  void list(const httplib::Request& req, httplib::Response& res);
  void add(const httplib::Request& req, httplib::Response& res);
  void remove(const httplib::Request& req, httplib::Response& res);
  void clear(const httplib::Request& req, httplib::Response& res);
  void reseed(const httplib::Request& req, httplib::Response& res);

  faults::FaultEngine& engine_;
  std::string token_;
  std::string scenario_dir_;  // where {"scenario": "<name>"} is looked up
};

}  // namespace ppio_mock::admin
