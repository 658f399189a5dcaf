// concurrency: the fake under the load of RL rollouts and evaluation sweeps.
//  1. N concurrent `echo up; sleep S` commands through Process.Start, spread
//     over M sandboxes: wall time against the ideal S, the p50/p99 time from
//     sending a command to its first output, errors, and the fake's peak
//     threads and resident memory.
//  2. H streams held open at once (`sleep`ing commands), then released: how
//     many were reset, and the fake's memory per held stream.
// The fake runs as its own process (the ppio-mock program), so that its
// threads and memory are its own. It prints one table; nothing is asserted.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace core = ppio_sandbox::core;
namespace connect = ppio_sandbox::core::connect;

double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// A ppio-mock child process on a free port, stopped by the destructor.
class MockProcess {
 public:
  MockProcess(const std::string& program, const std::string& executor) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args{program, "--port", "0", "--executor", executor, "--max-timeout", "86400"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + program);
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      if (line.starts_with("ppio-mock listening on ")) break;
      line.clear();
    }
    ::close(out[0]);
    if (!line.starts_with("ppio-mock listening on ")) throw std::runtime_error("ppio-mock did not start");
    url_ = line.substr(std::string("ppio-mock listening on ").size());
  }
  ~MockProcess() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  const std::string& url() const { return url_; }
  // A field of /proc/<pid>/status, e.g. "Threads" or "VmRSS" (kB).
  long status(const std::string& field) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

// Samples the fake's threads and memory while a run goes on.
class Sampler {
 public:
  explicit Sampler(const MockProcess& mock) : mock_(mock), thread_([this] { run(); }) {}
  ~Sampler() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  long peak_threads() const { return peak_threads_; }
  long peak_rss_kib() const { return peak_rss_; }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      peak_threads_ = std::max(peak_threads_, mock_.status("Threads"));
      peak_rss_ = std::max(peak_rss_, mock_.status("VmRSS"));
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
  const MockProcess& mock_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  long peak_threads_ = 0;
  long peak_rss_ = 0;
  std::thread thread_;
};

std::string create_sandbox(const std::string& url) {
  httplib::Client api(url);
  auto res = api.Post("/sandboxes", {{"X-API-Key", "sk_mock_default_key"}},
                      R"({"templateID": "base", "timeout": 3600, "secure": false})", "application/json");
  if (!res || res->status != 201) throw std::runtime_error("create failed");
  return json::parse(res->body).at("sandboxID");
}

struct CommandResult {
  std::optional<double> first_output_ms;
  bool ok = false;
  std::string error;
};

// One command's stream, read to its end.
CommandResult run_command(const std::string& url, const std::string& sandbox, const std::string& command,
                          Clock::time_point* released = nullptr, std::atomic<int>* held = nullptr) {
  CommandResult result;
  httplib::Client client(url);
  client.set_read_timeout(600, 0);
  client.set_connection_timeout(60, 0);
  httplib::Request req;
  req.method = "POST";
  req.path = "/process.Process/Start";
  req.headers = {{"E2b-Sandbox-Id", sandbox}, {"Content-Type", "application/connect+json"},
                 {"Keepalive-Ping-Interval", "50"}};
  const json start{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", command}}}}, {"stdin", false}};
  req.body = connect::encode_message(start);
  core::ProcessStream stream;
  const auto sent = Clock::now();
  bool counted = false;
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    stream.feed(std::string_view(data, n));
    if (!result.first_output_ms && !stream.stdout_bytes().empty()) {
      result.first_output_ms = ms_between(released != nullptr ? *released : sent, Clock::now());
      if (held != nullptr) {
        ++*held;
        counted = true;
      }
    }
    return true;
  };
  auto res = client.send(req);
  if (!res) {
    result.error = httplib::to_string(res.error());
  } else if (res->status != 200) {
    result.error = "HTTP " + std::to_string(res->status);
  } else if (!stream.finished() || !stream.end()) {
    result.error = "no end frame";
  } else if (stream.error()) {
    result.error = stream.error()->message;
  } else {
    result.ok = stream.end()->exit_code == 0;
    if (!result.ok) result.error = "exit " + std::to_string(stream.end()->exit_code);
  }
  if (counted && held != nullptr) --*held;
  return result;
}

struct RunFigures {
  int n = 0;
  int sandboxes = 0;
  double wall_s = 0;
  double ideal_s = 0;
  double p50_first_ms = 0;
  double p99_first_ms = 0;
  int errors = 0;
  std::string first_error;
  long peak_threads = 0;
  long peak_rss_mib = 0;
};

RunFigures concurrent_commands(const MockProcess& mock, int n, int sandboxes, int seconds) {
  std::vector<std::string> ids;
  for (int i = 0; i < sandboxes; ++i) ids.push_back(create_sandbox(mock.url()));
  std::vector<CommandResult> results(static_cast<std::size_t>(n));
  std::mutex mutex;
  std::condition_variable go;
  bool released = false;
  Clock::time_point release_at;
  Sampler sampler(mock);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mutex);
        go.wait(lock, [&] { return released; });
      }
      results[static_cast<std::size_t>(i)] = run_command(mock.url(), ids[static_cast<std::size_t>(i % sandboxes)],
                                                         "echo up; sleep " + std::to_string(seconds), &release_at);
    });
  }
  {
    std::lock_guard lock(mutex);
    released = true;
    release_at = Clock::now();
  }
  go.notify_all();
  for (auto& t : threads) t.join();
  const auto wall = ms_between(release_at, Clock::now()) / 1000;
  sampler.stop();

  RunFigures f{.n = n, .sandboxes = sandboxes, .wall_s = wall, .ideal_s = static_cast<double>(seconds)};
  std::vector<double> firsts;
  for (const auto& r : results) {
    if (r.first_output_ms) firsts.push_back(*r.first_output_ms);
    if (!r.ok) {
      ++f.errors;
      if (f.first_error.empty()) f.first_error = r.error;
    }
  }
  f.p50_first_ms = percentile(firsts, 0.5);
  f.p99_first_ms = percentile(firsts, 0.99);
  f.peak_threads = sampler.peak_threads();
  f.peak_rss_mib = sampler.peak_rss_kib() / 1024;
  httplib::Client api(mock.url());
  api.Post("/_mock/reset", {{"X-Admin-Token", "ppio-mock-admin"}}, "", "application/json");
  return f;
}

struct HeldFigures {
  int streams = 0;
  int held_at_once = 0;
  int errors = 0;
  std::string first_error;
  double rss_per_stream_kib = 0;
  long peak_threads = 0;
};

HeldFigures held_streams(const MockProcess& mock, int streams, int sandboxes, int seconds) {
  std::vector<std::string> ids;
  for (int i = 0; i < sandboxes; ++i) ids.push_back(create_sandbox(mock.url()));
  const long rss_before = mock.status("VmRSS");
  std::atomic<int> held{0};
  int most_held = 0;
  long rss_held = 0;
  std::vector<CommandResult> results(static_cast<std::size_t>(streams));
  Sampler sampler(mock);
  std::vector<std::thread> threads;
  for (int i = 0; i < streams; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] = run_command(mock.url(), ids[static_cast<std::size_t>(i % sandboxes)],
                                                         "echo up; sleep " + std::to_string(seconds), nullptr, &held);
    });
  }
  // Watch how many are open at once until they end.
  const auto until = Clock::now() + std::chrono::seconds(seconds + 600);
  while (Clock::now() < until) {
    const int now_held = held.load();
    if (now_held > most_held) {
      most_held = now_held;
      rss_held = mock.status("VmRSS");
    }
    if (most_held > 0 && now_held == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& t : threads) t.join();
  sampler.stop();
  HeldFigures f{.streams = streams, .held_at_once = most_held};
  for (const auto& r : results) {
    if (!r.ok) {
      ++f.errors;
      if (f.first_error.empty()) f.first_error = r.error;
    }
  }
  f.rss_per_stream_kib = most_held > 0 ? static_cast<double>(rss_held - rss_before) / most_held : 0;
  f.peak_threads = sampler.peak_threads();
  return f;
}

std::vector<std::pair<int, int>> parse_runs(const std::string& text) {
  std::vector<std::pair<int, int>> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto x = item.find('x');
    out.emplace_back(std::stoi(item.substr(0, x)), std::stoi(item.substr(x + 1)));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mock = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "mockserver/ppio-mock").string();
  std::string runs = "64x16,256x16,1024x32";
  int seconds = 3;
  int held = 2000;
  int held_sandboxes = 40;
  int held_seconds = 20;
  std::string executor = "auto";
  CLI::App app{"concurrency: prints the fake's figures under many concurrent command streams"};
  app.add_option("--mock", mock, "The ppio-mock program")->capture_default_str();
  app.add_option("--runs", runs, "Runs of N commands over M sandboxes, as NxM,NxM,...")->capture_default_str();
  app.add_option("--seconds", seconds, "How long each command sleeps")->capture_default_str();
  app.add_option("--held", held, "Streams held open at once in the last run (0: skip it)")->capture_default_str();
  app.add_option("--held-sandboxes", held_sandboxes, "Sandboxes the held streams spread over")->capture_default_str();
  app.add_option("--held-seconds", held_seconds, "How long each held stream's command sleeps")->capture_default_str();
  app.add_option("--executor", executor, "How the fake runs commands: auto, bwrap or host")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  MockProcess fake(mock, executor);
  std::printf("fake: %s (executor %s), %u cores\n\n", fake.url().c_str(), executor.c_str(),
              std::thread::hardware_concurrency());
  std::printf("%-6s %-9s %-8s %-8s %-8s %-12s %-12s %-7s %-8s %-9s\n", "N", "sandboxes", "wall s", "ideal s", "ratio",
              "p50 first ms", "p99 first ms", "errors", "threads", "RSS MiB");
  for (const auto& [n, m] : parse_runs(runs)) {
    const auto f = concurrent_commands(fake, n, m, seconds);
    std::printf("%-6d %-9d %-8.2f %-8.2f %-8.2f %-12.1f %-12.1f %-7d %-8ld %-9ld %s\n", f.n, f.sandboxes, f.wall_s,
                f.ideal_s, f.wall_s / f.ideal_s, f.p50_first_ms, f.p99_first_ms, f.errors, f.peak_threads,
                f.peak_rss_mib, f.first_error.c_str());
    std::fflush(stdout);
  }
  if (held > 0) {
    const auto f = held_streams(fake, held, held_sandboxes, held_seconds);
    std::printf("\nheld streams: %d opened, %d open at once, %d errors %s, fake peak threads %ld, RSS %.1f KiB per held "
                "stream\n",
                f.streams, f.held_at_once, f.errors, f.first_error.c_str(), f.peak_threads, f.rss_per_stream_kib);
  }
  return 0;
}
