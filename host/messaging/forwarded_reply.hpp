#pragma once
// A handler that passes its request on to another program (a process agent's, an isolated
// agent's child) throws this to answer with that program's own status and text: a 404 there
// is a 404 here, not a failure of the handler. Host-internal; plugins never see it.

#include <exception>
#include <string>

namespace agenthost::messaging {

struct ForwardedReply final : std::exception {
  ForwardedReply(int status, std::string body, bool reported_there)
      : status(status), body(std::move(body)), reported_there(reported_there) {}
  const char* what() const noexcept override { return body.c_str(); }

  int status;           // the wire status (wire_protocol.hpp) the program answered
  std::string body;     // its text, for the caller
  bool reported_there;  // the program put its failure on this host's error bus itself
};

}  // namespace agenthost::messaging
