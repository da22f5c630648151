#pragma once
// The forwarding wire of the error bus (docs/PROTOCOL.md, "Error forwarding"): a host's
// DEALER sends batches to the central host's ROUTER, which acknowledges each one.
//
//   sender -> collector   ["AHERR1", batch JSON]
//   collector -> sender   ["AHERR1", {"ack": SEQ}]   every event with seq <= SEQ arrived
//
// batch JSON: {"machine": M, "boot": B, "dropped": D, "events": [event...]} where an event's
// "seq" counts the sender's forwarded events from 1 (per boot), and D is how many events the
// sender had to drop since it booted (its buffer was full).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors/error_event.hpp"

namespace agenthost::errors {

inline constexpr std::string_view kErrorWireTag = "AHERR1";

struct ErrorBatch {
  std::string machine;
  std::string boot;  // tells a restarted sender (its seq starts again at 1) from the one before
  std::uint64_t dropped = 0;
  std::vector<ErrorEvent> events;
};

std::string encode_batch(const ErrorBatch& batch);
// Throws std::invalid_argument naming what is wrong.
ErrorBatch decode_batch(std::string_view text);

std::string encode_ack(std::uint64_t seq);
std::optional<std::uint64_t> decode_ack(std::string_view text) noexcept;

}  // namespace agenthost::errors
