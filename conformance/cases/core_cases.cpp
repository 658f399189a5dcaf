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

void create_keeps_labels_env_and_team(CaseContext& ctx) {
  auto request = ctx.request("metadata");
  request.labels.push_back("metadata");
  request.environment_vars = prime::EnvVars{{"TEST_VAR", "test_value"}};
  request.team_id = "test-team";
  const auto s = ctx.create(request);
  check(has_label(s, "metadata") && has_label(s, ctx.run_label()), "both labels come back");
  const auto got = ctx.client().get(s.id);
  check(got.environment_vars && got.environment_vars->at("TEST_VAR") == "test_value",
        "get shows the environment variables given at create");
  check(got.team_id == "test-team", "get shows the team_id given at create");
}

void create_unknown_template_raises(CaseContext& ctx) {
  // docker_image alone falls back to `base` on PPIO (README, mapping rules), so
  // the unknown template is named explicitly, as Prime's image would be.
  expect_throws<prime::APIError>(
      [&] {
        const auto s = ctx.client().create(ctx.request("bad-template"), {.template_id = "nonexistent-template-xyz"});
        ctx.track(s.id);
      },
      "create with an unknown template raises APIError");
}

void list_shape(CaseContext& ctx) {
  const auto page = ctx.client().list({.page = 1, .per_page = 10});
  check(page.page == 1 && page.per_page == 10, "page and per_page are echoed");
  check(static_cast<int>(page.sandboxes.size()) <= 10, "no more than per_page sandboxes");
  check(page.total >= static_cast<int>(page.sandboxes.size()), "total counts at least this page");
}

void list_page_beyond_end(CaseContext& ctx) {
  ctx.create(ctx.request("far-page"));
  const auto page = ctx.client().list({.labels = {ctx.run_label()}, .page = 1000, .per_page = 5});
  check(page.page == 1000 && page.per_page == 5, "page 1000 is echoed");
  check(page.sandboxes.empty() && !page.has_next, "a page past the end is empty, with has_next false");
}

void logs_are_text(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("logs"));
  const auto logs = ctx.client().get_logs(s.id);
  check(!logs.empty(), "get_logs returns the sandbox's log lines");
  expect_throws<prime::APIError>([&] { ctx.client().get_logs("nonexistentsandboxidxyz"); },
                                 "get_logs of an unknown id raises APIError");
}

void not_found_is_api_error_404(CaseContext& ctx) {
  try {
    ctx.client().get("nonexistentsandboxidxyz");
  } catch (const prime::UnauthorizedError&) {
    throw CaseFailure("a 404 must not look like a 401");
  } catch (const prime::APIError& e) {
    check(e.status() == 404, "the APIError carries status 404");
    return;
  }
  throw CaseFailure("get of an unknown id raised nothing");
}

void teams_are_isolated(CaseContext& ctx) {
  const auto mine = ctx.create(ctx.request("team-a"));
  auto other = ctx.other_team_client();
  expect_throws<prime::APIError>([&] { other.get(mine.id); }, "another team's get answers as for an unknown id");
  check(!other.delete_(mine.id).success, "another team cannot delete it");
  const auto page = other.list({.labels = {ctx.run_label()}, .per_page = 100});
  check(page.sandboxes.empty(), "another team does not list it");
  check(ctx.client().get(mine.id).status == "RUNNING", "and the owner still has it running");
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
      {"core.create.labels_env_team_kept", "core",
       "create keeps labels, environment_vars and team_id, and get returns them.", create_keeps_labels_env_and_team},
      {"core.create.unknown_template_raises", "core", "create with a template that does not exist raises APIError.",
       create_unknown_template_raises},
      {"core.list.shape", "core", "list(page=1, per_page=10) echoes page and per_page and returns at most 10.",
       list_shape},
      {"core.list.page_beyond_end_empty", "core",
       "a page far past the end is empty with has_next false, and does not raise.", list_page_beyond_end},
      {"core.logs.returns_text", "core", "get_logs returns the sandbox's logs as text; an unknown id raises APIError.",
       logs_are_text},
      {"core.errors.not_found_is_api_error", "core", "a 404 surfaces as APIError with status 404, not a 401 type.",
       not_found_is_api_error_404},
      {"core.teams.isolated", "core",
       "another team cannot get, list or delete a sandbox: it answers exactly as for an unknown id.",
       teams_are_isolated, /*needs_fake_admin=*/true},
  };
}

}  // namespace ppio_conformance
