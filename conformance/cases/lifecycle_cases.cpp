// Profile `lifecycle`: what time does to a sandbox. These drive the fake's clock.
#include <algorithm>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

void timeout_expiry_removes_the_sandbox(CaseContext& ctx) {
  auto request = ctx.request("expiring");
  request.timeout_minutes = 5;
  const auto created = ctx.create(request);
  ctx.advance_fake_clock(std::chrono::minutes(4));
  check(ctx.client().get(created.id).status == "RUNNING", "the sandbox runs until its timeout");
  ctx.advance_fake_clock(std::chrono::minutes(2));
  expect_throws<prime::APIError>([&] { ctx.client().get(created.id); }, "get after the timeout raises APIError");
  const auto page = ctx.client().list({.labels = {ctx.run_label()}, .per_page = 100});
  check(std::none_of(page.sandboxes.begin(), page.sandboxes.end(),
                     [&](const prime::Sandbox& s) { return s.id == created.id; }),
        "an expired sandbox is no longer listed");
  check(!ctx.client().delete_(created.id).success, "delete of an expired sandbox reports success=false");
}

}  // namespace

std::vector<Case> lifecycle_cases() {
  return {
      {"lifecycle.timeout.expiry_removes_sandbox", "lifecycle",
       "a sandbox past timeout_minutes is gone: get raises APIError, list omits it, delete reports false.",
       timeout_expiry_removes_the_sandbox, /*needs_fake_admin=*/true},
  };
}

}  // namespace ppio_conformance
