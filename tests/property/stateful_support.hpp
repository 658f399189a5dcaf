#pragma once
// What the stateful properties share: one embedded fake for every case, a
// watchdog around each SDK call, and a check with its own case bound.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>

#include <filesystem>
#include <unordered_map>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

// Defined in librapidcheck but not in its installed headers: the text of RC_PARAMS="reproduce=...".
namespace rc::detail {
std::string reproduceMapToString(const std::unordered_map<std::string, Reproduce>& reproduceMap);
}  // namespace rc::detail

namespace ppio_property {

// Starting a fake per case would dominate the run; cases reset it instead.
// Never destroyed: stopping it joins its handlers, and one still serving a
// call that hung (a failed case) would hold the process's exit for minutes.
inline ppio_mock::Server& shared_server() {
  static ppio_mock::Server* const server = [] {
    auto* instance = new ppio_mock::Server(ppio_mock::ServerConfig{.seed = 20261126});
    instance->start();
    return instance;
  }();
  return *server;
}

// Runs `call(client)` and returns its result (or rethrows its exception). A call
// that is still running well after every attempt could have used its whole
// request timeout has hung: the case fails, and the thread is left to the
// fake's own hang limit. The margin is generous so that only a real hang
// fails; it is a liveness bound, not a timing assertion.
template <class F>
auto bounded(const std::shared_ptr<ppio_sandbox::prime_compatible::SandboxClient>& client, F call) {
  using Result = decltype(call(*client));
  const auto& options = client->client().options();
  const auto limit = options.retry.max_attempts * options.request_timeout + std::chrono::seconds(10);
  auto task = std::make_shared<std::packaged_task<Result()>>([client, call] { return call(*client); });
  auto result = task->get_future();
  std::thread worker([task] { (*task)(); });
  if (result.wait_for(limit) != std::future_status::ready) {
    worker.detach();
    RC_FAIL("an SDK call hung past its request timeout");
  }
  worker.join();
  return result.get();
}

inline int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::atoi(text) : fallback;
}

// rc::detail::checkGTest with the case count and size capped by
// PPIO_STATEFUL_CASES / PPIO_STATEFUL_STEPS (RC_PARAMS may lower them further).
// `id` must be "<TestSuite>/<Test>" so that RC_PARAMS="reproduce=..." finds it.
template <class Property>
void check_bounded(const std::string& id, Property property, int default_cases, int default_steps) {
  auto params = rc::detail::configuration().testParams;
  params.maxSuccess = std::min(params.maxSuccess, env_int("PPIO_STATEFUL_CASES", default_cases));
  params.maxSize = std::min(params.maxSize, env_int("PPIO_STATEFUL_STEPS", default_steps));
  const rc::detail::TestMetadata metadata{id, id};
  const auto result = rc::detail::checkTestable(property, metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) return;
  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  message << "\nSeed: the \"Using configuration: seed=...\" line above.";
  if (result.template is<rc::detail::FailureResult>()) {
    // Printed here too: RapidCheck's own line comes at exit, which a hung call can delay.
    const auto& reproduce = result.template get<rc::detail::FailureResult>().reproduce;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    message << "\nReplay the shrunk case:\n  RC_PARAMS=\"reproduce=" << rc::detail::reproduceMapToString({{id, reproduce}})
            << "\" " << std::filesystem::read_symlink("/proc/self/exe").string() << " --gtest_filter="
            << test->test_suite_name() << "." << test->name();
  }
  FAIL() << message.str();
}

}  // namespace ppio_property
