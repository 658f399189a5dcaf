#include "ppio_sandbox/core/envd.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace ppio_sandbox::core {

using nlohmann::json;

std::string envd_base_url(const ConnectionConfig& config, const EnvdTarget& target) {
  if (config.sandbox_url.empty() && target.domain && !target.domain->empty()) {
    return "https://" + std::string(kEnvdPort) + "-" + target.sandbox_id + "." + *target.domain;
  }
  return config.envd_url(target.sandbox_id);
}

HttpRequest envd_request(const ConnectionConfig& config, const EnvdTarget& target, std::string method,
                         const std::string& target_path, std::chrono::milliseconds timeout) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = envd_base_url(config, target) + target_path;
  // The routing headers are harmless on the per-sandbox host and required
  // when every sandbox shares one URL; the e2b SDKs always send them.
  request.headers = {{"User-Agent", config.user_agent},
                     {"E2b-Sandbox-Id", target.sandbox_id},
                     {"E2b-Sandbox-Port", kEnvdPort}};
  if (target.access_token) request.headers.emplace_back("X-Access-Token", *target.access_token);
  request.timeout = timeout;
  return request;
}

std::string files_path(const std::string& path, const std::optional<std::string>& user) {
  QueryParams params{{"path", path}};
  if (user && !user->empty()) params.emplace_back("username", *user);
  return "/files" + to_query_string(params);
}

namespace {

// Connect allows at most 10 digits in Connect-Timeout-Ms.
std::string timeout_header(std::chrono::milliseconds timeout) {
  return std::to_string(std::clamp<std::int64_t>(timeout.count(), 1, 9'999'999'999));
}

void add_connect_headers(HttpRequest& request, const EnvdTarget& target) {
  request.headers.emplace_back("Connect-Protocol-Version", "1");
  if (target.user && !target.user->empty()) {
    request.headers.emplace_back("Authorization", "Basic " + base64_encode(*target.user + ":"));
  }
}

// A server-stream call of process.Process with one request message.
HttpRequest process_stream_request(const ConnectionConfig& config, const EnvdTarget& target, const std::string& method,
                                   const json& message, std::optional<std::chrono::milliseconds> deadline,
                                   std::chrono::milliseconds http_timeout, std::chrono::seconds keepalive) {
  auto request = envd_request(config, target, "POST", "/process.Process/" + method, http_timeout);
  add_connect_headers(request, target);
  if (deadline) {
    request.headers.emplace_back("Connect-Timeout-Ms", timeout_header(*deadline));
  }
  request.headers.emplace_back("Keepalive-Ping-Interval", std::to_string(std::max<std::int64_t>(1, keepalive.count())));
  request.content_type = "application/connect+json";
  request.body = connect::encode_message(message);
  return request;
}

}  // namespace

HttpRequest process_start_request(const ConnectionConfig& config, const EnvdTarget& target,
                                  const envd::StartRequest& start, std::optional<std::chrono::milliseconds> deadline,
                                  std::chrono::milliseconds http_timeout, std::chrono::seconds keepalive) {
  return process_stream_request(config, target, "Start", json(start), deadline, http_timeout, keepalive);
}

HttpRequest process_connect_request(const ConnectionConfig& config, const EnvdTarget& target,
                                    const envd::ProcessSelector& process,
                                    std::optional<std::chrono::milliseconds> deadline,
                                    std::chrono::milliseconds http_timeout, std::chrono::seconds keepalive) {
  return process_stream_request(config, target, "Connect", envd::process_selector_json(process), deadline,
                                http_timeout, keepalive);
}

HttpRequest connect_unary_request(const ConnectionConfig& config, const EnvdTarget& target,
                                  const std::string& service, const std::string& method, const json& message,
                                  std::chrono::milliseconds timeout) {
  auto request = envd_request(config, target, "POST", "/" + service + "/" + method, timeout);
  add_connect_headers(request, target);
  request.headers.emplace_back("Connect-Timeout-Ms", timeout_header(timeout));
  request.content_type = "application/json";
  request.body = message.dump();
  // Reads may be sent twice; anything that changes the sandbox may not.
  request.idempotent = method == "Stat" || method == "ListDir" || method == "List";
  return request;
}

bool is_sandbox_paused(const HttpResponse& response) {
  if (response.status != 409) return false;
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return false;
  const auto message = body.find("message");
  return body.contains("canAutoResume") ||
         (message != body.end() && message->is_string() && message->get<std::string>() == "The sandbox is paused");
}

bool is_sandbox_not_found(const HttpResponse& response) {
  if (response.status != 502) return false;
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return false;
  const auto message = body.find("message");
  if (message != body.end() && message->is_string()) {
    std::string text = message->get<std::string>();
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text.find("not found") != std::string::npos) return true;
  }
  // Prime's gateway spells it {"error": "sandbox_not_found"}.
  const auto error = body.find("error");
  return error != body.end() && error->is_string() && error->get<std::string>() == "sandbox_not_found";
}

namespace {

std::optional<connect::Frame> next_frame(connect::FrameDecoder& decoder) {
  try {
    return decoder.next();
  } catch (const std::length_error& e) {
    throw ProtocolError(std::string("protocol error: ") + e.what());
  }
}

}  // namespace

void ProcessStream::feed(std::string_view bytes) {
  decoder_.feed(bytes);
  while (auto frame = next_frame(decoder_)) {
    if (finished_) throw ProtocolError("protocol error: data after the end of the stream");
    if ((frame->flags & connect::kFlagCompressed) != 0) {
      throw ProtocolError("protocol error: compressed envelope without a negotiated encoding");
    }
    if (frame->end_stream()) {
      try {
        error_ = connect::parse_end_stream(frame->payload);
      } catch (const std::invalid_argument& e) {
        throw ProtocolError(std::string("protocol error: ") + e.what());
      }
      finished_ = true;
      continue;
    }
    const auto message = json::parse(frame->payload, nullptr, /*allow_exceptions=*/false);
    if (!message.is_object()) throw ProtocolError("protocol error: a stream message is not a JSON object");
    envd::ProcessEvent event;
    try {
      event = envd::parse_process_event(message);
    } catch (const std::exception& e) {
      throw ProtocolError(std::string("protocol error: bad process event: ") + e.what());
    }
    if (on_event_) {
      if (const auto* start = std::get_if<envd::StartEvent>(&event)) pid_ = start->pid;
      if (const auto* end = std::get_if<envd::EndEvent>(&event)) end_ = *end;
      on_event_(event);
      continue;
    }
    if (const auto* start = std::get_if<envd::StartEvent>(&event)) {
      pid_ = start->pid;
    } else if (const auto* data = std::get_if<envd::DataEvent>(&event)) {
      (data->stream == envd::OutputStream::err ? err_ : out_) += data->bytes;  // pty output counts as stdout
    } else if (const auto* end = std::get_if<envd::EndEvent>(&event)) {
      end_ = *end;
    }
  }
}

MultipartBody multipart_file_body(const std::string& filename, BodySource file, const std::string& boundary) {
  std::string quoted;
  for (char c : filename) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\r' || c == '\n') continue;
    quoted += c;
  }
  // Shared between copies of the source, so that it can be handed around.
  struct State {
    std::string head;
    std::string tail;
    BodySource file;
    std::uint64_t position = 0;  // over head + file + tail
  };
  auto state = std::make_shared<State>();
  state->head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + quoted +
                "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  state->tail = "\r\n--" + boundary + "--\r\n";
  state->file = std::move(file);

  MultipartBody body;
  body.content_type = "multipart/form-data; boundary=" + boundary;
  body.source.length = state->head.size() + state->file.length + state->tail.size();
  body.source.read = [state](char* buffer, std::size_t capacity) -> std::size_t {
    auto& s = *state;
    const std::uint64_t head_end = s.head.size();
    const std::uint64_t file_end = head_end + s.file.length;
    if (s.position < head_end) {
      const auto n = std::min<std::uint64_t>(capacity, head_end - s.position);
      std::copy_n(s.head.data() + s.position, n, buffer);
      s.position += n;
      return static_cast<std::size_t>(n);
    }
    if (s.position < file_end) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, file_end - s.position));
      const std::size_t n = s.file.read(buffer, want);
      if (n == 0) throw std::runtime_error("the upload source ended before its announced length");
      s.position += n;
      return n;
    }
    const std::uint64_t tail_offset = s.position - file_end;
    if (tail_offset >= s.tail.size()) return 0;
    const auto n = std::min<std::uint64_t>(capacity, s.tail.size() - tail_offset);
    std::copy_n(s.tail.data() + tail_offset, n, buffer);
    s.position += n;
    return static_cast<std::size_t>(n);
  };
  return body;
}

}  // namespace ppio_sandbox::core
