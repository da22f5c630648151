#pragma once
// The AH1 wire protocol (docs/PROTOCOL.md): parsing requests that arrive on an agent's ROUTER
// socket and building replies; the caller side's framing for the client. Pure functions on
// frames, no sockets.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace agenthost::messaging {

inline constexpr std::string_view kProtocol = "AH1";
inline constexpr std::size_t kMaxMethodBytes = 128;
inline constexpr std::size_t kMaxCorrelationBytes = 64;
inline constexpr std::string_view kHealthMethod = "agenthost.health";
inline constexpr std::string_view kMetricsMethod = "agenthost.metrics";
inline constexpr std::string_view kReservedPrefix = "agenthost.";

// Reply status codes (HTTP-like, so that people reading a trace know them at once).
enum Status : int {
  kOk = 200,
  kBadRequest = 400,
  kNoSuchMethod = 404,
  kHandlerFailed = 500,
  kNotServing = 503,
  kDeadlineExpired = 504,
  // Never on the wire: the caller's own verdicts.
  kCallerGaveUp = 1,     // the deadline passed with no reply
  kCallerCannotSend = 2, // the endpoint could not be reached
};

using Frames = std::vector<zmq::message_t>;

// A request as the ROUTER socket delivered it, split into its parts.
struct WireRequest {
  Frames envelope;  // routing identities, plus the empty delimiter when the caller sent one
  std::string method;
  std::string payload;
  std::optional<std::chrono::milliseconds> deadline;  // the caller's remaining budget
  std::optional<std::string> correlation;
};

// Why a message is not a request. `answerable` when it had a routing envelope: the caller
// then gets a 400 reply with `reason`; otherwise it is dropped.
struct Malformed {
  Frames envelope;
  std::string reason;
  bool answerable = false;
  std::optional<std::string> correlation;
};

// Takes the frames apart (moves out of `frames`). Never throws on bad input.
std::variant<WireRequest, Malformed> parse_request(Frames& frames);

// The reply to a request with `envelope`; `correlation` is echoed when set.
Frames make_reply(Frames envelope, int status, std::string_view body,
                  const std::optional<std::string>& correlation);

// --- the caller's side (a DEALER socket that sends an empty delimiter, like REQ) ---

Frames make_request(std::string_view method, std::string_view payload,
                    std::optional<std::chrono::milliseconds> deadline,
                    std::string_view correlation);

struct WireReply {
  int status = 0;
  std::string body;
  std::string correlation;
};

// nullopt when the frames are not an AH1 reply.
std::optional<WireReply> parse_reply(Frames& frames);

}  // namespace agenthost::messaging
