#pragma once
// The edge for sandbox ports: a request for Host <port>-<id>[-<clientID>].<domain>
// (any port but envd's 49983), or carrying E2b-Sandbox-Id with an
// E2b-Sandbox-Port other than 49983, reaches that port on the sandbox's own
// loopback, as E2B's proxy routes it. The fake relays raw bytes after the
// request head (its Host masked as the sandbox's network.maskRequestHost
// says), so streamed bodies both ways and WebSocket upgrades pass unchanged;
// the connection stays with that port until either side closes it.
//
// Refusals are the proxy's: 502 sandbox not found (unknown or killed), 409
// paused (without autoResume; with it, the sandbox is resumed first), 403
// without the traffic access token (network.allowPublicTraffic false), 502
// port not open, 400 for a port that is not a number.
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "mockserver/envd/edge.hpp"
#include "mockserver/exec/process_table.hpp"
#include "mockserver/net/edge_server.hpp"
#include "mockserver/net/relay.hpp"
#include "mockserver/state/registry.hpp"

namespace ppio_mock::envd {

inline constexpr int kEnvdPort = 49983;

// A request head's method, target and headers; nullopt when it is not one.
std::optional<httplib::Request> parse_request_head(std::string_view head);

// Which sandbox port a request is for.
struct PortTarget {
  std::string sandbox_id;
  std::string port;  // as the request spelled it (the header form may not be a number)
};
// From the Host (E2B's parse: the first label, "<port>-<id>[-...]"), else from
// the routing headers; nullopt for envd traffic and for everything else.
std::optional<PortTarget> port_target(const httplib::Request& req);

// The head with its Host replaced by `mask` (${PORT} standing for the port)
// and the original kept in X-Forwarded-Host, as E2B's proxy masks it.
std::string mask_host(std::string_view head, const std::string& mask, int port);

class PortEdge {
 public:
  PortEdge(state::Registry& registry, SandboxDirs& dirs, exec::ProcessTable& processes)
      : edge_(registry, dirs), processes_(processes) {}

  // net::EdgeServer's divert: true when the head was for a sandbox port (then
  // it was answered or relayed here, and the connection is done).
  bool divert(net::ClientConnection& connection, std::string_view head);
  // A paused or removed sandbox's relays are cut, as its connections drop on PPIO.
  void on_sandbox_event(const std::string& sandbox_id, state::SandboxEvent event);
  // Cuts every relay (the server is stopping); start() lets new ones run again.
  void stop() { relays_.cut_all(); }
  void start() { relays_.reopen(); }
  std::size_t open_relays() const { return relays_.running(); }

 private:
  void serve(net::ClientConnection& connection, std::string_view head, const httplib::Request& req,
             const PortTarget& target);

  Edge edge_;
  exec::ProcessTable& processes_;
  net::RelaySet relays_;
};

}  // namespace ppio_mock::envd
