#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <map>
#include <cstring>
#include <set>
#include <vector>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/envd/api/http_api.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using exec::FsError;
using ppio_sandbox::core::connect::Code;

namespace {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool exists(const exec::SandboxFs& fs, const std::string& path) {
  try {
    fs.stat(path);
    return true;
  } catch (const FsError&) {
    return false;  // not_found, or nothing a write could keep anyway
  }
}

constexpr std::string_view kMetadataHeader = "x-metadata-";
// What envd allows: the xattr name (prefix and key) within Linux's 255 bytes, and all of a
// file's metadata within ext4's one block for an inode's attributes.
constexpr std::size_t kMaxMetadataKey = 255 - exec::kMetadataXattrPrefix.size();
constexpr std::size_t kMaxMetadataTotal = 4096;

// X-Metadata-<key> headers, the prefix in any case: keys lower-cased, an empty key dropped,
// the first value of a repeated header kept.
std::map<std::string, std::string> metadata_headers(const httplib::Headers& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    if (name.size() <= kMetadataHeader.size()) continue;
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.starts_with(kMetadataHeader)) continue;
    out.emplace(lower.substr(kMetadataHeader.size()), value);
  }
  return out;
}

// envd's checks and words for metadata it refuses (400 "invalid metadata: ..."); "" when fine.
std::string metadata_problem(const std::map<std::string, std::string>& metadata) {
  const auto non_printable = [](const std::string& label, const std::string& s) -> std::string {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c > 0x7E) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        return "metadata " + label + " contains non-printable-ASCII byte " + hex + " at offset " + std::to_string(i);
      }
    }
    return {};
  };
  std::size_t total = 0;
  for (const auto& [key, value] : metadata) {
    if (key.size() > kMaxMetadataKey) {
      return "metadata key \"" + key + "\" exceeds " + std::to_string(kMaxMetadataKey) + " bytes";
    }
    if (auto p = non_printable("key", key); !p.empty()) return p;
    if (auto p = non_printable("value for key \"" + key + "\"", value); !p.empty()) return p;
    total += exec::kMetadataXattrPrefix.size() + key.size() + value.size();
  }
  if (total > kMaxMetadataTotal) {
    return "total metadata size " + std::to_string(total) + " exceeds " + std::to_string(kMaxMetadataTotal) + " bytes";
  }
  return {};
}

}  // namespace

void HttpApi::upload(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) const {
  std::optional<std::pair<int, std::string>> error;
  std::optional<EdgeReply> edge;
  const auto fail = [&](int status, const std::string& message) {
    if (!error) error = {status, message};
  };
  std::optional<Call> call;
  try {
    call = edge_.admit_files(req, "write");
  } catch (const EdgeReply& e) {
    edge = e;
  } catch (const FsError& e) {
    fail(http_status_for_files(e.code()), e.what());
  }

  const auto metadata = metadata_headers(req.headers);
  if (const auto problem = metadata_problem(metadata); !problem.empty()) fail(400, "invalid metadata: " + problem);
  if (!metadata.empty() && !user_xattrs_) {
    fail(400, "invalid metadata: the filesystem under the fake's state directory has no user extended attributes, "
              "so file metadata cannot be kept");
  }
  const std::string path_query = req.has_param("path") ? req.get_param_value("path") : "";
  json entries = json::array();
  std::set<std::string> seen;
  // A body cut short or refused leaves every file as it was. A new file is
  // written in place, as envd writes it (watchers see its create and writes),
  // and removed on failure; a file that exists is written beside itself under
  // a temporary name and moved over only once the whole body has arrived.
  struct Pending {
    std::string temp;  // empty: written in place
    std::string path;
  };
  std::vector<Pending> pending;
  int fd = -1;
  const auto close_file = [&] {
    if (fd >= 0) ::close(fd);
    fd = -1;
  };
  // The current file's body is all there: its metadata replaces whatever it had, before it
  // is moved into place (envd writes it after the body too).
  const auto finish_file = [&] {
    if (fd >= 0 && !error && !edge && user_xattrs_) {
      try {
        exec::write_metadata(fd, metadata, pending.back().path);
      } catch (const FsError& e) {
        fail(e.code() == Code::failed_precondition ? 400 : http_status_for_files(e.code()),
             std::string("invalid metadata: ") + e.what());
      }
    }
    close_file();
  };
  const auto open_file = [&](const std::string& requested) {
    finish_file();
    if (edge || error) return;
    if (requested.empty()) return fail(400, "the path query parameter or a part filename is required");
    const std::string path = exec::normalize_path(requested, call->user.home);
    if (!seen.insert(path).second) return fail(400, "two parts write to the same path '" + path + "'");
    try {
      if (call->fs->is_directory(path)) return fail(400, "path '" + path + "' is a directory");
      const auto slash = path.rfind('/');
      const std::string temp = exists(*call->fs, path) ? path.substr(0, slash + 1) + ".ppio-upload-" +
                                                             std::to_string(pending.size()) + "-" + path.substr(slash + 1)
                                                       : "";
      fd = call->fs->open_write(temp.empty() ? path : temp, &call->user);  // owned by the caller, as envd chowns it
      pending.push_back({temp, path});
      entries.push_back({{"path", path}, {"name", path.substr(slash + 1)}, {"type", "file"}});
      if (!metadata.empty()) entries.back()["metadata"] = metadata;
    } catch (const FsError& e) {
      fail(http_status_for_files(e.code()), e.what());
    }
  };
  // Bytes go straight to disk; after an error the rest of the body is read and dropped.
  // A chunked body has no Content-Length to refuse early: its limit holds here.
  std::size_t received = 0;
  bool too_large = false;
  const auto receive = [&](const char* data, std::size_t size) {
    received += size;
    if (received > max_upload_) {
      too_large = true;
      close_file();
      fail(413, "Request body too large");
      return false;
    }
    if (fd >= 0 && !write_all(fd, data, size)) {
      const int err = errno;
      close_file();
      fail(err == ENOSPC ? 507 : 500, err == ENOSPC ? "not enough disk space" : std::strerror(err));
    }
    return true;
  };

  const std::string type = req.get_header_value("Content-Type");
  // Without a length or chunks there is no body: httplib would read one until the connection closed.
  const bool has_body = api::carries_body(req);
  bool body_read = false;
  if (req.is_multipart_form_data()) {
    bool file_part = false;
    body_read = has_body && reader(
        [&](const httplib::MultipartFormData& part) {
          if (part.name == "file") {
            file_part = true;
            open_file(path_query.empty() ? part.filename : path_query);
          } else {
            finish_file();  // parts with other names are ignored
          }
          return true;
        },
        receive);
    if (!body_read) fail(400, "malformed multipart body: a missing boundary, or a body cut short");
    if (!file_part) fail(400, "the multipart body has no part named 'file'");
  } else {
    if (type.starts_with("application/octet-stream")) {
      if (path_query.empty()) fail(400, "the path query parameter is required for application/octet-stream");
      open_file(path_query);
    } else {
      fail(400, "unsupported content type: '" + type + "'");
    }
    body_read = !has_body || reader(receive);
    if (!body_read) fail(400, "the request body was cut short");
  }
  finish_file();
  for (const auto& file : pending) {
    try {
      if (error || edge) {
        call->fs->remove(file.temp.empty() ? file.path : file.temp);
      } else if (!file.temp.empty()) {
        call->fs->move(file.temp, file.path, &call->user);
      }
    } catch (const FsError& e) {
      fail(http_status_for_files(e.code()), e.what());  // the files after it are removed
    }
  }
  if (too_large) return api::refuse_too_large(req, res);  // the rest of the body is never read
  // A body not read to its end (no boundary, broken chunks): the answer closes the
  // connection, so that what is left of the body is never read as a request.
  const bool unread = has_body && !body_read;
  const auto refuse = [&](int status, const json& body) {
    if (unread) return api::send_error_and_close(req, res, status, body);
    send_json(res, status, body);
  };
  if (edge) return refuse(edge->status, edge->body);
  if (error) return refuse(error->first, json{{"code", error->first}, {"message", error->second}});
  send_json(res, 200, entries);
}

}  // namespace ppio_mock::envd
