#pragma once
// One request to an agent's tcp endpoint on a fresh ZeroMQ DEALER socket (docs/PROTOCOL.md):
// the frames after the empty delimiter go out, the reply's frames come back.

#include <string>
#include <vector>

#include <zmq.hpp>

namespace agenthost::testing {

// The reply's frames after the delimiter (AH1, status, payload[, correlation id]); empty when
// it could not be sent or no reply came within `timeout_ms`.
std::vector<std::string> request(zmq::context_t& context, const std::string& endpoint,
                                 std::vector<std::string> frames, int timeout_ms = 2000);

}  // namespace agenthost::testing
