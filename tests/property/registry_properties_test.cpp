// Properties of the fake's registry: paging never skips or repeats, whatever
// happens between pages; other teams' sandboxes never show.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "mockserver/state/registry.hpp"

namespace state = ppio_mock::state;

namespace {

ppio_sandbox::core::NewSandbox new_sandbox() {
  ppio_sandbox::core::NewSandbox n;
  n.template_id = "base";
  n.timeout = 3600;
  return n;
}

}  // namespace

RC_GTEST_PROP(RegistryPaging, EveryoneAliveThroughoutIsSeenExactlyOnce, ()) {
  state::VirtualClock clock;
  clock.freeze();
  state::Registry registry(clock, state::TemplateCatalog::defaults(), {.seed = 1});
  const int initial = *rc::gen::inRange(0, 40);
  std::vector<std::string> ids;
  for (int i = 0; i < initial; ++i) {
    ids.push_back(registry.create("t", new_sandbox()).info.sandbox_id);
    // Several may share a start time; order then falls back to the id.
    clock.advance(std::chrono::milliseconds(*rc::gen::inRange(0, 3)));
  }
  registry.create("other-team", new_sandbox());
  const int limit = *rc::gen::inRange(1, 10);

  std::set<std::string> deleted;
  std::multiset<std::string> seen;
  std::optional<std::string> cursor;
  do {
    const auto page = registry.list("t", {.limit = limit, .cursor = cursor});
    RC_ASSERT(static_cast<int>(page.sandboxes.size()) <= limit);
    for (const auto& s : page.sandboxes) seen.insert(s.sandbox_id);
    cursor = page.next_cursor;
    // Churn between pages: delete a random original, create a new one.
    if (!ids.empty() && *rc::gen::arbitrary<bool>()) {
      const auto victim = ids[*rc::gen::inRange<std::size_t>(0, ids.size())];
      if (deleted.insert(victim).second) registry.kill("t", victim);
    }
    if (*rc::gen::arbitrary<bool>()) registry.create("t", new_sandbox());
  } while (cursor);

  for (const auto& id : seen) RC_ASSERT(seen.count(id) == 1u);
  for (const auto& id : ids) {
    if (!deleted.contains(id)) RC_ASSERT(seen.contains(id));
  }
}
