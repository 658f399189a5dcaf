#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "mockserver/envd/api/http_api.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using exec::FsError;

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

}  // namespace

void HttpApi::upload(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) const {
  std::optional<std::pair<int, std::string>> error;
  std::optional<EdgeReply> edge;
  const auto fail = [&](int status, const std::string& message) {
    if (!error) error = {status, message};
  };
  std::optional<Call> call;
  try {
    call = edge_.admit_http(req, /*token_required=*/false);
  } catch (const EdgeReply& e) {
    edge = e;
  } catch (const FsError& e) {
    fail(http_status_for_files(e.code()), e.what());
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
  const auto open_file = [&](const std::string& requested) {
    close_file();
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
    } catch (const FsError& e) {
      fail(http_status_for_files(e.code()), e.what());
    }
  };
  // Bytes go straight to disk; after an error the rest of the body is read and dropped.
  const auto receive = [&](const char* data, std::size_t size) {
    if (fd >= 0 && !write_all(fd, data, size)) {
      const int err = errno;
      close_file();
      fail(err == ENOSPC ? 507 : 500, err == ENOSPC ? "not enough disk space" : std::strerror(err));
    }
    return true;
  };

  const std::string type = req.get_header_value("Content-Type");
  bool body_read = false;
  if (req.is_multipart_form_data()) {
    bool file_part = false;
    body_read = reader(
        [&](const httplib::MultipartFormData& part) {
          if (part.name == "file") {
            file_part = true;
            open_file(path_query.empty() ? part.filename : path_query);
          } else {
            close_file();  // parts with other names are ignored
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
    body_read = reader(receive);
    if (!body_read) fail(400, "the request body was cut short");
  }
  close_file();
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
  if (edge) return send_json(res, edge->status, edge->body);
  if (error) return send_http_error(res, error->first, error->second);
  send_json(res, 200, entries);
}

}  // namespace ppio_mock::envd
