#pragma once
// envd's plain HTTP endpoints: GET /health, GET /envs, GET /metrics, and the
// files: GET /files (download.cpp) and POST /files (upload.cpp).
#include <httplib.h>

#include "mockserver/envd/edge.hpp"
#include "mockserver/state/registry.hpp"

namespace ppio_mock::envd {

class HttpApi {
 public:
  // `user_xattrs`: whether the state directory's filesystem can keep file metadata;
  // `max_upload_bytes`: the largest POST /files body, chunked or not.
  HttpApi(const Edge& edge, state::Registry& registry, bool user_xattrs, std::size_t max_upload_bytes)
      : edge_(edge), registry_(registry), user_xattrs_(user_xattrs), max_upload_(max_upload_bytes) {}

  // 204 for a running sandbox; the control plane's 200 when the request is not envd traffic.
  void health(const httplib::Request& req, httplib::Response& res) const;
  void envs(Call& call, const httplib::Request& req, httplib::Response& res) const;
  void metrics(Call& call, const httplib::Request& req, httplib::Response& res) const;
  // Streamed from the file in blocks.
  void download(Call& call, const httplib::Request& req, httplib::Response& res) const;
  // Streamed to disk as it arrives; admits the request itself, since the body
  // must be read (and dropped) whatever the answer. X-Metadata-<key> headers become
  // the files' user.e2b.<key> attributes, set before a file is moved into place.
  void upload(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) const;

 private:
  const Edge& edge_;
  state::Registry& registry_;
  bool user_xattrs_;
  std::size_t max_upload_;
};

}  // namespace ppio_mock::envd
