// SandboxProcess and ProcessOutput: the public faces of detail::LiveProcess,
// and open_process, which starts one.
#include "ppio_sandbox/prime_compatible/sandbox_process.hpp"

#include "live_process.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

std::optional<std::string> ProcessOutput::next() { return channel_->next().get(); }

std::future<std::optional<std::string>> ProcessOutput::next_async() { return channel_->next(); }

std::string ProcessOutput::read_all() {
  std::string all;
  while (auto chunk = next()) all += *chunk;
  return all;
}

ProcessOutput::iterator::iterator(ProcessOutput* output) : output_(output), chunk_(output->next()) {}

ProcessOutput::iterator& ProcessOutput::iterator::operator++() {
  chunk_ = output_->next();
  return *this;
}

SandboxProcess::SandboxProcess(std::shared_ptr<detail::LiveProcess> live) : live_(std::move(live)) {}
SandboxProcess::SandboxProcess(SandboxProcess&&) noexcept = default;

SandboxProcess& SandboxProcess::operator=(SandboxProcess&& other) noexcept {
  if (this != &other) {
    if (live_) {
      try {
        live_->close();
      } catch (...) {
      }
    }
    live_ = std::move(other.live_);
  }
  return *this;
}

SandboxProcess::~SandboxProcess() {
  if (!live_) return;
  try {
    live_->close();
  } catch (...) {
    // A destructor cannot report it; close() explicitly to see errors.
  }
}

namespace {

detail::LiveProcess& checked(const std::shared_ptr<detail::LiveProcess>& live) {
  if (!live) throw std::runtime_error("process has not started");
  return *live;
}

}  // namespace

std::uint32_t SandboxProcess::pid() const { return checked(live_).pid(); }
std::optional<int> SandboxProcess::returncode() const { return checked(live_).returncode(); }
ProcessOutput& SandboxProcess::stdout() { return checked(live_).out(); }
ProcessOutput& SandboxProcess::stderr() { return checked(live_).err(); }

void SandboxProcess::write_stdin(std::string_view data) { checked(live_).write_stdin(data); }
void SandboxProcess::close_stdin() { checked(live_).close_stdin(); }
int SandboxProcess::wait() { return checked(live_).wait(); }
std::future<int> SandboxProcess::wait_async() { return checked(live_).wait_async(); }
void SandboxProcess::terminate() { checked(live_).send_signal(core::envd::Signal::sigterm); }
void SandboxProcess::kill() { checked(live_).send_signal(core::envd::Signal::sigkill); }
void SandboxProcess::close() {
  if (live_) live_->close();
}

// The control calls queue on the process's own one-thread pool, so they reach
// envd in the order they were made. The process outlives its queue: its
// destructor runs what is queued before anything else.
std::future<void> SandboxProcess::write_stdin_async(std::string data) {
  auto* live = &checked(live_);
  return live->control().submit([live, data = std::move(data)] { live->write_stdin(data); });
}

std::future<void> SandboxProcess::close_stdin_async() {
  auto* live = &checked(live_);
  return live->control().submit([live] { live->close_stdin(); });
}

std::future<void> SandboxProcess::terminate_async() {
  auto* live = &checked(live_);
  return live->control().submit([live] { live->send_signal(core::envd::Signal::sigterm); });
}

std::future<void> SandboxProcess::kill_async() {
  auto* live = &checked(live_);
  return live->control().submit([live] { live->send_signal(core::envd::Signal::sigkill); });
}

std::future<void> SandboxProcess::close_async() {
  auto* live = &checked(live_);
  return live->control().submit([live] { live->close(); });
}

SandboxProcess SandboxClient::open_process(const std::string& sandbox_id, const std::string& command,
                                           const ProcessOptions& options) {
  auto target = envd_target(sandbox_id, false, command);
  target.user = options.user;
  core::envd::StartRequest start;
  start.process.cmd = "/bin/bash";
  start.process.args = {"-l", "-c", command};
  start.process.envs = options.env;
  if (options.working_dir && !options.working_dir->empty()) start.process.cwd = options.working_dir;
  start.open_stdin = true;
  return SandboxProcess(detail::LiveProcess::open(
      {.client = client_, .target = std::move(target), .command = command, .start = std::move(start),
       .end_at = known_end(sandbox_id)}));
}

}  // namespace ppio_sandbox::prime_compatible
