// envd_exec: what the fake's envd costs on top of the work it does.
//  1. The round trip of `true` through Process.Start (request sent to end-stream
//     frame read), with the bwrap executor and with the host executor, next to
//     spawning bwrap with the executor's own arguments directly (posix_spawn +
//     waitpid), interleaved in one run.
//  2. A 100 MiB upload and download through /files: the time, and how much the
//     process's peak resident memory grows (the fake runs in this process, and
//     the client here streams from and to nothing, so the growth is the fake's).
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

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::stol(line.substr(std::strlen(field) + 1));
  }
  return -1;
}

// Resets VmHWM to the current VmRSS (Linux >= 4.0), so a later VmHWM is this step's peak.
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A fake with one sandbox, and a keep-alive envd client for it.
struct Fake {
  explicit Fake(const std::string& executor) : server(config(executor)) {
    server.start();
    ppio_sandbox::core::NewSandbox n;
    n.template_id = "base";
    n.timeout = 3600;
    id = server.registry().create(ppio_mock::kDefaultTeam, n).info.sandbox_id;
    client = std::make_unique<httplib::Client>(server.url());
    client->set_default_headers({{"E2b-Sandbox-Id", id}});
    client->set_read_timeout(600, 0);
    client->set_write_timeout(600, 0);
  }
  static ppio_mock::ServerConfig config(const std::string& executor) {
    ppio_mock::ServerConfig c;
    c.envd.executor = executor;
    return c;
  }

  // Milliseconds from sending Process.Start to reading its end-stream frame; < 0 on failure.
  double start_true() {
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
    auto res = client->send(req);
    if (!res || !ended) return -1;
    return std::chrono::duration<double, std::milli>(done - start).count();
  }

  ppio_mock::Server server;
  std::string id;
  std::unique_ptr<httplib::Client> client;
};

// bwrap with exactly the arguments the fake's executor would use, spawned and reaped.
double spawn_direct(const ppio_mock::exec::LaunchSpec& spec) {
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = spec.env;
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = Clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ms_since(start);
}

void print_row(const std::string& name, const std::vector<double>& v) {
  std::printf("  %-34s median %7.3f ms   p90 %7.3f ms\n", name.c_str(), percentile(v, 0.5), percentile(v, 0.9));
}

void round_trips(int runs) {
  std::string why;
  const bool bwrap = ppio_mock::exec::bwrap_works("/usr/bin/bwrap", why);
  std::unique_ptr<Fake> fake_bwrap;
  if (bwrap) fake_bwrap = std::make_unique<Fake>("bwrap");
  Fake fake_host("host");
  const auto root = std::filesystem::temp_directory_path() / ("envd_exec_direct_" + std::to_string(::getpid()));
  ppio_mock::exec::SandboxFs fs(root.string());
  const auto spec = ppio_mock::exec::make_bwrap_executor()->prepare(fs, {.cmd = "/usr/bin/true", .cwd = "/home/user"});

  std::vector<double> via_bwrap, via_host, direct;
  for (int i = -5; i < runs; ++i) {  // five warm-up rounds, not counted
    const double h = fake_host.start_true();
    const double b = bwrap ? fake_bwrap->start_true() : 0;
    const double d = bwrap ? spawn_direct(spec) : 0;
    if (h < 0 || b < 0 || d < 0) {
      std::cerr << "a run failed\n";
      std::exit(1);
    }
    if (i < 0) continue;
    via_host.push_back(h);
    via_bwrap.push_back(b);
    direct.push_back(d);
  }
  std::filesystem::remove_all(root);
  std::printf("Process.Start of `true`, request to end-stream frame, %d runs each (interleaved)\n", runs);
  print_row("fake, host executor", via_host);
  if (!bwrap) {
    std::printf("  bwrap does not work here (%s): no bwrap figures\n", why.c_str());
    return;
  }
  print_row("fake, bwrap executor", via_bwrap);
  print_row("bwrap spawned directly", direct);
  std::printf("  the fake adds %.3f ms over the direct spawn at the median (p90: %.3f ms)\n",
              percentile(via_bwrap, 0.5) - percentile(direct, 0.5), percentile(via_bwrap, 0.9) - percentile(direct, 0.9));
}

void files(std::size_t mib) {
  Fake fake("host");
  const std::size_t size = mib << 20;
  const std::string block(1 << 16, 'x');

  reset_peak();
  const long rss_before_up = status_kib("VmRSS:");
  auto start = Clock::now();
  auto res = fake.client->Post(
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
  res = fake.client->Get("/files?path=/big.bin", [&](const char*, std::size_t n) {
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
  CLI::App app{"envd_exec: Process.Start round trips and /files streaming of the fake's envd"};
  int runs = 200;
  std::size_t mib = 100;
  app.add_option("--runs", runs, "Process.Start round trips per executor")->check(CLI::PositiveNumber);
  app.add_option("--mib", mib, "size of the /files upload and download")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  round_trips(runs);
  files(mib);
  return 0;
}
