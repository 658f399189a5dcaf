#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "mockserver/envd/api/http_api.hpp"

namespace ppio_mock::envd {

using ppio_sandbox::core::connect::Code;
using exec::FsError;

void HttpApi::download(Call& call, const httplib::Request& req, httplib::Response& res) const {
  if (!req.has_param("path")) throw FsError(Code::invalid_argument, "the path query parameter is required");
  const std::string path = exec::normalize_path(req.get_param_value("path"), call.home);
  const int fd = call.fs->open_read(path);
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::string name = path.substr(path.rfind('/') + 1);
  res.set_header("Content-Disposition", "inline; filename=\"" + name + "\"");
  // Streamed from the file in blocks: a large file is never held in memory.
  res.set_content_provider(
      size, "application/octet-stream",
      [fd](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        char buf[65536];
        const auto n = ::pread(fd, buf, std::min(length, sizeof buf), static_cast<off_t>(offset));
        if (n <= 0) return false;
        return sink.write(buf, static_cast<std::size_t>(n));
      },
      [fd](bool) { ::close(fd); });
}

}  // namespace ppio_mock::envd
