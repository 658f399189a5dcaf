// envd_exec: what a command costs in the fake's envd, and what a sandbox's
// environment costs while it idles.
//  1. Round trips, interleaved in one run: `true` through Process.Start in a
//     live sandbox (bwrap executor: the sandbox's environment already runs, so
//     the command is a fork of its init), the same with the host executor,
//     `sh -c true` spawned directly on the host (posix_spawn + waitpid), and a
//     direct bubblewrap start of `true` with the executor's own isolation
//     (Executor::isolate, the argv a sandbox's environment starts with).
//  2. Memory per idle sandbox environment, with --sandboxes of them started:
//     the proportional set size (PSS) of each environment's processes (bwrap
//     and the init), and MemAvailable before and after (the kernel's share:
//     namespaces, page tables; noisy on a shared machine).
//  3. A 100 MiB upload and download through /files: the time, and how much the
//     process's peak resident memory grows (the fake runs in this process, and
//     the client here streams from and to nothing, so the growth is the fake's).
// The load average is printed first: figures from a busy machine say little.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "mockserver/exec/executor.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/core/connect.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace connect = ppio_sandbox::core::connect;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// A "Field:  N kB" line of a /proc file, in KiB; -1 when absent.
long kib_field(const std::string& file, const char* field) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::stol(line.substr(std::strlen(field) + 1));
  }
  return -1;
}

long status_kib(const char* field) { return kib_field("/proc/self/status", field); }

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Resets VmHWM to the current VmRSS (Linux >= 4.0), so a later VmHWM is this step's peak.
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

ppio_mock::ServerConfig config(const std::string& executor) {
  ppio_mock::ServerConfig c;
  c.envd.executor = executor;
  return c;
}

// A fake, and keep-alive envd clients for the sandboxes made in it.
struct Fake {
  explicit Fake(const std::string& executor) : server(config(executor)) { server.start(); }

  std::string create() {
    ppio_sandbox::core::NewSandbox n;
    n.template_id = "base";
    n.timeout = 3600;
    const auto info = server.registry().create(ppio_mock::kDefaultTeam, n).info;
    const auto& id = info.sandbox_id;
    auto client = std::make_unique<httplib::Client>(server.url());
    // Secure by default: each sandbox's envd wants its own token.
    client->set_default_headers({{"E2b-Sandbox-Id", id}, {"X-Access-Token", info.envd_access_token.value_or("")}});
    client->set_read_timeout(600, 0);
    client->set_write_timeout(600, 0);
    clients.emplace_back(id, std::move(client));
    return id;
  }

  // Milliseconds from sending Process.Start to reading its end-stream frame; < 0 on failure.
  double start_true(std::size_t sandbox = 0) {
    connect::FrameDecoder decoder;
    bool ended = false;
    httplib::Request req;
    req.method = "POST";
    req.path = "/process.Process/Start";
    req.headers = {{"Content-Type", "application/connect+json"}};
    req.body = connect::encode_message(json{{"process", {{"cmd", "/usr/bin/true"}}}, {"stdin", false}});
    Clock::time_point done;
    req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      decoder.feed(std::string_view(data, size));
      while (auto frame = decoder.next()) {
        if (frame->end_stream()) {
          done = Clock::now();
          ended = true;
        }
      }
      return true;
    };
    const auto start = Clock::now();
    auto res = clients[sandbox].second->send(req);
    if (!res || !ended) return -1;
    return std::chrono::duration<double, std::milli>(done - start).count();
  }

  ppio_mock::Server server;
  std::vector<std::pair<std::string, std::unique_ptr<httplib::Client>>> clients;
};

// Spawns `args` with stdio on /dev/null and reaps it: milliseconds, < 0 on failure.
double spawn_and_reap(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  const auto start = Clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return ms_since(start);
}

void print_row(const std::string& name, const std::vector<double>& v) {
  std::printf("  %-44s median %7.3f ms   p90 %7.3f ms\n", name.c_str(), percentile(v, 0.5), percentile(v, 0.9));
}

void round_trips(int runs) {
  std::string why;
  const bool bwrap = ppio_mock::exec::bwrap_works("/usr/bin/bwrap", why);
  std::unique_ptr<Fake> fake_bwrap;
  if (bwrap) {
    fake_bwrap = std::make_unique<Fake>("bwrap");
    fake_bwrap->create();
  }
  Fake fake_host("host");
  fake_host.create();
  const auto root = std::filesystem::temp_directory_path() / ("envd_exec_direct_" + std::to_string(::getpid()));
  std::vector<std::string> direct_argv;
  {
    ppio_mock::exec::SandboxFs fs(root.string());
    direct_argv = ppio_mock::exec::make_bwrap_executor()->isolate(fs, {"/usr/bin/true"});
  }

  std::vector<double> via_bwrap, via_host, host_spawn, direct;
  for (int i = -5; i < runs; ++i) {  // five warm-up rounds, not counted: the environments start in the first
    const double h = fake_host.start_true();
    const double s = spawn_and_reap({"/bin/sh", "-c", "true"});
    const double b = bwrap ? fake_bwrap->start_true() : 0;
    const double d = bwrap ? spawn_and_reap(direct_argv) : 0;
    if (h < 0 || s < 0 || b < 0 || d < 0) {
      std::cerr << "a run failed\n";
      std::exit(1);
    }
    if (i < 0) continue;
    via_host.push_back(h);
    host_spawn.push_back(s);
    via_bwrap.push_back(b);
    direct.push_back(d);
  }
  ppio_mock::exec::remove_tree(root.string());
  std::printf("Round trips of `true`, %d runs each (interleaved)\n", runs);
  print_row("sh -c true spawned on the host", host_spawn);
  print_row("Process.Start, host executor", via_host);
  if (!bwrap) {
    std::printf("  bwrap does not work here (%s): no bwrap figures\n", why.c_str());
    return;
  }
  print_row("Process.Start in a live sandbox (bwrap)", via_bwrap);
  print_row("bwrap ... true started directly", direct);
  std::printf("  isolated round trip / host spawn at the median: %.2fx (p90: %.2fx); direct bwrap / isolated: %.1fx\n",
              percentile(via_bwrap, 0.5) / percentile(host_spawn, 0.5),
              percentile(via_bwrap, 0.9) / percentile(host_spawn, 0.9),
              percentile(direct, 0.5) / percentile(via_bwrap, 0.5));
}

void idle_memory(int sandboxes) {
  std::string why;
  if (!ppio_mock::exec::bwrap_works("/usr/bin/bwrap", why)) {
    std::printf("Idle sandbox memory: bwrap does not work here (%s)\n", why.c_str());
    return;
  }
  Fake fake("bwrap");
  const long available_before = kib_field("/proc/meminfo", "MemAvailable:");
  for (int i = 0; i < sandboxes; ++i) {
    fake.create();
    if (fake.start_true(static_cast<std::size_t>(i)) < 0) {  // starts its environment
      std::cerr << "a sandbox failed to run `true`\n";
      std::exit(1);
    }
  }
  const long available_after = kib_field("/proc/meminfo", "MemAvailable:");
  long pss = 0, rss = 0, processes = 0;
  for (const auto& [id, client] : fake.clients) {
    const auto [monitor, init] = fake.server.envd().processes().environment_pids(id);
    for (const int pid : {monitor, init}) {
      if (pid <= 0) continue;
      const std::string rollup = "/proc/" + std::to_string(pid) + "/smaps_rollup";
      pss += std::max(0L, kib_field(rollup, "Pss:"));
      rss += std::max(0L, kib_field(rollup, "Rss:"));
      ++processes;
    }
  }
  std::printf("Idle sandbox environments: %d started (%ld processes: bwrap and the init of each)\n", sandboxes,
              processes);
  std::printf("  per environment: PSS %6.0f KiB   RSS %6.0f KiB   MemAvailable drop %6.0f KiB (kernel included)\n",
              static_cast<double>(pss) / sandboxes, static_cast<double>(rss) / sandboxes,
              static_cast<double>(available_before - available_after) / sandboxes);
}

void files(std::size_t mib) {
  Fake fake("host");
  fake.create();
  auto& client = *fake.clients[0].second;
  const std::size_t size = mib << 20;
  const std::string block(1 << 16, 'x');

  reset_peak();
  const long rss_before_up = status_kib("VmRSS:");
  auto start = Clock::now();
  auto res = client.Post(
      "/files?path=/big.bin", size,
      [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        return sink.write(block.data(), std::min({length, block.size(), size - offset}));
      },
      "application/octet-stream");
  const double up_ms = ms_since(start);
  const long up_growth = status_kib("VmHWM:") - rss_before_up;
  if (!res || res->status != 200) {
    std::cerr << "upload failed\n";
    std::exit(1);
  }

  reset_peak();
  const long rss_before_down = status_kib("VmRSS:");
  std::size_t received = 0;
  start = Clock::now();
  res = client.Get("/files?path=/big.bin", [&](const char*, std::size_t n) {
    received += n;
    return true;
  });
  const double down_ms = ms_since(start);
  const long down_growth = status_kib("VmHWM:") - rss_before_down;
  if (!res || res->status != 200 || received != size) {
    std::cerr << "download failed\n";
    std::exit(1);
  }
  std::printf("/files with %zu MiB (octet-stream)\n", mib);
  std::printf("  upload   %8.1f ms  %7.1f MiB/s   peak RSS growth %6.1f MiB\n", up_ms,
              static_cast<double>(mib) / (up_ms / 1000), static_cast<double>(up_growth) / 1024);
  std::printf("  download %8.1f ms  %7.1f MiB/s   peak RSS growth %6.1f MiB\n", down_ms,
              static_cast<double>(mib) / (down_ms / 1000), static_cast<double>(down_growth) / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"envd_exec: Process.Start round trips, idle sandbox memory and /files streaming of the fake's envd"};
  int runs = 200;
  int sandboxes = 100;
  std::size_t mib = 100;
  app.add_option("--runs", runs, "round trips of each kind")->check(CLI::PositiveNumber);
  app.add_option("--sandboxes", sandboxes, "idle sandbox environments to measure")->check(CLI::PositiveNumber);
  app.add_option("--mib", mib, "size of the /files upload and download")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  std::printf("load average at start: %s (%ld cores)\n", load_average().c_str(), ::sysconf(_SC_NPROCESSORS_ONLN));
  round_trips(runs);
  idle_memory(sandboxes);
  files(mib);
  std::printf("load average at end: %s\n", load_average().c_str());
  return 0;
}
