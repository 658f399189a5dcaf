// envd's POST /files: the multipart body (and the path query) of an upload,
// sent to the embedded fake. The first byte picks how the request names its
// boundary (or fails to); the rest is the body, with the path of the file
// before the first newline.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fake_under_test.hpp"

namespace {

const std::vector<const char*> kContentTypes = {
    "multipart/form-data; boundary=fuzzboundary",
    "multipart/form-data; boundary=\"fuzzboundary\"",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "application/octet-stream",
    "",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto& fake = ppio_fuzz::fake();
  const char* type = kContentTypes[data[0] % kContentTypes.size()];
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto newline = rest.find('\n');
  const std::string path = newline == std::string::npos ? "" : rest.substr(0, newline);
  const std::string body = newline == std::string::npos ? rest : rest.substr(newline + 1);
  httplib::Params params;
  if (!path.empty()) params.emplace("path", path);
  const std::string target = httplib::append_query_params("/files", params);
  auto res = fake.client().Post(target, fake.envd_headers(), body, type);
  fake.check(res, "POST " + target + " (" + type + ")");
  if (res->status == 502) fake.forget_sandbox();
  return 0;
}
