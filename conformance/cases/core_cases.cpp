// Profile `core`: create, get, list and delete keep Prime's semantics.
#include <algorithm>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

bool has_label(const prime::Sandbox& s, const std::string& label) {
  return std::find(s.labels.begin(), s.labels.end(), label) != s.labels.end();
}

void create_echoes_request(CaseContext& ctx) {
  auto request = ctx.request("echo");
  request.labels.push_back("experiment");
  request.cpu_cores = 2;
  request.memory_gb = 4;
  const auto s = ctx.create(request);
  check(!s.id.empty(), "the sandbox has an id");
  check(s.name == request.name, "name is '" + s.name + "', expected '" + request.name + "'");
  check(s.docker_image == request.docker_image, "docker_image is '" + s.docker_image + "'");
  check(has_label(s, "experiment") && has_label(s, ctx.run_label()), "both labels come back");
  check(s.cpu_cores == 2 && s.memory_gb == 4, "cpu_cores and memory_gb come back as requested");
  check(s.timeout_minutes == 10, "timeout_minutes is " + std::to_string(s.timeout_minutes) + ", expected 10");
  check(s.status == "RUNNING", "status is " + s.status + ", expected RUNNING");
}

void get_returns_created(CaseContext& ctx) {
  const auto created = ctx.create(ctx.request("get"));
  const auto got = ctx.client().get(created.id);
  check(got.id == created.id, "get returns the same id");
  check(got.name == created.name && got.docker_image == created.docker_image, "get returns the same name and image");
}

void get_unknown_raises(CaseContext& ctx) {
  expect_throws<prime::APIError>([&] { ctx.client().get("nonexistent-sandbox-id-xyz"); },
                                 "get of an unknown id raises APIError");
}

void delete_unknown_reports_failure(CaseContext& ctx) {
  const auto result = ctx.client().delete_("nonexistentsandboxidxyz");
  check(!result.success, "delete of an unknown id returns success=false");
}

void delete_existing(CaseContext& ctx) {
  const auto created = ctx.create(ctx.request("delete"));
  const auto result = ctx.client().delete_(created.id);
  check(result.success, "delete of a live sandbox returns success=true");
  expect_throws<prime::APIError>([&] { ctx.client().get(created.id); }, "get after delete raises APIError");
}

void list_contains_created(CaseContext& ctx) {
  const auto created = ctx.create(ctx.request("list"));
  const auto page = ctx.client().list({.labels = {ctx.run_label()}, .per_page = 100});
  const bool found = std::any_of(page.sandboxes.begin(), page.sandboxes.end(),
                                 [&](const prime::Sandbox& s) { return s.id == created.id; });
  check(found, "list filtered by the run label contains the new sandbox");
  check(page.page == 1 && page.per_page == 100, "list echoes page and per_page");
}

void bad_key_unauthorized(CaseContext& ctx) {
  auto options = ctx.options();
  options.api_key = "sk_wrong_key_for_conformance";
  prime::SandboxClient wrong(prime::APIClient{options});
  expect_throws<prime::UnauthorizedError>([&] { wrong.list(); }, "a wrong API key raises UnauthorizedError");
}

}  // namespace

std::vector<Case> core_cases() {
  return {
      {"core.create.echoes_request", "core",
       "create returns a RUNNING sandbox with the requested name, docker_image, labels, resources and timeout.",
       create_echoes_request},
      {"core.get.returns_created", "core", "get returns the sandbox that create made, with the same id and name.",
       get_returns_created},
      {"core.get.unknown_id_raises", "core", "get of an unknown id raises APIError.", get_unknown_raises},
      {"core.delete.unknown_id_returns_false", "core",
       "delete of an unknown id returns success=false and does not raise.", delete_unknown_reports_failure},
      {"core.delete.existing", "core", "delete of a live sandbox succeeds, and a later get raises APIError.",
       delete_existing},
      {"core.list.contains_created", "core", "list filtered by a label contains a sandbox just created with it.",
       list_contains_created},
      {"core.auth.wrong_key_unauthorized", "core", "a wrong API key raises UnauthorizedError, a subclass of APIError.",
       bad_key_unauthorized},
  };
}

}  // namespace ppio_conformance
