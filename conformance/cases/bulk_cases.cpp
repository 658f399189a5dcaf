// Profile `bulk`: bulk_delete and bulk_wait_for_creation.
#include <algorithm>
#include <set>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

std::set<std::string> as_set(const std::vector<std::string>& ids) { return {ids.begin(), ids.end()}; }

void by_ids(CaseContext& ctx) {
  const auto a = ctx.create(ctx.request("bulk-a"));
  const auto b = ctx.create(ctx.request("bulk-b"));
  const auto c = ctx.create(ctx.request("bulk-c"));
  const auto result = ctx.client().bulk_delete({.sandbox_ids = std::vector<std::string>{a.id, b.id, c.id}});
  check(as_set(result.succeeded) == std::set<std::string>{a.id, b.id, c.id}, "succeeded lists all three ids");
  check(result.failed.empty(), "nothing failed");
  check(result.message == "Deleted 3/3 sandboxes", "message is '" + result.message + "'");
  for (const auto& id : {a.id, b.id, c.id}) {
    expect_throws<prime::APIError>([&] { ctx.client().get(id); }, "a deleted sandbox is gone");
  }
}

void by_labels(CaseContext& ctx) {
  const std::string label = ctx.run_label() + "-bulk-label";
  auto request = ctx.request("bulk-label");
  request.labels.push_back(label);
  const auto a = ctx.create(request);
  request.name += "-2";
  const auto b = ctx.create(request);
  const auto bystander = ctx.create(ctx.request("bulk-bystander"));
  const auto result = ctx.client().bulk_delete({.labels = std::vector<std::string>{label}});
  check(as_set(result.succeeded) == std::set<std::string>{a.id, b.id}, "succeeded is exactly the labelled two");
  check(result.message == "Deleted 2/2 sandboxes", "message is '" + result.message + "'");
  check(ctx.client().get(bystander.id).id == bystander.id, "a sandbox without the label is left alone");
}

void invalid_params(CaseContext& ctx) {
  expect_throws<prime::APIError>(
      [&] { ctx.client().bulk_delete({.sandbox_ids = std::vector<std::string>{"x"}, .labels = std::vector<std::string>{"y"}}); },
      "ids and labels together raise APIError");
  expect_throws<prime::APIError>([&] { ctx.client().bulk_delete({}); }, "neither ids nor labels raises APIError");
}

void mixed_existing_and_unknown(CaseContext& ctx) {
  const auto live = ctx.create(ctx.request("bulk-mixed"));
  const std::string unknown = "unknownsandbox0000000";
  const auto result = ctx.client().bulk_delete({.sandbox_ids = std::vector<std::string>{live.id, unknown}});
  check(result.succeeded == std::vector<std::string>{live.id}, "only the live sandbox succeeded");
  check(result.failed.size() == 1 && result.failed[0].at("id") == unknown, "the unknown id is reported as failed");
  check(!result.failed[0].at("error").empty(), "with a reason");
  check(result.message == "Deleted 1/2 sandboxes", "message is '" + result.message + "'");
}

void bulk_wait(CaseContext& ctx) {
  const auto a = ctx.create(ctx.request("bulk-wait-a"));
  const auto b = ctx.create(ctx.request("bulk-wait-b"));
  const auto states = ctx.client().bulk_wait_for_creation({a.id, b.id}, 30);
  check(states.size() == 2 && states.at(a.id) == "RUNNING" && states.at(b.id) == "RUNNING",
        "both ids map to RUNNING");
}

}  // namespace

std::vector<Case> bulk_cases() {
  return {
      {"bulk.delete.by_ids", "bulk",
       "bulk_delete by ids deletes every one, lists them in succeeded and says 'Deleted N/N sandboxes'.", by_ids},
      {"bulk.delete.by_labels", "bulk",
       "bulk_delete by labels deletes exactly the sandboxes carrying every label and no others.", by_labels},
      {"bulk.delete.invalid_params", "bulk", "bulk_delete with both ids and labels, or neither, raises APIError.",
       invalid_params},
      {"bulk.delete.mixed_existing_and_unknown", "bulk",
       "bulk_delete of a live and an unknown id succeeds for one, fails the other with a reason, 'Deleted 1/2'.",
       mixed_existing_and_unknown},
      {"bulk.wait.all_running", "bulk", "bulk_wait_for_creation returns {id: 'RUNNING'} for every id.", bulk_wait},
  };
}

}  // namespace ppio_conformance
