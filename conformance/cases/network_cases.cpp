// Profiles `egress` and `ports`: Prime's egress policy on PPIO's network
// config, and exposed ports on PPIO's per-port hosts.
#include <algorithm>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

using List = std::vector<std::string>;

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void egress_validation(CaseContext&) {
  expect_throws<std::invalid_argument>([] { prime::validate_egress_lists(List{"a.com"}, List{"1.1.1.1"}); },
                                       "both lists at once");
  expect_throws<std::invalid_argument>([] { prime::validate_egress_lists(List(257, "a.com"), std::nullopt); },
                                       "257 entries");
  for (const char* bad : {"*", "https://a.com", "a.com:443", "a.com?q", "u@a.com", "a.*.com", "::1", "fd00::/8", ""}) {
    const auto message = expect_throws<std::invalid_argument>(
        [&] { prime::validate_egress_lists(List{bad}, std::nullopt); }, std::string("entry '") + bad + "'");
    check(mentions(message, "network_allowlist: "), "the message names the list: " + message);
  }
  prime::validate_egress_lists(List{"8.8.8.8", "10.0.0.0/8", "pypi.org", "*.github.com"}, std::nullopt);
  prime::validate_egress_lists(List{}, std::nullopt);
  auto container = prime::CreateSandboxRequest{.name = "n", .docker_image = "d", .vm = false};
  container.network_denylist = List{"1.1.1.1"};
  const auto message = expect_throws<std::invalid_argument>([&] { container.validate(); }, "lists with vm=False");
  check(mentions(message, "only supported for VM sandboxes"), "vm=False message: " + message);
}

void set_network_arguments(CaseContext& ctx) {
  auto& client = ctx.client();
  const std::string id = "unused-sandbox-id";  // nothing is sent, so no sandbox is needed
  check(expect_throws<std::invalid_argument>([&] { client.set_network(id, {}); }, "neither list") ==
            "exactly one of allow or deny must be provided",
        "neither list: Prime's message");
  check(expect_throws<std::invalid_argument>(
            [&] { client.set_network(id, {.allow = List{"a.com"}, .deny = List{"1.1.1.1"}}); }, "both lists") ==
            "exactly one of allow or deny must be provided",
        "both lists: Prime's message");
  check(expect_throws<std::invalid_argument>([&] { client.set_network(id, {.allow = List{}}); }, "an empty list") ==
            "allow or deny must contain at least one destination",
        "empty list: Prime's message");
  check(expect_throws<std::invalid_argument>([&] { client.set_network(id, {.deny = List{"*", "1.1.1.1"}}); },
                                             "'*' with others") == "'*' must be the only destination",
        "'*' with others: Prime's message");
}

// The legacy domain refuses policies; returns true when this target is one.
bool refused_as_legacy(const std::function<void()>& fn, const std::string& what) {
  try {
    fn();
    return false;
  } catch (const prime::APIError& e) {
    if (mentions(e.what(), "legacy")) return true;
    throw CaseFailure(what + ": " + e.what());
  }
}

void create_round_trip(CaseContext& ctx) {
  auto request = ctx.request("egress");
  request.network_allowlist = List{"pypi.org", "*.github.com", "8.8.8.8"};
  prime::Sandbox created;
  if (refused_as_legacy([&] { created = ctx.create(request); }, "create with an allowlist")) {
    const auto page = ctx.client().list({.labels = {ctx.run_label()}, .per_page = 100});
    check(std::none_of(page.sandboxes.begin(), page.sandboxes.end(),
                       [&](const prime::Sandbox& s) { return s.name == request.name; }),
          "a refused create leaves no sandbox");
    return;
  }
  check(created.network_allowlist == request.network_allowlist, "create returns the allowlist");
  check(!created.network_denylist, "and no denylist");
  const auto status = ctx.client().get_network(created.id);
  check(status.policy.allowlist == request.network_allowlist && !status.policy.denylist,
        "get_network returns the same policy");
  check(status.applied, "the policy is applied");
}

void set_network_modes(CaseContext& ctx) {
  const auto id = ctx.create(ctx.request("egress-set")).id;
  auto& client = ctx.client();
  if (refused_as_legacy([&] { client.set_network(id, {.deny = List{"1.2.3.4"}}); }, "set_network")) return;
  check(client.get_network(id).policy == prime::SandboxEgressPolicy{std::nullopt, List{"1.2.3.4"}}, "deny reads back");
  check(client.set_network(id, {.allow = List{"example.com"}}).policy ==
            prime::SandboxEgressPolicy{List{"example.com"}, std::nullopt},
        "allow replaces it");
  check(client.set_network(id, {.allow = List{"*"}}).policy == prime::SandboxEgressPolicy{std::nullopt, List{}},
        "allow ['*'] is {allowlist: null, denylist: []}");
  check(client.set_network(id, {.deny = List{"*"}}).policy == prime::SandboxEgressPolicy{List{}, std::nullopt},
        "deny ['*'] is {allowlist: [], denylist: null}");
  check(client.get_network(id).policy == prime::SandboxEgressPolicy{List{}, std::nullopt}, "the last one holds");
}

void expose_url_and_listing(CaseContext& ctx) {
  const auto id = ctx.create(ctx.request("ports")).id;
  const auto exposed = ctx.client().expose(id, 8080, "web");
  const std::string prefix = "https://8080-" + id + ".";
  check(exposed.url.rfind(prefix, 0) == 0 && exposed.url.size() > prefix.size(),
        "url is https://8080-<id>.<domain>, got " + exposed.url);
  check(exposed.tls_socket == exposed.url.substr(8) + ":443", "tls_socket is the host on 443: " + exposed.tls_socket);
  check(exposed.port == 8080 && exposed.name == "web" && exposed.sandbox_id == id && exposed.protocol == "HTTP",
        "the exposure echoes port, name, sandbox and protocol");
  prime::SandboxClient other{prime::APIClient(ctx.options())};
  check(other.list_exposed_ports(id).exposures == std::vector<prime::ExposedPort>{exposed},
        "a new client lists the exposure");
  other.unexpose(id, exposed.exposure_id);
  check(ctx.client().list_exposed_ports(id).exposures.empty(), "unexpose removes it");
  expect_throws<prime::APIError>([&] { ctx.client().unexpose(id, exposed.exposure_id); }, "unexpose of a gone id");
}

void list_all_exposed(CaseContext& ctx) {
  const auto a = ctx.create(ctx.request("ports-a")).id;
  const auto b = ctx.create(ctx.request("ports-b")).id;
  const auto ea = ctx.client().expose(a, 8000);
  const auto eb = ctx.client().expose(b, 9000);
  const auto all = ctx.client().list_all_exposed_ports().exposures;
  for (const auto& e : {ea, eb}) {
    check(std::find(all.begin(), all.end(), e) != all.end(), "list_all_exposed_ports has " + e.url);
  }
}

void expose_checks(CaseContext& ctx) {
  for (int port : {0, 65536}) {
    expect_throws<std::invalid_argument>([&] { ctx.client().expose("unused-sandbox-id", port); },
                                         "port " + std::to_string(port));
  }
  const auto message = expect_throws<prime::APIError>(
      [&] { ctx.client().expose("unused-sandbox-id", 8080, std::nullopt, "TCP"); }, "TCP");
  check(mentions(message, "TCP port exposure is not supported on PPIO"), "TCP message: " + message);
}

}  // namespace

std::vector<Case> network_cases() {
  return {
      {"egress.validate.prime_rules", "egress",
       "validate_egress_lists and create refuse what Prime refuses: both lists, over 256 entries, IPv6, schemes, "
       "ports, queries, credentials, misplaced wildcards, and lists with vm=False.",
       egress_validation},
      {"egress.set_network.arguments", "egress",
       "set_network needs exactly one non-empty list with '*' only alone, and raises Prime's ValueError before any "
       "request.",
       set_network_arguments},
      {"egress.create.round_trip", "egress",
       "an allowlist given on create reads back from create and get_network; the legacy domain refuses it with an "
       "APIError naming it.",
       create_round_trip},
      {"egress.set_network.modes", "egress",
       "set_network's allow, deny, allow ['*'] and deny ['*'] each replace the whole policy and read back as Prime's "
       "payloads; the legacy domain refuses with an APIError naming it.",
       set_network_modes},
      {"ports.expose.url_and_listing", "ports",
       "expose returns an ExposedPort whose url is https://<port>-<id>.<domain>, which a new client lists until "
       "unexpose removes it.",
       expose_url_and_listing},
      {"ports.list_all.every_sandbox", "ports",
       "list_all_exposed_ports returns the exposures of every running sandbox of the client's team.",
       list_all_exposed},
      {"ports.expose.checks", "ports",
       "expose refuses a port outside 1-65535 and any protocol but HTTP (TCP: APIError, PPIO has no raw TCP ingress).",
       expose_checks},
  };
}

}  // namespace ppio_conformance
