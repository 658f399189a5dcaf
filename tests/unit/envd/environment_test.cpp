// Each sandbox is one live environment: its commands share one process tree
// and one loopback, run as the template's user or root, freeze on pause and
// continue on resume; another sandbox sees none of it; killing it ends
// everything in it, its init included. Real processes under bubblewrap (the
// tests need the bwrap executor, and skip with the reason when it cannot work here).
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "envd_fixture.hpp"
#include "mockserver/exec/executor.hpp"
#include "ppio_sandbox/core/base64.hpp"

namespace envd_test {
namespace {

const httplib::Headers kAsRoot{{"Authorization", "Basic " + ppio_sandbox::core::base64_encode("root:")}};

// The pid namespace of a host process ("pid:[4026532182]"), or "" when it is gone.
std::string pid_namespace(int pid) {
  std::error_code ec;
  const auto link = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/pid", ec);
  return ec ? "" : link.string();
}

// '0' when `pid` is gone, else its state letter ('Z': it ended, and only awaits its parent's wait).
char state_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '0' : stat[close + 2];
}

// Host pids of every live process in the pid namespace `ns`.
std::vector<int> processes_in(const std::string& ns) {
  std::vector<int> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (auto* e = ::readdir(dir)) {
    const int pid = std::atoi(e->d_name);
    if (pid > 0 && pid_namespace(pid) == ns && state_of(pid) != 'Z') out.push_back(pid);
  }
  ::closedir(dir);
  return out;
}

bool alive(int pid) { return pid > 0 && ::kill(pid, 0) == 0; }

class Environments : public EnvdTest {
 protected:
  explicit Environments(ppio_mock::ServerConfig config = {}) : EnvdTest(with_bwrap(std::move(config))) {}

  static ppio_mock::ServerConfig with_bwrap(ppio_mock::ServerConfig config) {
    std::string why;
    config.envd.executor = ppio_mock::exec::bwrap_works("/usr/bin/bwrap", why) ? "bwrap" : "host";
    return config;
  }

  void SetUp() override {
    if (server_.executor_name() != "bwrap") GTEST_SKIP() << "bubblewrap cannot isolate here";
    EnvdTest::SetUp();
  }

  // Starts `command` with stdin open in its own thread; its stream lands in `out`.
  std::thread start_reading(const std::string& command, StreamResult& out, const std::string& id = "") {
    return std::thread([this, command, &out, id] {
      auto client = envd(id);
      out = read_stream(*client, "/process.Process/Start",
                        json{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", command}}}}, {"stdin", true}});
    });
  }

  // Waits, by asking the fake, until a process whose args contain `needle` runs; its pid.
  std::uint32_t wait_for_process(const std::string& needle, const std::string& id = "") {
    auto client = envd(id);
    for (int attempt = 0; attempt < 20000; ++attempt) {
      auto res = client->Post("/process.Process/List", "{}", "application/json");
      if (!res || res->status != 200) continue;
      const auto listed = json::parse(res->body);
      for (const auto& p : listed["processes"]) {
        if (p["config"].value("args", json::array()).dump().find(needle) != std::string::npos) return p["pid"];
      }
    }
    ADD_FAILURE() << "no process with " << needle;
    return 0;
  }

  void send_line(std::uint32_t pid, const std::string& line, const std::string& id = "") {
    auto res = rpc("process.Process/SendInput",
                   json{{"process", {{"pid", pid}}}, {"input", {{"stdin", ppio_sandbox::core::base64_encode(line)}}}},
                   id);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }

  // `command` run to its end in sandbox `id`.
  StreamResult run_in(const std::string& id, const std::string& command, const httplib::Headers& headers = {}) {
    auto client = envd(id);
    return read_stream(*client, "/process.Process/Start",
                       json{{"process", {{"cmd", "/bin/bash"}, {"args", {"-l", "-c", command}}}}, {"stdin", false}},
                       headers);
  }

  // Follows `pid` of sandbox `id` with Process.Connect in its own thread; returns once the stream started.
  std::thread follow(const std::string& id, std::uint32_t pid, StreamResult& out) {
    auto mutex = std::make_shared<std::mutex>();
    auto cv = std::make_shared<std::condition_variable>();
    auto following = std::make_shared<bool>(false);
    std::thread follower([this, id, pid, &out, mutex, cv, following] {
      auto client = envd(id);
      out = read_stream(*client, "/process.Process/Connect", json{{"process", {{"pid", pid}}}}, {},
                        [&](const models::ProcessEvent& e) {
                          if (!std::holds_alternative<models::StartEvent>(e)) return;
                          std::lock_guard lock(*mutex);
                          *following = true;
                          cv->notify_all();
                        });
      std::lock_guard lock(*mutex);  // a stream refused outright ends the wait too
      *following = true;
      cv->notify_all();
    });
    std::unique_lock lock(*mutex);
    cv->wait(lock, [&] { return *following; });
    return follower;
  }

  ppio_mock::exec::ProcessTable& processes() { return server_.envd().processes(); }
};

TEST_F(Environments, CommandsOfOneSandboxShareItsLoopbackAndItsProcessTree) {
  // A server left running by one command (its shell exits; the server stays, as in a VM).
  const auto served = run("cd /tmp && (python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &) ; echo started");
  ASSERT_EQ(served.stdout_text, "started\n") << served.stderr_text;
  // A second command reaches it on 127.0.0.1 (waiting inside the sandbox until it listens).
  const auto fetched = run(
      "for i in $(seq 1 400); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && break; sleep 0.05; done; "
      "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3",
      json::object(), {{"Connect-Timeout-Ms", "60000"}});
  EXPECT_EQ(fetched.stdout_text.substr(0, 15), "HTTP/1.0 200 OK") << fetched.stderr_text;
  // ps shows the sandbox's own tree: its init as pid 1, the server, this command.
  const auto ps = run("ps -e -o pid=,comm=");
  EXPECT_NE(ps.stdout_text.find("      1 ppio-sandbox-in"), std::string::npos) << ps.stdout_text;
  EXPECT_NE(ps.stdout_text.find("python3"), std::string::npos) << ps.stdout_text;
  EXPECT_EQ(run("hostname").stdout_text, "e2b.local\n");
}

TEST_F(Environments, AnotherSandboxSeesNoneOfItsProcessesFilesOrPorts) {
  ASSERT_EQ(run("(python3 -m http.server 8001 --bind 127.0.0.1 >/dev/null 2>&1 &); echo mine > /tmp/only-here; "
                "for i in $(seq 1 400); do (exec 3<>/dev/tcp/127.0.0.1/8001) 2>/dev/null && break; sleep 0.05; done; "
                "echo up",
                json::object(), {{"Connect-Timeout-Ms", "60000"}})
                .stdout_text,
            "up\n");
  const auto other = create_sandbox(json{{"templateID", "base"}});
  auto client = envd(other);
  const auto r = read_stream(*client, "/process.Process/Start",
                             json{{"process",
                                   {{"cmd", "/bin/bash"},
                                    {"args",
                                     {"-c",
                                      "(exec 3<>/dev/tcp/127.0.0.1/8001) 2>/dev/null && echo port-open || echo refused; "
                                      "ps -e -o comm= | grep -c python3; test -e /tmp/only-here && echo file || "
                                      "echo no-file"}}}},
                                  {"stdin", false}});
  EXPECT_EQ(r.stdout_text, "refused\n0\nno-file\n") << r.stderr_text;
}

TEST_F(Environments, CommandsRunAsTheTemplatesUserOrAsRoot) {
  const auto user = run("whoami; id -u; echo $HOME; pwd; ls -ld /home/user | cut -d' ' -f1,3,4");
  EXPECT_EQ(user.stdout_text, "user\n1000\n/home/user\n/home/user\ndrwxr-xr-x user user\n") << user.stderr_text;
  const auto root = run("whoami; id -u; echo $HOME; pwd; ls -ld /root | cut -d' ' -f1,3,4", json::object(), kAsRoot);
  EXPECT_EQ(root.stdout_text, "root\n0\n/root\n/root\ndrwx------ root root\n") << root.stderr_text;
  // The sandbox's own /etc names them, not the host's.
  EXPECT_EQ(run("getent passwd user root | cut -d: -f1,3,6").stdout_text, "user:1000:/home/user\nroot:0:/root\n");
  // What root made belongs to root, what user made to user.
  run("touch /tmp/by-root", json::object(), kAsRoot);
  run("touch /tmp/by-user");
  EXPECT_EQ(run("stat -c '%U %n' /tmp/by-root /tmp/by-user").stdout_text, "root /tmp/by-root\nuser /tmp/by-user\n");
}

TEST_F(Environments, UserMaySudoWithoutAPassword) {
  if (::access("/usr/bin/sudo", X_OK) != 0) GTEST_SKIP() << "the host has no sudo (scripts/install-deps installs it)";
  const auto r = run("sudo -n whoami; sudo sh -c 'echo $HOME $SUDO_USER'; sudo -u user id -un; sudo touch /etc/made; "
                     "stat -c %U /etc/made; sudo false; echo status $?; sudo no-such-program; echo status $?");
  EXPECT_EQ(r.stdout_text, "root\n/root user\nuser\nroot\nstatus 1\nstatus 1\n") << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("sudo: no-such-program: command not found"), std::string::npos) << r.stderr_text;
  // No setuid program gains anything: bubblewrap's no_new_privs holds for everything else.
  EXPECT_EQ(run("su -c true root 2>/dev/null; echo $?").stdout_text, "1\n");
}

TEST_F(Environments, FilesWrittenThroughEnvdBelongToTheCallersUser) {
  auto client = envd();
  ASSERT_EQ(client->Post("/files?path=/app/mine.txt", "x", "application/octet-stream")->status, 200);
  ASSERT_EQ(client->Post("/files?path=/new/dir/root.txt&username=root", "x", "application/octet-stream")->status, 200);
  const auto owners = run("stat -c '%U:%G %n' /app/mine.txt /new/dir/root.txt /new/dir /new");
  EXPECT_EQ(owners.stdout_text, "user:user /app/mine.txt\nroot:root /new/dir/root.txt\nroot:root /new/dir\nroot:root /new\n");
  ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/home/user/made"}})->status, 200);
  EXPECT_EQ(run("stat -c %U /home/user/made").stdout_text, "user\n");
  // EntryInfo names owners from the sandbox's own /etc/passwd and /etc/group, whoever added them.
  run("echo 'alice:x:1001:1001::/home/alice:/bin/sh' >> /etc/passwd && echo 'staff2:x:1001:' >> /etc/group && "
      "chown 1001:1001 /app/mine.txt",
      json::object(), kAsRoot);
  const auto stat = rpc("filesystem.Filesystem/Stat", json{{"path", "/app/mine.txt"}});
  ASSERT_EQ(stat->status, 200) << stat->body;
  EXPECT_EQ(json::parse(stat->body)["entry"]["owner"], "alice");
  EXPECT_EQ(json::parse(stat->body)["entry"]["group"], "staff2");
  const auto root = rpc("filesystem.Filesystem/Stat", json{{"path", "/new/dir/root.txt"}});
  EXPECT_EQ(json::parse(root->body)["entry"]["owner"], "root");
}

TEST_F(Environments, PauseFreezesTheProcessesAndResumeContinuesThem) {
  StreamResult before;
  auto reader = start_reading("read line; echo got $line", before);
  const auto pid = wait_for_process("got");
  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/pause", "", "application/json")->status, 204);
  reader.join();
  // The stream drops as the edge drops it: no end event, no end-stream frame.
  EXPECT_FALSE(before.ended);
  EXPECT_FALSE(before.end);
  EXPECT_TRUE(processes().frozen(id_));
  EXPECT_EQ(processes().running(id_), 1u);  // kept, with its memory

  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/resume", R"({"timeout": 300})", "application/json")->status, 201);
  EXPECT_FALSE(processes().frozen(id_));
  // A client that reconnects follows the same process again, and its output after the resume arrives.
  std::mutex mutex;
  std::condition_variable cv;
  bool following = false;
  StreamResult after;
  std::thread follower([&] {
    auto client = envd();
    after = read_stream(*client, "/process.Process/Connect", json{{"process", {{"pid", pid}}}}, {},
                        [&](const models::ProcessEvent& e) {
                          if (!std::holds_alternative<models::StartEvent>(e)) return;
                          std::lock_guard lock(mutex);
                          following = true;
                          cv.notify_all();
                        });
  });
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return following; });
  }
  send_line(pid, "after-resume\n");
  follower.join();
  EXPECT_EQ(after.pid, pid);
  EXPECT_EQ(after.stdout_text, "got after-resume\n");
  ASSERT_TRUE(after.end);
  EXPECT_EQ(after.end->exit_code, 0);
  EXPECT_TRUE(after.ended);
}

// A paused sandbox with autoResume is woken by envd traffic (as E2B's proxy
// resumes it): the traffic's own call follows the process frozen at the pause.
TEST_F(Environments, TrafficResumingAPausedSandboxContinuesItsFrozenProcesses) {
  const auto id = create_sandbox(json{{"templateID", "base"}, {"timeout", 300}, {"autoResume", {{"enabled", true}}}});
  StreamResult before;
  auto reader = start_reading("read line; echo got $line", before, id);
  const auto pid = wait_for_process("got", id);
  ASSERT_EQ(api_->Post("/sandboxes/" + id + "/pause", "", "application/json")->status, 204);
  reader.join();
  EXPECT_FALSE(before.ended);
  ASSERT_TRUE(processes().frozen(id));

  StreamResult after;
  auto follower = follow(id, pid, after);  // this Connect is the traffic that resumes it
  EXPECT_FALSE(processes().frozen(id));
  const auto detail = api_->Get("/sandboxes/" + id);
  ASSERT_TRUE(detail);
  EXPECT_EQ(json::parse(detail->body)["state"], "running") << detail->body;
  send_line(pid, "woken\n", id);
  follower.join();
  EXPECT_EQ(after.pid, pid);
  EXPECT_EQ(after.stdout_text, "got woken\n");
  ASSERT_TRUE(after.end);
  EXPECT_EQ(after.end->exit_code, 0);
}

// Forks and snapshots copy a sandbox's root: the copy is a valid root of its
// own, with the owners, the users' homes and the /etc of the source.
TEST_F(Environments, ForksAndSnapshotsAreValidRootsWithTheSourcesOwnersHomesAndEtc) {
  auto client = envd();
  ASSERT_EQ(client->Post("/files?path=/home/user/mine.txt", "mine", "application/octet-stream")->status, 200);
  ASSERT_EQ(client->Post("/files?path=/srv/roots.txt&username=root", "roots", "application/octet-stream")->status, 200);
  ASSERT_EQ(run("echo 'alice:x:1001:1001::/home/alice:/bin/sh' >> /etc/passwd && echo done", json::object(), kAsRoot)
                .stdout_text,
            "done\n");
  const std::string check =
      "whoami; stat -c '%U:%G %n' /home/user/mine.txt /srv/roots.txt; stat -c '%U:%G %a %n' /home/user /root /tmp; "
      "getent passwd alice | cut -d: -f1,3; cat /home/user/mine.txt; echo; touch /home/user/new && echo writable; "
      "touch /root/x 2>/dev/null || echo root-only";
  const std::string expected =
      "user\nuser:user /home/user/mine.txt\nroot:root /srv/roots.txt\nuser:user 755 /home/user\nroot:root 700 /root\n"
      "root:root 1777 /tmp\nalice:1001\nmine\nwritable\nroot-only\n";
  ASSERT_EQ(run(check).stdout_text, expected);

  auto res = api_->Post("/sandboxes/" + id_ + "/fork", R"({"count": 1})", "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const auto forked = json::parse(res->body).at(0).at("sandbox");
  const std::string fork = forked["sandboxID"];
  tokens_[fork] = forked["envdAccessToken"];
  const auto in_fork = run_in(fork, check);
  EXPECT_EQ(in_fork.stdout_text, expected) << in_fork.stderr_text;

  res = api_->Post("/sandboxes/" + id_ + "/snapshots", R"({"name": "env-snap"})", "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const auto restored = create_sandbox(json{{"templateID", json::parse(res->body)["snapshotID"]}});
  const auto in_restored = run_in(restored, check);
  EXPECT_EQ(in_restored.stdout_text, expected) << in_restored.stderr_text;
}

TEST_F(Environments, KillingTheSandboxEndsEverythingInItTheInitIncluded) {
  StreamResult r;
  auto reader = start_reading("setsid sleep 600 & nohup sleep 601 >/dev/null 2>&1 & (sleep 602 &); read line", r);
  wait_for_process("read line");
  // Wait (inside the sandbox) until the three sleepers run, detached from the command.
  ASSERT_EQ(run("while [ $(pgrep -c sleep) -lt 3 ]; do sleep 0.02; done; echo three").stdout_text, "three\n");
  const auto [spawned, init] = processes().environment_pids(id_);
  ASSERT_GT(init, 0);
  const std::string ns = pid_namespace(init);
  ASSERT_FALSE(ns.empty());
  EXPECT_GE(processes_in(ns).size(), 5u);  // init, bash, three sleepers

  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  reader.join();
  EXPECT_FALSE(r.ended);  // dropped, as through the edge
  EXPECT_FALSE(r.end);
  EXPECT_TRUE(processes_in(ns).empty());
  EXPECT_FALSE(alive(init));
  EXPECT_FALSE(alive(spawned));  // bubblewrap too: nothing is left as the namespace's init
}

TEST_F(Environments, ExpiryEndsEverythingInItToo) {
  server_.clock().freeze();
  ASSERT_EQ(run("(setsid sleep 600 &); echo ok").stdout_text, "ok\n");
  const auto [spawned, init] = processes().environment_pids(id_);
  const std::string ns = pid_namespace(init);
  ASSERT_FALSE(ns.empty());
  server_.clock().advance(std::chrono::hours(1));
  server_.registry().expire_due();
  EXPECT_TRUE(processes_in(ns).empty());
  EXPECT_FALSE(alive(spawned));
}

TEST_F(Environments, StoppingTheServerEndsEveryEnvironment) {
  ASSERT_EQ(run("(setsid sleep 600 &); echo ok").stdout_text, "ok\n");
  const auto [spawned, init] = processes().environment_pids(id_);
  const std::string ns = pid_namespace(init);
  ASSERT_FALSE(ns.empty());
  server_.stop();
  EXPECT_TRUE(processes_in(ns).empty());
  EXPECT_FALSE(alive(spawned));
}

// The fake killed outright (SIGKILL, no shutdown): its sandboxes end with it,
// bubblewrap and the namespace's init included (--die-with-parent, and the
// init's sockets close).
TEST(FakeKilled, ItsSandboxesEndWithIt) {
  std::string why;
  if (!ppio_mock::exec::bwrap_works("/usr/bin/bwrap", why)) GTEST_SKIP() << why;
  int output[2];
  ASSERT_EQ(::pipe2(output, O_CLOEXEC), 0);
  const pid_t mock = ::fork();
  ASSERT_GE(mock, 0);
  if (mock == 0) {
    ::dup2(output[1], 1);
    ::execl(PPIO_MOCK_BINARY, PPIO_MOCK_BINARY, "--port", "0", "--executor", "bwrap", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(output[1]);
  // However the test ends, the fake it started does not outlive it.
  struct Reaped {
    pid_t pid;
    ~Reaped() {
      if (pid <= 0) return;
      ::kill(pid, SIGKILL);
      int ignored;
      ::waitpid(pid, &ignored, 0);
    }
  } guard{mock};
  std::string line;
  for (char c; line.find('\n') == std::string::npos && ::read(output[0], &c, 1) == 1;) line += c;
  ::close(output[0]);
  const auto at = line.find("http://");
  ASSERT_NE(at, std::string::npos) << line;
  const std::string url = line.substr(at, line.find('\n') - at);

  httplib::Client api(url);
  api.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  const auto created = api.Post("/sandboxes", R"({"templateID": "base"})", "application/json");
  ASSERT_TRUE(created && created->status == 201);
  const std::string id = json::parse(created->body)["sandboxID"];
  const std::string token = json::parse(created->body)["envdAccessToken"];  // secure by default
  httplib::Client envd(url);
  const json body{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", "(setsid sleep 600 &); echo ok"}}}}, {"stdin", false}};
  const auto ran = envd.Post("/process.Process/Start", {{"E2b-Sandbox-Id", id}, {"X-Access-Token", token}},
                             connect::encode_message(body), "application/connect+json");
  ASSERT_TRUE(ran && ran->status == 200);

  // The fake's child is bubblewrap (spawned by whichever thread served the
  // request); bubblewrap's child is the sandbox's init.
  const auto children = [](int pid) {
    std::vector<int> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
      std::ifstream in(task.path() / "children");
      for (int child; in >> child;) out.push_back(child);
    }
    return out;
  };
  const auto bwraps = children(mock);
  ASSERT_EQ(bwraps.size(), 1u);
  const auto inits = children(bwraps[0]);
  ASSERT_EQ(inits.size(), 1u);
  const std::string ns = pid_namespace(inits[0]);
  ASSERT_GE(processes_in(ns).size(), 2u);  // the init and the sleeper
  const int init_fd = static_cast<int>(::syscall(SYS_pidfd_open, inits[0], 0));
  const int bwrap_fd = static_cast<int>(::syscall(SYS_pidfd_open, bwraps[0], 0));
  ASSERT_GE(init_fd, 0);
  ASSERT_GE(bwrap_fd, 0);

  ASSERT_EQ(::kill(mock, SIGKILL), 0);
  int status;
  ASSERT_EQ(::waitpid(mock, &status, 0), mock);
  guard.pid = 0;
  // Waiting on the processes' own exits (bounded), not on the clock.
  pollfd ends[] = {{init_fd, POLLIN, 0}, {bwrap_fd, POLLIN, 0}};
  for (auto& end : ends) {
    ASSERT_EQ(::poll(&end, 1, 60000), 1) << "still running after the fake died";
  }
  // Nothing of the sandbox runs on (the init may stay a zombie until the host's init reaps it).
  EXPECT_TRUE(processes_in(ns).empty());
  ::close(init_fd);
  ::close(bwrap_fd);
}

// The sandbox's memory (its template's memoryMB) and process count are limited
// per sandbox; another sandbox and the fake itself carry on.
class Limits : public Environments {
 protected:
  Limits() : Environments(config()) {}
  static ppio_mock::ServerConfig config() {
    const auto file = std::filesystem::temp_directory_path() / ("ppio-limits-" + std::to_string(::getpid()) + ".json");
    std::ofstream(file) << R"([{"templateID": "small", "aliases": ["base"], "cpuCount": 1, "memoryMB": 64,
                               "diskSizeMB": 512, "public": true, "envdVersion": "0.6.13", "maxProcesses": 48}])";
    ppio_mock::ServerConfig c;
    c.templates_file = file.string();
    return c;
  }
  void TearDown() override {
    std::filesystem::remove(server_.config().templates_file);
    Environments::TearDown();
  }
};

TEST_F(Limits, AMemoryHogAndAForkBombAreStoppedWhileAnotherSandboxRunsOn) {
  const auto& resources = processes().resources();
  const auto other = create_sandbox(json{{"templateID", "base"}});
  StreamResult bystander;
  auto reader = start_reading("read line; echo alive $line", bystander, other);
  const auto bystander_pid = wait_for_process("alive", other);

  // Memory: the hog is killed at 64 MiB (as on E2B: SIGKILL), and the logs say why.
  const auto hog = run("exec tail /dev/zero", json::object(), {{"Connect-Timeout-Ms", "120000"}});
  ASSERT_TRUE(hog.end) << hog.stderr_text;
  if (resources.memory() == ppio_mock::exec::Mechanism::fallback) {
    EXPECT_NE(hog.end->exit_code, 0);  // RLIMIT_AS: its allocation fails instead
    EXPECT_NE(hog.stderr_text.find("memory exhausted"), std::string::npos) << hog.stderr_text;
  } else {
    EXPECT_EQ(hog.end->status, "signal: killed");
    const auto logs = api_->Get("/sandboxes/" + id_ + "/logs");
    EXPECT_NE(logs->body.find("out of memory: process " + std::to_string(hog.pid)), std::string::npos) << logs->body;
  }

  // Processes: a program that forks without end is held at 48 processes.
  const auto bomb = run("perl -e 'my $n = 0; while (1) { my $p = fork; if (!defined $p) { print \"held at $n\\n\"; "
                        "exit 0 } if ($p == 0) { sleep 1000; exit } $n++ }'",
                        json::object(), {{"Connect-Timeout-Ms", "120000"}});
  ASSERT_TRUE(bomb.end) << bomb.stderr_text;
  EXPECT_EQ(bomb.stdout_text.substr(0, 8), "held at ") << bomb.stderr_text;
  EXPECT_LE(std::stoi(bomb.stdout_text.substr(8)), 48);

  // The fake answers, and the other sandbox's command was never touched.
  httplib::Client plain(server_.url());
  EXPECT_EQ(plain.Get("/health")->status, 200);
  EXPECT_EQ(envd(other)->Get("/health")->status, 204);
  send_line(bystander_pid, "still\n", other);
  reader.join();
  EXPECT_EQ(bystander.stdout_text, "alive still\n");
  ASSERT_TRUE(bystander.end);
  EXPECT_EQ(bystander.end->exit_code, 0);
}

}  // namespace
}  // namespace envd_test
