// process.Process on a pseudo-terminal, over real HTTP with real processes:
// a terminal of the sandbox's own, output as `pty` events, input echoed and
// run, a resize seen by the program, Connect after the first stream went
// away, SendSignal and sandbox kill, and envd's answers to input of the
// wrong kind.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ppio_sandbox/core/base64.hpp"

#include "envd_fixture.hpp"

namespace envd_test {
namespace {

// How long a wait for output may take before the test fails instead of hanging.
constexpr auto kPatience = std::chrono::seconds(60);

// The server's fds that are a terminal's master (what the fake holds of a terminal).
int terminal_masters() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (auto* e = ::readdir(dir)) {
    char target[256] = {};
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && std::string(target).find("ptmx") != std::string::npos) {
      ++n;
    }
  }
  ::closedir(dir);
  return n;
}

// One Start or Connect stream of a terminal, read on its own thread.
class TerminalStream {
 public:
  // `leave_after_start`: the client goes away once it has the pid (the process keeps running).
  TerminalStream(std::unique_ptr<httplib::Client> client, std::string path, json body, bool leave_after_start = false)
      : client_(std::move(client)) {
    thread_ = std::thread([this, rpc_path = std::move(path), request = std::move(body), leave_after_start] {
      connect::FrameDecoder decoder;
      httplib::Request req;
      req.method = "POST";
      req.path = rpc_path;
      req.headers.emplace("Content-Type", "application/connect+json");
      req.body = connect::encode_message(request);
      req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
        decoder.feed(std::string_view(data, size));
        while (auto frame = decoder.next()) {
          std::lock_guard lock(mutex_);
          if (frame->end_stream()) {
            ended_ = true;
            error_ = connect::parse_end_stream(frame->payload);
            continue;
          }
          events_.push_back(models::parse_process_event(json::parse(frame->payload)));
          cv_.notify_all();
          if (leave_after_start && std::holds_alternative<models::StartEvent>(events_.back())) return false;
        }
        return true;
      };
      client_->send(req);
      std::lock_guard lock(mutex_);
      over_ = true;
      cv_.notify_all();
    });
  }
  // A test that failed midway must not wait on a terminal that is still running.
  ~TerminalStream() {
    client_->stop();
    join();
  }

  void join() {
    if (thread_.joinable()) thread_.join();
  }

  std::uint32_t pid() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kPatience, [&] { return over_ || pid_locked() != 0; });
    return pid_locked();
  }

  // Waits until the terminal's output holds `needle` (or the stream is over).
  bool wait_for(const std::string& needle) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kPatience, [&] { return over_ || output_locked().find(needle) != std::string::npos; });
    return output_locked().find(needle) != std::string::npos;
  }

  std::string output() {
    std::lock_guard lock(mutex_);
    return output_locked();
  }
  std::vector<models::ProcessEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::optional<models::EndEvent> end() {
    std::lock_guard lock(mutex_);
    for (const auto& e : events_) {
      if (const auto* end = std::get_if<models::EndEvent>(&e)) return *end;
    }
    return std::nullopt;
  }
  bool ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }
  std::optional<connect::Error> error() {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  std::uint32_t pid_locked() const {
    for (const auto& e : events_) {
      if (const auto* s = std::get_if<models::StartEvent>(&e)) return s->pid;
    }
    return 0;
  }
  std::string output_locked() const {
    std::string out;
    for (const auto& e : events_) {
      if (const auto* d = std::get_if<models::DataEvent>(&e)) out += d->bytes;
    }
    return out;
  }

  std::unique_ptr<httplib::Client> client_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<models::ProcessEvent> events_;
  bool ended_ = false;
  bool over_ = false;
  std::optional<connect::Error> error_;
  std::thread thread_;
};

class Pty : public EnvdTest {
 protected:
  // A Start request as the e2b SDK's pty.create sends it, or of `args` to bash.
  static json terminal_request(std::uint32_t cols, std::uint32_t rows, std::vector<std::string> args = {"-i", "-l"}) {
    return json{{"process", {{"cmd", "/bin/bash"}, {"args", args}, {"envs", {{"TERM", "xterm-256color"}}}}},
                {"pty", {{"size", {{"cols", cols}, {"rows", rows}}}}}};
  }

  std::unique_ptr<TerminalStream> start(const json& request, bool leave_after_start = false) {
    return std::make_unique<TerminalStream>(envd(), "/process.Process/Start", request, leave_after_start);
  }

  httplib::Result type(std::uint32_t pid, const std::string& text) {
    return rpc("process.Process/SendInput",
               json{{"process", {{"pid", pid}}}, {"input", {{"pty", ppio_sandbox::core::base64_encode(text)}}}});
  }

  httplib::Result resize(std::uint32_t pid, std::uint32_t cols, std::uint32_t rows) {
    return rpc("process.Process/Update",
               json{{"process", {{"pid", pid}}}, {"pty", {{"size", {{"cols", cols}, {"rows", rows}}}}}});
  }

  httplib::Result kill(std::uint32_t pid) {
    return rpc("process.Process/SendSignal", json{{"process", {{"pid", pid}}}, {"signal", "SIGNAL_SIGKILL"}});
  }
};

TEST_F(Pty, TheProgramRunsOnATerminalOfTheSandboxAndItsOutputComesAsPtyEvents) {
  const auto plain = run("tty");  // without a pty there is no terminal
  EXPECT_EQ(plain.stdout_text, "not a tty\n");

  auto client = envd();
  const auto r = read_stream(*client, "/process.Process/Start",
                             terminal_request(91, 37, {"-c", "tty; [ -t 0 ] && [ -t 1 ] && [ -e \"$(tty)\" ] && "
                                                             "echo on-a-tty; echo to-stderr >&2; stty size; echo $TERM"}));
  ASSERT_TRUE(r.end);
  EXPECT_EQ(r.end->exit_code, 0) << r.stdout_text;
  EXPECT_TRUE(r.ended);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.stderr_text.empty());
  std::size_t data_events = 0;
  for (const auto& e : r.events) {
    if (const auto* d = std::get_if<models::DataEvent>(&e)) {
      ++data_events;
      EXPECT_EQ(d->stream, models::OutputStream::pty);  // no stdout/stderr split on a terminal
    }
  }
  EXPECT_GT(data_events, 0u);
  // The terminal's line discipline turns "\n" into "\r\n"; stderr is the same terminal.
  EXPECT_EQ(r.stdout_text.rfind("/dev/pts/", 0), 0u) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("\r\non-a-tty\r\nto-stderr\r\n37 91\r\nxterm-256color\r\n"), std::string::npos)
      << r.stdout_text;
}

TEST_F(Pty, InputIsEchoedByTheTerminalAndRunByTheInteractiveShell) {
  auto term = start(terminal_request(80, 24));
  const auto pid = term->pid();
  ASSERT_GT(pid, 0u);
  const auto in = type(pid, "echo result-$((6*7))\n");
  ASSERT_EQ(in->status, 200) << in->body;
  EXPECT_EQ(in->body, "{}");
  EXPECT_TRUE(term->wait_for("echo result-$((6*7))")) << term->output();  // the echo of what was typed
  EXPECT_TRUE(term->wait_for("result-42\r\n")) << term->output();         // what the shell made of it
  ASSERT_EQ(type(pid, "exit 5\n")->status, 200);
  term->join();
  const auto end = term->end();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->exit_code, 5);
  EXPECT_EQ(end->status, "exit status 5");
  EXPECT_TRUE(term->ended());
}

TEST_F(Pty, AResizeSendsSigwinchAndTheProgramSeesTheNewSize) {
  auto term = start(terminal_request(
      80, 24, {"-c", "trap 'echo winch $(stty size)' WINCH; echo ready $(stty size); until read -r -t 1 line; do :; done"}));
  const auto pid = term->pid();
  ASSERT_GT(pid, 0u);
  ASSERT_TRUE(term->wait_for("ready 24 80\r\n")) << term->output();
  const auto res = resize(pid, 132, 43);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, "{}");
  EXPECT_TRUE(term->wait_for("winch 43 132\r\n")) << term->output();
  ASSERT_EQ(type(pid, "\n")->status, 200);
  term->join();
  ASSERT_TRUE(term->end());
  EXPECT_EQ(term->end()->exit_code, 0);
}

TEST_F(Pty, ConnectReattachesToATerminalWhoseStartStreamWentAway) {
  auto first = start(terminal_request(80, 24), /*leave_after_start=*/true);
  const auto pid = first->pid();
  ASSERT_GT(pid, 0u);
  first->join();  // the client left; the terminal lives on, as in envd
  TerminalStream again(envd(), "/process.Process/Connect", json{{"process", {{"pid", pid}}}});
  EXPECT_EQ(again.pid(), pid);
  ASSERT_EQ(type(pid, "echo back-$((40+2))\n")->status, 200);
  EXPECT_TRUE(again.wait_for("back-42\r\n")) << again.output();
  ASSERT_EQ(kill(pid)->status, 200);
  again.join();
  const auto end = again.end();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->exit_code, -1);
  EXPECT_EQ(end->status, "signal: killed");
  EXPECT_EQ(end->error, "signal: killed");
  EXPECT_TRUE(again.ended());
}

TEST_F(Pty, SendSignalKillsTheShellAndTheFakeLetsGoOfTheTerminal) {
  const int masters_before = terminal_masters();
  auto term = start(terminal_request(80, 24));
  const auto pid = term->pid();
  ASSERT_GT(pid, 0u);
  EXPECT_EQ(terminal_masters(), masters_before + 1);  // the master came to the fake from the sandbox's init
  const auto res = kill(pid);
  ASSERT_EQ(res->status, 200) << res->body;
  term->join();
  ASSERT_TRUE(term->end());
  EXPECT_EQ(term->end()->status, "signal: killed");
  EXPECT_EQ(terminal_masters(), masters_before);
  EXPECT_TRUE(json::parse(rpc("process.Process/List", json::object())->body)["processes"].empty());
  expect_connect_error(kill(pid), 404, "not_found");  // the SDK's kill() reads this as false
}

TEST_F(Pty, KillingTheSandboxEndsItsTerminals) {
  const int masters_before = terminal_masters();
  auto term = start(terminal_request(80, 24));
  ASSERT_GT(term->pid(), 0u);
  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  term->join();
  EXPECT_FALSE(term->ended());  // dropped, as every stream of a killed sandbox
  EXPECT_EQ(server_.envd().processes().running(id_), 0u);
  EXPECT_EQ(terminal_masters(), masters_before);
}

TEST_F(Pty, ASizeOfZeroIsWhatTheKernelGetsAsInEnvd) {
  auto client = envd();
  const auto r = read_stream(*client, "/process.Process/Start", terminal_request(0, 0, {"-c", "stty size"}));
  ASSERT_TRUE(r.end);
  EXPECT_EQ(r.end->exit_code, 0);
  EXPECT_EQ(r.stdout_text, "0 0\r\n");
}

TEST_F(Pty, InputOfTheWrongKindAndUnknownProcessesGetEnvdsConnectErrors) {
  auto term = start(terminal_request(80, 24));
  const auto pid = term->pid();
  ASSERT_GT(pid, 0u);
  const json on_term{{"process", {{"pid", pid}}}};
  // envd's messages; its codes (internal, unknown: 500) become failed_precondition, a client's mistake.
  expect_connect_error(rpc("process.Process/SendInput",
                           json{{"process", {{"pid", pid}}}, {"input", {{"stdin", ppio_sandbox::core::base64_encode("x")}}}}),
                       400, "failed_precondition");
  expect_connect_error(rpc("process.Process/CloseStdin", on_term), 400, "failed_precondition");
  expect_connect_error(rpc("process.Process/SendInput", json{{"process", {{"pid", pid}}}, {"input", json::object()}}),
                       501, "unimplemented");
  expect_connect_error(rpc("process.Process/Update",
                           json{{"process", {{"pid", pid}}}, {"pty", {{"size", {{"cols", "wide"}, {"rows", 3}}}}}}),
                       400, "invalid_argument");
  // Unknown processes.
  expect_connect_error(resize(999999, 80, 24), 404, "not_found");
  expect_connect_error(type(999999, "x"), 404, "not_found");
  // A size that is no size at Start.
  {
    auto client = envd();
    json bad = terminal_request(80, 24);
    bad["pty"]["size"]["cols"] = -1;
    const auto r = read_stream(*client, "/process.Process/Start", bad);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, connect::Code::invalid_argument);
    EXPECT_TRUE(r.events.empty());
  }
  ASSERT_EQ(kill(pid)->status, 200);
  term->join();

  // A process without a terminal: pty input and a resize are refused (envd: internal).
  StreamResult piped;
  std::thread reader([&] {
    auto client = envd();
    piped = read_stream(*client, "/process.Process/Start",
                        json{{"process", {{"cmd", "/bin/cat"}}}, {"stdin", true}, {"tag", "piped"}});
  });
  std::uint32_t cat_pid = 0;
  for (int attempt = 0; attempt < 20000 && cat_pid == 0; ++attempt) {  // until the fake lists it
    const auto listed = json::parse(rpc("process.Process/List", json::object())->body);
    for (const auto& p : listed["processes"]) cat_pid = p["pid"];
  }
  if (cat_pid == 0) {
    ADD_FAILURE() << "cat never listed";
    api_->Delete("/sandboxes/" + id_);  // ends it, and the reader with it
    reader.join();
    return;
  }
  expect_connect_error(type(cat_pid, "x"), 400, "failed_precondition");
  expect_connect_error(resize(cat_pid, 80, 24), 400, "failed_precondition");
  EXPECT_EQ(rpc("process.Process/Update", json{{"process", {{"pid", cat_pid}}}})->status, 200);  // nothing to change
  EXPECT_EQ(rpc("process.Process/CloseStdin", json{{"process", {{"tag", "piped"}}}})->status, 200);
  reader.join();
  ASSERT_TRUE(piped.end);
  EXPECT_EQ(piped.end->exit_code, 0);
  EXPECT_TRUE(piped.stdout_text.empty());
}

}  // namespace
}  // namespace envd_test
