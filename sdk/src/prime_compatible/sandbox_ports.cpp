// expose / unexpose / list_exposed_ports / list_all_exposed_ports.
//
// PPIO routes every port of a sandbox at https://<port>-<id>.<domain>; there
// is nothing to open or close. What Prime's service would keep (the id, name
// and time of each exposure) is kept in a JSON file inside the sandbox: any
// client, now or later, reads the same list, and it ends with the sandbox, as
// an exposure does. The control plane cannot hold it (PPIO's metadata is
// fixed at create).
#include <algorithm>
#include <cctype>
#include <optional>

#include "error_mapping.hpp"
#include "random_id.hpp"
#include "ppio_sandbox/core/time.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

using detail::mapped;

namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

}  // namespace

ListExposedPortsResponse SandboxClient::read_exposures(const std::string& sandbox_id) {
  std::string text;
  try {
    text = read_file(sandbox_id, kExposedPortsFile).content;
  } catch (const SandboxFileNotFoundError&) {
    return {};  // nothing exposed yet
  }
  try {
    return nlohmann::json::parse(text).get<ListExposedPortsResponse>();
  } catch (const nlohmann::json::exception& e) {
    throw APIError("The exposed-ports record " + std::string(kExposedPortsFile) + " in sandbox " + sandbox_id +
                   " is not valid: " + e.what());
  }
}

void SandboxClient::write_exposures(const std::string& sandbox_id, const ListExposedPortsResponse& exposures) {
  upload_bytes(sandbox_id, kExposedPortsFile, nlohmann::json(exposures).dump(), "exposed_ports.json");
}

ExposedPort SandboxClient::expose(const std::string& sandbox_id, int port, const std::optional<std::string>& name,
                                  const std::string& protocol) {
  if (port < 1 || port > 65535) throw std::invalid_argument("port must be between 1 and 65535");
  const std::string proto = upper(protocol);
  if (proto == "TCP") {
    throw APIError("TCP port exposure is not supported on PPIO: its edge routes HTTP and WebSocket only, at "
                   "https://<port>-<sandbox id>.<domain>");
  }
  if (proto != "HTTP") throw std::invalid_argument("protocol must be HTTP or TCP");

  std::lock_guard lock(ports_mutex_);
  auto exposures = read_exposures(sandbox_id);
  for (const auto& existing : exposures.exposures) {
    if (existing.port == port) return existing;
  }
  const auto target = envd_target(sandbox_id, false, std::nullopt);
  const std::string host =
      mapping::port_host(port, sandbox_id, target.domain.value_or(client_.control_plane().config().domain));
  ExposedPort exposed;
  exposed.exposure_id = "exp-" + detail::random_hex(16);
  exposed.sandbox_id = sandbox_id;
  exposed.port = port;
  exposed.name = name;
  exposed.url = "https://" + host;
  exposed.tls_socket = host + ":443";
  exposed.protocol = proto;
  exposed.created_at = core::format_rfc3339(client_.control_plane().clock().wall_now());
  exposures.exposures.push_back(exposed);
  write_exposures(sandbox_id, exposures);
  return exposed;
}

void SandboxClient::unexpose(const std::string& sandbox_id, const std::string& exposure_id) {
  std::lock_guard lock(ports_mutex_);
  auto exposures = read_exposures(sandbox_id);
  auto& list = exposures.exposures;
  const auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.exposure_id == exposure_id; });
  if (it == list.end()) {
    throw APIError("Exposure " + exposure_id + " not found for sandbox " + sandbox_id, 404);
  }
  list.erase(it);
  write_exposures(sandbox_id, exposures);
}

ListExposedPortsResponse SandboxClient::list_exposed_ports(const std::string& sandbox_id) {
  std::lock_guard lock(ports_mutex_);
  return read_exposures(sandbox_id);
}

ListExposedPortsResponse SandboxClient::list_all_exposed_ports() {
  const auto sandboxes = mapped("Failed to list exposed ports", [&] {
    core::ListQuery query;
    query.metadata = mapping::label_filter(client_.team_id(), {});
    query.states = {core::SandboxState::running};
    query.limit = 100;
    return client_.control_plane().list_all_sandboxes(query);
  });
  std::vector<std::optional<ListExposedPortsResponse>> found(sandboxes.size());
  run_parallel(sandboxes.size(), [&](std::size_t i) {
    try {
      found[i] = read_exposures(sandboxes[i].sandbox_id);
    } catch (const SandboxNotRunningError&) {
      // Ended or paused since the list: it exposes nothing now.
    }
  });
  ListExposedPortsResponse out;
  for (auto& one : found) {
    if (!one) continue;
    for (auto& e : one->exposures) out.exposures.push_back(std::move(e));
  }
  return out;
}

}  // namespace ppio_sandbox::prime_compatible
