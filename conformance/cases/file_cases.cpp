// Profile `files`: upload_file, upload_bytes, download_file and read_file.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <unistd.h>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

namespace fs = std::filesystem;

// A local scratch directory that goes away with the case.
class LocalDir {
 public:
  LocalDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("ppio-conformance-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~LocalDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ / name, std::ios::binary) << bytes;
    return path_ / name;
  }
  static std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string every_byte_value() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

std::string random_bytes(std::size_t size) {
  std::mt19937_64 rng(size);
  std::string bytes(size, '\0');
  for (auto& b : bytes) b = static_cast<char>(rng() & 0xff);
  return bytes;
}

void upload_text(CaseContext& ctx) {
  const auto s = ctx.running("upload");
  LocalDir dir;
  const std::string text = "Test content for upload\n";
  const auto result = ctx.client().upload_file(s.id, "/tmp/uploaded.txt", dir.write("in.txt", text));
  check(result.success && result.path == "/tmp/uploaded.txt", "success with the remote path");
  check(result.size == static_cast<std::int64_t>(text.size()), "size is the file's size");
  check(ctx.client().execute_command(s.id, "cat /tmp/uploaded.txt").stdout == text, "cat shows the exact content");
}

void upload_missing_local_file(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("upload-missing"));
  expect_throws<prime::FileNotFoundError>(
      [&] { ctx.client().upload_file(s.id, "/tmp/x.txt", "/nonexistent/file.txt"); },
      "uploading a local file that does not exist raises FileNotFoundError");
}

void download_text(CaseContext& ctx) {
  const auto s = ctx.running("download");
  ctx.client().execute_command(s.id, "echo 'Test content for download' > /tmp/download.txt");
  LocalDir dir;
  ctx.client().download_file(s.id, "/tmp/download.txt", dir / "out.txt");
  check(LocalDir::read(dir / "out.txt") == "Test content for download\n", "the local file has the content");
}

void download_missing_remote(CaseContext& ctx) {
  const auto s = ctx.running("download-missing");
  LocalDir dir;
  expect_throws<prime::APIError>([&] { ctx.client().download_file(s.id, "/nonexistent/file.txt", dir / "x"); },
                                 "downloading a remote file that does not exist raises APIError");
  check(!fs::exists(dir / "x"), "and leaves no local file behind");
}

void binary_round_trip(CaseContext& ctx) {
  const auto s = ctx.running("binary");
  LocalDir dir;
  const std::string all = every_byte_value();
  ctx.client().upload_file(s.id, "/tmp/all.bin", dir.write("all.bin", all));
  check(ctx.client().execute_command(s.id, "wc -c < /tmp/all.bin").stdout == "256\n", "256 bytes arrive (wc -c)");
  ctx.client().download_file(s.id, "/tmp/all.bin", dir / "back.bin");
  check(LocalDir::read(dir / "back.bin") == all, "every byte value survives upload and download");
  const std::string big = random_bytes(3 << 20);
  ctx.client().upload_bytes(s.id, "/tmp/big.bin", big, "big.bin");
  ctx.client().download_file(s.id, "/tmp/big.bin", dir / "big.bin");
  check(LocalDir::read(dir / "big.bin") == big, "3 MiB of random bytes come back identical");
}

void upload_script_and_run(CaseContext& ctx) {
  const auto s = ctx.running("script");
  ctx.client().upload_bytes(s.id, "/tmp/app/x.py", "print('hello from', 6 * 7)\n", "x.py");
  const auto r = ctx.client().execute_command(s.id, "python3 /tmp/app/x.py");
  check(r.exit_code == 0 && r.stdout == "hello from 42\n", "the uploaded script is the one that runs: " + r.stdout);
}

void upload_bytes_text_and_json(CaseContext& ctx) {
  const auto s = ctx.running("bytes");
  const std::string text = "caf\xc3\xa9 \xf0\x9f\x9a\x80\n";  // UTF-8 with an emoji
  ctx.client().upload_bytes(s.id, "/tmp/utf8.txt", text, "utf8.txt");
  check(ctx.client().execute_command(s.id, "cat /tmp/utf8.txt").stdout == text, "UTF-8 text is stored exactly");
  ctx.client().upload_bytes(s.id, "/tmp/data.json", R"({"answer": 42, "list": [1, 2]})", "data.json");
  const auto parsed = ctx.client().execute_command(
      s.id, "python3 -c 'import json; print(json.load(open(\"/tmp/data.json\"))[\"answer\"])'");
  check(parsed.stdout == "42\n", "uploaded JSON parses inside the sandbox: " + parsed.stdout + parsed.stderr);
}

void read_file_windows(CaseContext& ctx) {
  const auto s = ctx.running("read");
  ctx.client().upload_bytes(s.id, "/tmp/digits.txt", "0123456789", "digits.txt");
  check(ctx.client().read_file(s.id, "/tmp/digits.txt").content == "0123456789", "read_file reads it whole");
  const auto window = ctx.client().read_file(s.id, "/tmp/digits.txt", {.offset = 2, .length = 3});
  check(window.content == "234", "offset 2, length 3 gives '234', got '" + window.content + "'");
  expect_throws<prime::APIError>([&] { ctx.client().read_file(s.id, "/tmp/no-such-file"); },
                                 "read_file of a missing file raises APIError");
}

}  // namespace

std::vector<Case> file_cases() {
  return {
      {"files.upload.text", "files", "upload_file returns success, the path and the size, and cat shows the content.",
       upload_text},
      {"files.upload.missing_local_file", "files",
       "upload_file of a local file that does not exist raises FileNotFoundError.", upload_missing_local_file},
      {"files.download.text", "files", "download_file writes the remote file's content locally.", download_text},
      {"files.download.missing_remote", "files",
       "download_file of a missing remote file raises APIError and writes nothing locally.", download_missing_remote},
      {"files.binary.round_trip", "files",
       "every byte value and 3 MiB of random bytes survive upload and download unchanged.", binary_round_trip},
      {"files.upload.script_runs", "files", "an uploaded Python script is the file that python3 runs.",
       upload_script_and_run},
      {"files.upload_bytes.text_and_json", "files",
       "upload_bytes stores UTF-8 text with an emoji exactly, and JSON that parses in the sandbox.",
       upload_bytes_text_and_json},
      {"files.read_file.windows", "files",
       "read_file returns the whole file or an offset/length window; a missing file raises APIError.",
       read_file_windows},
  };
}

}  // namespace ppio_conformance
