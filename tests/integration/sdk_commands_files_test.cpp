// execute_command, the file methods and the background jobs of the real SDK
// against the embedded fake: real commands (under bubblewrap when the machine
// allows it), real files, over real HTTP on loopback.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <random>

#include <unistd.h>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xffu);
  return out;
}

std::string every_byte_value() {
  std::string out;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) out.push_back(static_cast<char>(b));
  }
  return out;  // 1024 bytes: 0..255 four times
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class SdkCommandsAndFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(options()));
    dir_ = fs::temp_directory_path() / ("sdk-files-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  prime::ClientOptions options() const {
    prime::ClientOptions o;
    o.api_key = ppio_mock::kDefaultApiKey;
    o.api_url = server_.url();
    o.sandbox_url = server_.url();  // envd routed by E2b-Sandbox-Id on the control plane's port
    return o;
  }

  std::string create(prime::CreateOptions create_options = {}, std::optional<prime::EnvVars> env = std::nullopt) {
    prime::CreateSandboxRequest r;
    r.name = "commands";
    r.docker_image = "python:3.11-slim";
    r.timeout_minutes = 10;
    r.environment_vars = std::move(env);
    return client_->create(r, create_options).id;
  }

  std::size_t journal_size() { return server_.journal().query({.limit = 100000}).size(); }

  ppio_mock::Server server_;
  std::unique_ptr<prime::SandboxClient> client_;
  fs::path dir_;
};

// ---- execute_command ----

TEST_F(SdkCommandsAndFiles, CollectsStdoutStderrAndExitCode) {
  const auto id = create();
  const auto result = client_->execute_command(id, "echo out; echo err >&2; exit 3");
  EXPECT_EQ(result.stdout, "out\n");
  EXPECT_EQ(result.stderr, "err\n");
  EXPECT_EQ(result.exit_code, 3);  // a failing command is an answer, not an exception
}

TEST_F(SdkCommandsAndFiles, ReportsExitCodesExactly) {
  const auto id = create();
  for (int code : {0, 1, 2, 127}) {
    EXPECT_EQ(client_->execute_command(id, "exit " + std::to_string(code)).exit_code, code);
  }
  const auto missing = client_->execute_command(id, "no-such-command-here");
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.stderr.find("not found"), std::string::npos) << missing.stderr;
}

TEST_F(SdkCommandsAndFiles, MultilineOutputAndStatePersistBetweenCommands) {
  const auto id = create();
  EXPECT_EQ(client_->execute_command(id, "for i in 1 2 3 4 5; do echo line $i; done").stdout,
            "line 1\nline 2\nline 3\nline 4\nline 5\n");
  EXPECT_EQ(client_->execute_command(id, "echo persisted | tee /tmp/state.txt > /dev/null").exit_code, 0);
  EXPECT_EQ(client_->execute_command(id, "cat /tmp/state.txt").stdout, "persisted\n");
}

TEST_F(SdkCommandsAndFiles, HonoursWorkingDirAndEnvTogether) {
  const auto id = create({}, prime::EnvVars{{"FROM_CREATE", "sandbox-level"}, {"OVERRIDDEN", "old"}});
  ASSERT_EQ(client_->execute_command(id, "mkdir -p /tmp/wd && echo hi > /tmp/wd/f.txt").exit_code, 0);
  const auto result = client_->execute_command(
      id, "pwd; ls; echo $A $B; echo $FROM_CREATE $OVERRIDDEN",
      {.working_dir = "/tmp/wd", .env = {{"A", "one"}, {"B", "two words"}, {"OVERRIDDEN", "new"}}});
  EXPECT_EQ(result.exit_code, 0) << result.stderr;
  EXPECT_EQ(result.stdout, "/tmp/wd\nf.txt\none two words\nsandbox-level new\n");
}

TEST_F(SdkCommandsAndFiles, ABadWorkingDirIsAnApiError) {
  const auto id = create();
  try {
    client_->execute_command(id, "pwd", {.working_dir = "/does/not/exist"});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_NE(std::string(e.what()).find("invalid_argument"), std::string::npos) << e.what();
  }
}

TEST_F(SdkCommandsAndFiles, ATimeoutRaisesCommandTimeoutErrorAndKillsTheProcess) {
  const auto id = create();
  try {
    client_->execute_command(id, "sleep 2 && touch /tmp/survived", {.timeout = 1});
    FAIL() << "no timeout";
  } catch (const prime::CommandTimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "Command 'sleep 2 && touch /tmp/survived' timed out after 1s in sandbox " + id);
  }
  // Had the process lived on, it would have made the file 2 s after it started.
  const auto check = client_->execute_command(id, "sleep 2.5; test -e /tmp/survived; echo $?");
  EXPECT_EQ(check.stdout, "1\n");
}

TEST_F(SdkCommandsAndFiles, LongCommandsWithinTheirTimeoutComplete) {
  const auto id = create();
  const auto result = client_->execute_command(id, "sleep 2 && echo done", {.timeout = 10});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout, "done\n");
}

TEST_F(SdkCommandsAndFiles, AnUnknownSandboxIsNotRunning) {
  try {
    client_->execute_command("inotthere", "echo hi");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_NE(std::string(e.what()).find("sandbox is no longer running"), std::string::npos) << e.what();
    EXPECT_EQ(e.sandbox_id(), "inotthere");
    EXPECT_EQ(e.status(), "TERMINATED");
  }
}

TEST_F(SdkCommandsAndFiles, ASandboxKilledElsewhereIsNotRunning) {
  const auto id = create();
  ASSERT_EQ(client_->execute_command(id, "true").exit_code, 0);
  // Killed behind this client's back: its cached address now meets envd's 502.
  server_.registry().kill(ppio_mock::kDefaultTeam, id);
  EXPECT_THROW(client_->execute_command(id, "echo hi"), prime::SandboxNotRunningError);
  EXPECT_THROW(client_->upload_bytes(id, "/tmp/x", "x", "x"), prime::SandboxNotRunningError);
  EXPECT_THROW(client_->read_file(id, "/tmp/x"), prime::SandboxNotRunningError);
}

TEST_F(SdkCommandsAndFiles, APausedSandboxIsNotRunningUntilResumed) {
  const auto id = create();
  ASSERT_TRUE(client_->pause(id));
  server_.journal().clear();
  try {
    client_->execute_command(id, "echo hi");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.status(), "PAUSED");
  }
  try {
    client_->open_process(id, "cat");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.status(), "PAUSED");
  }
  // The edge's "The sandbox is paused" is no transition: asked once each, not waited out.
  EXPECT_EQ(server_.journal().query({.path_contains = "process.Process/Start"}).size(), 2u);
  client_->resume(id);
  EXPECT_EQ(client_->execute_command(id, "echo back").stdout, "back\n");
}

TEST_F(SdkCommandsAndFiles, SecureSandboxesGetTheirAccessToken) {
  const auto id = create({.secure = true});
  EXPECT_EQ(client_->execute_command(id, "echo secure").stdout, "secure\n");
  // A second client has no cached token: it looks the sandbox up first.
  prime::SandboxClient other{prime::APIClient(options())};
  EXPECT_EQ(other.execute_command(id, "echo again").stdout, "again\n");
  other.upload_bytes(id, "/tmp/secure.txt", "token", "secure.txt");
  EXPECT_EQ(other.read_file(id, "/tmp/secure.txt").content, "token");
}

TEST_F(SdkCommandsAndFiles, RunsAsTheRequestedUser) {
  const auto id = create();
  EXPECT_EQ(client_->execute_command(id, "pwd").stdout, "/home/user\n");
  EXPECT_EQ(client_->execute_command(id, "echo as-root", {.working_dir = "/tmp", .user = "root"}).stdout, "as-root\n");
  try {
    client_->execute_command(id, "true", {.user = "nobody-here"});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_NE(std::string(e.what()).find("Connect RPC failed (unauthenticated)"), std::string::npos) << e.what();
  }
}

// ---- files ----

TEST_F(SdkCommandsAndFiles, AnUploadedScriptRuns) {
  const auto id = create();
  const std::string script = "print('hello from python', 6 * 7)\n";
  const auto response = client_->upload_bytes(id, "/app/hello.py", script, "hello.py");
  EXPECT_TRUE(response.success);
  EXPECT_EQ(response.path, "/app/hello.py");
  EXPECT_EQ(response.size, static_cast<std::int64_t>(script.size()));
  EXPECT_EQ(client_->execute_command(id, "python3 /app/hello.py").stdout, "hello from python 42\n");

  spit(dir_ / "script.sh", "#!/bin/bash\necho \"args: $*\"\n");
  const auto uploaded = client_->upload_file(id, "/app/script.sh", dir_ / "script.sh");
  EXPECT_EQ(uploaded.size, static_cast<std::int64_t>(fs::file_size(dir_ / "script.sh")));
  EXPECT_EQ(client_->execute_command(id, "bash /app/script.sh a b").stdout, "args: a b\n");
}

TEST_F(SdkCommandsAndFiles, UploadBytesKeepsUtf8AndJsonExact) {
  const auto id = create();
  const std::string text = "caf\xc3\xa9 \xf0\x9f\x9a\x80 done";
  client_->upload_bytes(id, "/tmp/utf8.txt", text, "utf8.txt");
  EXPECT_EQ(client_->execute_command(id, "cat /tmp/utf8.txt").stdout, text);
  client_->upload_bytes(id, "/tmp/data.json", R"({"a": [1, 2, 3]})", "data.json");
  EXPECT_EQ(client_->execute_command(id, "python3 -c 'import json; print(sum(json.load(open(\"/tmp/data.json\"))[\"a\"]))'")
                .stdout,
            "6\n");
}

TEST_F(SdkCommandsAndFiles, SeveralMiBOfBinaryRoundTripExactly) {
  const auto id = create();
  const std::string bytes = random_bytes(6u << 20, 20261126);
  spit(dir_ / "big.bin", bytes);

  const auto uploaded = client_->upload_file(id, "/data/big.bin", dir_ / "big.bin");
  EXPECT_EQ(uploaded.size, static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(client_->execute_command(id, "wc -c < /data/big.bin").stdout, std::to_string(bytes.size()) + "\n");

  client_->download_file(id, "/data/big.bin", dir_ / "nested" / "dir" / "back.bin");
  EXPECT_TRUE(slurp(dir_ / "nested" / "dir" / "back.bin") == bytes) << "downloaded bytes differ";
  for (const auto& entry : fs::directory_iterator(dir_ / "nested" / "dir")) {
    EXPECT_EQ(entry.path().filename(), "back.bin") << "a partial file was left behind";
  }

  // A window in the middle, read back through read_file.
  const auto window = client_->read_file(id, "/data/big.bin", {.offset = 3'000'000, .length = 1'000'000});
  EXPECT_TRUE(window.content == bytes.substr(3'000'000, 1'000'000));
  EXPECT_EQ(window.size, 1'000'000);
  EXPECT_EQ(window.total_size, static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(window.truncated, true);
}

TEST_F(SdkCommandsAndFiles, EveryByteValueSurvivesUploadDownloadAndReadFile) {
  const auto id = create();
  const std::string bytes = every_byte_value();
  client_->upload_bytes(id, "/tmp/bytes.bin", bytes, "bytes.bin");
  EXPECT_EQ(client_->execute_command(id, "od -An -tu1 -v /tmp/bytes.bin | wc -w").stdout, "1024\n");

  client_->download_file(id, "/tmp/bytes.bin", dir_ / "bytes.bin");
  EXPECT_EQ(slurp(dir_ / "bytes.bin"), bytes);

  spit(dir_ / "local.bin", bytes);
  client_->upload_file(id, "/tmp/from-file.bin", dir_ / "local.bin");
  EXPECT_EQ(client_->execute_command(id, "cmp /tmp/bytes.bin /tmp/from-file.bin && echo same").stdout, "same\n");

  const auto whole = client_->read_file(id, "/tmp/bytes.bin");
  EXPECT_EQ(whole.content, bytes);
  EXPECT_EQ(whole.size, 1024);
  EXPECT_EQ(whole.total_size, 1024);
  EXPECT_EQ(whole.offset, 0);
  EXPECT_EQ(whole.truncated, false);

  const auto middle = client_->read_file(id, "/tmp/bytes.bin", {.offset = 250, .length = 12});
  EXPECT_EQ(middle.content, bytes.substr(250, 12));  // 250..255 then 0..5
  EXPECT_EQ(middle.offset, 250);
  EXPECT_EQ(middle.truncated, true);

  const auto tail = client_->read_file(id, "/tmp/bytes.bin", {.offset = -16});
  EXPECT_EQ(tail.content, bytes.substr(1008));
  EXPECT_EQ(tail.offset, 1008);

  const auto tail_head = client_->read_file(id, "/tmp/bytes.bin", {.offset = -16, .length = 4});
  EXPECT_EQ(tail_head.content, bytes.substr(1008, 4));

  const auto first = client_->read_file(id, "/tmp/bytes.bin", {.length = 300});
  EXPECT_EQ(first.content, bytes.substr(0, 300));

  const auto past_end = client_->read_file(id, "/tmp/bytes.bin", {.offset = 5000, .length = 10});
  EXPECT_EQ(past_end.content, "");
  EXPECT_EQ(past_end.total_size, 1024);

  const auto all_of_a_short_file = client_->read_file(id, "/tmp/bytes.bin", {.offset = -5000});
  EXPECT_EQ(all_of_a_short_file.content, bytes);
  EXPECT_EQ(all_of_a_short_file.truncated, false);
}

TEST_F(SdkCommandsAndFiles, EmptyFilesRoundTrip) {
  const auto id = create();
  client_->upload_bytes(id, "/tmp/empty", "", "empty");
  client_->download_file(id, "/tmp/empty", dir_ / "empty");
  EXPECT_TRUE(fs::exists(dir_ / "empty"));
  EXPECT_EQ(fs::file_size(dir_ / "empty"), 0u);
  EXPECT_EQ(client_->read_file(id, "/tmp/empty").content, "");
}

TEST_F(SdkCommandsAndFiles, AMissingLocalFileFailsBeforeAnyRequest) {
  const auto id = create();
  const auto before = journal_size();
  try {
    client_->upload_file(id, "/tmp/x", dir_ / "no-such-file.txt");
    FAIL() << "no error";
  } catch (const prime::FileNotFoundError& e) {
    EXPECT_EQ(std::string(e.what()), "Local file not found: " + (dir_ / "no-such-file.txt").string());
  }
  EXPECT_EQ(journal_size(), before);
}

TEST_F(SdkCommandsAndFiles, MissingRemoteFiles) {
  const auto id = create();
  try {
    client_->download_file(id, "/nonexistent/file.txt", dir_ / "out.txt");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_NE(std::string(e.what()).find("Download failed: HTTP 404"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "out.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0) << "a partial file was left";

  try {
    client_->read_file(id, "/nonexistent/file.txt");
    FAIL() << "no error";
  } catch (const prime::SandboxFileNotFoundError& e) {
    EXPECT_STREQ(e.what(), "File not found: /nonexistent/file.txt");
  }
}

TEST_F(SdkCommandsAndFiles, ADownloadedScriptOutputMatches) {
  const auto id = create();
  client_->execute_command(id, "echo 'Test content for download' > /tmp/download.txt");
  client_->download_file(id, "/tmp/download.txt", dir_ / "download.txt");
  EXPECT_EQ(slurp(dir_ / "download.txt"), "Test content for download\n");
}

// ---- background jobs ----

TEST_F(SdkCommandsAndFiles, ABackgroundJobRunsToCompletion) {
  const auto id = create();
  const auto status = client_->run_background_job(
      id, "echo \"it's here\"; echo err >&2; pwd; echo $JOB_VAR; exit 5",
      {.timeout = 60, .working_dir = "/tmp", .env = {{"JOB_VAR", "value with 'quotes'"}}, .poll_interval = 0.2});
  EXPECT_TRUE(status.completed);
  EXPECT_EQ(status.exit_code, 5);
  EXPECT_EQ(status.stdout, "it's here\n/tmp\nvalue with 'quotes'\n");
  EXPECT_EQ(status.stderr, "err\n");
  EXPECT_FALSE(status.stdout_truncated);
  EXPECT_EQ(status.job_id.size(), 8u);
}

TEST_F(SdkCommandsAndFiles, StartingABackgroundJobReturnsAtOnceAndTheJobLivesOn) {
  const auto id = create();
  // Held at a gate file, so it is surely still running when first asked.
  const auto job = client_->start_background_job(id, "until test -e /tmp/go; do sleep 0.05; done; echo finished");
  EXPECT_EQ(job.sandbox_id, id);
  EXPECT_EQ(job.stdout_log_file, "/tmp/job_" + job.job_id + ".stdout.log");
  EXPECT_EQ(job.exit_file, "/tmp/job_" + job.job_id + ".exit");
  EXPECT_FALSE(client_->get_background_job(id, job).completed);

  // Released, then waited for inside the sandbox: the job's own exit file says it ended.
  client_->execute_command(id, "touch /tmp/go; until test -e " + job.exit_file + "; do sleep 0.05; done",
                           {.timeout = 30});
  const auto status = client_->get_background_job(id, job, 10);
  ASSERT_TRUE(status.completed);
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_EQ(status.stdout, "finished\n");
}

TEST_F(SdkCommandsAndFiles, RunBackgroundJobTimesOutWithoutKillingTheJob) {
  const auto id = create();
  try {
    client_->run_background_job(id, "sleep 3; touch /tmp/job-done", {.timeout = 1, .poll_interval = 0.2});
    FAIL() << "no timeout";
  } catch (const prime::CommandTimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "Command 'sleep 3; touch /tmp/job-done' timed out after 1s in sandbox " + id);
  }
  // The job outlives the timeout: wait inside the sandbox for its mark, not on the wall clock here.
  EXPECT_EQ(client_->execute_command(id, "until test -e /tmp/job-done; do sleep 0.1; done; echo still-ran",
                                     {.timeout = 30})
                .stdout,
            "still-ran\n");
}

TEST_F(SdkCommandsAndFiles, BackgroundJobEnvNamesAreChecked) {
  const auto id = create();
  const auto before = journal_size();
  try {
    client_->start_background_job(id, "true", {.env = {{"BAD-NAME", "x"}}});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Invalid environment variable name: 'BAD-NAME'");
  }
  EXPECT_EQ(journal_size(), before);
}

// ---- the async client ----

// The value of a future, or a test failure naming the step and the error.
template <class T>
std::optional<T> settle(std::future<T>& future, const std::string& step) {
  try {
    return future.get();
  } catch (const std::exception& e) {
    ADD_FAILURE() << step << ": " << e.what();
    return std::nullopt;
  }
}

// 200 sandboxes live at once, each created, used and deleted through futures
// that are all outstanding together, on a pool of 50 connections. A pool of
// 200 passes too (about 6 s under ASan) once the fake listens with a real
// backlog; cpp-httplib 0.11.4 listens with a backlog of 5, and 200 connections
// opened at once overflow it (the kernel's ListenOverflows counter rises), so
// that some requests stall or are reset before the fake ever sees them.
TEST_F(SdkCommandsAndFiles, AsyncClientRunsTwoHundredSandboxesConcurrently) {
  constexpr int kSandboxes = 200;
  constexpr int kConnections = 50;
  auto pooled = options();
  pooled.max_keepalive_connections = kConnections;  // reuse, rather than reopen, the pool's connections
  prime::AsyncSandboxClient async(pooled, kConnections);

  std::vector<std::future<prime::Sandbox>> created;
  for (int i = 0; i < kSandboxes; ++i) {
    prime::CreateSandboxRequest r;
    r.name = "async-" + std::to_string(i);
    r.docker_image = "python:3.11-slim";
    r.labels = {"async-200"};
    created.push_back(async.create(r));
  }
  std::vector<std::string> ids;
  for (int i = 0; i < kSandboxes; ++i) {
    if (auto sandbox = settle(created[i], "create " + std::to_string(i))) ids.push_back(sandbox->id);
  }
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kSandboxes));

  std::vector<std::future<prime::CommandResponse>> runs;
  std::vector<std::future<prime::FileUploadResponse>> uploads;
  for (int i = 0; i < kSandboxes; ++i) {
    runs.push_back(async.execute_command(ids[i], "echo sandbox $N", {.env = {{"N", std::to_string(i)}}}));
    uploads.push_back(async.upload_bytes(ids[i], "/tmp/n.txt", std::to_string(i), "n.txt"));
  }
  for (int i = 0; i < kSandboxes; ++i) {
    if (const auto result = settle(runs[i], "execute_command " + std::to_string(i))) {
      EXPECT_EQ(result->stdout, "sandbox " + std::to_string(i) + "\n");
      EXPECT_EQ(result->exit_code, 0);
    }
    if (const auto uploaded = settle(uploads[i], "upload_bytes " + std::to_string(i))) {
      EXPECT_TRUE(uploaded->success);
    }
  }

  std::vector<std::future<prime::ReadFileResponse>> reads;
  for (int i = 0; i < kSandboxes; ++i) reads.push_back(async.read_file(ids[i], "/tmp/n.txt"));
  for (int i = 0; i < kSandboxes; ++i) {
    if (const auto read = settle(reads[i], "read_file " + std::to_string(i))) {
      EXPECT_EQ(read->content, std::to_string(i));
    }
  }

  std::vector<std::future<prime::DeleteSandboxResponse>> deletes;
  for (const auto& id : ids) deletes.push_back(async.delete_(id));
  for (std::size_t i = 0; i < deletes.size(); ++i) {
    if (const auto deleted = settle(deletes[i], "delete " + ids[i])) {
      EXPECT_TRUE(deleted->success);
    }
  }
  EXPECT_TRUE(async.list({.labels = {"async-200"}}).get().sandboxes.empty());
}

TEST_F(SdkCommandsAndFiles, AsyncFileAndJobMethods) {
  prime::AsyncSandboxClient async(options(), 8);
  prime::CreateSandboxRequest r;
  r.name = "async-files";
  r.docker_image = "python:3.11-slim";
  const auto id = async.create(r).get().id;

  spit(dir_ / "in.bin", every_byte_value());
  EXPECT_TRUE(async.upload_file(id, "/tmp/in.bin", dir_ / "in.bin").get().success);
  async.download_file(id, "/tmp/in.bin", dir_ / "out.bin").get();
  EXPECT_EQ(slurp(dir_ / "out.bin"), every_byte_value());
  EXPECT_EQ(async.read_file(id, "/tmp/in.bin", {.offset = 1020}).get().content, every_byte_value().substr(1020));

  const auto job = async.start_background_job(id, "echo async-job").get();
  const auto done = async.run_background_job(id, "echo ran; exit 2", {.poll_interval = 0.2}).get();
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_EQ(done.stdout, "ran\n");
  async.execute_command(id, "until test -e " + job.exit_file + "; do sleep 0.05; done", {.timeout = 30}).get();
  const auto status = async.get_background_job(id, job).get();
  EXPECT_TRUE(status.completed);
  EXPECT_EQ(status.stdout, "async-job\n");

  EXPECT_THROW(async.execute_command(id, "sleep 5", {.timeout = 1}).get(), prime::CommandTimeoutError);
  EXPECT_THROW(async.upload_file(id, "/tmp/x", dir_ / "missing").get(), prime::FileNotFoundError);
}

}  // namespace
