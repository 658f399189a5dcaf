#pragma once
// Connect RPC over HTTP/1.1 with the JSON codec, as envd speaks it: the error
// codes and their HTTP statuses, the unary error body, and the 5-byte
// envelopes of server streams. One copy for the SDK and the fake.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ppio_sandbox::core::connect {

enum class Code {
  canceled,
  unknown,
  invalid_argument,
  deadline_exceeded,
  not_found,
  already_exists,
  permission_denied,
  resource_exhausted,
  failed_precondition,
  aborted,
  out_of_range,
  unimplemented,
  internal,
  unavailable,
  data_loss,
  unauthenticated,
};

// "not_found" and back; nullopt for a name Connect does not define.
std::string_view code_name(Code code);
std::optional<Code> code_from_name(std::string_view name);
// The status a connect-go server answers with for `code`.
int http_status(Code code);
// What a client assumes when an error body is not Connect JSON (connect-es rules).
Code code_from_http_status(int status);

struct Error {
  Code code = Code::unknown;
  std::string message;
};

// An error a Connect peer answered with, as an exception (the cause the SDK's
// own errors carry).
class RpcError : public std::runtime_error {
 public:
  explicit RpcError(Error error)
      : std::runtime_error(std::string(code_name(error.code)) + ": " + error.message), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

// Unary error body: {"code":"not_found","message":"..."}.
nlohmann::json error_json(const Error& error);
// Reads a unary error body; falls back to the HTTP status when it is not Connect JSON.
Error parse_error(std::string_view body, int http_status);

inline constexpr std::uint8_t kFlagCompressed = 0x01;
inline constexpr std::uint8_t kFlagEndStream = 0x02;
inline constexpr std::size_t kHeaderSize = 5;

// One envelope: flags, 4-byte big-endian length, payload.
std::string encode_frame(std::string_view payload, std::uint8_t flags = 0);
std::string encode_message(const nlohmann::json& message);
// The end-stream envelope: {} on success, {"error":{"code","message"}} otherwise.
std::string encode_end_stream(const std::optional<Error>& error = std::nullopt);
// nullopt for {}, the error otherwise; throws std::invalid_argument when the payload is not end-stream JSON.
std::optional<Error> parse_end_stream(std::string_view payload);

struct Frame {
  std::uint8_t flags = 0;
  std::string payload;
  bool end_stream() const { return (flags & kFlagEndStream) != 0; }
};

// Turns bytes, split anywhere, back into envelopes.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_payload = 64u << 20) : max_payload_(max_payload) {}
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete envelope, or nullopt when more bytes are needed.
  // Throws std::length_error when an envelope announces more than max_payload.
  std::optional<Frame> next();
  // Bytes held that do not yet make a whole envelope.
  std::size_t pending() const { return buffer_.size() - offset_; }

 private:
  std::size_t max_payload_;
  std::string buffer_;
  std::size_t offset_ = 0;
};

}  // namespace ppio_sandbox::core::connect
