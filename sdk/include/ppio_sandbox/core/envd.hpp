#pragma once
// Talking to a sandbox's envd daemon: where it is, the headers every call
// carries, the Connect requests of process.Process and filesystem.Filesystem,
// an incremental reader of a Process/Start stream, and a multipart body that
// streams a file. Pure request building and decoding; no I/O here.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ppio_sandbox/core/config.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"
#include "ppio_sandbox/core/http.hpp"

namespace ppio_sandbox::core {

inline constexpr const char* kEnvdPort = "49983";

// One sandbox's envd, and who is calling it.
struct EnvdTarget {
  std::string sandbox_id;
  std::optional<std::string> access_token;  // envdAccessToken of a secure sandbox: X-Access-Token
  std::optional<std::string> domain;        // the sandbox's own domain, when the API gave one
  std::optional<std::string> user;          // run as this user (RPC: Basic auth; /files: username)
};

// config.sandbox_url when set (one URL for every sandbox, routed by the
// E2b-Sandbox-Id header), else https://49983-<id>.<domain>.
std::string envd_base_url(const ConnectionConfig& config, const EnvdTarget& target);

// A request to envd: `target_path` is the path and query, e.g. "/files?path=%2Fa".
// Carries User-Agent, E2b-Sandbox-Id, E2b-Sandbox-Port and, for secure
// sandboxes, X-Access-Token.
HttpRequest envd_request(const ConnectionConfig& config, const EnvdTarget& target, std::string method,
                         const std::string& target_path, std::chrono::milliseconds timeout);

// GET/POST /files?path=<path>[&username=<user>].
std::string files_path(const std::string& path, const std::optional<std::string>& user);

// POST /process.Process/Start as a Connect server stream (JSON codec, one
// envelope). `deadline` goes in Connect-Timeout-Ms, and envd kills the process
// when it passes; without one the process may run for ever. `http_timeout`
// bounds the whole exchange on the client. `keepalive` is how often envd sends
// a keepalive event on a quiet stream (Keepalive-Ping-Interval).
HttpRequest process_start_request(const ConnectionConfig& config, const EnvdTarget& target,
                                  const envd::StartRequest& start, std::optional<std::chrono::milliseconds> deadline,
                                  std::chrono::milliseconds http_timeout,
                                  std::chrono::seconds keepalive = std::chrono::seconds(50));

// POST /process.Process/Connect: follows a running process (its events from
// now on, a start event first), with the same timeouts as process_start_request.
HttpRequest process_connect_request(const ConnectionConfig& config, const EnvdTarget& target,
                                    const envd::ProcessSelector& process,
                                    std::optional<std::chrono::milliseconds> deadline,
                                    std::chrono::milliseconds http_timeout,
                                    std::chrono::seconds keepalive = std::chrono::seconds(50));

// A unary Connect call, e.g. ("process.Process", "SendSignal", {...}).
HttpRequest connect_unary_request(const ConnectionConfig& config, const EnvdTarget& target,
                                  const std::string& service, const std::string& method,
                                  const nlohmann::json& message, std::chrono::milliseconds timeout);

// The edge proxy's answer for a sandbox that is not there (killed, expired,
// paused): 502 with {"message": "The sandbox was not found", ...}. A 502 for a
// running sandbox whose port is closed is something else.
bool is_sandbox_not_found(const HttpResponse& response);
// The edge proxy's answer for a paused sandbox it will not resume: 409 with
// {"message": "The sandbox is paused", "canAutoResume": false}. Unlike other
// 409s it is no transition: waiting does not end it, only a resume does.
bool is_sandbox_paused(const HttpResponse& response);

// The peer broke the Connect protocol (a bad envelope, data after the end).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The body of a Process/Start (or Connect) answer, fed as it arrives.
class ProcessStream {
 public:
  using EventHandler = std::function<void(const envd::ProcessEvent&)>;
  // Output is collected in stdout_bytes() and stderr_bytes().
  ProcessStream() = default;
  // Every event goes to `on_event` as it is decoded, and output is not kept.
  explicit ProcessStream(EventHandler on_event) : on_event_(std::move(on_event)) {}

  // Decodes every complete envelope in `bytes`. Throws ProtocolError on a bad
  // or oversized envelope, a compressed one, or data after end-stream.
  void feed(std::string_view bytes);

  const std::optional<std::uint32_t>& pid() const { return pid_; }
  const std::string& stdout_bytes() const { return out_; }
  const std::string& stderr_bytes() const { return err_; }
  const std::optional<envd::EndEvent>& end() const { return end_; }
  // True once the end-stream envelope arrived; error() is then its error, if any.
  bool finished() const { return finished_; }
  const std::optional<connect::Error>& error() const { return error_; }
  // Bytes received that do not yet make a whole envelope.
  std::size_t pending() const { return decoder_.pending(); }

 private:
  EventHandler on_event_;
  connect::FrameDecoder decoder_;
  std::optional<std::uint32_t> pid_;
  std::string out_;
  std::string err_;
  std::optional<envd::EndEvent> end_;
  bool finished_ = false;
  std::optional<connect::Error> error_;
};

// multipart/form-data with one part named "file", its bytes streamed from
// `file`: the framing is built around the source, never the data copied whole.
struct MultipartBody {
  std::string content_type;  // multipart/form-data; boundary=...
  BodySource source;
};
MultipartBody multipart_file_body(const std::string& filename, BodySource file, const std::string& boundary);

}  // namespace ppio_sandbox::core
