#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace ppio_sandbox::core::connect {

using nlohmann::json;

namespace {

struct CodeRow {
  Code code;
  std::string_view name;
  int status;
};

// connect-go v1.18 (what envd uses), protocol reference §5.2.
constexpr std::array<CodeRow, 16> kCodes{{
    {Code::canceled, "canceled", 499},
    {Code::unknown, "unknown", 500},
    {Code::invalid_argument, "invalid_argument", 400},
    {Code::deadline_exceeded, "deadline_exceeded", 504},
    {Code::not_found, "not_found", 404},
    {Code::already_exists, "already_exists", 409},
    {Code::permission_denied, "permission_denied", 403},
    {Code::resource_exhausted, "resource_exhausted", 429},
    {Code::failed_precondition, "failed_precondition", 400},
    {Code::aborted, "aborted", 409},
    {Code::out_of_range, "out_of_range", 400},
    {Code::unimplemented, "unimplemented", 501},
    {Code::internal, "internal", 500},
    {Code::unavailable, "unavailable", 503},
    {Code::data_loss, "data_loss", 500},
    {Code::unauthenticated, "unauthenticated", 401},
}};

const CodeRow& row(Code code) {
  for (const auto& r : kCodes) {
    if (r.code == code) return r;
  }
  return kCodes[1];
}

std::optional<Error> error_from(const json& j) {
  if (!j.is_object()) return std::nullopt;
  auto code_it = j.find("code");
  if (code_it == j.end() || !code_it->is_string()) return std::nullopt;
  Error error;
  error.code = code_from_name(code_it->get<std::string>()).value_or(Code::unknown);
  if (auto m = j.find("message"); m != j.end() && m->is_string()) error.message = m->get<std::string>();
  return error;
}

}  // namespace

std::string_view code_name(Code code) { return row(code).name; }

std::optional<Code> code_from_name(std::string_view name) {
  for (const auto& r : kCodes) {
    if (r.name == name) return r.code;
  }
  return std::nullopt;
}

int http_status(Code code) { return row(code).status; }

Code code_from_http_status(int status) {
  switch (status) {
    case 400: return Code::invalid_argument;
    case 401: return Code::unauthenticated;
    case 403: return Code::permission_denied;
    case 404: return Code::unimplemented;
    case 408: return Code::deadline_exceeded;
    case 409: return Code::aborted;
    case 412: return Code::failed_precondition;
    case 413:
    case 431: return Code::resource_exhausted;
    case 415: return Code::internal;
    case 429:
    case 502:
    case 503:
    case 504: return Code::unavailable;
    default: return Code::unknown;
  }
}

json error_json(const Error& error) {
  json j{{"code", std::string(code_name(error.code))}};
  if (!error.message.empty()) j["message"] = error.message;
  return j;
}

Error parse_error(std::string_view body, int status) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (auto error = error_from(j)) return *error;
  return Error{code_from_http_status(status), std::string(body)};
}

std::string encode_frame(std::string_view payload, std::uint8_t flags) {
  if (payload.size() > 0xffffffffu) throw std::length_error("Connect envelope payload over 4 GiB");
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((size >> shift) & 0xffu));
  out.append(payload);
  return out;
}

std::string encode_message(const json& message) { return encode_frame(json_fields::wire_text(message), 0); }

std::string encode_end_stream(const std::optional<Error>& error) {
  json j = json::object();
  if (error) j["error"] = error_json(*error);
  return encode_frame(json_fields::wire_text(j), kFlagEndStream);
}

std::optional<Error> parse_end_stream(std::string_view payload) {
  const json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw std::invalid_argument("end-stream payload is not a JSON object");
  auto it = j.find("error");
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (auto error = error_from(*it)) return error;
  throw std::invalid_argument("end-stream error has no code");
}

std::optional<Frame> FrameDecoder::next() {
  if (pending() < kHeaderSize) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  const std::size_t size = (std::size_t{p[1]} << 24) | (std::size_t{p[2]} << 16) | (std::size_t{p[3]} << 8) | p[4];
  if (size > max_payload_) throw std::length_error("Connect envelope of " + std::to_string(size) + " bytes is too large");
  if (pending() < kHeaderSize + size) return std::nullopt;
  Frame frame{p[0], buffer_.substr(offset_ + kHeaderSize, size)};
  offset_ += kHeaderSize + size;
  // Compact once the consumed prefix dominates, so feeding stays amortised O(n).
  if (offset_ > buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return frame;
}

}  // namespace ppio_sandbox::core::connect
