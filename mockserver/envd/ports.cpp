#include "mockserver/envd/ports.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ppio_mock::envd {

using nlohmann::json;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A number 0..65535 (E2B parses any unsigned number; past 65535 nothing can listen).
std::optional<int> port_number(std::string_view text) {
  if (!all_digits(text) || text.size() > 5) return std::nullopt;
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 502: return "Bad Gateway";
    default: return "Error";
  }
}

// The proxy's own answer, and the connection closed after it (whatever body
// the request had is not read).
void answer(net::ClientConnection& connection, int status, const std::string& content_type, const std::string& body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nContent-Type: " + content_type +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  connection.write(out.data(), out.size());
}

void answer(net::ClientConnection& connection, const EdgeReply& reply) {
  answer(connection, reply.status, "application/json; charset=utf-8", ppio_sandbox::core::json_fields::wire_text(reply.body));
}

EdgeReply port_closed(const std::string& id, int port) {
  return {502, json{{"sandboxId", id},
                    {"message", "The sandbox is running but port is not open"},
                    {"port", port},
                    {"code", 502}}};
}

std::string header_of(const httplib::Request& req, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto value = req.get_header_value(name); !value.empty()) return value;
  }
  return {};
}

}  // namespace

std::optional<httplib::Request> parse_request_head(std::string_view head) {
  httplib::Request req;
  auto next_line = [&head]() {
    const auto end = head.find("\r\n");
    const auto line = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    return line;
  };
  const auto request_line = next_line();
  const auto first_space = request_line.find(' ');
  const auto last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || last_space == first_space) return std::nullopt;
  req.method = std::string(request_line.substr(0, first_space));
  const auto target = request_line.substr(first_space + 1, last_space - first_space - 1);
  req.target = std::string(target);
  req.path = std::string(target.substr(0, target.find('?')));
  req.version = std::string(request_line.substr(last_space + 1));
  if (!req.version.starts_with("HTTP/")) return std::nullopt;
  while (!head.empty()) {
    const auto line = next_line();
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    req.headers.emplace(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return req;
}

std::optional<PortTarget> port_target(const httplib::Request& req) {
  const std::string host = req.get_header_value("Host");
  const std::string_view label = std::string_view(host).substr(0, host.find_first_of(".:"));
  if (const auto dash = label.find('-'); dash != std::string_view::npos && all_digits(label.substr(0, dash))) {
    const auto port = label.substr(0, dash);
    auto id = label.substr(dash + 1);
    id = id.substr(0, id.find('-'));  // a client suffix is not part of the id
    if (port == std::to_string(kEnvdPort) || id.empty()) return std::nullopt;
    return PortTarget{std::string(id), std::string(port)};
  }
  // The header forms, E2B's and the ones the Novita and PPIO forks send.
  const std::string id = header_of(req, {"E2b-Sandbox-Id", "Novita-Sandbox-Id", "PPIO-Sandbox-Id"});
  const std::string port = header_of(req, {"E2b-Sandbox-Port", "Novita-Sandbox-Port", "PPIO-Sandbox-Port"});
  if (id.empty() || port.empty() || port == std::to_string(kEnvdPort)) return std::nullopt;
  return PortTarget{id, port};
}

std::string mask_host(std::string_view head, const std::string& mask, int port) {
  std::string host = mask;
  for (auto at = host.find("${PORT}"); at != std::string::npos; at = host.find("${PORT}", at)) {
    host.replace(at, 7, std::to_string(port));
  }
  std::string out;
  std::string original;
  bool first = true;
  while (!head.empty()) {
    const auto end = head.find("\r\n");
    const auto line = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (!first && colon != std::string_view::npos) {
      const auto name = trim(line.substr(0, colon));
      if (iequals(name, "Host")) {
        original = std::string(trim(line.substr(colon + 1)));
        continue;
      }
      if (iequals(name, "X-Forwarded-Host")) continue;  // the proxy sets it
    }
    first = false;
    out.append(line).append("\r\n");
  }
  out += "Host: " + host + "\r\n";
  if (!original.empty()) out += "X-Forwarded-Host: " + original + "\r\n";
  return out + "\r\n";
}

bool PortEdge::divert(net::ClientConnection& connection, std::string_view head) {
  const auto req = parse_request_head(head);
  if (!req) return false;
  const auto target = port_target(*req);
  if (!target) return false;
  serve(connection, head, *req, *target);
  return true;
}

void PortEdge::serve(net::ClientConnection& connection, std::string_view head, const httplib::Request& req,
                     const PortTarget& target) {
  const auto port = port_number(target.port);
  if (!port) {
    answer(connection, 400, "text/plain; charset=utf-8", "Invalid sandbox port\n");
    return;
  }
  std::optional<state::SandboxRecord> record;
  try {
    record = edge_.reach(target.sandbox_id);
  } catch (const EdgeReply& refusal) {
    answer(connection, refusal);
    return;
  }
  if (!record) {
    answer(connection, sandbox_not_found(target.sandbox_id));
    return;
  }
  const std::string& id = record->info.sandbox_id;
  if (const auto refusal = traffic_token_refusal(*record, req)) {
    answer(connection, *refusal);
    return;
  }
  // No environment yet (no command has run): nothing can be listening.
  const auto environment = processes_.environment(id);
  int error = 0;
  const int upstream = environment ? environment->connect_port(*port, error) : -1;
  if (upstream < 0) {
    answer(connection, port_closed(id, *port));
    return;
  }
  const auto& network = record->settings.network;
  std::string first = network && network->mask_request_host ? mask_host(head, *network->mask_request_host, *port)
                                                           : std::string(head);
  first += connection.take_buffered().substr(head.size());
  relays_.run(id, connection.socket(), upstream, std::move(first));
  ::close(upstream);
}

void PortEdge::on_sandbox_event(const std::string& sandbox_id, state::SandboxEvent event) {
  if (event == state::SandboxEvent::paused || event == state::SandboxEvent::removed) relays_.cut(sandbox_id);
}

}  // namespace ppio_mock::envd
