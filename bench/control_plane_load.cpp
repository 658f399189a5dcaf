// control_plane_load: how the fake's control plane holds up with many sandboxes.
//  1. GET /sandboxes/{id} under wrk keep-alive load, against a registry of N
//     sandboxes, next to a bare cpp-httplib handler returning a fixed body.
//  2. Paging GET /v2/sandboxes through all N, and the cost per page at N/10 and N.
//  3. Resident memory per idle sandbox.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "mockserver/server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::vector<std::string> fill(ppio_mock::Server& server, int count) {
  ppio_sandbox::core::NewSandbox n;
  n.template_id = "base";
  n.timeout = 3600;
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) ids.push_back(server.registry().create(ppio_mock::kDefaultTeam, n).info.sandbox_id);
  return ids;
}

// Requests per second that wrk reports, or a negative number when wrk failed.
double run_wrk(const std::string& url, int seconds, int connections) {
  const std::string command = "wrk -t2 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                              "s -H 'X-API-Key: " + ppio_mock::kDefaultApiKey + "' " + url + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return -1;
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    std::cerr << "wrk did not report a rate:\n" << output;
    return -1;
  }
  return std::stod(m[1]);
}

// CPU seconds this process (the servers; wrk runs apart) has used so far.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct LoadFigures {
  double requests_per_second = -1;
  double cpu_us_per_request = 0;  // server CPU, user + system
};

LoadFigures measure(const std::string& url, int seconds, int connections) {
  const double cpu_before = process_cpu_seconds();
  LoadFigures figures;
  figures.requests_per_second = run_wrk(url, seconds, connections);
  const double requests = figures.requests_per_second * seconds;
  if (requests > 0) figures.cpu_us_per_request = (process_cpu_seconds() - cpu_before) * 1e6 / requests;
  return figures;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct PagingFigures {
  int pages = 0;
  double total_ms = 0;
};

PagingFigures page_through(const std::string& url, int limit) {
  httplib::Client http(url);
  http.set_tcp_nodelay(true);
  http.set_keep_alive(true);
  http.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  PagingFigures figures;
  std::string token;
  const auto start = Clock::now();
  do {
    std::string path = "/v2/sandboxes?limit=" + std::to_string(limit);
    if (!token.empty()) path += "&nextToken=" + token;
    auto res = http.Get(path);
    if (!res || res->status != 200) throw std::runtime_error("paging failed at page " + std::to_string(figures.pages));
    ++figures.pages;
    token = res->get_header_value("X-Next-Token");
  } while (!token.empty());
  figures.total_ms = ms_since(start);
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  int sandboxes = 10'000;
  int seconds = 5;
  int connections = 16;
  int threads = 8;
  CLI::App app{"control_plane_load: prints load, paging and memory figures for the fake control plane"};
  app.add_option("--sandboxes", sandboxes, "Sandboxes in the registry")->capture_default_str();
  app.add_option("--seconds", seconds, "Length of each wrk run")->capture_default_str();
  app.add_option("--connections", connections, "wrk keep-alive connections")->capture_default_str();
  app.add_option("--threads", threads, "HTTP worker threads: the bare handler's pool, and the most the fake may start")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  ppio_mock::ServerConfig config;
  config.http_max_threads = static_cast<std::size_t>(threads);
  ppio_mock::Server fake(config);
  fake.start();
  const long rss_before = resident_bytes();
  const auto ids = fill(fake, sandboxes);
  const long rss_after = resident_bytes();

  // The bare handler returns what the fake returns for the same sandbox, fixed.
  const std::string body = nlohmann::json(fake.registry().get(ppio_mock::kDefaultTeam, ids[ids.size() / 2]).info).dump();
  httplib::Server bare;
  bare.set_tcp_nodelay(true);
  bare.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  bare.Get(R"(/sandboxes/([^/]+))", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  const int bare_port = bare.bind_to_any_port("127.0.0.1");
  std::thread bare_thread([&] { bare.listen_after_bind(); });

  const std::string target = "/sandboxes/" + ids[ids.size() / 2];
  const auto fake_load = measure(fake.url() + target, seconds, connections);
  const auto bare_load = measure("http://127.0.0.1:" + std::to_string(bare_port) + target, seconds, connections);
  const double fake_rps = fake_load.requests_per_second;
  const double bare_rps = bare_load.requests_per_second;
  bare.stop();
  bare_thread.join();

  const auto paging = page_through(fake.url(), 100);
  ppio_mock::Server small;
  small.start();
  fill(small, sandboxes / 10);
  const auto small_paging = page_through(small.url(), 100);

  std::printf("registry: %d sandboxes\n", sandboxes);
  std::printf("GET /sandboxes/{id}: fake %.0f req/s, bare cpp-httplib %.0f req/s, ratio %.2f\n", fake_rps, bare_rps,
              fake_rps / bare_rps);
  std::printf("server CPU per request: fake %.1f us, bare cpp-httplib %.1f us\n", fake_load.cpu_us_per_request,
              bare_load.cpu_us_per_request);
  std::printf("paging /v2/sandboxes limit=100: %d pages in %.1f ms (%.2f ms per page)\n", paging.pages,
              paging.total_ms, paging.total_ms / paging.pages);
  std::printf("paging at %d sandboxes: %d pages in %.1f ms (%.2f ms per page): per-page cost ratio %.2f\n",
              sandboxes / 10, small_paging.pages, small_paging.total_ms, small_paging.total_ms / small_paging.pages,
              (paging.total_ms / paging.pages) / (small_paging.total_ms / small_paging.pages));
  std::printf("resident memory per idle sandbox: %.0f bytes\n",
              static_cast<double>(rss_after - rss_before) / sandboxes);
  return fake_rps > 0 && bare_rps > 0 ? 0 : 1;
}
