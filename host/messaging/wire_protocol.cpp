#include "messaging/wire_protocol.hpp"

#include <charconv>
#include <variant>

namespace agenthost::messaging {
namespace {

std::string_view view(const zmq::message_t& frame) {
  return {static_cast<const char*>(frame.data()), frame.size()};
}

zmq::message_t frame_of(std::string_view text) { return zmq::message_t(text.data(), text.size()); }

// Splits the routing envelope off: identities up to an empty delimiter (REQ and polite DEALER
// callers), or the single identity when the body follows it directly (a DEALER without one).
// Returns the index of the first body frame, or 0 when there is no envelope.
std::size_t body_start(const Frames& frames) {
  if (frames.size() < 2) return 0;
  if (view(frames[1]) == kProtocol) return 1;
  for (std::size_t i = 1; i < frames.size(); ++i) {
    if (frames[i].size() == 0) return i + 1;
  }
  return 0;
}

std::optional<std::chrono::milliseconds> parse_deadline(std::string_view text, bool& ok) {
  ok = true;
  if (text.empty()) return std::nullopt;
  // Digits only (from_chars alone would take a sign: "-0").
  for (char c : text) {
    if (c < '0' || c > '9') {
      ok = false;
      return std::nullopt;
    }
  }
  std::chrono::milliseconds::rep ms = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
  // More digits than fit: the caller waits practically forever, which is not malformed.
  if (error == std::errc::result_out_of_range) return std::chrono::milliseconds::max();
  if (error != std::errc() || end != text.data() + text.size()) {
    ok = false;
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

std::variant<WireRequest, Malformed> parse_request(Frames& frames) {
  const std::size_t start = body_start(frames);
  if (start == 0) return Malformed{{}, "no routing envelope", false, std::nullopt};

  Frames envelope;
  envelope.reserve(start);
  for (std::size_t i = 0; i < start; ++i) envelope.push_back(std::move(frames[i]));
  const std::size_t count = frames.size() - start;
  auto body = [&](std::size_t i) { return view(frames[start + i]); };
  auto malformed = [&](std::string reason) {
    std::optional<std::string> correlation;
    if (count == 5 && body(4).size() <= kMaxCorrelationBytes) correlation = std::string(body(4));
    return Malformed{std::move(envelope), std::move(reason), true, std::move(correlation)};
  };

  if (count == 0 || body(0) != kProtocol) {
    return malformed("not an AH1 request: the first frame must be \"AH1\" (see docs/PROTOCOL.md)");
  }
  if (count < 3) return malformed("an AH1 request has at least 3 frames: AH1, method, payload");
  if (count > 5) {
    return malformed("an AH1 request has at most 5 frames: AH1, method, payload, deadline, id");
  }
  if (body(1).empty() || body(1).size() > kMaxMethodBytes) {
    return malformed("the method name must be 1 to 128 bytes");
  }
  if (count == 5 && body(4).size() > kMaxCorrelationBytes) {
    return malformed("the correlation id is longer than 64 bytes");
  }
  WireRequest request;
  if (count >= 4) {
    bool ok = true;
    request.deadline = parse_deadline(body(3), ok);
    if (!ok) return malformed("the deadline frame must be milliseconds in ASCII digits, or empty");
  }
  request.method = std::string(body(1));
  request.payload = std::string(body(2));
  if (count == 5) request.correlation = std::string(body(4));
  request.envelope = std::move(envelope);
  return request;
}

Frames make_reply(Frames envelope, int status, std::string_view body,
                  const std::optional<std::string>& correlation) {
  Frames reply = std::move(envelope);
  reply.reserve(reply.size() + 4);
  reply.push_back(frame_of(kProtocol));
  char code[8];
  auto [end, error] = std::to_chars(code, code + sizeof code, status);
  (void)error;
  reply.emplace_back(code, static_cast<std::size_t>(end - code));
  reply.push_back(frame_of(body));
  if (correlation) reply.push_back(frame_of(*correlation));
  return reply;
}

Frames make_request(std::string_view method, std::string_view payload,
                    std::optional<std::chrono::milliseconds> deadline,
                    std::string_view correlation) {
  Frames request;
  request.reserve(6);
  request.emplace_back();  // the empty delimiter, as a REQ socket sends it
  request.push_back(frame_of(kProtocol));
  request.push_back(frame_of(method));
  request.push_back(frame_of(payload));
  std::string ms = deadline ? std::to_string(std::max<long long>(deadline->count(), 0)) : "";
  request.push_back(frame_of(ms));
  request.push_back(frame_of(correlation));
  return request;
}

std::optional<WireReply> parse_reply(Frames& frames) {
  std::size_t i = 0;
  if (i < frames.size() && frames[i].size() == 0) ++i;  // the delimiter
  if (frames.size() - i < 3 || view(frames[i]) != kProtocol) return std::nullopt;
  WireReply reply;
  auto code = view(frames[i + 1]);
  auto [end, error] = std::from_chars(code.data(), code.data() + code.size(), reply.status);
  if (error != std::errc() || end != code.data() + code.size()) return std::nullopt;
  reply.body = std::string(view(frames[i + 2]));
  if (frames.size() - i >= 4) reply.correlation = std::string(view(frames[i + 3]));
  return reply;
}

}  // namespace agenthost::messaging
