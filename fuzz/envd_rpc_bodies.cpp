// The JSON request bodies of envd's unary RPCs, sent to the embedded fake as
// Connect calls (and as streaming ones, enveloped, to see the framing read).
// The first byte picks the RPC, the second the content type; the rest is the
// body. Process.Start and the streams are left out: they would run commands
// or hold the connection open, which is not what this target is for.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fake_under_test.hpp"

namespace {

const std::vector<const char*> kRpcs = {
    "/process.Process/List",
    "/process.Process/SendInput",
    "/process.Process/SendSignal",
    "/process.Process/CloseStdin",
    "/process.Process/Update",
    "/filesystem.Filesystem/Stat",
    "/filesystem.Filesystem/MakeDir",
    "/filesystem.Filesystem/Move",
    "/filesystem.Filesystem/ListDir",
    "/filesystem.Filesystem/Remove",
    "/filesystem.Filesystem/CreateWatcher",
    "/filesystem.Filesystem/GetWatcherEvents",
    "/filesystem.Filesystem/RemoveWatcher",
    "/filesystem.Filesystem/NoSuchMethod",
};

const std::vector<const char*> kContentTypes = {
    "application/json",
    "application/connect+json",  // an envelope expected: the body is read as one
    "application/proto",
    "text/plain",
    "Application/JSON; charset=utf-8",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto& fake = ppio_fuzz::fake();
  const std::string rpc = kRpcs[data[0] % kRpcs.size()];
  const char* type = kContentTypes[data[1] % kContentTypes.size()];
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  auto res = fake.client().Post(rpc, fake.envd_headers(), body, type);
  fake.check(res, "POST " + rpc + " (" + type + ")");
  if (res->status == 502) fake.forget_sandbox();
  return 0;
}
