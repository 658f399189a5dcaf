#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

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
  int fd = -1;
  const auto close_file = [&] {
    if (fd >= 0) ::close(fd);
    fd = -1;
  };
  const auto open_file = [&](const std::string& requested) {
    close_file();
    if (edge || error) return;
    if (requested.empty()) return fail(400, "the path query parameter or a part filename is required");
    const std::string path = exec::normalize_path(requested, call->home);
    if (!seen.insert(path).second) return fail(400, "two parts write to the same path '" + path + "'");
    try {
      fd = call->fs->open_write(path);
      entries.push_back({{"path", path}, {"name", path.substr(path.rfind('/') + 1)}, {"type", "file"}});
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
  if (req.is_multipart_form_data()) {
    reader(
        [&](const httplib::MultipartFormData& part) {
          if (part.name == "file") {
            open_file(path_query.empty() ? part.filename : path_query);
          } else {
            close_file();  // parts with other names are ignored
          }
          return true;
        },
        receive);
  } else {
    if (type.starts_with("application/octet-stream")) {
      if (path_query.empty()) fail(400, "the path query parameter is required for application/octet-stream");
      open_file(path_query);
    } else {
      fail(400, "unsupported content type: '" + type + "'");
    }
    reader(receive);
  }
  close_file();
  if (edge) return send_json(res, edge->status, edge->body);
  if (error) return send_http_error(res, error->first, error->second);
  send_json(res, 200, entries);
}

}  // namespace ppio_mock::envd
