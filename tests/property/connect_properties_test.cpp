// Properties of Connect framing: envelopes survive any split of the byte
// stream, and a stream cut short never yields a message it did not finish.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "ppio_sandbox/core/connect.hpp"


namespace {

namespace connect = ppio_sandbox::core::connect;

struct Sent {
  std::uint8_t flags;
  std::string payload;
};

rc::Gen<std::vector<Sent>> frames() {
  return rc::gen::container<std::vector<Sent>>(rc::gen::construct<Sent>(
      rc::gen::element<std::uint8_t>(0, connect::kFlagEndStream, connect::kFlagCompressed),
      rc::gen::container<std::string>(rc::gen::arbitrary<char>())));
}

std::string concatenated(const std::vector<Sent>& sent) {
  std::string out;
  for (const auto& f : sent) out += connect::encode_frame(f.payload, f.flags);
  return out;
}

// Feeds `bytes` cut at `cuts` (sorted offsets, repeats allowed: empty chunks) and
// drains the decoder after every chunk, as a stream reader does.
std::vector<connect::Frame> decode_in_chunks(const std::string& bytes, std::vector<std::size_t> cuts,
                                             connect::FrameDecoder& decoder) {
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(bytes.size());
  std::vector<connect::Frame> out;
  std::size_t from = 0;
  for (auto to : cuts) {
    decoder.feed(std::string_view(bytes).substr(from, to - from));
    from = to;
    while (auto frame = decoder.next()) out.push_back(std::move(*frame));
  }
  return out;
}

std::vector<std::size_t> cuts_within(std::size_t size) {
  return *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, size + 1));
}

void expect_same(const std::vector<connect::Frame>& got, const std::vector<Sent>& sent, std::size_t count) {
  RC_ASSERT(got.size() == count);
  for (std::size_t i = 0; i < count; ++i) {
    RC_ASSERT(got[i].flags == sent[i].flags);
    RC_ASSERT(got[i].payload == sent[i].payload);
  }
}

}  // namespace

RC_GTEST_PROP(ConnectFraming, AnyChunkingDecodesToTheSameEnvelopes, ()) {
  const auto sent = *frames();
  const auto bytes = concatenated(sent);
  connect::FrameDecoder decoder;
  const auto got = decode_in_chunks(bytes, cuts_within(bytes.size()), decoder);
  expect_same(got, sent, sent.size());
  RC_ASSERT(decoder.pending() == 0u);
}

RC_GTEST_PROP(ConnectFraming, ATruncatedStreamYieldsOnlyTheEnvelopesItCompleted, ()) {
  const auto sent = *frames();
  RC_PRE(!sent.empty());
  const auto bytes = concatenated(sent);
  const auto length = *rc::gen::inRange<std::size_t>(0, bytes.size());  // at least one byte missing
  // The envelopes that end within the first `length` bytes.
  std::size_t whole = 0;
  std::size_t end = 0;
  while (whole < sent.size() && end + connect::kHeaderSize + sent[whole].payload.size() <= length) {
    end += connect::kHeaderSize + sent[whole].payload.size();
    ++whole;
  }
  connect::FrameDecoder decoder;
  const auto prefix = bytes.substr(0, length);
  const auto got = decode_in_chunks(prefix, cuts_within(length), decoder);
  expect_same(got, sent, whole);
  RC_ASSERT(decoder.pending() == length - end);  // what is left is reported as incomplete
  RC_ASSERT(!decoder.next().has_value());
}

RC_GTEST_PROP(ConnectFraming, AnEnvelopeAboveTheLimitIsRefusedNotBuffered, ()) {
  const auto limit = *rc::gen::inRange<std::size_t>(0, 64);
  const auto payload = *rc::gen::container<std::string>(limit + 1 + *rc::gen::inRange<std::size_t>(0, 8),
                                                        rc::gen::arbitrary<char>());
  connect::FrameDecoder decoder(limit);
  decoder.feed(connect::encode_frame(payload).substr(0, connect::kHeaderSize));  // the header alone is enough
  RC_ASSERT_THROWS_AS(decoder.next(), std::length_error);
}

RC_GTEST_PROP(ConnectFraming, MessagesAndEndStreamRoundTrip, ()) {
  // JSON carries UTF-8 only; printable ASCII stands for it here.
  const auto text = rc::gen::container<std::string>(rc::gen::inRange<char>(0x20, 0x7F));
  const nlohmann::json message = *rc::gen::container<std::map<std::string, std::string>>(text, text);
  connect::FrameDecoder decoder;
  decoder.feed(connect::encode_message(message));
  const auto frame = decoder.next();
  RC_ASSERT(frame.has_value());
  RC_ASSERT(!frame->end_stream());
  RC_ASSERT(nlohmann::json::parse(frame->payload) == message);

  const auto code = *rc::gen::element(connect::Code::canceled, connect::Code::not_found,
                                      connect::Code::deadline_exceeded, connect::Code::unavailable);
  std::optional<connect::Error> sent;
  if (*rc::gen::arbitrary<bool>()) sent = connect::Error{code, *text};
  decoder.feed(connect::encode_end_stream(sent));
  const auto end = decoder.next();
  RC_ASSERT(end.has_value());
  RC_ASSERT(end->end_stream());
  const auto parsed = connect::parse_end_stream(end->payload);
  RC_ASSERT(parsed.has_value() == sent.has_value());
  if (sent) {
    RC_ASSERT(parsed->code == sent->code);
    RC_ASSERT(parsed->message == sent->message);
  }
}
