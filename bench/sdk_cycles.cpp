// sdk_cycles: what the SDK costs per call. Against the embedded fake with no
// injected latency, N cycles of create -> execute_command("echo hi") -> delete,
// first through AsyncSandboxClient with K cycles in flight, then one after
// another through the sync SandboxClient. Prints wall time, throughput, and
// the CPU the SDK used apart from the CPU the fake used.
//
// How the CPU is split, honestly: the fake runs in this process, so process
// CPU alone would mix the two. Every SDK call reaches the network through
// HttpTransport on the thread that does the SDK's work, so the bench wraps the
// real transport in a pass-through that notes each calling thread's CPU clock
// (pthread_getcpuclockid) the first time it sees the thread. SDK CPU is the
// CPU of exactly those threads over the run (AsyncSandboxClient's pool
// threads, or the main thread for the sync client, whose share of waiting on
// futures and submitting work is counted too). It includes the SDK's time in
// cpp-httplib and in the kernel for its sockets, as a user would pay it. The
// fake's CPU is the rest of the process (its HTTP threads, reaper, process
// table) plus the command processes it spawned and reaped (bwrap and bash:
// RUSAGE_CHILDREN). The wrapper costs one thread-local check per request.
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace {

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using Clock = std::chrono::steady_clock;

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

double clock_seconds(clockid_t id) {
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct ProcessCpu {
  double self = 0;      // every thread of this process: SDK, fake and bench
  double children = 0;  // reaped child processes: the fake's bwrap/bash commands
  static ProcessCpu now() {
    rusage self{};
    rusage children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return {seconds_of(self.ru_utime) + seconds_of(self.ru_stime),
            seconds_of(children.ru_utime) + seconds_of(children.ru_stime)};
  }
};

// The real transport, plus a record of the CPU clock of every thread that sends through it.
class CountingTransport final : public core::HttpTransport {
 public:
  explicit CountingTransport(std::shared_ptr<core::HttpTransport> inner) : inner_(std::move(inner)) {}

  core::HttpResponse send(const core::HttpRequest& request) override {
    note_thread();
    return inner_->send(request);
  }
  core::HttpResponse send_streaming(const core::HttpRequest& request, const core::StreamHandlers& handlers) override {
    note_thread();
    return inner_->send_streaming(request, handlers);
  }

  // Starts a phase: forgets the threads seen so far, and counts the calling
  // (main) thread from its current CPU time.
  void begin_phase() {
    std::lock_guard lock(mutex_);
    threads_.clear();
    ++phase_;
    main_clock_ = own_clock();
    main_start_ = clock_seconds(main_clock_);
    main_ = pthread_self();
  }

  // CPU of the SDK's threads in this phase. Call while those threads still live.
  double sdk_cpu() {
    std::lock_guard lock(mutex_);
    double total = clock_seconds(main_clock_) - main_start_;
    for (const auto& t : threads_) {
      if (!pthread_equal(t.thread, main_)) total += clock_seconds(t.clock) - t.start;
    }
    return total;
  }

  std::size_t threads_seen() {
    std::lock_guard lock(mutex_);
    return threads_.size();
  }

 private:
  struct Thread {
    pthread_t thread;
    clockid_t clock;
    double start;  // 0 for a thread that began within the phase; else its CPU then
  };

  static clockid_t own_clock() {
    clockid_t id{};
    pthread_getcpuclockid(pthread_self(), &id);
    return id;
  }

  void note_thread() {
    thread_local int seen_phase = -1;
    if (seen_phase == phase_.load()) return;
    std::lock_guard lock(mutex_);
    seen_phase = phase_;
    // A pool thread is first seen on its first request; the CPU it used before
    // that (starting up, queue handling) belongs to the phase too, so it
    // counts from zero. Pool threads never outlive their client, and each
    // phase has a client of its own.
    threads_.push_back({pthread_self(), own_clock(), 0.0});
  }

  std::shared_ptr<core::HttpTransport> inner_;
  std::mutex mutex_;
  std::atomic<int> phase_{0};
  std::vector<Thread> threads_;
  clockid_t main_clock_{};
  double main_start_ = 0;
  pthread_t main_{};
};

// This thread's user and system CPU, to split the sync client's cost.
std::pair<double, double> thread_user_system() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return {seconds_of(usage.ru_utime), seconds_of(usage.ru_stime)};
}

struct Result {
  double wall = 0;
  double sdk_cpu = 0;
  std::optional<std::pair<double, double>> sdk_user_system;  // sync only: all SDK work is on this thread
  double fake_in_process = 0;
  double fake_commands = 0;
  int errors = 0;
  std::size_t sdk_threads = 0;
};

prime::CreateSandboxRequest request(int i) {
  prime::CreateSandboxRequest r;
  r.name = "cycle-" + std::to_string(i);
  r.docker_image = "python:3.11-slim";
  r.timeout_minutes = 10;
  return r;
}

// One cycle through the async client: three steps, each a future.
struct Chain {
  int index = 0;
  int stage = 0;  // 0 create, 1 execute, 2 delete
  std::string id;
  std::future<prime::Sandbox> created;
  std::future<prime::CommandResponse> ran;
  std::future<prime::DeleteSandboxResponse> deleted;
};

Result run_async(const prime::ClientOptions& options, CountingTransport& counter, int cycles, int in_flight) {
  Result result;
  const auto cpu_before = ProcessCpu::now();
  const auto started = Clock::now();
  counter.begin_phase();
  {
    prime::AsyncSandboxClient client(options, in_flight);
    std::deque<Chain> active;
    int next = 0;
    const auto launch = [&] {
      Chain chain;
      chain.index = next++;
      chain.created = client.create(request(chain.index));
      active.push_back(std::move(chain));
    };
    while (next < cycles && static_cast<int>(active.size()) < in_flight) launch();
    // Oldest first: wait for the step a chain is on, start its next step, and
    // put it at the back; a finished chain makes room for a new one.
    while (!active.empty()) {
      Chain chain = std::move(active.front());
      active.pop_front();
      try {
        if (chain.stage == 0) {
          chain.id = chain.created.get().id;
          chain.ran = client.execute_command(chain.id, "echo hi");
        } else if (chain.stage == 1) {
          if (chain.ran.get().stdout != "hi\n") ++result.errors;
          chain.deleted = client.delete_(chain.id);
        } else {
          if (!chain.deleted.get().success) ++result.errors;
        }
      } catch (const std::exception& e) {
        if (result.errors++ < 5) std::cerr << "async cycle " << chain.index << ": " << e.what() << "\n";
        chain.stage = 2;
      }
      if (++chain.stage < 3) {
        active.push_back(std::move(chain));
      } else if (next < cycles) {
        launch();
      }
    }
    result.sdk_cpu = counter.sdk_cpu();  // the pool threads are still alive here
    result.sdk_threads = counter.threads_seen();
  }
  result.wall = std::chrono::duration<double>(Clock::now() - started).count();
  const auto cpu_after = ProcessCpu::now();
  result.fake_in_process = cpu_after.self - cpu_before.self - result.sdk_cpu;
  result.fake_commands = cpu_after.children - cpu_before.children;
  return result;
}

Result run_sync(const prime::ClientOptions& options, CountingTransport& counter, int cycles) {
  Result result;
  prime::SandboxClient client{prime::APIClient(options)};
  const auto cpu_before = ProcessCpu::now();
  const auto started = Clock::now();
  const auto [user_before, system_before] = thread_user_system();
  counter.begin_phase();
  for (int i = 0; i < cycles; ++i) {
    try {
      const auto sandbox = client.create(request(i));
      if (client.execute_command(sandbox.id, "echo hi").stdout != "hi\n") ++result.errors;
      if (!client.delete_(sandbox.id).success) ++result.errors;
    } catch (const std::exception& e) {
      if (result.errors++ < 5) std::cerr << "sync cycle " << i << ": " << e.what() << "\n";
    }
  }
  result.sdk_cpu = counter.sdk_cpu();
  result.sdk_threads = counter.threads_seen();
  const auto [user_after, system_after] = thread_user_system();
  result.sdk_user_system = std::make_pair(user_after - user_before, system_after - system_before);
  result.wall = std::chrono::duration<double>(Clock::now() - started).count();
  const auto cpu_after = ProcessCpu::now();
  result.fake_in_process = cpu_after.self - cpu_before.self - result.sdk_cpu;
  result.fake_commands = cpu_after.children - cpu_before.children;
  return result;
}

void report(const std::string& label, const Result& r, int cycles) {
  // A cycle is three SDK calls: create (POST /sandboxes + GET /sandboxes/{id}),
  // execute_command (one Process/Start stream) and delete.
  const double calls = 3.0 * cycles;
  std::printf("%-22s wall %7.2f s  %7.1f cycles/s  %7.1f calls/s  errors %d\n", label.c_str(), r.wall, cycles / r.wall,
              calls / r.wall, r.errors);
  std::printf("%-22s SDK CPU %6.3f s = %6.1f us/cycle = %6.1f us/call  (%zu SDK threads)\n", "", r.sdk_cpu,
              r.sdk_cpu / cycles * 1e6, r.sdk_cpu / calls * 1e6, r.sdk_threads);
  if (r.sdk_user_system) {
    std::printf("%-22s   of which user %6.3f s, kernel %6.3f s\n", "", r.sdk_user_system->first,
                r.sdk_user_system->second);
  }
  std::printf("%-22s fake CPU %6.3f s in-process (%6.1f us/cycle) + %6.3f s command processes (%6.1f us/cycle)\n", "",
              r.fake_in_process, r.fake_in_process / cycles * 1e6, r.fake_commands, r.fake_commands / cycles * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"create -> execute_command -> delete cycles through the SDK against the embedded fake"};
  int cycles = 500;
  int in_flight = 32;
  std::string executor = "auto";
  bool skip_sync = false;
  app.add_option("--cycles", cycles, "Cycles per client")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--in-flight", in_flight, "Cycles in flight through AsyncSandboxClient (its max_connections)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--executor", executor, "How the fake runs commands: auto, bwrap or host")->capture_default_str();
  app.add_flag("--skip-sync", skip_sync, "Only the async run");
  CLI11_PARSE(app, argc, argv);

  ppio_mock::ServerConfig config;
  config.envd.executor = executor;
  ppio_mock::Server server(config);
  server.start();

  auto counter = std::make_shared<CountingTransport>(core::make_http_transport(
      {.max_idle_per_host = static_cast<std::size_t>(in_flight) + 4}));
  prime::ClientOptions options;
  options.api_key = ppio_mock::kDefaultApiKey;
  options.api_url = server.url();
  options.sandbox_url = server.url();
  options.transport = counter;

  std::printf("sdk_cycles: %d x create -> execute_command(\"echo hi\") -> delete, fake at %s, executor %s\n", cycles,
              server.url().c_str(), server.executor_name().c_str());
  // One untimed cycle, so that lazy set-up (template list, first connections) is not measured.
  run_sync(options, *counter, 1);

  const auto async_result = run_async(options, *counter, cycles, in_flight);
  report("async (" + std::to_string(in_flight) + " in flight)", async_result, cycles);
  if (!skip_sync) {
    const auto sync_result = run_sync(options, *counter, cycles);
    report("sync", sync_result, cycles);
  }
  return 0;
}
