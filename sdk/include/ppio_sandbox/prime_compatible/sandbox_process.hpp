#pragma once
// A live process in a sandbox: Prime's AsyncSandboxProcess. open_process
// (SandboxClient or AsyncSandboxClient) starts the command with stdin open
// and returns once envd has reported its pid. Its stdout and stderr are
// streams of raw bytes, read as they arrive; stdin is written with SendInput
// and can be closed (envd's CloseStdin, which Prime lacks). A stream that
// drops before the exit is re-attached with process.Process/Connect; output
// sent while it was away is lost, as in Prime.
//
//   auto p = client.open_process(sandbox.id, "python3 -i");
//   p.write_stdin("print(6 * 7)\n");
//   auto chunk = p.stdout().next();   // "42\n" (or part of it), nullopt at the end
//   p.close_stdin();
//   int code = p.wait();
//
// Every blocking member has a *_async twin returning a std::future. Blocking
// reads and waits hold no pool thread: a reader thread per process, owned by
// it and joined by close() or the destructor, feeds them.
#include <chrono>
#include <cstdint>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ppio_sandbox::prime_compatible {

namespace detail {
class LiveProcess;
class OutputChannel;
}  // namespace detail

// One output stream of a live process: its bytes, in chunks, in order.
class ProcessOutput {
 public:
  // The next chunk, waiting for one; nullopt once the stream has ended.
  // Throws the process's error (APIError, SandboxNotRunningError) when its
  // stream failed before the exit.
  std::optional<std::string> next();
  // A future of the next chunk. Each call claims the chunk after the ones
  // already claimed, so futures taken in turn see the stream in order.
  std::future<std::optional<std::string>> next_async();
  // Every chunk up to the end, joined.
  std::string read_all();

  // for (const std::string& chunk : process.stdout()) { ... }
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    const std::string& operator*() const { return *chunk_; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return !chunk_.has_value(); }

   private:
    friend class ProcessOutput;
    explicit iterator(ProcessOutput* output);
    ProcessOutput* output_ = nullptr;
    std::optional<std::string> chunk_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  friend class detail::LiveProcess;
  explicit ProcessOutput(std::shared_ptr<detail::OutputChannel> channel) : channel_(std::move(channel)) {}
  std::shared_ptr<detail::OutputChannel> channel_;
};

class SandboxProcess {
 public:
  SandboxProcess(SandboxProcess&&) noexcept;
  SandboxProcess& operator=(SandboxProcess&&) noexcept;
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;
  // Closes, as close() does, swallowing its errors.
  ~SandboxProcess();

  // Throws std::runtime_error("process has not started") on a moved-from object.
  std::uint32_t pid() const;
  // The exit code once the exit was seen (-1 for a process killed by a signal, as envd reports it).
  std::optional<int> returncode() const;

  // glibc defines stdout and stderr as macros naming themselves, so these read as in Python.
  ProcessOutput& stdout();
  ProcessOutput& stderr();

  // Sends bytes to stdin (envd's SendInput, 30 s deadline). Empty data does
  // nothing. Throws BrokenPipeError("process has exited") after the exit or
  // close(), BrokenPipeError("stdin is closed") after close_stdin(), and
  // APIError("process stdin RPC failed (<code>): <message>") when envd refuses.
  void write_stdin(std::string_view data);
  std::future<void> write_stdin_async(std::string data);
  // End of input: the process reads EOF (envd's CloseStdin). Nothing after the exit.
  void close_stdin();
  std::future<void> close_stdin_async();

  // The exit code, once the process exits. Throws the stream's error if it
  // failed, or APIError("Process closed before its exit status was observed").
  int wait();
  std::future<int> wait_async();

  // SIGTERM / SIGKILL (10 s deadline); nothing once the process has exited.
  void terminate();
  std::future<void> terminate_async();
  void kill();
  std::future<void> kill_async();

  // If it still runs: SIGTERM, up to 5 s for the exit, then SIGKILL and up to
  // 5 s more. Then the stream is released and the reader thread joined. Later
  // calls do nothing.
  void close();
  std::future<void> close_async();

 private:
  friend class SandboxClient;
  explicit SandboxProcess(std::shared_ptr<detail::LiveProcess> live);
  std::shared_ptr<detail::LiveProcess> live_;
};

// Prime's name for it.
using AsyncSandboxProcess = SandboxProcess;

}  // namespace ppio_sandbox::prime_compatible
