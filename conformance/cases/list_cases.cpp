// Profile `core`, list semantics: label filters, status filters and paging.
#include <algorithm>
#include <set>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

std::set<std::string> ids_of(const prime::SandboxListResponse& page) {
  std::set<std::string> ids;
  for (const auto& s : page.sandboxes) ids.insert(s.id);
  return ids;
}

std::string unique_label(CaseContext& ctx, const std::string& what) { return ctx.run_label() + "-" + what; }

void every_label_must_match(CaseContext& ctx) {
  const auto a = unique_label(ctx, "a");
  const auto b = unique_label(ctx, "b");
  auto both_request = ctx.request("both");
  both_request.labels.insert(both_request.labels.end(), {a, b});
  auto only_a_request = ctx.request("only-a");
  only_a_request.labels.push_back(a);
  const auto both = ctx.create(both_request);
  const auto only_a = ctx.create(only_a_request);
  check(ids_of(ctx.client().list({.labels = {a}, .per_page = 100})) == std::set<std::string>{both.id, only_a.id},
        "a one-label filter returns both sandboxes carrying it");
  check(ids_of(ctx.client().list({.labels = {a, b}, .per_page = 100})) == std::set<std::string>{both.id},
        "a two-label filter returns only the sandbox carrying both");
}

void pages_cover_everything_once(CaseContext& ctx) {
  const auto label = unique_label(ctx, "paged");
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) {
    auto r = ctx.request("page");
    r.labels.push_back(label);
    created.insert(ctx.create(r).id);
  }
  std::set<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto result = ctx.client().list({.labels = {label}, .page = page, .per_page = 2});
    check(result.page == page && result.per_page == 2, "list echoes page and per_page");
    check(result.has_next == (page < 3), "has_next is exact on page " + std::to_string(page));
    for (const auto& s : result.sandboxes) check(seen.insert(s.id).second, s.id + " appears on two pages");
  }
  check(seen == created, "three pages of two cover the five sandboxes exactly");
  const auto past = ctx.client().list({.labels = {label}, .page = 1000, .per_page = 2});
  check(past.sandboxes.empty() && !past.has_next && past.page == 1000,
        "a page far past the end is empty, has no next page and does not raise");
}

void paging_is_stable_while_sandboxes_come_and_go(CaseContext& ctx) {
  const auto label = unique_label(ctx, "churn");
  std::vector<std::string> created;
  for (int i = 0; i < 4; ++i) {
    auto r = ctx.request("churn");
    r.labels.push_back(label);
    created.push_back(ctx.create(r).id);
  }
  const auto first = ctx.client().list({.labels = {label}, .page = 1, .per_page = 2});
  check(first.sandboxes.size() == 2 && first.has_next, "the first page is full and has a next page");
  // Between pages: one sandbox seen on page 1 goes away, a new one arrives.
  ctx.client().delete_(first.sandboxes[0].id);
  auto late = ctx.request("late");
  late.labels.push_back(label);
  ctx.create(late);
  const auto second = ctx.client().list({.labels = {label}, .page = 2, .per_page = 2});
  std::set<std::string> seen = ids_of(first);
  for (const auto& s : second.sandboxes) check(seen.insert(s.id).second, s.id + " was on page 1 already");
  check(seen == std::set<std::string>(created.begin(), created.end()),
        "pages 1 and 2 together still hold every sandbox that existed when paging began");
}

void running_filter_finds_a_new_sandbox(CaseContext& ctx) {
  const auto created = ctx.create(ctx.request("running"));
  const auto page = ctx.client().list({.status = prime::SandboxStatus::RUNNING, .labels = {ctx.run_label()}, .per_page = 100});
  check(ids_of(page).contains(created.id), "status=RUNNING lists a sandbox that was just created");
  for (const auto& s : page.sandboxes) check(s.status == "RUNNING", "every listed sandbox is RUNNING");
  check(page.total >= 1, "total counts the running sandboxes");
}

void terminal_status_filter_is_empty(CaseContext& ctx) {
  ctx.create(ctx.request("alive"));
  for (auto status : {prime::SandboxStatus::TERMINATED, prime::SandboxStatus::ERROR, prime::SandboxStatus::TIMEOUT}) {
    const auto page = ctx.client().list({.status = status, .labels = {ctx.run_label()}});
    check(page.sandboxes.empty() && !page.has_next, "no live sandbox is " + prime::to_string(status));
  }
}

}  // namespace

std::vector<Case> list_cases() {
  return {
      {"core.list.every_label_must_match", "core",
       "a label filter returns the sandboxes that carry every listed label, and no others.", every_label_must_match},
      {"core.list.pages_cover_everything_once", "core",
       "page/per_page walk every sandbox exactly once, has_next is exact, and a page past the end is empty.",
       pages_cover_everything_once},
      {"core.list.paging_stable_under_churn", "core",
       "paging does not skip or repeat sandboxes when others are created and deleted between pages.",
       paging_is_stable_while_sandboxes_come_and_go},
      {"core.list.status_running", "core", "status=RUNNING lists a new sandbox, and only RUNNING ones.",
       running_filter_finds_a_new_sandbox},
      {"core.list.terminal_status_empty", "core",
       "status filters TERMINATED, ERROR and TIMEOUT return no live sandbox.", terminal_status_filter_is_empty},
  };
}

}  // namespace ppio_conformance
