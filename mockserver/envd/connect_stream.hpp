#pragma once
// Connect over HTTP/1.1 for envd's RPCs: the request message (an envelope for
// server streams, a bare message for unary calls), the error answers, and the
// server stream itself: message envelopes, keepalives, the end-stream frame,
// and the fault actions carried out inside a stream (stream_cut, kill_sandbox,
// latency between frames).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/faults/engine.hpp"
#include "ppio_sandbox/core/connect.hpp"

namespace ppio_mock::envd {

// What a server stream sends: a process's events, a watcher's.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // Waits up to `timeout` for messages and appends them. True when the stream is
  // over (after its last message was handed out).
  virtual bool wait(std::vector<nlohmann::json>& messages, std::chrono::milliseconds timeout) = 0;
  virtual std::optional<ppio_sandbox::core::connect::Error> end_error() const = 0;
  // The stream ends by dropping the connection, with no end-stream frame, as the
  // edge does when the sandbox is paused or killed under it.
  virtual bool dropped() const { return false; }
  virtual nlohmann::json keepalive() const = 0;
};

// The fault actions to carry out on one stream.
struct StreamFaults {
  std::optional<int> cut_after_events;                  // stream_cut
  std::optional<std::chrono::milliseconds> kill_after;  // kill_sandbox
  std::vector<faults::LatencyDistribution> frame_latencies;
  std::string team;
  std::string sandbox_id;
  bool empty() const { return !cut_after_events && !kill_after && frame_latencies.empty(); }
};
// What the request's fault decision asks of its stream.
StreamFaults stream_faults_of(const faults::Decision& decision, std::string team, std::string sandbox_id);

bool is_streaming(const std::string& service, const std::string& method);
// A content type the procedure cannot take: connect-go answers HTTP 415 with
// the types it would take in Accept-Post.
struct UnsupportedMediaType {
  std::string accept_post;
  std::string message;
};
// The one message of a request: an envelope for streams, a bare message for unary calls.
// Throws UnsupportedMediaType for a content type that is neither, and FsError
// (invalid_argument, unimplemented) for what it cannot read.
nlohmann::json request_message(const httplib::Request& req, bool streaming);
// Every message of a client stream (StreamInput): over HTTP/1.1 the whole
// stream is the request body, a run of envelopes. Throws as request_message.
std::vector<nlohmann::json> request_messages(const httplib::Request& req);
// Keepalive-Ping-Interval, 90 s when absent or invalid.
std::chrono::milliseconds keepalive_interval(const httplib::Request& req);
// Connect-Timeout-Ms; FsError(invalid_argument) when it is not a positive number.
std::optional<std::chrono::milliseconds> connect_timeout(const httplib::Request& req);

// A unary call's error: the code's HTTP status and Connect error JSON.
void send_rpc_error(httplib::Response& res, const ppio_sandbox::core::connect::Error& error);
// A stream that fails before its first message still answers 200, with the
// error in the end-stream frame; a unary call answers as send_rpc_error.
void send_call_error(httplib::Response& res, bool streaming, const ppio_sandbox::core::connect::Error& error);

class StreamWriter {
 public:
  // `kill_sandbox` carries out a kill_sandbox fault (team, sandbox id).
  using KillSandbox = std::function<void(const std::string&, const std::string&)>;
  StreamWriter(const std::atomic<bool>& stopping, KillSandbox kill_sandbox)
      : stopping_(stopping), kill_sandbox_(std::move(kill_sandbox)) {}
  // Latency between frames is drawn from this engine's seed.
  void use_faults(faults::FaultEngine& engine) { faults_ = &engine; }

  // Answers with the stream: each message as it comes, a keepalive when quiet
  // for `keepalive`, and the end-stream frame. A stopping server ends it with `unavailable`.
  void stream(httplib::Response& res, std::shared_ptr<StreamSource> source, std::chrono::milliseconds keepalive,
              StreamFaults faults) const;

 private:
  struct Frame;
  struct FramesSent;
  bool write_frames(httplib::DataSink& sink, const std::vector<Frame>& frames, const StreamFaults& faults,
                    FramesSent& sent) const;

  const std::atomic<bool>& stopping_;
  KillSandbox kill_sandbox_;
  faults::FaultEngine* faults_ = nullptr;
};

}  // namespace ppio_mock::envd
