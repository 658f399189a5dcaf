// upload_file, upload_bytes, download_file and read_file on envd's /files,
// streamed both ways: no transfer holds a whole file in memory (read_file
// returns its window as a string, so that window is held).
#include <fstream>
#include <system_error>

#include "error_mapping.hpp"
#include "random_id.hpp"
#include "ppio_sandbox/core/clock.hpp"
#include "ppio_sandbox/core/time.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kDefaultTransferTimeout = 300;  // Prime's upload and download default, seconds
constexpr int kDefaultReadTimeout = 30;       // Prime's read_file default, seconds
// Prime waits 0.25/0.5/1 s before repeating an upload after a 5xx, and 1/2/4 s
// before repeating a download or a read.
const std::vector<milliseconds> kUploadWaits = {milliseconds(250), milliseconds(500), milliseconds(1000)};
const std::vector<milliseconds> kReadWaits = {seconds(1), seconds(2), seconds(4)};

int checked_timeout(std::optional<int> timeout, int fallback) {
  const int value = timeout.value_or(fallback);
  if (value < 1) throw std::invalid_argument("timeout must be at least 1 second");
  return value;
}

// A source over a local file, opened afresh for every attempt.
core::BodySource file_source(const fs::path& path) {
  auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (!*in) throw fs::filesystem_error("cannot open the local file", path, std::make_error_code(std::errc::io_error));
  core::BodySource source;
  source.length = fs::file_size(path);
  source.read = [in](char* buffer, std::size_t capacity) -> std::size_t {
    in->read(buffer, static_cast<std::streamsize>(capacity));
    if (in->bad()) throw std::runtime_error("reading the local file failed");
    return static_cast<std::size_t>(in->gcount());
  };
  return source;
}

core::BodySource bytes_source(std::string_view bytes) {
  auto position = std::make_shared<std::size_t>(0);
  core::BodySource source;
  source.length = bytes.size();
  source.read = [bytes, position](char* buffer, std::size_t capacity) -> std::size_t {
    const std::size_t n = std::min(capacity, bytes.size() - *position);
    std::copy_n(bytes.data() + *position, n, buffer);
    *position += n;
    return n;
  };
  return source;
}

Timestamp utc_now() { return std::chrono::system_clock::now(); }

// Reads an int64 field of protobuf JSON: a string on the wire, a number accepted.
std::int64_t entry_size(const nlohmann::json& entry) {
  const auto it = entry.find("size");
  return it == entry.end() || it->is_null() ? 0 : core::envd::int64_from_json(*it);
}

}  // namespace

FileUploadResponse SandboxClient::upload(const std::string& sandbox_id, const std::string& file_path,
                                         const std::string& filename,
                                         const std::function<core::BodySource()>& open_source,
                                         std::optional<int> timeout_option, bool from_file) {
  const int timeout = checked_timeout(timeout_option, kDefaultTransferTimeout);
  const auto& config = client_.control_plane().config();
  const std::string boundary = "----ppio-sandbox-" + detail::random_hex(24);
  std::string url;
  core::HttpResponse response;
  try {
    response = envd_exchange(sandbox_id, std::nullopt, {.idempotent = true, .waits = kUploadWaits},
                             [&](const core::EnvdTarget& target) {
                               auto body = core::multipart_file_body(filename, open_source(), boundary);
                               auto request = core::envd_request(config, target, "POST",
                                                                 core::files_path(file_path, std::nullopt),
                                                                 seconds(timeout));
                               request.timeout_scope = core::HttpRequest::TimeoutScope::each_phase;  // as Prime's httpx timeouts
                               request.content_type = body.content_type;
                               url = request.url;
                               return client_.transport()->send_streaming(request, {.upload = body.source});
                             });
  } catch (const core::TransportError& e) {
    if (e.kind() == core::TransportError::Kind::timeout) {
      detail::throw_from_current(UploadTimeoutError(sandbox_id, file_path, timeout));
    }
    detail::throw_from_current(APIError(std::string("Upload failed: Request failed: ") + e.what()));
  }
  if (response.status < 200 || response.status >= 300) {
    const std::string where = from_file ? " POST " + url : "";
    detail::throw_with_cause(
        APIError("Upload failed: HTTP " + std::to_string(response.status) + where + ": " + response.body,
                 response.status),
        detail::http_cause(response));
  }
  return FileUploadResponse{true, file_path, 0, utc_now()};
}

FileUploadResponse SandboxClient::upload_file(const std::string& sandbox_id, const std::string& file_path,
                                              const fs::path& local_file_path, std::optional<int> timeout) {
  std::error_code ec;
  if (!fs::exists(local_file_path, ec)) throw FileNotFoundError("Local file not found: " + local_file_path.string());
  if (fs::is_directory(local_file_path, ec)) {
    throw fs::filesystem_error("cannot upload a directory", local_file_path,
                               std::make_error_code(std::errc::is_a_directory));
  }
  const auto size = static_cast<std::int64_t>(fs::file_size(local_file_path));
  auto response = upload(sandbox_id, file_path, local_file_path.filename().string(),
                         [&] { return file_source(local_file_path); }, timeout, /*from_file=*/true);
  response.size = size;
  return response;
}

FileUploadResponse SandboxClient::upload_bytes(const std::string& sandbox_id, const std::string& file_path,
                                               std::string_view file_bytes, const std::string& filename,
                                               std::optional<int> timeout) {
  auto response =
      upload(sandbox_id, file_path, filename, [&] { return bytes_source(file_bytes); }, timeout, /*from_file=*/false);
  response.size = static_cast<std::int64_t>(file_bytes.size());
  return response;
}

void SandboxClient::download_file(const std::string& sandbox_id, const std::string& file_path,
                                  const fs::path& local_file_path, std::optional<int> timeout_option) {
  const int timeout = checked_timeout(timeout_option, kDefaultTransferTimeout);
  const auto& config = client_.control_plane().config();
  // Written next to the destination and renamed into place when complete, so
  // a failed download never leaves a partial file under the caller's name.
  const fs::path partial = local_file_path.string() + ".part-" + detail::random_hex(8);
  std::ofstream out;
  std::string url;
  const auto cleanup = [&] {
    if (out.is_open()) out.close();
    std::error_code ignored;
    fs::remove(partial, ignored);
  };

  core::HttpResponse response;
  try {
    response = envd_exchange(
        sandbox_id, std::nullopt, {.idempotent = true, .waits = kReadWaits}, [&](const core::EnvdTarget& target) {
          auto request = core::envd_request(config, target, "GET", core::files_path(file_path, std::nullopt),
                                            seconds(timeout));
          request.timeout_scope = core::HttpRequest::TimeoutScope::each_phase;  // as Prime's httpx timeouts
          url = request.url;
          core::StreamHandlers handlers;
          handlers.on_head = [&](const core::HttpResponse& head) {
            if (head.status < 200 || head.status >= 300) return true;  // its body is the error
            if (out.is_open()) out.close();  // an earlier attempt's bytes are discarded
            if (local_file_path.has_parent_path()) fs::create_directories(local_file_path.parent_path());
            out.open(partial, std::ios::binary | std::ios::trunc);
            if (!out) {
              throw fs::filesystem_error("cannot write the local file", partial,
                                         std::make_error_code(std::errc::io_error));
            }
            return true;
          };
          handlers.on_body = [&](std::string_view chunk) {
            if (!out.is_open()) handlers.on_head(core::HttpResponse{200, {}, {}, false});
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            if (!out) {
              throw fs::filesystem_error("writing the local file failed", partial,
                                         std::make_error_code(std::errc::io_error));
            }
            return true;
          };
          return client_.transport()->send_streaming(request, handlers);
        });
  } catch (const core::TransportError& e) {
    cleanup();
    if (e.kind() == core::TransportError::Kind::timeout) {
      detail::throw_from_current(DownloadTimeoutError(sandbox_id, file_path, timeout));
    }
    detail::throw_from_current(APIError(std::string("Download failed: Request failed: ") + e.what()));
  } catch (...) {
    cleanup();
    throw;
  }
  if (response.status < 200 || response.status >= 300) {
    cleanup();
    detail::throw_with_cause(APIError("Download failed: HTTP " + std::to_string(response.status) + " GET " + url +
                                          ": " + response.body,
                                      response.status),
                             detail::http_cause(response));
  }
  if (!out.is_open()) {  // an empty file: no body arrived
    if (local_file_path.has_parent_path()) fs::create_directories(local_file_path.parent_path());
    out.open(partial, std::ios::binary | std::ios::trunc);
  }
  out.close();
  if (!out) {
    cleanup();
    throw fs::filesystem_error("writing the local file failed", partial, std::make_error_code(std::errc::io_error));
  }
  std::error_code ec;
  fs::rename(partial, local_file_path, ec);
  if (ec) {
    cleanup();
    throw fs::filesystem_error("cannot move the download into place", partial, local_file_path, ec);
  }
}

ReadFileResponse SandboxClient::read_file(const std::string& sandbox_id, const std::string& file_path,
                                          const ReadFileOptions& options) {
  const int timeout = checked_timeout(options.timeout, kDefaultReadTimeout);
  if (options.length && *options.length < 0) throw std::invalid_argument("length must not be negative");
  const auto& config = client_.control_plane().config();
  const auto timed_out = [&] {
    return APIError("Read file timed out after " + std::to_string(timeout) + "s (ReadTimeout): " + file_path);
  };
  const EnvdRetry retry{.idempotent = true, .waits = kReadWaits};

  // 1. The file's size, from filesystem.Filesystem/Stat: it places a negative
  //    offset, and keeps every range asked of /files satisfiable.
  std::string url;
  core::HttpResponse stat;
  try {
    stat = envd_exchange(sandbox_id, std::nullopt, retry, [&](const core::EnvdTarget& target) {
      auto request = core::connect_unary_request(config, target, "filesystem.Filesystem", "Stat",
                                                 nlohmann::json{{"path", file_path}}, seconds(timeout));
      url = request.url;
      return client_.transport()->send(request);
    });
  } catch (const core::TransportError& e) {
    if (e.kind() == core::TransportError::Kind::timeout) detail::throw_from_current(timed_out());
    detail::throw_from_current(APIError(std::string("Read file failed: Request failed: ") + e.what()));
  }
  if (stat.status != 200) {
    const auto error = core::connect::parse_error(stat.body, stat.status);
    if (error.code == core::connect::Code::not_found) {
      detail::throw_with_cause(SandboxFileNotFoundError(file_path), core::connect::RpcError(error));
    }
    detail::throw_with_cause(
        APIError("Read file failed: HTTP " + std::to_string(stat.status) + " POST " + url + ": " + stat.body,
                 stat.status),
        core::connect::RpcError(error));
  }
  std::int64_t total = 0;
  try {
    const auto entry = nlohmann::json::parse(stat.body).at("entry");
    const auto type = entry.value("type", std::string());
    if (type == core::envd::file_type_name(core::envd::FileType::directory)) {
      throw APIError("Read file failed: '" + file_path + "' is a directory", 400);
    }
    total = entry_size(entry);
  } catch (const nlohmann::json::exception& e) {
    detail::throw_from_current(APIError(std::string("Read file failed: unexpected Stat answer: ") + e.what()));
  }

  // 2. The window, clamped to the file.
  const std::int64_t offset = options.offset.value_or(0);
  const std::int64_t start = offset >= 0 ? std::min(offset, total) : std::max<std::int64_t>(0, total + offset);
  std::int64_t length = total - start;
  if (options.length) {
    length = std::min(*options.length, length);
  } else if (length > kReadFileMaxBytes) {
    throw SandboxFileTooLargeError(file_path, std::to_string(length) + " bytes from offset " + std::to_string(start) +
                                                  " exceed read_file's limit of " + std::to_string(kReadFileMaxBytes) +
                                                  "; pass offset and length, or use download_file");
  }

  ReadFileResponse out;
  out.total_size = total;
  out.offset = start;
  if (length > 0) {
    // 3. Those bytes, by a Range request (a server that ignores Range is sliced here).
    const auto want = static_cast<std::size_t>(length);
    core::HttpResponse response;
    try {
      response = envd_exchange(sandbox_id, std::nullopt, retry, [&](const core::EnvdTarget& target) {
        auto request = core::envd_request(config, target, "GET", core::files_path(file_path, std::nullopt),
                                          seconds(timeout));
        request.timeout_scope = core::HttpRequest::TimeoutScope::each_phase;  // as Prime's httpx timeouts
        request.headers.emplace_back("Range", "bytes=" + std::to_string(start) + "-" +
                                                  std::to_string(start + length - 1));
        url = request.url;
        out.content.clear();
        int status = 0;
        std::uint64_t skip = 0;
        core::StreamHandlers handlers;
        handlers.on_head = [&](const core::HttpResponse& head) {
          status = head.status;
          skip = status == 200 ? static_cast<std::uint64_t>(start) : 0;
          return true;
        };
        handlers.on_body = [&](std::string_view chunk) {
          if (skip > 0) {
            const auto n = std::min<std::uint64_t>(skip, chunk.size());
            chunk.remove_prefix(static_cast<std::size_t>(n));
            skip -= n;
          }
          const std::size_t room = want - out.content.size();
          out.content.append(chunk.substr(0, room));
          return chunk.size() <= room;  // hang up on a server that sends more than asked
        };
        return client_.transport()->send_streaming(request, handlers);
      });
    } catch (const core::TransportError& e) {
      if (e.kind() == core::TransportError::Kind::timeout) detail::throw_from_current(timed_out());
      detail::throw_from_current(APIError(std::string("Read file failed: Request failed: ") + e.what()));
    }
    if (response.status == 404) detail::throw_with_cause(SandboxFileNotFoundError(file_path), detail::http_cause(response));
    if (response.status == 413) {
      detail::throw_with_cause(SandboxFileTooLargeError(file_path, response.body), detail::http_cause(response));
    }
    if (response.status == 416) {
      out.content.clear();  // the file shrank since Stat
    } else if (response.status < 200 || response.status >= 300) {
      detail::throw_with_cause(APIError("Read file failed: HTTP " + std::to_string(response.status) + " GET " + url +
                                            ": " + response.body,
                                        response.status),
                               detail::http_cause(response));
    }
  }
  out.size = static_cast<std::int64_t>(out.content.size());
  out.truncated = !(start == 0 && out.size == total);
  return out;
}

}  // namespace ppio_sandbox::prime_compatible
