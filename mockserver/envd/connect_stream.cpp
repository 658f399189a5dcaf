#include "mockserver/envd/connect_stream.hpp"

#include <thread>

#include "mockserver/exec/sandbox_fs.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace connect = ppio_sandbox::core::connect;

// One envelope of a stream; events count towards a stream_cut, keepalives and the end do not.
struct StreamWriter::Frame {
  std::string bytes;
  bool event = false;
  bool end = false;
};

struct StreamWriter::FramesSent {
  int frames = 0;
  int events = 0;
};

namespace {

// In short steps, so a stopping server is not held up by a long injected delay.
void sleep_unless_stopping(double ms, const std::atomic<bool>& stopping) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
  while (!stopping && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
  }
}

}  // namespace

StreamFaults stream_faults_of(const faults::Decision& decision, std::string team, std::string sandbox_id) {
  StreamFaults out;
  out.team = std::move(team);
  out.sandbox_id = std::move(sandbox_id);
  out.frame_latencies = decision.latencies;
  if (decision.action && decision.action->type == faults::Action::Type::stream_cut) {
    out.cut_after_events = decision.action->after_events;
  }
  if (decision.action && decision.action->type == faults::Action::Type::kill_sandbox) {
    out.kill_after = std::chrono::milliseconds(decision.action->after_ms);
  }
  return out;
}

bool is_streaming(const std::string& service, const std::string& method) {
  if (service == "process.Process") return method == "Start" || method == "Connect" || method == "StreamInput";
  return method == "WatchDir";
}

namespace {

// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  while (!type.empty() && type.front() == ' ') type.erase(0, 1);
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

std::string envelope_payload(const std::string& body) {
  constexpr std::size_t kHeader = 5;
  connect::FrameDecoder decoder(body.size());
  decoder.feed(body);
  std::optional<connect::Frame> frame;
  try {
    frame = decoder.next();
  } catch (const std::length_error&) {
    frame.reset();
  }
  if (!frame && body.size() >= kHeader) {
    throw FsError(Code::invalid_argument, "the message envelope's length prefix is larger than the " +
                                              std::to_string(body.size() - kHeader) + " bytes that follow it");
  }
  if (!frame || frame->end_stream()) throw FsError(Code::invalid_argument, "the request has no message envelope");
  if ((frame->flags & connect::kFlagCompressed) != 0) {
    throw FsError(Code::unimplemented, "compressed request envelopes are not supported");
  }
  return std::move(frame->payload);
}

void check_media_type(const httplib::Request& req, bool streaming) {
  const std::string type = media_type(req.get_header_value("Content-Type"));
  if (type.find("proto") != std::string::npos) {
    throw FsError(Code::unimplemented, "only the JSON codec is supported, not " + type);
  }
  const char* wanted = streaming ? "application/connect+json" : "application/json";
  if (type != wanted) {
    throw UnsupportedMediaType{streaming ? "application/connect+json, application/connect+proto"
                                         : "application/json, application/proto",
                               "content type '" + type + "' is not " + wanted};
  }
}

json parse_message(const std::string& payload) {
  if (payload.empty()) return json::object();
  json message = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) {
    throw FsError(Code::invalid_argument, "the request message is not a JSON object");
  }
  return message;
}

}  // namespace

json request_message(const httplib::Request& req, bool streaming) {
  check_media_type(req, streaming);
  return parse_message(streaming ? envelope_payload(req.body) : req.body);
}

std::vector<json> request_messages(const httplib::Request& req) {
  check_media_type(req, /*streaming=*/true);
  connect::FrameDecoder decoder(req.body.size());
  decoder.feed(req.body);
  std::vector<json> messages;
  while (true) {
    std::optional<connect::Frame> frame;
    try {
      frame = decoder.next();
    } catch (const std::length_error&) {
    }
    if (!frame) break;
    if ((frame->flags & connect::kFlagCompressed) != 0) {
      throw FsError(Code::unimplemented, "compressed request envelopes are not supported");
    }
    if (frame->end_stream()) throw FsError(Code::invalid_argument, "a client stream has no end-stream envelope");
    messages.push_back(parse_message(frame->payload));
  }
  if (decoder.pending() > 0) {
    throw FsError(Code::invalid_argument, "the last message envelope is cut short: " +
                                              std::to_string(decoder.pending()) + " bytes make no whole envelope");
  }
  return messages;
}

std::chrono::milliseconds keepalive_interval(const httplib::Request& req) {
  try {
    const auto seconds = std::stol(req.get_header_value("Keepalive-Ping-Interval"));
    if (seconds > 0) return std::chrono::seconds(seconds);
  } catch (const std::exception&) {
  }
  return std::chrono::seconds(90);
}

std::optional<std::chrono::milliseconds> connect_timeout(const httplib::Request& req) {
  if (!req.has_header("Connect-Timeout-Ms")) return std::nullopt;
  try {
    const auto ms = std::stoll(req.get_header_value("Connect-Timeout-Ms"));
    if (ms > 0) return std::chrono::milliseconds(ms);
  } catch (const std::exception&) {
  }
  throw FsError(Code::invalid_argument, "invalid Connect-Timeout-Ms header");
}

void send_rpc_error(httplib::Response& res, const connect::Error& error) {
  res.status = connect::http_status(error.code);
  res.set_content(ppio_sandbox::core::json_fields::wire_text(connect::error_json(error)), "application/json");
}

void send_call_error(httplib::Response& res, bool streaming, const connect::Error& error) {
  if (!streaming) return send_rpc_error(res, error);
  res.status = 200;
  res.set_content(connect::encode_end_stream(error), "application/connect+json");
}

void StreamWriter::stream(httplib::Response& res, std::shared_ptr<StreamSource> source,
                          std::chrono::milliseconds keepalive, StreamFaults faults) const {
  using Clock = std::chrono::steady_clock;
  res.status = 200;
  std::optional<Clock::time_point> kill_at;
  if (faults.kill_after) kill_at = Clock::now() + *faults.kill_after;
  res.set_chunked_content_provider(
      "application/connect+json",
      [this, source, keepalive, faults = std::move(faults), kill_at, last_sent = Clock::now(),
       sent = FramesSent{}](std::size_t, httplib::DataSink& sink) mutable {
        std::vector<json> messages;
        bool done = false;
        bool stopped = false;
        // Short waits, so a stopping server is never held up by a quiet stream.
        while (messages.empty() && !done) {
          if (stopping_) {
            stopped = true;
            break;
          }
          const auto now = Clock::now();
          if (kill_at && now >= *kill_at) {
            kill_sandbox_(faults.team, faults.sandbox_id);  // the stream then ends with `unavailable`
            kill_at.reset();
          }
          if (now >= last_sent + keepalive) break;
          auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(last_sent + keepalive - now),
                               std::chrono::milliseconds(200));
          if (kill_at) wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*kill_at - now));
          done = source->wait(messages, wait);
        }
        if (done && kill_at) {
          kill_sandbox_(faults.team, faults.sandbox_id);  // the command ended before after_ms
          kill_at.reset();
        }
        // A paused or killed sandbox: the connection drops, with no end-stream frame.
        if (done && !stopped && source->dropped()) return false;
        std::vector<Frame> frames;
        for (const auto& message : messages) frames.push_back({connect::encode_message(message), true, false});
        if (stopped) {
          frames.push_back({connect::encode_end_stream(connect::Error{Code::unavailable, "the server is stopping"}), false, true});
        } else if (done) {
          frames.push_back({connect::encode_end_stream(source->end_error()), false, true});
        } else if (messages.empty()) {
          frames.push_back({connect::encode_message(source->keepalive()), false, false});
        }
        // False: the client left (the process lives on), or a stream_cut dropped the connection.
        if (!write_frames(sink, frames, faults, sent)) return false;
        last_sent = Clock::now();
        if (done || stopped) sink.done();
        return true;
      });
}

bool StreamWriter::write_frames(httplib::DataSink& sink, const std::vector<Frame>& frames, const StreamFaults& faults,
                                FramesSent& sent) const {
  if (faults.empty()) {  // the usual case: one write
    std::string out;
    for (const auto& frame : frames) out += frame.bytes;
    return sink.write(out.data(), out.size());
  }
  for (const auto& frame : frames) {
    // A cut stream ends without its end frame: returning false drops the connection.
    if (faults.cut_after_events && (frame.end || (frame.event && sent.events >= *faults.cut_after_events))) {
      return false;
    }
    if (sent.frames > 0 && faults_ != nullptr) {
      double ms = 0;
      for (const auto& latency : faults.frame_latencies) ms += faults_->sample_ms(latency);
      sleep_unless_stopping(ms, stopping_);
    }
    if (!sink.write(frame.bytes.data(), frame.bytes.size())) return false;
    ++sent.frames;
    sent.events += frame.event ? 1 : 0;
  }
  return true;
}

}  // namespace ppio_mock::envd
