// Connect envelopes: the SDK's FrameDecoder over bytes split anywhere, and the
// end-stream and error JSON readers. (The fake's reading of a request message
// is fuzzed through its routes, in envd_rpc_bodies.) Refusals are the
// documented exceptions; anything else is a finding.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ppio_sandbox/core/connect.hpp"

namespace connect = ppio_sandbox::core::connect;

namespace {

// The decoder hands back exactly the bytes it was fed, split as it was fed them.
void decode_split(const std::string& bytes, std::size_t split) {
  connect::FrameDecoder decoder(1u << 16);
  std::size_t consumed = 0;
  try {
    decoder.feed(std::string_view(bytes).substr(0, split));
    while (auto frame = decoder.next()) consumed += connect::kHeaderSize + frame->payload.size();
    decoder.feed(std::string_view(bytes).substr(split));
    while (auto frame = decoder.next()) {
      consumed += connect::kHeaderSize + frame->payload.size();
      if (frame->end_stream()) {
        try {
          (void)connect::parse_end_stream(frame->payload);
        } catch (const std::invalid_argument&) {
        }
      }
    }
  } catch (const std::length_error&) {
    return;  // an envelope over the limit
  }
  if (consumed + decoder.pending() != bytes.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  decode_split(bytes, data[0] % (bytes.size() + 1));
  (void)connect::parse_error(bytes, 400 + data[0] % 200);
  return 0;
}
