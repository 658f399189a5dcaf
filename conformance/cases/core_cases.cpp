// Profile `core`: create, get, list and delete keep Prime's semantics.
#include <algorithm>

#include "conformance/case.hpp"
#include "ppio_sandbox/core/errors.hpp"

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

void batch_statuses(CaseContext& ctx) {
  const auto running = ctx.create(ctx.request("status-a"));
  const auto deleted = ctx.create(ctx.request("status-b"));
  check(ctx.client().delete_(deleted.id).success, "the second sandbox is deleted");
  const auto r = ctx.client().get_sandbox_statuses({running.id, "nonexistent-sandbox-id", deleted.id});
  check(r.statuses.size() == 1 && r.statuses[0].sandbox_id == running.id &&
            r.statuses[0].status == prime::SandboxStatus::RUNNING,
        "the live sandbox has a RUNNING snapshot");
  check(r.errors.size() == 2 && r.errors[0].sandbox_id == "nonexistent-sandbox-id" && r.errors[0].code == "NOT_FOUND" &&
            r.errors[1].sandbox_id == deleted.id,
        "an unknown id and a deleted one are per-id NOT_FOUND errors, in input order");
  const auto empty = expect_throws<std::invalid_argument>([&] { ctx.client().get_sandbox_statuses({}); },
                                                          "an empty id list is refused");
  check(empty == "sandbox_ids must contain between 1 and 100 entries", "with Prime's message: " + empty);
  const auto twice = expect_throws<std::invalid_argument>(
      [&] { ctx.client().get_sandbox_statuses({running.id, running.id}); }, "a repeated id is refused");
  check(twice == "sandbox_ids must be unique", "with Prime's message: " + twice);
}

void is_vm_and_auth_cache(CaseContext& ctx) {
  const auto vm = ctx.create(ctx.request("vm"));
  check(ctx.client().is_vm(vm.id), "a sandbox created without vm is a VM, Prime's platform default");
  auto container = ctx.request("container");
  container.vm = false;
  check(!ctx.client().is_vm(ctx.create(container).id), "one created with vm=False reports false");
  ctx.client().clear_auth_cache();
  check(ctx.client().get(vm.id).id == vm.id && ctx.client().is_vm(vm.id), "after clear_auth_cache the client still works");
}

void client_team_scopes(CaseContext& ctx) {
  auto options_a = ctx.options();
  options_a.team_id = ctx.run_label() + "-team-a";
  auto options_b = ctx.options();
  options_b.team_id = ctx.run_label() + "-team-b";
  prime::SandboxClient team_a{prime::APIClient(options_a)};
  prime::SandboxClient team_b{prime::APIClient(options_b)};
  auto request = ctx.request("team-scoped");
  const auto a = team_a.create(request);
  ctx.track(a.id);
  const auto b = team_b.create(request);
  ctx.track(b.id);
  check(a.team_id == options_a.team_id, "create tags the client's team when the request has none");
  const auto listed = team_a.list({.labels = {ctx.run_label()}, .per_page = 100});
  check(listed.sandboxes.size() == 1 && listed.sandboxes[0].id == a.id, "list shows only the client's team");
  const auto deleted = team_a.bulk_delete({.labels = std::vector<std::string>{ctx.run_label()}});
  check(deleted.succeeded == std::vector<std::string>{a.id}, "bulk_delete by labels stays inside the team");
  check(team_b.get(b.id).id == b.id, "the other team's sandbox with the same label is untouched");
}

void errors_keep_their_cause(CaseContext& ctx) {
  try {
    ctx.client().get("nonexistent-sandbox-id");
  } catch (const prime::APIError& e) {
    const auto cause = prime::cause_of(e);
    check(cause != nullptr, "the APIError carries a cause");
    try {
      std::rethrow_exception(cause);
    } catch (const ppio_sandbox::core::ApiException& api) {
      check(api.status() == 404, "the cause is the service's own 404 answer");
    } catch (const std::exception& other) {
      throw CaseFailure(std::string("the cause is something else: ") + other.what());
    }
    return;
  }
  throw CaseFailure("get of an unknown id did not raise");
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
      {"core.statuses.batch", "core",
       "get_sandbox_statuses gives snapshots for live ids and NOT_FOUND errors for the rest, for 1-100 unique ids.",
       batch_statuses},
      {"core.helpers.is_vm_and_auth_cache", "core",
       "is_vm is true unless vm=False was asked, and clear_auth_cache leaves the client working.",
       is_vm_and_auth_cache},
      {"core.teams.client_team_scopes", "core",
       "a client's team (ClientOptions, PRIME_TEAM_ID or the config file) tags create and scopes list and bulk delete.",
       client_team_scopes},
      {"core.errors.cause_kept", "core", "an APIError keeps the service's answer it came from as its cause.",
       errors_keep_their_cause},
  };
}

}  // namespace ppio_conformance
