// Any frames as a request or a reply: the decoders answer, never crash; and whatever request
// they accept, the reply made for it decodes back to the same status, body and correlation.
//
// Input layout: a byte N (frames, at most 8), then each frame as a length byte and its bytes;
// what is missing is empty.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "messaging/wire_protocol.hpp"

namespace {

using agenthost::messaging::Frames;

Frames frames_of(const std::uint8_t* data, std::size_t size) {
  Frames frames;
  std::size_t at = 0;
  const std::size_t count = size > 0 ? data[at++] % 9 : 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t length = at < size ? data[at++] : 0;
    if (length > size - at) length = size - at;
    frames.emplace_back(data + at, length);
    at += length;
  }
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agenthost::messaging;
  Frames as_reply = frames_of(data, size);
  (void)parse_reply(as_reply);

  Frames frames = frames_of(data, size);
  auto parsed = parse_request(frames);
  if (auto* request = std::get_if<WireRequest>(&parsed)) {
    const std::string body = request->method + "|" + request->payload;
    const std::size_t envelope = request->envelope.size();
    Frames reply = make_reply(std::move(request->envelope), 200, body, request->correlation);
    // What the caller's socket hands it: the reply after the envelope it sent.
    if (reply.size() < envelope) std::abort();
    Frames answer;
    for (std::size_t i = envelope; i < reply.size(); ++i) answer.push_back(std::move(reply[i]));
    auto back = parse_reply(answer);
    if (!back || back->status != 200 || back->body != body ||
        back->correlation != request->correlation.value_or(""))
      std::abort();
  }
  return 0;
}
