#include <chrono>

#include "mockserver/envd/api/http_api.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

void HttpApi::health(const httplib::Request& req, httplib::Response& res) const {
  if (!routed_sandbox_id(req)) {
    // Not envd traffic: the control plane's own health answer.
    res.status = 200;
    res.set_content("Health check successful", "text/plain");
    return;
  }
  try {
    edge_.admit(req, /*token_required=*/false);
    res.status = 204;
  } catch (const EdgeReply& e) {
    send_json(res, e.status, e.body);
  }
}

void HttpApi::envs(Call& call, const httplib::Request&, httplib::Response& res) const {
  send_json(res, 200, json(call.record.env_vars));
}

void HttpApi::metrics(Call& call, const httplib::Request&, httplib::Response& res) const {
  const auto mem_mib = static_cast<std::int64_t>(call.record.info.memory_mb);
  send_json(res, 200,
            json{{"ts", std::chrono::duration_cast<std::chrono::seconds>(registry_.now().time_since_epoch()).count()},
                 {"cpu_count", call.record.info.cpu_count},
                 {"cpu_used_pct", 0.0},
                 {"mem_total", mem_mib << 20},
                 {"mem_used", 0},
                 {"mem_cache", 0},
                 {"mem_total_mib", mem_mib},
                 {"mem_used_mib", 0},
                 {"disk_used", 0},
                 {"disk_total", static_cast<std::int64_t>(call.record.info.disk_size_mb) << 20}});
}

}  // namespace ppio_mock::envd
