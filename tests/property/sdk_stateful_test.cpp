// A stateful property: random sequences of SDK calls (the real SandboxClient
// over real HTTP) against the embedded fake, each result checked against a
// model of what the service holds. Faults are injected on the way; the SDK's
// retries must hide them, and no sandbox may be left behind.
//
// Bounded under ctest: every case starts sandboxes and walks pages over HTTP,
// so 100 cases of 100 steps take minutes under ASan on a loaded 2-core
// machine. The property runs min(RC max_success, PPIO_STATEFUL_CASES = 25)
// cases of at most min(RC max_size, PPIO_STATEFUL_STEPS = 40) commands (about
// 15 s under ASan); scripts/fuzz raises both.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "mockserver/faults/rule.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"
#include "stateful_support.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using namespace std::chrono_literals;
using ppio_property::bounded;

namespace {

// A few labels, so that filters often match; two need encoding on the wire.
const std::vector<std::string> kLabels = {"a", "b", "c", "ü λ", "k=v&x"};
constexpr auto kRequestTimeout = 10s;    // each call's budget; Retry-After waits (<= 4 s) fit in it
constexpr auto kImpatientTimeout = 300ms;  // the client that meets a hang
const core::Timestamp kEpoch = core::parse_rfc3339("2030-01-01T00:00:00Z");

struct ModelSandbox {
  std::set<std::string> labels;
  int timeout_minutes = 0;
  std::int64_t end_ms = 0;  // on the fake's virtual clock, from kEpoch
  bool alive = true;
  std::map<std::string, std::string> files;  // uploaded: path -> bytes
};

struct Model {
  std::vector<ModelSandbox> sandboxes;  // index = handle
  std::int64_t now_ms = 0;
  std::vector<std::size_t> alive_with(const std::set<std::string>& labels) const {
    std::vector<std::size_t> out;
    for (std::size_t h = 0; h < sandboxes.size(); ++h) {
      const auto& s = sandboxes[h];
      if (s.alive && std::includes(s.labels.begin(), s.labels.end(), labels.begin(), labels.end())) out.push_back(h);
    }
    return out;
  }
};

std::shared_ptr<prime::SandboxClient> make_client(const ppio_mock::Server& server,
                                                  std::chrono::milliseconds timeout) {
  prime::ClientOptions o;
  o.api_key = ppio_mock::kDefaultApiKey;
  o.api_url = server.url();
  o.sandbox_url = server.url();  // envd routed by E2b-Sandbox-Id on the same port
  o.request_timeout = timeout;
  o.clock = std::make_shared<core::ManualClock>();  // retries wait on it: nothing sleeps for real
  return std::make_shared<prime::SandboxClient>(prime::APIClient(o));
}

struct Sut {
  ppio_mock::Server& server;
  std::shared_ptr<prime::SandboxClient> client = make_client(server, kRequestTimeout);
  std::shared_ptr<prime::SandboxClient> impatient = make_client(server, kImpatientTimeout);
  std::vector<std::string> ids;  // handle -> the id the fake gave
  std::string id(int handle) const { return handle < 0 ? "iunknown0000000000000" : ids.at(handle); }
};

using Command = rc::state::Command<Model, Sut>;

// -1 (an id the fake never gave) or a handle of a sandbox created earlier.
int any_handle(const Model& m) { return *rc::gen::inRange<int>(-1, static_cast<int>(m.sandboxes.size())); }

std::set<std::string> some_labels(std::size_t max) {
  auto picked = *rc::gen::unique<std::vector<std::string>>(rc::gen::elementOf(kLabels));
  if (picked.size() > max) picked.resize(max);
  return {picked.begin(), picked.end()};
}

std::string show_labels(const std::set<std::string>& labels) {
  std::string out = "{";
  for (const auto& l : labels) out += (out.size() > 1 ? ", \"" : "\"") + l + "\"";
  return out + "}";
}

void check_sandbox(const prime::Sandbox& got, const std::string& id, const ModelSandbox& want) {
  RC_ASSERT(got.id == id);
  RC_ASSERT(got.status == std::string("RUNNING"));
  RC_ASSERT(std::set<std::string>(got.labels.begin(), got.labels.end()) == want.labels);
  RC_ASSERT(got.timeout_minutes == want.timeout_minutes);
}

// The documented error of an unknown or gone sandbox: APIError with HTTP 404, no subclass.
template <class F>
void expect_not_found(F call) {
  try {
    call();
  } catch (const prime::APITimeoutError& e) {
    RC_FAIL(std::string("a timeout instead of 404: ") + e.what());
  } catch (const prime::APIError& e) {
    RC_ASSERT(e.status() == std::optional<int>(404));
    return;
  }
  RC_FAIL("no error for a sandbox that does not exist");
}

struct Create : Command {
  std::set<std::string> labels = some_labels(3);
  int timeout_minutes = *rc::gen::inRange(1, 121);
  void apply(Model& m) const override {
    m.sandboxes.push_back({labels, timeout_minutes, m.now_ms + timeout_minutes * 60'000LL});
  }
  void run(const Model&, Sut& sut) const override {
    const prime::CreateSandboxRequest request{.name = "prop", .docker_image = "python:3.11-slim",
                                              .timeout_minutes = timeout_minutes,
                                              .labels = {labels.begin(), labels.end()}};
    const auto got = bounded(sut.client, [request](prime::SandboxClient& c) { return c.create(request); });
    check_sandbox(got, got.id, {labels, timeout_minutes});
    sut.ids.push_back(got.id);
  }
  void show(std::ostream& os) const override {
    os << "create(labels=" << show_labels(labels) << ", timeout_minutes=" << timeout_minutes << ")";
  }
};

struct Get : Command {
  int handle;
  explicit Get(const Model& m) : handle(any_handle(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(handle < static_cast<int>(m.sandboxes.size())); }
  void run(const Model& m, Sut& sut) const override {
    const auto id = sut.id(handle);
    auto call = [&] { return bounded(sut.client, [id](prime::SandboxClient& c) { return c.get(id); }); };
    if (handle >= 0 && m.sandboxes[handle].alive) {
      check_sandbox(call(), id, m.sandboxes[handle]);
    } else {
      expect_not_found(call);
    }
  }
  void show(std::ostream& os) const override { os << "get(#" << handle << ")"; }
};

// Walks every page; the pages must hold exactly the model's sandboxes, once each.
struct List : Command {
  std::set<std::string> labels = some_labels(2);
  int per_page = *rc::gen::inRange(1, 6);
  void run(const Model& m, Sut& sut) const override {
    std::multiset<std::string> seen;
    prime::ListOptions options{.labels = {labels.begin(), labels.end()}, .per_page = per_page};
    for (options.page = 1;; ++options.page) {
      const auto page = bounded(sut.client, [options](prime::SandboxClient& c) { return c.list(options); });
      for (const auto& s : page.sandboxes) seen.insert(s.id);
      if (!page.has_next) break;
      RC_ASSERT(page.sandboxes.size() == static_cast<std::size_t>(per_page));  // has_next is exact
      RC_ASSERT(options.page <= static_cast<int>(m.sandboxes.size()));           // no endless walk
    }
    std::multiset<std::string> want;
    for (auto h : m.alive_with(labels)) want.insert(sut.ids[h]);
    RC_ASSERT(seen == want);
  }
  void show(std::ostream& os) const override {
    os << "list(labels=" << show_labels(labels) << ", per_page=" << per_page << ", every page)";
  }
};

struct Delete : Command {
  int handle;
  explicit Delete(const Model& m) : handle(any_handle(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(handle < static_cast<int>(m.sandboxes.size())); }
  void apply(Model& m) const override {
    if (handle >= 0) m.sandboxes[handle].alive = false;
  }
  void run(const Model& m, Sut& sut) const override {
    const auto id = sut.id(handle);
    const auto got = bounded(sut.client, [id](prime::SandboxClient& c) { return c.delete_(id); });
    RC_ASSERT(got.success == (handle >= 0 && m.sandboxes[handle].alive));
  }
  void show(std::ostream& os) const override { os << "delete(#" << handle << ")"; }
};

void check_bulk(const prime::BulkDeleteSandboxResponse& got, const std::set<std::string>& deleted,
                const std::set<std::string>& not_found) {
  RC_ASSERT(std::set<std::string>(got.succeeded.begin(), got.succeeded.end()) == deleted);
  RC_ASSERT(got.succeeded.size() == deleted.size());
  std::set<std::string> failed;
  for (const auto& f : got.failed) {
    RC_ASSERT(f.at("error") == std::string("Sandbox not found"));
    failed.insert(f.at("id"));
  }
  RC_ASSERT(failed == not_found);
  RC_ASSERT(got.failed.size() == not_found.size());
}

// Ids with repeats, gone sandboxes and never-known ids mixed in.
struct BulkDeleteIds : Command {
  std::vector<int> handles;
  explicit BulkDeleteIds(const Model& m)
      : handles(*rc::gen::container<std::vector<int>>(rc::gen::inRange<int>(-1, static_cast<int>(m.sandboxes.size())))) {}
  void checkPreconditions(const Model& m) const override {
    for (int h : handles) RC_PRE(h < static_cast<int>(m.sandboxes.size()));
  }
  void apply(Model& m) const override {
    for (int h : handles) {
      if (h >= 0) m.sandboxes[h].alive = false;
    }
  }
  void run(const Model& m, Sut& sut) const override {
    std::vector<std::string> ids;
    std::set<std::string> deleted, not_found;
    for (int h : handles) {
      ids.push_back(sut.id(h));
      (h >= 0 && m.sandboxes[h].alive ? deleted : not_found).insert(ids.back());
    }
    const auto got = bounded(sut.client, [ids](prime::SandboxClient& c) { return c.bulk_delete({.sandbox_ids = ids}); });
    check_bulk(got, deleted, not_found);
  }
  void show(std::ostream& os) const override {
    os << "bulk_delete(sandbox_ids=[";
    for (int h : handles) os << " #" << h;
    os << " ])";
  }
};

struct BulkDeleteLabels : Command {
  std::set<std::string> labels = some_labels(2);
  void apply(Model& m) const override {
    if (labels.empty()) return;  // an empty label list deletes nothing
    for (auto h : m.alive_with(labels)) m.sandboxes[h].alive = false;
  }
  void run(const Model& m, Sut& sut) const override {
    std::set<std::string> deleted;
    if (!labels.empty()) {
      for (auto h : m.alive_with(labels)) deleted.insert(sut.ids[h]);
    }
    const std::vector<std::string> wanted(labels.begin(), labels.end());
    const auto got = bounded(sut.client, [wanted](prime::SandboxClient& c) { return c.bulk_delete({.labels = wanted}); });
    check_bulk(got, deleted, {});
  }
  void show(std::ostream& os) const override { os << "bulk_delete(labels=" << show_labels(labels) << ")"; }
};

// Moves the fake's clock, often just past some sandbox's end.
struct Advance : Command {
  std::int64_t by_ms;
  explicit Advance(const Model& m) : by_ms(*rc::gen::inRange<std::int64_t>(1, 30 * 60'000)) {
    if (!m.sandboxes.empty() && *rc::gen::arbitrary<bool>()) {
      const auto& s = *rc::gen::elementOf(m.sandboxes);
      by_ms = std::max<std::int64_t>(1, s.end_ms - m.now_ms + *rc::gen::inRange<std::int64_t>(0, 2));
    }
  }
  void apply(Model& m) const override {
    m.now_ms += by_ms;
    for (auto& s : m.sandboxes) {
      if (s.end_ms <= m.now_ms) s.alive = false;  // the fake ends a sandbox at start + timeout
    }
  }
  void run(const Model&, Sut& sut) const override { sut.server.clock().advance(std::chrono::milliseconds(by_ms)); }
  void show(std::ostream& os) const override { os << "advance_clock(" << by_ms << " ms)"; }
};

// A fault on the first 1 or 2 matching requests: fewer than the SDK's 3 attempts, so it must not show.
struct InjectFault : Command {
  std::string method = *rc::gen::element<std::string>("GET", "DELETE");
  std::string path = *rc::gen::element<std::string>("^/sandboxes/", "^/v2/sandboxes");
  std::string action = *rc::gen::element<std::string>(R"({"type": "error", "status": 503})",
                                                      R"({"type": "error", "status": 502})",
                                                      R"({"type": "rate_limit", "retry_after_s": 1})",
                                                      R"({"type": "rate_limit", "retry_after_s": 2})",
                                                      R"({"type": "reset"})");
  int first = *rc::gen::inRange(1, 3);
  std::string rule() const {
    return R"({"match": {"method": ")" + method + R"(", "path": ")" + path + R"("}, "action": )" + action +
           R"(, "trigger": {"first": )" + std::to_string(first) + "}}";
  }
  void run(const Model&, Sut& sut) const override {
    sut.server.faults().add(ppio_mock::faults::rule_from_json(nlohmann::json::parse(rule())));
  }
  void show(std::ostream& os) const override { os << "inject_fault(" << rule() << ")"; }
};

// The next GET of a sandbox hangs: the impatient client must give up with APITimeoutError.
struct Hang : Command {
  int handle;
  explicit Hang(const Model& m) : handle(any_handle(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(handle < static_cast<int>(m.sandboxes.size())); }
  void run(const Model&, Sut& sut) const override {
    const auto id = sut.id(handle);
    sut.server.faults().clear();  // an earlier rule on the same path would answer first
    sut.server.faults().add(ppio_mock::faults::rule_from_json(nlohmann::json::parse(
        R"({"match": {"method": "GET", "path": "^/sandboxes/)" + id +
        R"($"}, "action": {"type": "hang"}, "trigger": {"first": 1}})")));
    try {
      bounded(sut.impatient, [id](prime::SandboxClient& c) { return c.get(id); });
    } catch (const prime::APITimeoutError&) {
      return;
    }
    RC_FAIL("a hung request did not raise APITimeoutError");
  }
  void show(std::ostream& os) const override { os << "hang_next_get_then_get(#" << handle << ")"; }
};

// Gone or never known: the documented error of every envd call is SandboxNotRunningError.
template <class F>
void expect_not_running(F call) {
  try {
    call();
  } catch (const prime::SandboxNotRunningError&) {
    return;
  } catch (const std::exception& e) {
    RC_FAIL(std::string("not SandboxNotRunningError: ") + e.what());
  }
  RC_FAIL("no error from a sandbox that is not running");
}

rc::Gen<std::string> some_bytes() { return rc::gen::container<std::string>(rc::gen::arbitrary<char>()); }

// A printf whose format is every byte in octal: any byte, NUL included, comes out as is.
std::string printf_of(const std::string& bytes) {
  std::string format;
  for (unsigned char c : bytes) {
    const char digits[] = {'\\', static_cast<char>('0' + (c >> 6)), static_cast<char>('0' + ((c >> 3) & 7)),
                           static_cast<char>('0' + (c & 7))};
    format.append(digits, sizeof digits);
  }
  return "printf '" + format + "'";
}

struct Exec : Command {
  int handle;
  std::string out = *some_bytes();
  std::string err = *some_bytes();
  int exit_code = *rc::gen::inRange(0, 256);
  explicit Exec(const Model& m) : handle(any_handle(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(handle < static_cast<int>(m.sandboxes.size())); }
  std::string command() const {
    return printf_of(out) + "; " + printf_of(err) + " >&2; exit " + std::to_string(exit_code);
  }
  void run(const Model& m, Sut& sut) const override {
    const auto id = sut.id(handle);
    const auto cmd = command();
    auto call = [&] { return bounded(sut.client, [id, cmd](prime::SandboxClient& c) { return c.execute_command(id, cmd); }); };
    if (handle < 0 || !m.sandboxes[handle].alive) return expect_not_running(call);
    const auto got = call();  // a non-zero exit is an answer, not an exception
    RC_ASSERT(got.stdout == out);
    RC_ASSERT(got.stderr == err);
    RC_ASSERT(got.exit_code == exit_code);
  }
  void show(std::ostream& os) const override {
    os << "execute_command(#" << handle << ", stdout " << out.size() << " bytes, stderr " << err.size()
       << " bytes, exit " << exit_code << ")";
  }
};

const rc::Gen<std::string> kFilePaths = rc::gen::element<std::string>("/home/user/a.bin", "/tmp/b.bin", "data/c.bin");

struct Upload : Command {
  int handle;
  std::string path = *kFilePaths;
  std::string bytes = *some_bytes();
  explicit Upload(const Model& m) : handle(any_handle(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(handle < static_cast<int>(m.sandboxes.size())); }
  void apply(Model& m) const override {
    if (handle >= 0 && m.sandboxes[handle].alive) m.sandboxes[handle].files[path] = bytes;
  }
  void run(const Model& m, Sut& sut) const override {
    const auto id = sut.id(handle);
    auto call = [&] {
      return bounded(sut.client, [id, p = path, b = bytes](prime::SandboxClient& c) { return c.upload_bytes(id, p, b, "f.bin"); });
    };
    if (handle < 0 || !m.sandboxes[handle].alive) return expect_not_running(call);
    const auto got = call();
    RC_ASSERT(got.success);
    RC_ASSERT(got.size == static_cast<std::int64_t>(bytes.size()));
  }
  void show(std::ostream& os) const override {
    os << "upload_bytes(#" << handle << ", \"" << path << "\", " << bytes.size() << " bytes)";
  }
};

std::string download(Sut& sut, const std::string& id, const std::string& path) {
  const auto local = std::filesystem::temp_directory_path() / ("ppio-property-" + std::to_string(::getpid()) + ".bin");
  bounded(sut.client, [id, path, local](prime::SandboxClient& c) {
    c.download_file(id, path, local);
    return true;
  });
  std::ifstream in(local, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(local);
  return bytes;
}

// The bytes downloaded are the bytes last uploaded there; a file never uploaded is a 404.
struct Download : Command {
  int handle;
  std::string path = *kFilePaths;
  explicit Download(const Model& m) : handle(any_handle(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(handle < static_cast<int>(m.sandboxes.size())); }
  void run(const Model& m, Sut& sut) const override {
    const auto id = sut.id(handle);
    if (handle < 0 || !m.sandboxes[handle].alive) return expect_not_running([&] { return download(sut, id, path); });
    const auto& files = m.sandboxes[handle].files;
    if (const auto it = files.find(path); it != files.end()) {
      RC_ASSERT(download(sut, id, path) == it->second);
    } else {
      expect_not_found([&] { return download(sut, id, path); });
    }
  }
  void show(std::ostream& os) const override { os << "download_file(#" << handle << ", \"" << path << "\")"; }
};

void start_case(ppio_mock::Server& server) {
  server.faults().clear();
  server.registry().reset();
  server.clock().freeze();
  server.clock().set(kEpoch);
}

// Deletes what the model holds, through the SDK and under whatever faults are left,
// then looks in the fake's registry itself.
void clean_up(const Model& model, Sut& sut) {
  std::vector<std::string> ids;
  for (auto h : model.alive_with({})) ids.push_back(sut.ids[h]);
  const auto got = bounded(sut.client, [ids](prime::SandboxClient& c) { return c.bulk_delete({.sandbox_ids = ids}); });
  check_bulk(got, {ids.begin(), ids.end()}, {});
  RC_ASSERT(sut.server.registry().all().empty());
}

void stateful_property() {
  auto& server = ppio_property::shared_server();
  start_case(server);
  Sut sut{server};
  const auto commands = *rc::state::gen::commands(
      Model{}, rc::state::gen::execOneOfWithArgs<Create, Create, Create, Get, List, List, Delete, BulkDeleteIds,
                                                 BulkDeleteLabels, Advance, InjectFault, InjectFault, Hang, Exec, Exec,
                                                 Upload, Download, Download>());
  rc::state::runAll(commands, Model{}, sut);
  Model model;
  rc::state::applyAll(commands, model);
  clean_up(model, sut);
}

TEST(SdkAgainstFake, EveryResultMatchesTheModelUnderFaults) {
  ppio_property::check_bounded("SdkAgainstFake/EveryResultMatchesTheModelUnderFaults", &stateful_property,
                               /*default_cases=*/25, /*default_steps=*/40);
}

}  // namespace
