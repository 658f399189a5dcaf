// Process-level confinement: whatever a command does in its sandbox, as user
// or as root, with paths made of "..", the host's absolute paths, /proc/self/root,
// /proc/1/root and links to all of them (planted by earlier commands), nothing
// outside its sandbox's root changes: not a canary directory beside the state
// directory, not a second sandbox's files or processes, not the host's /etc
// or /usr (its passwd, and no "escaped" there). Real processes under bubblewrap; skipped where bubblewrap cannot
// isolate (the host executor isolates nothing, by design).
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "mockserver/exec/executor.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "tests/property/file_tree.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
namespace connectrpc = ppio_sandbox::core::connect;

namespace {

constexpr const char* kProcessCanary = "outside-canary-secret";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}


std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

// One fake with two sandboxes, an outside directory with a canary, and the
// state of the host they must not touch, for every case.
class World {
 public:
  static World& get() {
    static World world;
    return world;
  }

  bool isolated() const { return server_->executor_name() == "bwrap"; }

  // Runs `script` in sandbox A with bash (from /usr, which no command can remove) to its end.
  void run(const std::string& script, bool as_root) {
    httplib::Client client(server_->url());
    client.set_read_timeout(60, 0);
    httplib::Headers headers{{"E2b-Sandbox-Id", a_},
                             {"X-Access-Token", a_token_},
                             {"Content-Type", "application/connect+json"},
                             {"Connect-Timeout-Ms", "30000"}};
    if (as_root) headers.emplace("Authorization", "Basic " + ppio_sandbox::core::base64_encode("root:"));
    const json body{{"process", {{"cmd", "/usr/bin/bash"}, {"args", {"-c", script}}, {"cwd", "/"}}}, {"stdin", false}};
    auto res = client.Post("/process.Process/Start", headers, connectrpc::encode_message(body),
                           "application/connect+json");
    RC_ASSERT(res);
    RC_ASSERT(res->status == 200);
    // It really ran: its stream carries its end (an exit, or the kill it may have sent itself).
    connectrpc::FrameDecoder decoder;
    decoder.feed(res->body);
    bool ended = false;
    while (auto frame = decoder.next()) {
      if (!frame->end_stream()) ended = ended || json::parse(frame->payload)["event"].contains("end");
    }
    RC_ASSERT(ended);
  }

  // What must hold after any command in A.
  void check() const {
    RC_ASSERT(property_test::tree_snapshot(outside_) == outside_before_);
    RC_ASSERT(names_in(base_) == beside_before_);
    RC_ASSERT(names_in(base_ / "state") == state_before_);
    RC_ASSERT(slurp(b_root_ / "home/user/canary") == kProcessCanary);
    RC_ASSERT(names_in(b_root_ / "home/user") == b_home_before_);
    RC_ASSERT(slurp("/etc/passwd") == host_passwd_);
    RC_ASSERT(!fs::exists("/etc/escaped"));
    RC_ASSERT(!fs::exists("/usr/escaped"));
    // B's own process lives on; the fake still answers.
    RC_ASSERT(server_->envd().processes().running(b_) == 1u);
    httplib::Client plain(server_->url());
    auto health = plain.Get("/health");
    RC_ASSERT(health && health->status == 200);
  }

  std::string outside() const { return outside_.string(); }
  std::string b_root() const { return b_root_.string(); }
  std::string state_dir() const { return server_->state_dir(); }

 private:
  World() {
    // A playground of its own: the state directory and, beside it, the outside one.
    std::string base = (fs::temp_directory_path() / "ppio-process-confine-XXXXXX").string();
    base_ = ::mkdtemp(base.data());
    std::string why;
    ppio_mock::ServerConfig config;
    config.envd.executor = ppio_mock::exec::bwrap_works("/usr/bin/bwrap", why) ? "bwrap" : "host";
    config.envd.state_dir = (base_ / "state").string();
    server_ = std::make_unique<ppio_mock::Server>(config);
    server_->start();
    if (!isolated()) return;
    ppio_sandbox::core::NewSandbox n;
    n.template_id = "base";
    n.timeout = 3600;
    const auto a = server_->registry().create(ppio_mock::kDefaultTeam, n).info;
    const auto b = server_->registry().create(ppio_mock::kDefaultTeam, n).info;
    // Secure by default: envd wants each sandbox's own token.
    a_ = a.sandbox_id;
    a_token_ = a.envd_access_token.value_or("");
    b_ = b.sandbox_id;
    b_token_ = b.envd_access_token.value_or("");
    outside_ = base_ / "outside";
    fs::create_directories(outside_ / "sub");
    std::ofstream(outside_ / "canary") << kProcessCanary;
    std::ofstream(outside_ / "sub" / "canary") << kProcessCanary;
    // B: a canary file and a process of its own, both of which A must not reach.
    httplib::Client client(server_->url());
    const httplib::Headers to_b{{"E2b-Sandbox-Id", b_}, {"X-Access-Token", b_token_}};
    client.Post("/files?path=/home/user/canary", to_b, kProcessCanary, "application/octet-stream");
    b_root_ = fs::path(server_->state_dir()) / b_;
    b_stream_ = std::thread([this, to_b] {
      httplib::Client c(server_->url());
      c.set_read_timeout(3600, 0);
      const json body{{"process", {{"cmd", "/bin/sleep"}, {"args", {"3600"}}}}, {"stdin", false}};
      c.Post("/process.Process/Start", to_b, connectrpc::encode_message(body), "application/connect+json");
    });
    for (int i = 0; i < 100000 && server_->envd().processes().running(b_) == 0; ++i) std::this_thread::yield();
    run("true", false);  // A's root and environment exist before anything is compared
    outside_before_ = property_test::tree_snapshot(outside_);
    beside_before_ = names_in(base_);
    state_before_ = names_in(base_ / "state");
    b_home_before_ = names_in(b_root_ / "home/user");
    host_passwd_ = slurp("/etc/passwd");
  }
  ~World() {
    server_->stop();  // ends B's process, so its stream (and thread) end
    if (b_stream_.joinable()) b_stream_.join();
    server_.reset();
    fs::remove_all(base_);
  }

  std::unique_ptr<ppio_mock::Server> server_;
  std::string a_, b_;
  std::string a_token_, b_token_;
  fs::path base_, outside_, b_root_;
  std::thread b_stream_;
  std::map<std::string, std::string> outside_before_;
  std::set<std::string> beside_before_, state_before_, b_home_before_;
  std::string host_passwd_;
};

rc::Gen<std::string> path_in(const World& w) {
  const auto segment = rc::gen::element<std::string>(
      "..", ".", "/", w.outside(), w.outside() + "/canary", w.outside() + "/sub", w.b_root(), w.b_root() + "/home/user",
      w.state_dir(), "/proc/self/root", "/proc/1/root", "/proc/1/cwd", "/usr", "/etc", "/home/user", "/tmp", "link",
      "link2", "escaped", "canary", "sub", "passwd");
  const auto parts = rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 4), [segment](std::size_t n) {
    return rc::gen::container<std::vector<std::string>>(n, segment);
  });
  return rc::gen::map(parts, [](const std::vector<std::string>& segments) {
    std::string out;
    for (const auto& p : segments) out += (out.empty() || out.ends_with("/") ? "" : "/") + p;
    return out;
  });
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One shell step that tries to write, link, move, remove or kill through `p`
// (and `q`). Nothing walks a tree: a recursive step on "/" would walk the
// host's /usr, which is read-only but large.
rc::Gen<std::string> step(const World& w) {
  return rc::gen::apply(
      [](int op, const std::string& p, const std::string& q) {
        const auto P = quoted(p), Q = quoted(q);
        switch (op) {
          case 0: return "mkdir -p " + P;
          case 1: return "echo escaped > " + P;
          case 2: return "ln -sfn " + Q + " " + P;
          case 3: return "rm -f " + P + "; rmdir " + P;
          case 4: return "mv -f " + P + " " + Q;
          case 5: return "cp -f " + P + " " + Q;
          case 6: return "touch " + P + "/escaped";
          case 7: return "chmod 777 " + P;
          case 8: return "cd " + P + " && echo escaped > escaped";
          default: return std::string("kill -9 -1");  // every process it can see
        }
      },
      rc::gen::inRange(0, 10), path_in(w), path_in(w));
}

}  // namespace

RC_GTEST_PROP(ProcessConfinement, NothingACommandDoesReachesOutsideItsSandbox, ()) {
  auto& world = World::get();
  if (!world.isolated()) {
    RC_SUCCEED("bubblewrap cannot isolate here: the host executor confines no process");
  }
  const auto count = *rc::gen::inRange<std::size_t>(1, 8);
  const auto steps = *rc::gen::container<std::vector<std::string>>(count, step(world));
  std::string script;
  for (const auto& s : steps) script += s + " 2>/dev/null; ";
  world.run(script + "true", *rc::gen::arbitrary<bool>());
  world.check();
}
