#include "support/agent_request.hpp"

#include <zmq_addon.hpp>

namespace agenthost::testing {

std::vector<std::string> request(zmq::context_t& context, const std::string& endpoint,
                                 std::vector<std::string> frames, int timeout_ms) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, timeout_ms);
  // Bounded too: a DEALER whose connection was refused in the handshake has no pipe to send on.
  socket.set(zmq::sockopt::sndtimeo, timeout_ms);
  socket.connect(endpoint);
  zmq::multipart_t out;
  out.addstr("");
  for (auto& f : frames) out.addstr(f);
  if (!out.send(socket)) return {};
  zmq::multipart_t in;
  if (!in.recv(socket)) return {};
  std::vector<std::string> reply;
  while (!in.empty()) reply.push_back(in.popstr());
  if (!reply.empty() && reply.front().empty()) reply.erase(reply.begin());
  return reply;
}

}  // namespace agenthost::testing
